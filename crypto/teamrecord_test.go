package crypto

import (
	"bytes"
	"crypto/hmac"
	stdsha256 "crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

type teamRecordVector struct {
	Comment         string `json:"comment"`
	Epoch           int    `json:"epoch"`
	IdentitySeedHex string `json:"identity_seed_hex"`
	Identity        string `json:"identity"`
	TeamMACKeyHex   string `json:"team_mac_key_hex"`
	JSON            string `json:"json"`
	MACHex          string `json:"mac_hex"`
	PlaintextBase64 string `json:"plaintext_base64"`
}

// TestTeamRecordVectors runs testdata/teamrecord-v1.json, which Python's
// hmac and hashlib computed (testdata/teamrecord-v1.py): the key from the
// identity, the MAC over the JSON, the plaintext, and the writer's JSON
// byte for byte.
func TestTeamRecordVectors(t *testing.T) {
	var file struct {
		Source  string             `json:"source"`
		Vectors []teamRecordVector `json:"vectors"`
	}
	readJSON(t, "teamrecord-v1.json", &file)
	if len(file.Vectors) < 3 {
		t.Fatalf("%d vectors", len(file.Vectors))
	}
	for _, v := range file.Vectors {
		t.Run(v.Comment, func(t *testing.T) {
			seed := mustHex(t, v.IdentitySeedHex)
			if id, err := IdentityFromSeed(seed); err != nil || id.String() != v.Identity {
				t.Fatalf("IdentityFromSeed: %v, %v", id, err)
			}
			id, err := age.ParseHybridIdentity(v.Identity)
			if err != nil {
				t.Fatal(err)
			}
			key, err := TeamMACKeyOf(v.Epoch, id)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(key.key[:]); got != v.TeamMACKeyHex || key.Epoch() != v.Epoch {
				t.Fatalf("key %s of epoch %d, want %s of %d", got, key.Epoch(), v.TeamMACKeyHex, v.Epoch)
			}
			pt, err := base64.StdEncoding.DecodeString(v.PlaintextBase64)
			if err != nil {
				t.Fatal(err)
			}
			if want := append(mustHex(t, v.MACHex), v.JSON...); !bytes.Equal(pt, want) {
				t.Fatal("plaintext is not mac || json")
			}
			var head struct {
				Type string `json:"type"`
				Case string `json:"case"`
			}
			if err := json.Unmarshal([]byte(v.JSON), &head); err != nil {
				t.Fatal(err)
			}
			want := TeamRecordExpect{Type: head.Type, Case: head.Case}
			rec, err := openTeamPlaintext(pt, want, map[int]TeamMACKey{v.Epoch: key})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			again, err := teamRecordPlaintext(rec, key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, pt) {
				t.Fatalf("written again:\n%s\nwant\n%s", again[teamMACSize:], v.JSON)
			}
			if rec.Type != RecordPin {
				return
			}
			// The pin vector's case is kdf-v1.json[0]'s.
			var kdf []kdfVector
			readJSON(t, "kdf-v1.json", &kdf)
			first := &Document{MK: kdf[0].MailboxKeyBase64, Recipient: kdf[0].Recipient}
			pin, err := CasePinOf(first)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rec.CasePin()
			if err != nil {
				t.Fatal(err)
			}
			if c := pin.Compare(got); c != PinSame {
				t.Fatalf("pin of the vector: %v", c)
			}
			written := PinRecord(pin, rec.Case, rec.Author, rec.Epoch, rec.Written)
			if js, err := marshalTeamRecord(written); err != nil || string(js) != v.JSON {
				t.Fatalf("PinRecord:\n%s\n%v", js, err)
			}
		})
	}
}

// testTeamMACKeys are the MAC keys of two epochs of testKeys' team.
func testTeamMACKeys(t testing.TB) (k1, k2 TeamMACKey) {
	t.Helper()
	k := testKeys()
	k1, err := TeamMACKeyOf(1, k.other)
	if err != nil {
		t.Fatal(err)
	}
	k2, err = TeamMACKeyOf(2, k.team)
	if err != nil {
		t.Fatal(err)
	}
	return k1, k2
}

func testNote(epoch int) *TeamRecord {
	return &TeamRecord{Type: RecordNote, Epoch: epoch, Case: testMailbox, Author: "alice",
		Written: time.Date(2026, 12, 2, 4, 5, 6, 700, time.FixedZone("", 3600)),
		Fields:  map[string]json.RawMessage{"text": json.RawMessage(`"Anruf am Montag, <b>nicht</b> vor 10"`)}}
}

func TestTeamRecordRoundTrip(t *testing.T) {
	k := testKeys()
	k1, k2 := testTeamMACKeys(t)
	keys := map[int]TeamMACKey{1: k1, 2: k2}
	rec := testNote(2)
	ct, err := SealTeamRecord(rec, k2, k.team.Recipient(), k.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	want := TeamRecordExpect{Type: RecordNote, Case: testMailbox}
	// The team's identity and the counsellor's own both open it.
	for _, ids := range [][]age.Identity{{k.team}, {k.other, k.enquirer}} {
		got, err := OpenTeamRecord(ct, want, ids, keys)
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != rec.Type || got.Epoch != 2 || got.Case != rec.Case || got.Author != rec.Author ||
			!got.Written.Equal(rec.Written) || len(got.Fields) != 1 ||
			string(got.Fields["text"]) != string(rec.Fields["text"]) {
			t.Fatalf("got %+v", got)
		}
	}
	// A reader without the record's epoch cannot authenticate it.
	_, err = OpenTeamRecord(ct, want, []age.Identity{k.team}, map[int]TeamMACKey{1: k1})
	assertRefused(t, err, false, "epoch")
	// Nor can anyone outside the recipients read it.
	if _, err := OpenTeamRecord(ct, want, []age.Identity{k.other}, keys); err == nil {
		t.Fatal("opened without a recipient's identity")
	}

	// Every type has one record that round-trips.
	recipient := k.enquirer.Recipient().String()
	for _, r := range []*TeamRecord{
		{Type: RecordTags, Case: testMailbox, Fields: map[string]json.RawMessage{"tags": json.RawMessage(`["dringend", "Rückruf"]`)}},
		{Type: RecordBlocks, Fields: map[string]json.RawMessage{"blocks": json.RawMessage(`[{"title":"a","body":"b"}]`)}},
		{Type: RecordDirectory, Fields: map[string]json.RawMessage{"entries": json.RawMessage(`[]`)}},
		PinRecord(CasePin{MKHash: stdsha256.Sum256(testMK), Recipient: recipient}, testMailbox, "", 0, time.Time{}),
	} {
		r.Epoch, r.Author, r.Written = 1, "b0b", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		ct, err := SealTeamRecord(r, k1, k.team.Recipient())
		if err != nil {
			t.Fatalf("%s: %v", r.Type, err)
		}
		got, err := OpenTeamRecord(ct, TeamRecordExpect{Type: r.Type, Case: r.Case}, []age.Identity{k.team}, keys)
		if err != nil {
			t.Fatalf("%s: %v", r.Type, err)
		}
		if got.Type != r.Type || got.Case != r.Case || len(got.Fields) != len(r.Fields) {
			t.Fatalf("%s: got type %q, case %q, %d fields", r.Type, got.Type, got.Case, len(got.Fields))
		}
	}
}

// assertRefused checks a *TeamRecordError whose reason contains reason.
func assertRefused(t *testing.T, err error, authentic bool, reason string) {
	t.Helper()
	var re *TeamRecordError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want a *TeamRecordError", err)
	}
	if re.Authentic != authentic || !strings.Contains(re.Reason, reason) {
		t.Fatalf("refused with %q (authentic %v), want %q (authentic %v)", re.Reason, re.Authentic, reason, authentic)
	}
}

// TestTeamRecordWithoutMAC is the attack of §11: the server knows the team
// recipient and seals a record of its own to it.
func TestTeamRecordWithoutMAC(t *testing.T) {
	k := testKeys()
	k1, _ := testTeamMACKeys(t)
	keys := map[int]TeamMACKey{1: k1}
	js, err := marshalTeamRecord(testNote(1))
	if err != nil {
		t.Fatal(err)
	}
	want := TeamRecordExpect{Type: RecordNote, Case: testMailbox}
	for name, pt := range map[string][]byte{
		"json only":          js,
		"zero MAC":           append(make([]byte, teamMACSize), js...),
		"MAC without a key":  append(hmacOf(make([]byte, 32), js), js...),
		"MAC of other bytes": append(k1.sum(append(js, ' ')), js...),
	} {
		ct := mustEncrypt(t, pt, k.team.Recipient())
		rec, err := OpenTeamRecord(ct, want, []age.Identity{k.team}, keys)
		if rec != nil {
			t.Fatalf("%s: returned a record", name)
		}
		assertRefused(t, err, false, "")
	}
	// The control: the same JSON with its MAC is accepted.
	ct := mustEncrypt(t, append(k1.sum(js), js...), k.team.Recipient())
	if _, err := OpenTeamRecord(ct, want, []age.Identity{k.team}, keys); err != nil {
		t.Fatal(err)
	}
}

func hmacOf(key, b []byte) []byte {
	m := hmac.New(stdsha256.New, key)
	m.Write(b)
	return m.Sum(nil)
}

// TestTeamRecordTampered flips the low and the high bit of every byte of a
// plaintext, cuts it short, and flips a byte of a ciphertext.
func TestTeamRecordTampered(t *testing.T) {
	k1, _ := testTeamMACKeys(t)
	keys := map[int]TeamMACKey{1: k1}
	pt, err := teamRecordPlaintext(testNote(1), k1)
	if err != nil {
		t.Fatal(err)
	}
	want := TeamRecordExpect{Type: RecordNote, Case: testMailbox}
	if _, err := openTeamPlaintext(bytes.Clone(pt), want, keys); err != nil {
		t.Fatal(err)
	}
	for i := range pt {
		for _, x := range []byte{0x01, 0x80} {
			bad := bytes.Clone(pt)
			bad[i] ^= x
			rec, err := openTeamPlaintext(bad, want, keys)
			if rec != nil || err == nil {
				t.Fatalf("byte %d ^ %#x: accepted", i, x)
			}
			// Changing the epoch's digit to 0 or a character leaves no key
			// to check; everything else fails the MAC or the framing.
			var re *TeamRecordError
			if !errors.As(err, &re) || re.Authentic {
				t.Fatalf("byte %d ^ %#x: %v", i, x, err)
			}
		}
	}
	for _, n := range []int{0, 1, teamMACSize, teamMACSize + 1, len(pt) - 1} {
		assertRefused(t, func() error { _, err := openTeamPlaintext(pt[:n], want, keys); return err }(), false, "")
	}

	k := testKeys()
	ct, err := SealTeamRecord(testNote(1), k1, k.team.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	ct[len(ct)-20] ^= 1
	if rec, err := OpenTeamRecord(ct, want, []age.Identity{k.team}, keys); rec != nil || err == nil {
		t.Fatal("tampered ciphertext accepted")
	}
}

// TestTeamRecordOtherEpoch: the key is the one of the record's epoch, not
// any key the reader holds.
func TestTeamRecordOtherEpoch(t *testing.T) {
	k1, k2 := testTeamMACKeys(t)
	want := TeamRecordExpect{Type: RecordNote, Case: testMailbox}
	js, err := marshalTeamRecord(testNote(2))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		mac  TeamMACKey
		keys map[int]TeamMACKey
		ok   bool
	}{
		"own epoch's key":               {k2, map[int]TeamMACKey{1: k1, 2: k2}, true},
		"epoch 1's key on an epoch 2":   {k1, map[int]TeamMACKey{1: k1, 2: k2}, false},
		"key filed under another epoch": {k1, map[int]TeamMACKey{1: k1, 2: k1}, false},
		"epoch not held":                {k2, map[int]TeamMACKey{1: k1}, false},
	} {
		pt := append(tc.mac.sum(js), js...)
		rec, err := openTeamPlaintext(pt, want, tc.keys)
		if tc.ok != (err == nil) || tc.ok != (rec != nil) {
			t.Errorf("%s: %v", name, err)
		}
		if !tc.ok {
			assertRefused(t, err, false, "")
		}
	}
}

// TestTeamRecordStrict gives authentic records, each MAC'd correctly, that
// break one rule; the first ones are valid controls.
func TestTeamRecordStrict(t *testing.T) {
	k1, _ := testTeamMACKeys(t)
	keys := map[int]TeamMACKey{1: k1}
	const head = `{"v":1,"type":"note","epoch":1,"case":"` + testMailbox + `","author":"alice","written":`
	note := func(written, rest string) string { return head + `"` + written + `"` + rest + `}` }
	ok := note("2026-12-02T04:05:06Z", `,"text":"hallo"`)
	want := TeamRecordExpect{Type: RecordNote, Case: testMailbox}
	recipient := testKeys().enquirer.Recipient().String()
	pin := `{"v":1,"type":"pin","epoch":1,"case":"` + testMailbox + `","author":"alice","written":"2026-12-02T04:05:06Z",`
	pinWant := TeamRecordExpect{Type: RecordPin, Case: testMailbox}
	mkHex := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, js  string
		want      TeamRecordExpect
		reason    string // "" for a valid record
		authentic bool
	}{
		{"valid", ok, want, "", true},
		{"valid with offset and fraction", note("2026-12-02T04:05:06.123456789+23:59", `,"text":""`), want, "", true},
		{"valid, fields in another order", `{"text":"x","written":"2026-12-02T04:05:06Z","author":"alice","case":"` + testMailbox + `","epoch":1,"type":"note","v":1}`, want, "", true},
		{"valid pin", pin + `"mk_sha256":"` + mkHex + `","recipient":"` + recipient + `"}`, pinWant, "", true},

		{"unknown field", note("2026-12-02T04:05:06Z", `,"text":"x","extra":1`), want, "unknown field", true},
		{"field name in another case", note("2026-12-02T04:05:06Z", `,"Text":"x"`), want, "unknown field", true},
		{"header name in another case", note("2026-12-02T04:05:06Z", `,"text":"x","Epoch":2`), want, "unknown field", true},
		{"repeated key", note("2026-12-02T04:05:06Z", `,"text":"x","text":"y"`), want, "repeated key", false},
		{"repeated key, nested", `{"v":1,"type":"blocks","epoch":1,"author":"a","written":"2026-12-02T04:05:06Z","blocks":[{"t":1,"t":2}]}`, TeamRecordExpect{Type: RecordBlocks}, "repeated key", false},
		{"missing field", note("2026-12-02T04:05:06Z", ``), want, "missing text", true},
		{"field of the wrong JSON type", note("2026-12-02T04:05:06Z", `,"text":5`), want, "wrong JSON type", true},
		{"null field", note("2026-12-02T04:05:06Z", `,"text":null`), want, "wrong JSON type", true},
		{"tag not a string", `{"v":1,"type":"tags","epoch":1,"case":"` + testMailbox + `","author":"a","written":"2026-12-02T04:05:06Z","tags":["a",1]}`, TeamRecordExpect{Type: RecordTags, Case: testMailbox}, "wrong JSON type", true},
		{"entry not an object", `{"v":1,"type":"directory","epoch":1,"author":"a","written":"2026-12-02T04:05:06Z","entries":[null]}`, TeamRecordExpect{Type: RecordDirectory}, "wrong JSON type", true},
		{"wrong type", ok, TeamRecordExpect{Type: RecordTags, Case: testMailbox}, "type asked for", true},
		{"wrong case", ok, TeamRecordExpect{Type: RecordNote, Case: strings.Repeat("0", 32)}, "case asked for", true},
		{"unknown type", strings.Replace(ok, `"note"`, `"memo"`, 1), TeamRecordExpect{Type: "memo", Case: testMailbox}, "unknown type", true},
		{"case in a record of no case", `{"v":1,"type":"blocks","epoch":1,"case":"` + testMailbox + `","author":"a","written":"2026-12-02T04:05:06Z","blocks":[]}`, TeamRecordExpect{Type: RecordBlocks, Case: testMailbox}, "record of no case", true},
		{"no case in a note", strings.Replace(ok, `"case":"`+testMailbox+`",`, "", 1), TeamRecordExpect{Type: RecordNote}, "malformed case", true},
		{"upper-case case", strings.Replace(ok, testMailbox, strings.ToUpper(testMailbox), 1), TeamRecordExpect{Type: RecordNote, Case: strings.ToUpper(testMailbox)}, "malformed case", true},
		{"malformed author", strings.Replace(ok, `"alice"`, `"Alice"`, 1), want, "malformed author", true},
		{"author not a string", strings.Replace(ok, `"alice"`, `7`, 1), want, "author is not a string", true},
		{"version 2", strings.Replace(ok, `"v":1`, `"v":2`, 1), want, "version", true},
		{"version as a string", strings.Replace(ok, `"v":1`, `"v":"1"`, 1), want, "version", true},
		{"version 1.0", strings.Replace(ok, `"v":1`, `"v":1.0`, 1), want, "version", true},
		{"no written", strings.Replace(ok, `"written":"2026-12-02T04:05:06Z",`, "", 1), want, "no written", true},
		{"comma fraction", note("2026-11-28T13:05:00,5Z", `,"text":""`), want, "RFC 3339", true},
		{"offset +24:00", note("2026-11-28T13:05:00+24:00", `,"text":""`), want, "RFC 3339", true},
		{"offset -00:60", note("2026-11-28T13:05:00-00:60", `,"text":""`), want, "RFC 3339", true},
		{"no offset", note("2026-11-28T13:05:00", `,"text":""`), want, "RFC 3339", true},
		{"date only", note("2026-11-28", `,"text":""`), want, "RFC 3339", true},
		{"hour 24", note("2026-11-28T24:05:00Z", `,"text":""`), want, "RFC 3339", true},
		{"February 30", note("2026-02-30T13:05:00Z", `,"text":""`), want, "RFC 3339", true},
		{"ten fraction digits", note("2026-11-28T13:05:00.1234567890Z", `,"text":""`), want, "RFC 3339", true},
		{"pin, upper-case hex", pin + `"mk_sha256":"` + strings.ToUpper(mkHex) + `","recipient":"` + recipient + `"}`, pinWant, "mk_sha256", true},
		{"pin, short hash", pin + `"mk_sha256":"` + mkHex[2:] + `","recipient":"` + recipient + `"}`, pinWant, "mk_sha256", true},
		{"pin, X25519 recipient", pin + `"mk_sha256":"` + mkHex + `","recipient":"age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"}`, pinWant, "malformed recipient", true},

		{"white space before the object", " " + ok, want, "no JSON object", false},
		{"white space after the object", ok + " ", want, "data after", false},
		{"a second object", ok + "{}", want, "data after", false},
		{"an array", "[" + ok + "]", want, "no JSON object", false},
		{"epoch 0", strings.Replace(ok, `"epoch":1`, `"epoch":0`, 1), want, "epoch", false},
		{"epoch 01", strings.Replace(ok, `"epoch":1`, `"epoch":01`, 1), want, "", false},
		{"epoch 1.0", strings.Replace(ok, `"epoch":1`, `"epoch":1.0`, 1), want, "epoch", false},
		{"epoch as a string", strings.Replace(ok, `"epoch":1`, `"epoch":"1"`, 1), want, "epoch", false},
		{"epoch 1e0", strings.Replace(ok, `"epoch":1`, `"epoch":1e0`, 1), want, "epoch", false},
		{"epoch too large", strings.Replace(ok, `"epoch":1`, `"epoch":99999999999`, 1), want, "epoch", false},
		{"no epoch", strings.Replace(ok, `"epoch":1,`, ``, 1), want, "epoch", false},
		{"malformed JSON", ok[:len(ok)-1] + ",}", want, "malformed JSON", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := []byte(tc.js)
			pt := append(k1.sum(js), js...)
			rec, err := openTeamPlaintext(pt, tc.want, keys)
			if tc.reason == "" && tc.authentic {
				if err != nil {
					t.Fatal(err)
				}
				// What was read writes back as a record that reads the same.
				again, err := teamRecordPlaintext(rec, k1)
				if err != nil {
					t.Fatal(err)
				}
				if rec2, err := openTeamPlaintext(again, tc.want, keys); err != nil || !rec2.Written.Equal(rec.Written) {
					t.Fatalf("written again: %v", err)
				}
				return
			}
			if rec != nil {
				t.Fatal("returned a record")
			}
			assertRefused(t, err, tc.authentic, tc.reason)
		})
	}
}

func TestSealTeamRecordRefuses(t *testing.T) {
	k := testKeys()
	k1, k2 := testTeamMACKeys(t)
	to := k.team.Recipient()
	for name, f := range map[string]func() ([]byte, error){
		"key of another epoch": func() ([]byte, error) { return SealTeamRecord(testNote(1), k2, to) },
		"no key":               func() ([]byte, error) { return SealTeamRecord(testNote(1), TeamMACKey{}, to) },
		"no recipient":         func() ([]byte, error) { return SealTeamRecord(testNote(1), k1) },
		"nil recipient":        func() ([]byte, error) { return SealTeamRecord(testNote(1), k1, to, nil) },
		"bad author": func() ([]byte, error) {
			r := testNote(1)
			r.Author = "Alice"
			return SealTeamRecord(r, k1, to)
		},
		"year 10000": func() ([]byte, error) {
			r := testNote(1)
			r.Written = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
			return SealTeamRecord(r, k1, to)
		},
		"field not JSON": func() ([]byte, error) {
			r := testNote(1)
			r.Fields["text"] = json.RawMessage(`"x`)
			return SealTeamRecord(r, k1, to)
		},
		"field of another type": func() ([]byte, error) {
			r := testNote(1)
			r.Fields["tags"] = json.RawMessage(`[]`)
			return SealTeamRecord(r, k1, to)
		},
		"repeated key inside a field": func() ([]byte, error) {
			r := testNote(1)
			r.Type, r.Case = RecordBlocks, ""
			r.Fields = map[string]json.RawMessage{"blocks": json.RawMessage(`[{"title":"a","title":"b"}]`)}
			return SealTeamRecord(r, k1, to)
		},
		"invalid UTF-8": func() ([]byte, error) {
			r := testNote(1)
			r.Fields["text"] = json.RawMessage("\"\xff\"")
			return SealTeamRecord(r, k1, to)
		},
		"case in blocks": func() ([]byte, error) {
			r := testNote(1)
			r.Type, r.Fields = RecordBlocks, map[string]json.RawMessage{"blocks": json.RawMessage(`[]`)}
			return SealTeamRecord(r, k1, to)
		},
		"too long": func() ([]byte, error) {
			r := testNote(1)
			r.Fields["text"], _ = json.Marshal(strings.Repeat("x", maxTeamRecord))
			return SealTeamRecord(r, k1, to)
		},
	} {
		if ct, err := f(); err == nil || ct != nil {
			t.Errorf("%s: sealed", name)
		}
	}
	if _, err := SealTeamRecord(testNote(1), k1, to); err != nil {
		t.Fatalf("control: %v", err)
	}
}

func TestTeamMACKeys(t *testing.T) {
	k := testKeys()
	ring := &Keyring{V: 1,
		Members: []Member{{ID: "alice", Name: "Alice", Recipient: k.enquirer.Recipient().String()}},
		Epochs:  []EpochKey{{Epoch: 1, Identity: k.other.String()}, {Epoch: 2, Identity: k.team.String()}}}
	if err := ring.Validate(); err != nil {
		t.Fatal(err)
	}
	keys, err := TeamMACKeys(ring)
	if err != nil {
		t.Fatal(err)
	}
	k1, k2 := testTeamMACKeys(t)
	if len(keys) != 2 || keys[1] != k1 || keys[2] != k2 || keys[1].key == keys[2].key {
		t.Fatalf("keys %v", keys)
	}
	if _, err := TeamMACKeyOf(0, k.team); err == nil {
		t.Error("epoch 0 accepted")
	}
	if _, err := TeamMACKeyOf(1, nil); err == nil {
		t.Error("nil identity accepted")
	}
	k1.Wipe()
	if k1 != (TeamMACKey{}) {
		t.Error("Wipe left the key")
	}
}

func TestCasePin(t *testing.T) {
	k := testKeys()
	r1, r2 := k.enquirer.Recipient().String(), k.other.Recipient().String()
	mk := base64.StdEncoding.EncodeToString(testMK)
	otherMK := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	pin, err := CasePinOf(&Document{MK: mk, Recipient: r1})
	if err != nil {
		t.Fatal(err)
	}
	if pin.MKHash != stdsha256.Sum256(testMK) || pin.Recipient != r1 {
		t.Fatalf("pin %+v", pin)
	}
	for _, tc := range []struct {
		mk, recipient string
		want          PinChange
		text          string
	}{
		{mk, r1, PinSame, "same"},
		{otherMK, r1, PinChangedMK, "changed mk"},
		{mk, r2, PinChangedRecipient, "changed recipient"},
		{otherMK, r2, PinChangedMK | PinChangedRecipient, "changed mk and recipient"},
	} {
		now, err := CasePinOf(&Document{MK: tc.mk, Recipient: tc.recipient})
		if err != nil {
			t.Fatal(err)
		}
		if c := pin.Compare(now); c != tc.want || c.String() != tc.text {
			t.Errorf("Compare: %v, want %v", c, tc.want)
		}
	}
	for _, d := range []*Document{nil, {MK: mk}, {MK: "x", Recipient: r1}, {MK: mk, Recipient: "age1x"}} {
		if _, err := CasePinOf(d); err == nil {
			t.Errorf("CasePinOf(%+v): no error", d)
		}
	}
	if _, err := testNote(1).CasePin(); err == nil {
		t.Error("a note read as a pin")
	}
}

// FuzzTeamRecord feeds JSON under a valid MAC to the reader: it must not
// panic, and what it accepts must be valid, write back and read the same.
func FuzzTeamRecord(f *testing.F) {
	k1, _ := testTeamMACKeys(f)
	keys := map[int]TeamMACKey{1: k1}
	for _, r := range []*TeamRecord{testNote(1),
		PinRecord(CasePin{Recipient: testKeys().enquirer.Recipient().String()}, testMailbox, "alice", 1, time.Unix(0, 0))} {
		js, err := marshalTeamRecord(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(js, false)
	}
	f.Add([]byte(`{"v":1,"type":"blocks","epoch":1,"author":"a","written":"2026-12-02T04:05:06Z","blocks":[{"a":[1,{"b":null}]}]}`), false)
	f.Add([]byte(`{"v":1,"type":"tags","epoch":1,"case":"`+testMailbox+`","author":"a","written":"2026-12-02T04:05:06Z","tags":[]}`), true)
	f.Fuzz(func(t *testing.T, js []byte, badMAC bool) {
		mac := k1.sum(js)
		if badMAC {
			mac[0] ^= 1
		}
		pt := append(mac, js...)
		var head struct {
			Type string `json:"type"`
			Case string `json:"case"`
		}
		json.Unmarshal(js, &head)
		want := TeamRecordExpect{Type: head.Type, Case: head.Case}
		rec, err := openTeamPlaintext(pt, want, keys)
		if err != nil {
			var re *TeamRecordError
			if !errors.As(err, &re) || rec != nil {
				t.Fatalf("error %v", err)
			}
			return
		}
		if badMAC {
			t.Fatal("accepted a wrong MAC")
		}
		if rec.Type != want.Type || rec.Case != want.Case || rec.Epoch != 1 {
			t.Fatalf("accepted %+v", rec)
		}
		again, err := teamRecordPlaintext(rec, k1)
		if err != nil {
			t.Fatalf("written again: %v", err)
		}
		rec2, err := openTeamPlaintext(again, want, keys)
		if err != nil || !rec2.Written.Equal(rec.Written) || rec2.Author != rec.Author || len(rec2.Fields) != len(rec.Fields) {
			t.Fatalf("round trip: %v", err)
		}
		// The writer's form is a fixed point.
		if third, _ := teamRecordPlaintext(rec2, k1); !bytes.Equal(third, again) {
			t.Fatal("writing is not stable")
		}
	})
}
