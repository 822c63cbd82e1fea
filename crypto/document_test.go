package crypto

import (
	"bytes"
	"encoding/base64"
	"errors"
	mathrand "math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"filippo.io/age"
)

// TestDocumentBuckets seals and opens documents at every bucket boundary:
// JSON one byte short of a bucket, exactly a bucket, one byte more.
func TestDocumentBuckets(t *testing.T) {
	k := testKeys()
	type size struct{ json, bucket int }
	sizes := []size{{300, 1024}}
	for i, b := range BucketSizes {
		sizes = append(sizes, size{b - 1, b}, size{b, b})
		if i+1 < len(BucketSizes) {
			sizes = append(sizes, size{b + 1, BucketSizes[i+1]})
		}
	}
	for _, s := range sizes {
		d := testDocument(t, s.json)
		pt, err := PadDocument(d)
		if err != nil {
			t.Fatalf("%d: %v", s.json, err)
		}
		if len(pt) != s.bucket {
			t.Errorf("JSON of %d bytes padded to %d, want %d", s.json, len(pt), s.bucket)
		}
		if strings.TrimRight(string(pt[s.json:]), " ") != "" {
			t.Errorf("JSON of %d bytes: padding is not spaces", s.json)
		}
		ct, err := SealDocument(d, k.team.Recipient(), k.enquirer.Recipient())
		if err != nil {
			t.Fatalf("%d: %v", s.json, err)
		}
		if len(ct) != headerLen(2)+16+s.bucket+16 {
			t.Errorf("JSON of %d bytes: ciphertext %d bytes", s.json, len(ct))
		}
		for _, id := range []age.Identity{k.team, k.enquirer} {
			got, err := OpenDocument(ct, id)
			if err != nil {
				t.Fatalf("%d: %v", s.json, err)
			}
			doc, err := CheckDocument(got, Expect{Mailbox: testMailbox, MK: testMK, From: FromEnquirer})
			if err != nil {
				t.Fatalf("%d: %v", s.json, err)
			}
			if !reflect.DeepEqual(*doc, *d) {
				t.Errorf("%d: document changed", s.json)
			}
		}
		if _, err := OpenDocument(ct, k.other); err == nil {
			t.Errorf("%d: a third identity opens it", s.json)
		}
	}
	for _, n := range []int{65537, 70000} {
		d := testDocument(t, 1000)
		d.Body += strings.Repeat("y", n-1000)
		if _, err := PadDocument(d); !errors.Is(err, ErrTooLong) {
			t.Errorf("%d bytes: %v, want ErrTooLong", n, err)
		}
		if _, err := SealDocument(d, k.team.Recipient(), k.enquirer.Recipient()); !errors.Is(err, ErrTooLong) {
			t.Errorf("seal %d bytes: %v, want ErrTooLong", n, err)
		}
	}
	if _, err := SealDocument(testDocument(t, 500), nil, k.enquirer.Recipient()); err == nil {
		t.Error("sealed without a team recipient")
	}
}

func TestPadDocumentText(t *testing.T) {
	d := testDocument(t, 500)
	d.Body = `<script>&"</script> ✓ ` + "\u2028"
	pt, err := PadDocument(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pt, []byte(`"<script>&\"</script> ✓ \u2028"`)) {
		t.Errorf("body encoded as %q", pt[:bytes.IndexByte(pt, '}')])
	}
	got, err := CheckDocument(pt, Expect{Mailbox: testMailbox, MK: testMK, From: FromEnquirer})
	if err != nil || got.Body != d.Body {
		t.Errorf("round trip: %v", err)
	}
}

// TestPadDocumentRefuses: a writer never sends what the reader rules reject.
func TestPadDocumentRefuses(t *testing.T) {
	for name, mutate := range map[string]func(*Document){
		"version":   func(d *Document) { d.V = 2 },
		"type":      func(d *Document) { d.Type = "note" },
		"mailbox":   func(d *Document) { d.Mailbox = "F8EE9348BAC6AF4EE846FB2803A75774" },
		"id":        func(d *Document) { d.ID = "" },
		"mk":        func(d *Document) { d.MK = "WlpaWlpa" },
		"from":      func(d *Document) { d.From = "server" },
		"lang":      func(d *Document) { d.Lang = "Deutsch!" },
		"role":      func(d *Document) { d.Role = "victim" },
		"sent":      func(d *Document) { d.Sent = "28.11.2026" },
		"recipient": func(d *Document) { d.Recipient = "age1notakey" },
	} {
		d := testDocument(t, 500)
		mutate(d)
		if _, err := PadDocument(d); err == nil {
			t.Errorf("%s: padded", name)
		}
	}
}

func TestNewDocumentID(t *testing.T) {
	rng := mathrand.NewChaCha8([32]byte{5})
	seen := map[string]bool{}
	for range 100 {
		id, err := NewDocumentID(rng)
		if err != nil {
			t.Fatal(err)
		}
		if !validDocumentID(id) || seen[id] {
			t.Fatalf("id %q invalid or repeated", id)
		}
		seen[id] = true
	}
}

// A valid document as raw JSON, so that the tests can break it in ways the
// Document type cannot express.
const (
	goodMK    = "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo="
	otherMK   = "iYAx9Fu0W28qpWhq+9ZMuDN4h2AWg5nhfODOusPbnsY="
	rawFields = `"type":"message","mailbox":"` + testMailbox + `","id":"mUJ2nB3t0nQy8o1XQmLk3A",` +
		`"from":"enquirer","sent":"2026-11-28T13:05:00Z","lang":"de","body":"Hallo"`
	rawDoc = `{"v":1,"mk":"` + goodMK + `",` + rawFields + `}`
)

func pad(s string, size int) []byte {
	return append([]byte(s), bytes.Repeat([]byte(" "), size-len(s))...)
}

// replaceField swaps the first occurrence of old in rawDoc for new.
func replaceField(old, new string) string {
	if !strings.Contains(rawDoc, old) {
		panic("test: " + old + " not in rawDoc")
	}
	return strings.Replace(rawDoc, old, new, 1)
}

// TestCheckDocumentRules breaks each reader rule of PROTOCOL.md §4 once.
func TestCheckDocumentRules(t *testing.T) {
	want := Expect{Mailbox: testMailbox, MK: testMK, From: FromEnquirer}
	if _, err := CheckDocument(pad(rawDoc, 1024), want); err != nil {
		t.Fatalf("the valid document: %v", err)
	}
	x, _ := age.GenerateX25519Identity()
	for _, tc := range []struct {
		name   string
		pt     []byte
		want   Expect
		reason string
	}{
		{"not a bucket size", pad(rawDoc, 1000), want, "not a bucket size"},
		{"bucket size plus one", pad(rawDoc, 1025), want, "not a bucket size"},
		{"larger than any bucket", pad(rawDoc, 131072), want, "not a bucket size"},
		{"newline after the object", pad(rawDoc+"\n", 1024), want, "after the object"},
		{"tab after the object", pad(rawDoc+"   \t", 1024), want, "after the object"},
		{"NUL padding", append([]byte(rawDoc), make([]byte, 1024-len(rawDoc))...), want, "after the object"},
		{"second object", pad(rawDoc+" {}", 1024), want, "after the object"},
		{"repeated key", pad(replaceField(`"v":1,`, `"v":1,"type":"message",`), 1024), want, "repeated key"},
		{"repeated mk", pad(replaceField(`"v":1,`, `"v":1,"mk":"`+otherMK+`",`), 1024), want, "repeated key"},
		{"repeated key escaped", pad(replaceField(`"v":1,`, `"v":1,"m\u006b":"`+otherMK+`",`), 1024), want, "repeated key"},
		{"repeated key nested", pad(replaceField(`"v":1,`, `"v":1,"x":{"a":1,"b":{"a":2,"a":3}},`), 1024), want, "repeated key"},
		{"repeated key in array", pad(replaceField(`"v":1,`, `"v":1,"x":[1,{"a":1,"a":1}],`), 1024), want, "repeated key"},
		{"not an object", pad(`["v",1]`, 1024), want, "not a JSON object"},
		{"white space before the object", pad(" \n"+rawDoc, 1024), want, "not a JSON object"},
		{"nested too deeply", pad(replaceField(`"v":1,`, `"v":1,"x":`+strings.Repeat("[", maxDepth)+strings.Repeat("]", maxDepth)+`,`), 1024), want, "nested too deeply"},
		{"sent with a comma fraction", pad(replaceField(`2026-11-28T13:05:00Z`, `2026-11-28T13:05:00,5Z`), 1024), want, "sent"},
		{"sent offset +24:00", pad(replaceField(`2026-11-28T13:05:00Z`, `2026-11-28T13:05:00+24:00`), 1024), want, "sent"},
		{"sent offset -00:60", pad(replaceField(`2026-11-28T13:05:00Z`, `2026-11-28T13:05:00-00:60`), 1024), want, "sent"},
		{"malformed JSON", pad(rawDoc[:len(rawDoc)-1], 1024), want, "malformed JSON"},
		{"not UTF-8", pad(replaceField(`"Hallo"`, "\"Hal\xfflo\""), 1024), want, "not UTF-8"},
		{"v 2", pad(replaceField(`"v":1`, `"v":2`), 1024), want, "version"},
		{"v string", pad(replaceField(`"v":1`, `"v":"1"`), 1024), want, "v is not an integer"},
		{"v float", pad(replaceField(`"v":1`, `"v":1.0`), 1024), want, "v is not an integer"},
		{"v missing", pad(replaceField(`"v":1,`, ``), 1024), want, "version"},
		{"unknown type", pad(replaceField(`"type":"message"`, `"type":"receipt"`), 1024), want, "unknown type"},
		{"type missing", pad(replaceField(`"type":"message",`, ``), 1024), want, "unknown type"},
		{"type not a string", pad(replaceField(`"type":"message"`, `"type":["message"]`), 1024), want, "type is not a string"},
		{"other mailbox", pad(rawDoc, 1024), Expect{Mailbox: "eccbf68635bea0183e20db0dd913351c", MK: testMK, From: FromEnquirer}, "wrong mailbox"},
		{"malformed mailbox", pad(replaceField(testMailbox, strings.ToUpper(testMailbox)), 1024), want, "malformed mailbox"},
		{"other mk", pad(replaceField(goodMK, otherMK), 1024), want, "wrong mk"},
		{"mk not base64", pad(replaceField(goodMK, strings.Repeat("*", 44)), 1024), want, "malformed mk"},
		{"mk unpadded", pad(replaceField(goodMK, strings.TrimSuffix(goodMK, "=")), 1024), want, "malformed mk"},
		{"mk 16 bytes", pad(replaceField(goodMK, base64.StdEncoding.EncodeToString(make([]byte, 16))), 1024), want, "malformed mk"},
		{"mk 33 bytes unpadded", pad(replaceField(goodMK, strings.Repeat("A", 44)), 1024), want, "malformed mk"},
		{"mk missing", pad(replaceField(`"mk":"`+goodMK+`",`, ``), 1024), want, "malformed mk"},
		{"mk only in upper case", pad(replaceField(`"mk"`, `"MK"`), 1024), want, "malformed mk"},
		{"from differs", pad(replaceField(`"from":"enquirer"`, `"from":"counsellor"`), 1024), want, "from differs"},
		{"from unknown", pad(replaceField(`"from":"enquirer"`, `"from":"server"`), 1024), Expect{Mailbox: testMailbox, MK: testMK, From: "server"}, "unknown from"},
		{"lang empty", pad(replaceField(`"lang":"de"`, `"lang":""`), 1024), want, "lang"},
		{"lang word", pad(replaceField(`"lang":"de"`, `"lang":"Deutsch"`), 1024), want, "lang"},
		{"lang underscore", pad(replaceField(`"lang":"de"`, `"lang":"de_DE"`), 1024), want, "lang"},
		{"lang trailing dash", pad(replaceField(`"lang":"de"`, `"lang":"de-"`), 1024), want, "lang"},
		{"lang markup", pad(replaceField(`"lang":"de"`, `"lang":"de\"><b>"`), 1024), want, "lang"},
		{"lang too long", pad(replaceField(`"lang":"de"`, `"lang":"de`+strings.Repeat("-abcdefgh", 4)+`"`), 1024), want, "lang"},
		{"role unknown", pad(replaceField(`"lang":"de"`, `"lang":"de","role":"victim"`), 1024), want, "unknown role"},
		{"sent not a time", pad(replaceField(`2026-11-28T13:05:00Z`, `yesterday`), 1024), want, "sent"},
		{"sent without zone", pad(replaceField(`2026-11-28T13:05:00Z`, `2026-11-28T13:05:00`), 1024), want, "sent"},
		{"sent with space", pad(replaceField(`2026-11-28T13:05:00Z`, `2026-11-28 13:05:00Z`), 1024), want, "sent"},
		{"sent missing", pad(replaceField(`"sent":"2026-11-28T13:05:00Z",`, ``), 1024), want, "sent"},
		{"id short", pad(replaceField(`mUJ2nB3t0nQy8o1XQmLk3A`, `mUJ2nB3t0nQy8o1XQmLk3`), 1024), want, "malformed id"},
		{"id long", pad(replaceField(`mUJ2nB3t0nQy8o1XQmLk3A`, strings.Repeat("A", 200)), 1024), want, "malformed id"},
		{"id std base64", pad(replaceField(`mUJ2nB3t0nQy8o1XQmLk3A`, `mUJ2nB3t0nQy8o1XQmLk+A`), 1024), want, "malformed id"},
		{"body not a string", pad(replaceField(`"body":"Hallo"`, `"body":5`), 1024), want, "body is not a string"},
		{"name null", pad(replaceField(`"body":"Hallo"`, `"body":"Hallo","name":null`), 1024), want, "name is not a string"},
		{"recipient malformed", pad(replaceField(`"body":"Hallo"`, `"body":"Hallo","recipient":"age1pq1xyz"`), 1024), want, "malformed recipient"},
		{"recipient x25519", pad(replaceField(`"body":"Hallo"`, `"body":"Hallo","recipient":"`+x.Recipient().String()+`"`), 1024), want, "malformed recipient"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := CheckDocument(tc.pt, tc.want)
			var re *RejectError
			if !errors.As(err, &re) {
				t.Fatalf("= %+v, %v; want a *RejectError", d, err)
			}
			if !strings.Contains(re.Reason, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", re.Reason, tc.reason)
			}
			if strings.Contains(err.Error(), "Hallo") || strings.Contains(err.Error(), goodMK[:8]) {
				t.Errorf("error %q shows content", err)
			}
		})
	}
}

func TestCheckDocumentAccepts(t *testing.T) {
	want := Expect{Mailbox: testMailbox, MK: testMK, From: FromEnquirer}
	enq := testKeys().enquirer.Recipient().String()
	for _, tc := range []struct {
		name  string
		pt    []byte
		want  Expect
		check func(*Document) bool
	}{
		{"exact bucket", []byte(rawDoc + strings.Repeat(" ", 1024-len(rawDoc))), want, nil},
		{"2 KiB bucket", pad(rawDoc, 2048), want, nil},
		{"unknown fields", pad(replaceField(`"v":1,`, `"v":1,"x":{"y":[1,{"z":null}],"a":"b"},"reply_to":"abc",`), 1024), want, nil},
		{"same key in different objects", pad(replaceField(`"v":1,`, `"v":1,"x":{"v":2,"mk":"a"},"y":[{"v":1},{"v":1}],`), 1024), want,
			func(d *Document) bool { return d.V == 1 && d.MK == goodMK }},
		{"MK in upper case is an unknown field", pad(replaceField(`"v":1,`, `"v":1,"MK":"`+otherMK+`","Mk":"x",`), 1024), want,
			func(d *Document) bool { return d.MK == goodMK }},
		{"sent with offset and fraction", pad(replaceField(`2026-11-28T13:05:00Z`, `2026-11-28T14:05:00.123+01:00`), 1024), want, nil},
		{"lang with region", pad(replaceField(`"lang":"de"`, `"lang":"en-GB"`), 1024), want, nil},
		{"lang with script", pad(replaceField(`"lang":"de"`, `"lang":"zh-Hant-TW"`), 1024), want, nil},
		{"roles", pad(replaceField(`"lang":"de"`, `"lang":"de","role":"professional"`), 1024), want,
			func(d *Document) bool { return d.Role == "professional" }},
		{"mk taken", pad(rawDoc, 1024), Expect{Mailbox: testMailbox, From: FromEnquirer},
			func(d *Document) bool { return d.MK == goodMK }},
		{"recipient kept", pad(replaceField(`"body":"Hallo"`, `"body":"Hallo","recipient":"`+enq+`"`), 4096), want,
			func(d *Document) bool { return d.Recipient == enq }},
		{"enquirer name dropped", pad(replaceField(`"body":"Hallo"`, `"body":"Hallo","name":"Counsellor Anna"`), 1024), want,
			func(d *Document) bool { return d.Name == "" }},
		{"counsellor keeps name, drops role and recipient",
			pad(replaceField(`"from":"enquirer"`, `"from":"counsellor","name":"Anna","role":"affected","recipient":"`+enq+`"`), 4096),
			Expect{Mailbox: testMailbox, MK: testMK, From: FromCounsellor},
			func(d *Document) bool {
				return d.Name == "Anna" && d.Role == "" && d.Recipient == "" && d.From == FromCounsellor
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := CheckDocument(tc.pt, tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil && !tc.check(d) {
				t.Errorf("document %+v", d)
			}
		})
	}
}

// TestReadThread reads a thread with a forged, a broken, a duplicate and a
// misdirected message, as a counsellor and as the enquirer.
func TestReadThread(t *testing.T) {
	k := testKeys()
	team, enq := k.team.Recipient(), k.enquirer.Recipient()
	seal := func(d *Document) []byte {
		ct, err := SealDocument(d, team, enq)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	first := testDocument(t, 500)
	first.Recipient = enq.String()
	reply := testDocument(t, 500)
	reply.From, reply.Name, reply.Role, reply.ID = FromCounsellor, "Anna", "", "AAAAAAAAAAAAAAAAAAAAAA"
	again := testDocument(t, 500)
	again.ID, again.Recipient = "BBBBBBBBBBBBBBBBBBBBBA", enq.String()
	forged := testDocument(t, 500)
	forged.MK, forged.ID = otherMK, "CCCCCCCCCCCCCCCCCCCCCA"
	elsewhere := testDocument(t, 500)
	elsewhere.Mailbox, elsewhere.ID = "eccbf68635bea0183e20db0dd913351c", "DDDDDDDDDDDDDDDDDDDDDA"
	toOther, err := SealDocument(testDocument(t, 500), team, k.other.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	replyCT := seal(reply)
	msgs := []StoredMessage{
		{1, FromEnquirer, seal(first)},
		{2, FromCounsellor, replyCT},
		{3, FromEnquirer, seal(again)},
		{4, FromCounsellor, replyCT},         // the same document again
		{5, FromEnquirer, seal(forged)},      // mk of another mailbox
		{6, FromEnquirer, []byte("garbage")}, // fails the policy
		{7, FromEnquirer, seal(elsewhere)},   // another mailbox's document
		{8, FromEnquirer, replyCT},           // from differs from the server's
		{9, FromEnquirer, toOther},           // not to the enquirer; id of seq 1
	}
	const (
		ok = iota
		dup
		rejected
		policy
		undecryptable
	)
	check := func(t *testing.T, in []StoredMessage, entries []ThreadEntry, want []int) {
		t.Helper()
		if len(entries) != len(want) {
			t.Fatalf("%d entries, want %d", len(entries), len(want))
		}
		for i, e := range entries {
			var re *RejectError
			var pe *PolicyError
			got := -1
			switch {
			case e.Err == nil && e.Doc != nil && !e.Duplicate:
				got = ok
			case e.Err == nil && e.Doc != nil && e.Duplicate:
				got = dup
			case errors.As(e.Err, &re) && e.Doc == nil:
				got = rejected
			case errors.As(e.Err, &pe) && e.Doc == nil:
				got = policy
			case e.Err != nil && e.Doc == nil:
				got = undecryptable
			}
			if got != want[i] || e.Seq != in[i].Seq || e.From != in[i].From {
				t.Errorf("seq %d: kind %d (%v), want %d", e.Seq, got, e.Err, want[i])
			}
		}
	}

	t.Run("counsellor", func(t *testing.T) {
		entries, mk := ReadThread(testMailbox, nil, msgs, k.team)
		check(t, msgs, entries, []int{ok, ok, ok, dup, rejected, policy, rejected, rejected, dup})
		if !bytes.Equal(mk, testMK) {
			t.Errorf("mk %x", mk)
		}
		if entries[0].Doc.Recipient != enq.String() || entries[2].Doc.Recipient != "" {
			t.Error("only the first enquirer document may carry the recipient")
		}
		if entries[1].Doc.Name != "Anna" || entries[1].From != FromCounsellor {
			t.Errorf("reply: %+v", entries[1])
		}
	})
	t.Run("enquirer", func(t *testing.T) {
		mk := bytes.Clone(testMK)
		entries, got := ReadThread(testMailbox, mk, msgs, k.enquirer)
		check(t, msgs, entries, []int{ok, ok, ok, dup, rejected, policy, rejected, rejected, undecryptable})
		if !bytes.Equal(got, testMK) {
			t.Errorf("mk %x", got)
		}
		got[0] ^= 1
		if !bytes.Equal(mk, testMK) {
			t.Error("the returned mk aliases the caller's")
		}
	})
	t.Run("wrong mk", func(t *testing.T) {
		entries, _ := ReadThread(testMailbox, make([]byte, 32), msgs[:3], k.enquirer)
		check(t, msgs[:3], entries, []int{rejected, rejected, rejected})
	})
	t.Run("counsellor without the first document", func(t *testing.T) {
		entries, mk := ReadThread(testMailbox, nil, msgs[1:4], k.team)
		check(t, msgs[1:4], entries, []int{rejected, rejected, rejected})
		if mk != nil {
			t.Errorf("mk %x taken from a later document", mk)
		}
	})
	t.Run("counsellor with a broken first document", func(t *testing.T) {
		broken := append([]StoredMessage{{1, FromEnquirer, []byte("garbage")}}, msgs[1:4]...)
		entries, mk := ReadThread(testMailbox, nil, broken, k.team)
		if entries[0].Err == nil || mk != nil {
			t.Fatalf("first: %v, mk %x", entries[0].Err, mk)
		}
		for _, e := range entries[1:] {
			if e.Doc != nil || e.Err == nil {
				t.Errorf("seq %d accepted without a mailbox key", e.Seq)
			}
		}
	})
	t.Run("counsellor with a first document from the counsellor", func(t *testing.T) {
		swapped := []StoredMessage{{1, FromCounsellor, replyCT}, msgs[2]}
		entries, mk := ReadThread(testMailbox, nil, swapped, k.team)
		if entries[0].Doc != nil || entries[1].Doc != nil || mk != nil {
			t.Errorf("mk taken from a counsellor document: %x", mk)
		}
	})
}
