package crypto

import (
	"bytes"
	"errors"
	"io"
	mathrand "math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

func TestNormalizeDigits(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"0123456789", "0123456789"},
		{"01572-93849", "0157293849"},
		{"4821 9307 5516 2292", "4821930755162292"},
		{"٣١٤١٥ ٩٢٦٥٢", "3141592652"},            // Arabic-Indic
		{"۳۱۴۱۵", "31415"},                       // Extended Arabic-Indic (Persian)
		{"३१४१५", "31415"},                       // Devanagari
		{"３１４１５", "31415"},                       // full-width
		{"𝟑𝟏𝟒𝟏𝟓", "31415"},                       // mathematical bold
		{"𝟗𝟵𝟿", "999"},                           // mathematical digits, later blocks of one range
		{"๓๑๔", "314"},                           // Thai
		{"+49 (0) 30.12/34_5", "4903012345"},     // phone-number punctuation and '+'
		{"12\u00a034\u200035\t6\n7", "12343567"}, // no-break, en quad, tab, newline
		{"1–2—3‐4", "1234"},                      // dashes
		{"«1»「2」", "12"},                         // quotes and brackets
		{"", ""},
		{"  - ", ""},
		{"1\u200e2\u200f3", "123"},               // bidi marks: Cf, ignored
		{"\u20664\u2069\u20685\u2069", "45"},     // isolates
		{"\ufeff6\u00ad7\u200b8\u200d9", "6789"}, // BOM, soft hyphen, zero-width space and joiner
	} {
		got, err := NormalizeDigits(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeDigits(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizeDigitsRefuses(t *testing.T) {
	for _, in := range []string{
		"12a34",         // letter
		"O123",          // letter O for zero
		"l23",           // letter l for one
		"12٫34x",        // letter after a digit
		"1²3",           // superscript: No, not Nd
		"½",             // fraction: No
		"Ⅻ",             // Roman numeral: Nl
		"1=2",           // math symbol other than '+'
		"12\xff34",      // invalid UTF-8
		"1\x002",        // control character
		"💯",             // emoji
		"١٢٣" + "ب",     // Arabic letter
		"1" + "\u0301",  // combining mark
		"0x12",          // hex prefix
		"\U0001D7CEabc", // digit then letters
	} {
		if got, err := NormalizeDigits(in); err == nil {
			t.Errorf("NormalizeDigits(%q) = %q, want an error", in, got)
		}
	}
	// Bounded: maxTypedRunes is fine, one more is not, whatever the runes.
	if _, err := NormalizeDigits(strings.Repeat(" ", maxTypedRunes)); err != nil {
		t.Errorf("%d spaces: %v", maxTypedRunes, err)
	}
	for _, in := range []string{
		strings.Repeat("1", maxTypedRunes+1),
		strings.Repeat(" ", maxTypedRunes+1),
		strings.Repeat("١", maxTypedRunes+1),
		strings.Repeat("1", 1<<20),
	} {
		if _, err := NormalizeDigits(in); err != errTypedTooLong {
			t.Errorf("input of %d bytes: %v, want errTypedTooLong", len(in), err)
		}
	}
}

// TestNdTableShape checks what digitValue relies on: every range of
// unicode.Nd has stride 1 and whole blocks of ten, and every rune in it is a
// digit. With a new Unicode version that breaks this, digitValue needs a
// table of zeros.
func TestNdTableShape(t *testing.T) {
	n := 0
	check := func(lo, hi, stride uint32) {
		if stride != 1 || (hi-lo+1)%10 != 0 {
			t.Errorf("Nd range %U…%U stride %d is not whole blocks of ten", lo, hi, stride)
		}
		for r := rune(lo); r <= rune(hi); r++ {
			n++
			v, ok := digitValue(r)
			if !ok || !unicode.IsDigit(r) || int(v) != int(r-rune(lo))%10 {
				t.Errorf("digitValue(%U) = %d, %v", r, v, ok)
			}
			got, err := NormalizeDigits(string(r))
			if err != nil || got != string(rune('0'+v)) {
				t.Errorf("NormalizeDigits(%U) = %q, %v", r, got, err)
			}
		}
	}
	for _, rg := range unicode.Nd.R16 {
		check(uint32(rg.Lo), uint32(rg.Hi), uint32(rg.Stride))
	}
	for _, rg := range unicode.Nd.R32 {
		check(rg.Lo, rg.Hi, rg.Stride)
	}
	if n < 600 {
		t.Errorf("only %d Nd runes", n)
	}
	for _, r := range []rune{'/', ':', 'a', '٪', 0x10ffff, 0x1fbfa} {
		if _, ok := digitValue(r); ok {
			t.Errorf("digitValue(%U) reports a digit", r)
		}
	}
}

func TestDamm(t *testing.T) {
	// The table is a quasigroup with zeros on the diagonal: what makes it
	// catch every single error and every adjacent swap.
	for i := range 10 {
		var row, col [10]bool
		for j := range 10 {
			row[damm[i][j]] = true
			col[damm[j][i]] = true
		}
		if row != [10]bool{true, true, true, true, true, true, true, true, true, true} || row != col {
			t.Errorf("row or column %d is not a permutation", i)
		}
		if damm[i][i] != 0 {
			t.Errorf("damm[%d][%d] = %d, want 0", i, i, damm[i][i])
		}
	}
	for _, tc := range []struct {
		digits string
		check  byte
	}{
		{"572", '4'}, // the textbook example
		{"", '0'},
		{"0", '0'},
		{"015729384", '9'},
		{"482193075516229", '2'},
	} {
		if got := DammDigit(tc.digits); got != tc.check {
			t.Errorf("DammDigit(%q) = %c, want %c", tc.digits, got, tc.check)
		}
		if !DammValid(tc.digits + string(tc.check)) {
			t.Errorf("DammValid(%q) = false", tc.digits+string(tc.check))
		}
	}
	for _, s := range []string{"", "5725", "57a4", "５７２４", "0157293848"} {
		if DammValid(s) {
			t.Errorf("DammValid(%q) = true", s)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("DammDigit of a letter did not panic")
		}
	}()
	DammDigit("12a")
}

// TestDammCatchesTypos changes every digit of sample codes to every other
// digit and swaps every pair of different neighbours: each must fail.
func TestDammCatchesTypos(t *testing.T) {
	rng := mathrand.NewChaCha8([32]byte{1})
	samples := []string{"0157293849", "0000000000", "9999999990", "3141592652", "4821930755162292"}
	for range 50 {
		s, err := GeneratePassphrase(rng)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, s)
	}
	for _, s := range samples {
		if !DammValid(s) {
			t.Fatalf("sample %q is not valid", s)
		}
		b := []byte(s)
		for i := range b {
			orig := b[i]
			for d := byte('0'); d <= '9'; d++ {
				if d == orig {
					continue
				}
				b[i] = d
				if DammValid(string(b)) {
					t.Errorf("%q: digit %d changed to %c goes unnoticed", s, i, d)
				}
			}
			b[i] = orig
		}
		for i := 0; i+1 < len(b); i++ {
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
			if DammValid(string(b)) {
				t.Errorf("%q: swap at %d goes unnoticed", s, i)
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
}

func TestGenerate(t *testing.T) {
	rng := mathrand.NewChaCha8([32]byte{2})
	var counts [10]int
	const n = 2000
	for range n {
		code, err := GeneratePickupCode(rng)
		if err != nil {
			t.Fatal(err)
		}
		pass, err := GeneratePassphrase(rng)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := ParsePickupCode(code); err != nil || c != code {
			t.Fatalf("generated code %q: %q, %v", code, c, err)
		}
		if p, err := ParsePassphrase(pass); err != nil || p != pass {
			t.Fatalf("generated passphrase %q: %q, %v", pass, p, err)
		}
		// The random digits, not the check digit.
		for _, c := range code[:9] + pass[:15] {
			counts[c-'0']++
		}
	}
	// 48,000 digits: each count is 4800 ± 66 (one standard deviation), so
	// ±300 catches gross mistakes (a digit never drawn, % 8); the slight
	// bias of byte % 10 without rejection is caught below instead. The
	// seed is fixed, so this cannot flake.
	for d, c := range counts {
		if c < 4500 || c > 5100 {
			t.Errorf("digit %d drawn %d times of %d", d, c, 24*n)
		}
	}

	// Rejection sampling: bytes 250…255 are never used.
	r := bytes.NewReader(append(bytes.Repeat([]byte{255, 250, 251}, 10), []byte{3, 13, 23, 33, 43, 53, 63, 73, 249, 0, 0}...))
	code, err := GeneratePickupCode(io.MultiReader(r, bytes.NewReader(make([]byte, 64))))
	if err != nil || code[:9] != "333333339" {
		t.Errorf("rejection sampling: %q, %v", code, err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestGenerateRefusesBadReader(t *testing.T) {
	for name, r := range map[string]io.Reader{
		"error":      errReader{},
		"short":      bytes.NewReader([]byte{1, 2, 3}),
		"empty":      bytes.NewReader(nil),
		"all 0xff":   bytes.NewReader(bytes.Repeat([]byte{0xff}, 1<<20)),
		"nearly all": io.MultiReader(bytes.NewReader([]byte{1, 2, 3, 4}), bytes.NewReader(bytes.Repeat([]byte{0xfa}, 1<<20))),
	} {
		if s, err := GeneratePickupCode(r); err == nil {
			t.Errorf("%s: GeneratePickupCode = %q", name, s)
		}
	}
	if s, err := GeneratePassphrase(errReader{}); err == nil {
		t.Errorf("GeneratePassphrase = %q", s)
	}
	if s, err := NewDocumentID(bytes.NewReader(make([]byte, 15))); err == nil {
		t.Errorf("NewDocumentID = %q", s)
	}
}

func TestParseTypedErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		parse  func(string) (string, error)
		in     string
		field  string
		reason string
	}{
		{"code letter", ParsePickupCode, "01572-9384O", "pickup code", "character"},
		{"code short", ParsePickupCode, "01572 9384", "pickup code", "length"},
		{"code long", ParsePickupCode, "01572 938490", "pickup code", "length"},
		{"code empty", ParsePickupCode, "", "pickup code", "length"},
		{"code huge", ParsePickupCode, strings.Repeat("0", 10000), "pickup code", "length"},
		{"code check", ParsePickupCode, "01572 93848", "pickup code", "check digit"},
		{"code swap", ParsePickupCode, "01752 93849", "pickup code", "check digit"},
		{"code is a passphrase", ParsePickupCode, "4821 9307 5516 2292", "pickup code", "length"},
		{"pass letter", ParsePassphrase, "4821 9307 5516 229a", "passphrase", "character"},
		{"pass short", ParsePassphrase, "4821 9307 5516 229", "passphrase", "length"},
		{"pass check", ParsePassphrase, "4821 9307 5516 2293", "passphrase", "check digit"},
		{"pass is a code", ParsePassphrase, "01572-93849", "passphrase", "length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.parse(tc.in)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tc.field || ie.Reason != tc.reason {
				t.Fatalf("= %q, %v; want *InputError{%s, %s}", got, err, tc.field, tc.reason)
			}
			if strings.Contains(err.Error(), "0157") || strings.Contains(err.Error(), "4821") {
				t.Errorf("error %q echoes the input", err)
			}
		})
	}
	// DeriveEnquirerKeys takes only checked, normalised digits.
	for _, tc := range []struct{ code, pass, field, reason string }{
		{"01572-93849", "4821930755162292", "pickup code", "length"},
		{"015729384x", "4821930755162292", "pickup code", "character"},
		{"0157293848", "4821930755162292", "pickup code", "check digit"},
		{"0157293849", "4821 9307 5516 2292", "passphrase", "length"},
		{"0157293849", "4821930755162293", "passphrase", "check digit"},
		{"0157293849", "٤821930755162292", "passphrase", "length"},
	} {
		_, err := DeriveEnquirerKeys(tc.code, tc.pass)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tc.field || ie.Reason != tc.reason {
			t.Errorf("DeriveEnquirerKeys(%q, %q): %v; want %s %s", tc.code, tc.pass, err, tc.field, tc.reason)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0157293849", "01572 93849"},
		{"015729384", "015729384"},
		{"", ""},
	} {
		if got := FormatPickupCode(tc.in); got != tc.want {
			t.Errorf("FormatPickupCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"4821930755162292", "4821 9307 5516 2292"},
		{"482193075516229", "482193075516229"},
	} {
		if got := FormatPassphrase(tc.in); got != tc.want {
			t.Errorf("FormatPassphrase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// What is shown parses back.
	rng := mathrand.NewChaCha8([32]byte{3})
	code, _ := GeneratePickupCode(rng)
	pass, _ := GeneratePassphrase(rng)
	if c, err := ParsePickupCode(FormatPickupCode(code)); err != nil || c != code {
		t.Errorf("code %q does not round-trip: %q, %v", code, c, err)
	}
	if p, err := ParsePassphrase(FormatPassphrase(pass)); err != nil || p != pass {
		t.Errorf("passphrase %q does not round-trip: %q, %v", pass, p, err)
	}
}

// TestDigitsVectors runs the shared normalisation vectors, which the web
// client's tests run too.
func TestDigitsVectors(t *testing.T) {
	var file struct {
		Comment string `json:"comment"`
		Vectors []struct {
			Typed      string  `json:"typed"`
			Normalized *string `json:"normalized"`
			Comment    string  `json:"comment"`
		} `json:"vectors"`
	}
	readJSON(t, "digits-v1.json", &file)
	if len(file.Vectors) < 10 {
		t.Fatalf("%d vectors", len(file.Vectors))
	}
	for _, v := range file.Vectors {
		got, err := NormalizeDigits(v.Typed)
		switch {
		case v.Normalized == nil && err == nil:
			t.Errorf("%s: %q accepted as %q", v.Comment, v.Typed, got)
		case v.Normalized != nil && (err != nil || got != *v.Normalized):
			t.Errorf("%s: %q = %q, %v; want %q", v.Comment, v.Typed, got, err, *v.Normalized)
		}
	}
	// A code pasted with bidi marks parses as a pickup code.
	if c, err := ParsePickupCode("\u200f01572 93849\u200f"); err != nil || c != "0157293849" {
		t.Errorf("pickup code in RLM: %q, %v", c, err)
	}
}
