package domain

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
)

// parsers maps each kind of value to its constructor, reduced to what the
// table checks: the text form of a value that parsed.
var parsers = map[string]func(string) (string, error){
	"mailbox id": func(s string) (string, error) {
		v, err := ParseMailboxID(s)
		return v.String(), err
	},
	"case reference": func(s string) (string, error) {
		v, err := ParseCaseRef(s)
		return v.String(), err
	},
	"counsellor id": func(s string) (string, error) {
		v, err := ParseCounsellorID(s)
		return v.String(), err
	},
	"display name": func(s string) (string, error) {
		v, err := ParseDisplayName(s)
		return v.String(), err
	},
	"stored display name": func(s string) (string, error) {
		v, err := ParseStoredDisplayName(s)
		return v.String(), err
	},
	"organisation slug": func(s string) (string, error) {
		v, err := ParseSlug(s)
		return v.String(), err
	},
	"language tag": func(s string) (string, error) {
		v, err := ParseLangTag(s)
		return v.String(), err
	},
	"recipient": func(s string) (string, error) {
		v, err := ParseRecipient(s)
		return v.String(), err
	},
}

func newRecipient(t testing.TB) string {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id.Recipient().String()
}

// flip changes the character at i to another of the Bech32 alphabet.
func flip(s string, i int) string {
	c := "q"
	if s[i] == 'q' {
		c = "p"
	}
	return s[:i] + c + s[i+1:]
}

func TestParse(t *testing.T) {
	rcpt := newRecipient(t)
	const id = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		kind, category, in string
		ok                 bool
	}{
		{"mailbox id", "valid", id, true},
		{"mailbox id", "valid", strings.Repeat("f", 32), true},
		{"mailbox id", "empty", "", false},
		{"mailbox id", "short", id[:31], false},
		{"mailbox id", "long", id + "0", false},
		{"mailbox id", "upper case", strings.ToUpper(id), false},
		{"mailbox id", "not hex", "g" + id[1:], false},
		{"mailbox id", "space", " " + id[1:], false},
		{"mailbox id", "non-ASCII", "é" + id[2:], false},

		{"case reference", "valid full", id, true},
		{"case reference", "valid short", id[:8], true},
		{"case reference", "empty", "", false},
		{"case reference", "prefix of 4", id[:4], true},
		{"case reference", "odd prefix", id[:9], true},
		{"case reference", "prefix of 31", id[:31], true},
		{"case reference", "too short", id[:3], false},
		{"case reference", "too long", id + "0", false},
		{"case reference", "upper case short", "ABCDEF01", false},
		{"case reference", "not hex short", "0123456g", false},
		{"case reference", "not hex full", id[:31] + "-", false},

		{"counsellor id", "valid", "a", true},
		{"counsellor id", "valid", "abc123", true},
		{"counsellor id", "valid longest", strings.Repeat("z9", 16), true},
		{"counsellor id", "empty", "", false},
		{"counsellor id", "long", strings.Repeat("a", 33), false},
		{"counsellor id", "upper case", "Abc", false},
		{"counsellor id", "hyphen", "a-b", false},
		{"counsellor id", "path", "../a", false},
		{"counsellor id", "space", "a b", false},
		{"counsellor id", "NUL", "a\x00", false},
		{"counsellor id", "non-ASCII", "ä", false},

		{"organisation slug", "valid", "main", true},
		{"organisation slug", "valid with hyphens", "frauenberatung-nord-2", true},
		{"organisation slug", "valid hyphen only", "-", true},
		{"organisation slug", "valid longest", strings.Repeat("a-", 16), true},
		{"organisation slug", "empty", "", false},
		{"organisation slug", "long", strings.Repeat("a", 33), false},
		{"organisation slug", "upper case", "Main", false},
		{"organisation slug", "underscore", "a_b", false},
		{"organisation slug", "slash", "a/b", false},
		{"organisation slug", "dot", "a.b", false},
		{"organisation slug", "non-ASCII", "süd", false},

		{"display name", "valid", "Anna (Beratungsstelle Nord)", true},
		{"display name", "valid one character", "A", true},
		{"display name", "valid 64 umlauts (128 bytes)", strings.Repeat("ä", 64), true},
		{"display name", "valid inner spaces", "Anna  B", true},
		{"display name", "valid Arabic", "مريم", true},
		{"display name", "valid CJK", "王芳", true},
		{"display name", "empty", "", false},
		{"display name", "blank", "   ", false},
		{"display name", "long", strings.Repeat("ä", 65), false},
		{"display name", "not UTF-8", "Anna\xff", false},
		{"display name", "NUL", "An\x00na", false},
		{"display name", "newline", "Anna\nB", false},
		{"display name", "tab", "Anna\tB", false},
		{"display name", "escape", "Anna\x1b[31m", false},
		{"display name", "C1 control", "Anna\u0085", false},
		{"display name", "line separator", "Anna\u2028B", false},
		{"display name", "bidi override", "X\u202eY", false},
		{"display name", "bidi isolate", "X\u2066Y", false},
		{"display name", "bidi mark", "X\u200fY", false},
		{"display name", "zero-width joiner", "X\u200dY", false},
		{"display name", "soft hyphen", "X\u00adY", false},
		{"display name", "byte-order mark", "\ufeffAnna", false},
		{"display name", "replacement character", "Anna\ufffd", false},
		{"display name", "leading space", " Anna", false},
		{"display name", "trailing space", "Anna ", false},
		{"display name", "trailing no-break space", "Anna\u00a0", false},
		{"display name", "leading ideographic space", "\u3000Anna", false},

		// What version 1 of the API stored stays readable; the rest of
		// the rule still holds.
		{"stored display name", "valid", "Anna", true},
		{"stored display name", "valid v1 leading space", " Anna", true},
		{"stored display name", "valid v1 zero-width joiner", "X\u200dY", true},
		{"stored display name", "empty", "", false},
		{"stored display name", "blank", " ", false},
		{"stored display name", "long", strings.Repeat("a", 65), false},
		{"stored display name", "control", "Anna\x07", false},
		{"stored display name", "bidi override", "X\u202eY", false},
		{"stored display name", "not UTF-8", "\xc3", false},

		{"language tag", "valid", "de", true},
		{"language tag", "valid three letters", "ckb", true},
		{"language tag", "valid region", "en-GB", true},
		{"language tag", "valid script and region", "zh-Hant-TW", true},
		{"language tag", "valid digits", "es-419", true},
		{"language tag", "valid one-letter subtag", "de-x-a", true},
		{"language tag", "valid longest (35 bytes)", "de-" + strings.Repeat("abcdefgh-", 3) + "abcde", true},
		{"language tag", "empty", "", false},
		{"language tag", "one letter", "d", false},
		{"language tag", "four letters", "deut", false},
		{"language tag", "digit first", "d1", false},
		{"language tag", "trailing hyphen", "de-", false},
		{"language tag", "double hyphen", "de--at", false},
		{"language tag", "leading hyphen", "-de", false},
		{"language tag", "subtag of nine", "de-abcdefghi", false},
		{"language tag", "underscore", "de_AT", false},
		{"language tag", "space", "de AT", false},
		{"language tag", "non-ASCII", "dé", false},
		{"language tag", "long (36 bytes)", "de-" + strings.Repeat("abcdefgh-", 3) + "abcdef", false},

		{"recipient", "valid", rcpt, true},
		{"recipient", "empty", "", false},
		{"recipient", "X25519 recipient", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p", false},
		{"recipient", "short", rcpt[:RecipientLen-1], false},
		{"recipient", "long", rcpt + "q", false},
		{"recipient", "upper case", strings.ToUpper(rcpt), false},
		{"recipient", "wrong prefix", "age1pr1" + rcpt[7:], false},
		{"recipient", "checksum", flip(rcpt, RecipientLen-1), false},
		{"recipient", "data", flip(rcpt, 100), false},
		{"recipient", "not Bech32", rcpt[:100] + "b" + rcpt[101:], false},
		{"recipient", "separator in data", rcpt[:100] + "1" + rcpt[101:], false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.kind] = true
		parse := parsers[tt.kind]
		if parse == nil {
			t.Fatalf("no parser for %s", tt.kind)
		}
		got, err := parse(tt.in)
		switch {
		case tt.ok && err != nil:
			t.Errorf("%s, %s: %v", tt.kind, tt.category, err)
		case tt.ok && got != tt.in:
			t.Errorf("%s, %s: String() = %q, want the input back", tt.kind, tt.category, got)
		case !tt.ok && err == nil:
			t.Errorf("%s, %s: accepted %q", tt.kind, tt.category, tt.in)
		case !tt.ok:
			var de *Error
			if !errors.As(err, &de) || de.Kind != strings.TrimPrefix(tt.kind, "stored ") {
				t.Errorf("%s, %s: error %v is not a *Error of its kind", tt.kind, tt.category, err)
			}
			if len(tt.in) > 2 && strings.Contains(err.Error(), tt.in) {
				t.Errorf("%s, %s: error %q contains the input", tt.kind, tt.category, err)
			}
		}
	}
	for kind := range parsers {
		if !seen[kind] {
			t.Errorf("no cases for %s", kind)
		}
	}
}

func TestRecipientBytes(t *testing.T) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRecipient(id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	b := r.Bytes()
	if len(b) != HybridKeySize {
		t.Fatalf("Bytes: %d bytes", len(b))
	}
	b[0] ^= 1
	if r2, _ := ParseRecipient(r.String()); !r.Equal(r2) || bytes.Equal(b, r.Bytes()) {
		t.Error("Bytes does not return a copy")
	}
	other, _ := ParseRecipient(newRecipient(t))
	if r.Equal(other) {
		t.Error("two recipients are equal")
	}
}

// TestBech32 checks the codec against age, which has its own: identities
// are written with EncodeBech32 and must parse there.
func TestBech32(t *testing.T) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ToLower(id.String())
	hrp, data, ok := decodeBech32(s)
	if !ok || hrp != "age-secret-key-pq-" {
		t.Fatalf("decodeBech32 of an identity: %q, %v", hrp, ok)
	}
	if got := EncodeBech32(hrp, data); got != s {
		t.Errorf("EncodeBech32 does not give the identity back")
	}
	// Non-zero padding bits: 1 byte leaves 2 padding bits in 2 groups.
	one := EncodeBech32("x", []byte{0xff})
	if _, d, ok := decodeBech32(one); !ok || !bytes.Equal(d, []byte{0xff}) {
		t.Fatalf("round trip of one byte: %v %x", ok, d)
	}
	// 0xff is 11111 111 in 5-bit groups: the second, 11100, ends in two
	// padding bits, here set to 01.
	if _, _, ok := decodeBech32(encode5("x", []byte{31, 29})); ok {
		t.Error("non-zero padding bits are accepted")
	}
	// Five padding bits or more: a whole 5-bit group too many.
	if _, _, ok := decodeBech32(encode5("x", []byte{31, 28, 0})); ok {
		t.Error("a surplus 5-bit group is accepted")
	}
}

func TestCaseRef(t *testing.T) {
	a, _ := ParseMailboxID("0123456789abcdef0123456789abcdef")
	b, _ := ParseMailboxID("0123456789abcdef0123456789abcde0")
	c, _ := ParseMailboxID("f123456789abcdef0123456789abcdef")
	short, err := ParseCaseRef("01234567")
	if err != nil {
		t.Fatal(err)
	}
	if !short.IsShort() || !short.Matches(a) || !short.Matches(b) || short.Matches(c) {
		t.Error("a short reference matches the wrong cases")
	}
	if _, ok := short.MailboxID(); ok {
		t.Error("a short reference gives a full id")
	}
	// An odd prefix compares its last digit, a half byte: ...cde0 and
	// ...cdef differ only in the 32nd digit; 0123456789abcdef0123456789abcde
	// (31 digits) matches both, ...cde0 (32) one.
	odd, err := ParseCaseRef("0123456789abcdef0123456789abcde")
	if err != nil || !odd.Matches(a) || !odd.Matches(b) || odd.Matches(c) || odd.String() != "0123456789abcdef0123456789abcde" {
		t.Errorf("a 31-digit prefix: %v, %q", err, odd.String())
	}
	if r, err := ParseCaseRef("f12"); err == nil || r.Matches(c) || (CaseRef{}).Matches(c) {
		t.Error("a 3-digit prefix parsed, or the zero reference matches")
	}
	if r, _ := ParseCaseRef("0123456789abcdef0123456789abcde0"); !r.Matches(b) || r.Matches(a) {
		t.Error("a full id matches the wrong case")
	}
	if r, _ := ParseCaseRef("f1234"); !r.Matches(c) || r.Matches(a) || r.Short() != "f1234" {
		t.Error("a 5-digit prefix matches the wrong cases")
	}
	four, _ := ParseCaseRef("0123")
	if m := four.Matching([]MailboxID{a, c, b, a}, 5); len(m) != 2 || !m[0].Equal(a) || !m[1].Equal(b) {
		t.Errorf("Matching: %v", m)
	}
	full := RefOf(a)
	if full.IsShort() || !full.Matches(a) || full.Matches(b) {
		t.Error("a full reference matches the wrong cases")
	}
	if id, ok := full.MailboxID(); !ok || !id.Equal(a) || id.Equal(b) {
		t.Error("a full reference does not give its id")
	}
	if full.Short() != "01234567" || full.String() != a.String() || short.String() != "01234567" {
		t.Errorf("formats: %q %q %q", full.Short(), full.String(), short.String())
	}
	for _, tc := range []struct {
		ref   CaseRef
		cases []MailboxID
		want  MailboxID
		err   error
	}{
		{full, []MailboxID{c, a, b}, a, nil},
		{full, []MailboxID{b, c}, MailboxID{}, ErrNoCase},
		{short, []MailboxID{c, a}, a, nil},
		{short, []MailboxID{a, a}, a, nil},
		{short, []MailboxID{a, c, b}, MailboxID{}, ErrAmbiguousCase},
		{short, []MailboxID{c}, MailboxID{}, ErrNoCase},
		{short, nil, MailboxID{}, ErrNoCase},
		{odd, []MailboxID{c, b}, b, nil},
		{odd, []MailboxID{c}, MailboxID{}, ErrNoCase},
		{odd, []MailboxID{a, b}, MailboxID{}, ErrAmbiguousCase},
		{four, []MailboxID{a, b, c}, MailboxID{}, ErrAmbiguousCase},
	} {
		got, err := tc.ref.Resolve(tc.cases)
		if err != tc.err || !got.Equal(tc.want) {
			t.Errorf("%s.Resolve(%d cases) = %s, %v; want %s, %v", tc.ref, len(tc.cases), got, err, tc.want, tc.err)
		}
	}
	raw := a.Bytes()
	raw[0] ^= 1
	if !bytes.Equal(a.Bytes(), []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}) {
		t.Error("MailboxID.Bytes does not return a copy")
	}
}

// FuzzParse demands that whatever a constructor accepts formats back to
// the exact input, so that no value has two spellings.
func FuzzParse(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef")
	f.Add("01234567")
	f.Add("Anna (Nord)")
	f.Add("main")
	f.Add(newRecipient(f))
	f.Fuzz(func(t *testing.T, s string) {
		for kind, parse := range parsers {
			if got, err := parse(s); err == nil && got != s {
				t.Errorf("%s: %q formats as %q", kind, s, got)
			}
		}
	})
}
