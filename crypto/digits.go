package crypto

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// InputError says which typed input is wrong and why, so a client can tell
// the person which field has a typo. It never contains the input.
type InputError struct {
	Field  string // "pickup code" or "passphrase"
	Reason string // "character", "length" or "check digit"
}

func (e *InputError) Error() string { return e.Field + ": wrong " + e.Reason }

const (
	PickupCodeLen = 10
	PassphraseLen = 16
)

// maxTypedRunes bounds what NormalizeDigits reads: a pickup code or
// passphrase with generous spacing fits many times over.
const maxTypedRunes = 256

var (
	errNotDigit     = errors.New("crypto: normalise digits: a character is neither a digit, white space nor punctuation")
	errTypedTooLong = fmt.Errorf("crypto: normalise digits: longer than %d characters", maxTypedRunes)
)

// NormalizeDigits maps every Unicode decimal digit (category Nd) to ASCII,
// drops white space, punctuation, '+' and format characters (category Cf),
// and fails on anything else (PROTOCOL.md §1). Input longer than 256 characters is refused. The
// error never contains the input.
func NormalizeDigits(s string) (string, error) {
	if len(s) > maxTypedRunes*utf8.UTFMax {
		return "", errTypedTooLong
	}
	var b strings.Builder
	b.Grow(min(len(s), maxTypedRunes))
	n := 0
	for _, r := range s {
		n++
		if n > maxTypedRunes {
			return "", errTypedTooLong
		}
		switch {
		case r >= '0' && r <= '9':
			b.WriteByte(byte(r))
		case unicode.IsDigit(r):
			v, ok := digitValue(r)
			if !ok {
				return "", errNotDigit
			}
			b.WriteByte('0' + v)
		case r == '+' || unicode.IsSpace(r) || unicode.IsPunct(r):
			// Ignored: people group digits with spaces, dashes, dots, or
			// write them like a phone number.
		case unicode.Is(unicode.Cf, r):
			// Ignored: bidi marks, isolates and zero-width characters are
			// invisible, and text copied from right-to-left scripts
			// carries them.
		default:
			// Includes U+FFFD from invalid UTF-8.
			return "", errNotDigit
		}
	}
	return b.String(), nil
}

// digitValue returns the value of a rune of category Nd. Go has no API for
// it, but every Nd range in the Unicode tables is a run of whole blocks of
// ten starting at a zero (TestNdTableShape checks it), so the value is the
// offset into its range modulo ten.
func digitValue(r rune) (byte, bool) {
	for _, rg := range unicode.Nd.R16 {
		if r < rune(rg.Lo) {
			return 0, false
		}
		if r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10), rg.Stride == 1
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r < rune(rg.Lo) {
			return 0, false
		}
		if r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10), rg.Stride == 1
		}
	}
	return 0, false
}

// damm is the Damm quasigroup of PROTOCOL.md §1 (row i, column d).
var damm = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

func dammInterim(digits string) (byte, bool) {
	var i byte
	for k := 0; k < len(digits); k++ {
		c := digits[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		i = damm[i][c-'0']
	}
	return i, true
}

// DammDigit returns the Damm check digit ('0'…'9') of ASCII digits
// (PROTOCOL.md §1). It panics if digits holds anything but ASCII digits:
// normalise typed input first.
func DammDigit(digits string) byte {
	i, ok := dammInterim(digits)
	if !ok {
		panic("crypto: DammDigit of a string that is not ASCII digits")
	}
	return '0' + i
}

// DammValid reports whether ASCII digits end in their Damm check digit. It
// is false for the empty string and for anything but ASCII digits.
func DammValid(digits string) bool {
	i, ok := dammInterim(digits)
	return ok && len(digits) > 0 && i == 0
}

// maxRandomBytes bounds how much generateDigits reads: a uniform source
// yields a digit from 250 of 256 byte values, so a reader that needs more
// than this is broken.
const maxRandomBytes = 1024

// generateDigits draws n uniform decimal digits by rejection sampling and
// appends their Damm check digit (PROTOCOL.md §1).
func generateDigits(rand io.Reader, n int) (string, error) {
	out := make([]byte, 0, n+1)
	var buf [32]byte
	read := 0
	for len(out) < n {
		if read >= maxRandomBytes {
			return "", errors.New("crypto: generate digits: random source is not uniform")
		}
		if _, err := io.ReadFull(rand, buf[:]); err != nil {
			return "", fmt.Errorf("crypto: generate digits: read random: %v", err)
		}
		read += len(buf)
		for _, c := range buf {
			// 250 is the largest multiple of 10 below 256.
			if c < 250 && len(out) < n {
				out = append(out, '0'+c%10)
			}
		}
	}
	clear(buf[:])
	out = append(out, DammDigit(string(out)))
	return string(out), nil
}

// GeneratePickupCode draws 9 uniform digits and appends the check digit
// (PROTOCOL.md §1).
func GeneratePickupCode(rand io.Reader) (string, error) {
	return generateDigits(rand, PickupCodeLen-1)
}

// GeneratePassphrase draws 15 uniform digits and appends the check digit
// (PROTOCOL.md §1).
func GeneratePassphrase(rand io.Reader) (string, error) {
	return generateDigits(rand, PassphraseLen-1)
}

func parseTyped(typed, field string, length int) (string, error) {
	s, err := NormalizeDigits(typed)
	switch {
	case err == errTypedTooLong:
		return "", &InputError{Field: field, Reason: "length"}
	case err != nil:
		return "", &InputError{Field: field, Reason: "character"}
	case len(s) != length:
		return "", &InputError{Field: field, Reason: "length"}
	case !DammValid(s):
		return "", &InputError{Field: field, Reason: "check digit"}
	}
	return s, nil
}

// ParsePickupCode normalises what a person typed and checks length and check
// digit (PROTOCOL.md §1); errors are *InputError with Field "pickup code".
func ParsePickupCode(typed string) (string, error) {
	return parseTyped(typed, "pickup code", PickupCodeLen)
}

// ParsePassphrase is ParsePickupCode for the passphrase; errors are
// *InputError with Field "passphrase".
func ParsePassphrase(typed string) (string, error) {
	return parseTyped(typed, "passphrase", PassphraseLen)
}

// group inserts a space every size characters.
func group(s string, size int) string {
	var b strings.Builder
	for i := 0; i < len(s); i += size {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+size, len(s))])
	}
	return b.String()
}

// FormatPickupCode groups a normalised code as "XXXXX XXXXX"; anything that
// is not 10 characters long is returned unchanged.
func FormatPickupCode(code string) string {
	if len(code) != PickupCodeLen {
		return code
	}
	return group(code, 5)
}

// FormatPassphrase groups a normalised passphrase as "XXXX XXXX XXXX XXXX";
// anything that is not 16 characters long is returned unchanged.
func FormatPassphrase(pass string) string {
	if len(pass) != PassphraseLen {
		return pass
	}
	return group(pass, 4)
}
