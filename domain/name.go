package domain

import (
	"unicode"
	"unicode/utf8"
)

// MaxDisplayNameLen bounds a display name, in characters (runes): a
// name in any script gets the same room. In UTF-8 that is at most 256 bytes.
const MaxDisplayNameLen = 64

// A DisplayName is how a counsellor or an organisation appears to
// colleagues and enquirers: one line of 1 to 64 characters of UTF-8,
// with no control, format or bidirectional-control character (which could
// make a name disguise itself or another in every list it appears in),
// and no space at either end (which could make two names look alike).
type DisplayName struct{ s string }

// ParseDisplayName applies the display-name rule; every new name passes it.
func ParseDisplayName(s string) (DisplayName, error) {
	if reason := checkName(s, false); reason != "" {
		return DisplayName{}, invalid("display name", reason)
	}
	return DisplayName{s}, nil
}

// ParseStoredDisplayName accepts a display name already stored by an
// earlier version, for reading only: version 1 let through spaces at
// either end and format characters other than bidirectional controls
// (a zero-width joiner, a soft hyphen). Everything else of the rule
// applied then too. Nothing new may be written with it.
func ParseStoredDisplayName(s string) (DisplayName, error) {
	if reason := checkName(s, true); reason != "" {
		return DisplayName{}, invalid("display name", reason)
	}
	return DisplayName{s}, nil
}

func (n DisplayName) String() string { return n.s }

// IsZero reports whether n is the zero value, not a parsed name.
func (n DisplayName) IsZero() bool { return n.s == "" }

// checkName says what is wrong with s, or "".
func checkName(s string, stored bool) string {
	if !utf8.ValidString(s) {
		return "not UTF-8"
	}
	if n := utf8.RuneCountInString(s); n < 1 || n > MaxDisplayNameLen {
		return "want 1 to 64 characters"
	}
	blank := true
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return "has a control character"
		case unicode.Is(unicode.Bidi_Control, r):
			return "has a bidirectional control character"
		case unicode.Is(unicode.Cf, r) && !stored:
			return "has a format character"
		case r == utf8.RuneError:
			return "has a replacement character"
		}
		if !unicode.IsSpace(r) {
			blank = false
		}
	}
	if blank {
		return "is blank"
	}
	if stored {
		return ""
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return "begins or ends with a space"
	}
	return ""
}
