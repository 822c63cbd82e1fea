package domain

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
)

// MailboxIDSize is the size of a mailbox id in bytes; its text form is
// twice as many lower-case hex digits (docs/PROTOCOL.md §2).
const MailboxIDSize = 16

// A MailboxID names a mailbox, and so a case. It is derived from the
// pickup code, and anyone holding it can try passphrases against the
// mailbox: compare it with Equal, and keep it out of logs.
type MailboxID [MailboxIDSize]byte

// ParseMailboxID parses 32 lower-case hex digits.
func ParseMailboxID(s string) (MailboxID, error) {
	var id MailboxID
	if len(s) != 2*MailboxIDSize || !lowerHex(s) {
		return id, invalid("mailbox id", "want 32 lower-case hex digits")
	}
	hex.Decode(id[:], []byte(s))
	return id, nil
}

// String returns the 32 lower-case hex digits.
func (id MailboxID) String() string { return hex.EncodeToString(id[:]) }

// Bytes returns a copy of the 16 bytes.
func (id MailboxID) Bytes() []byte { return append([]byte(nil), id[:]...) }

// Equal compares in constant time.
func (id MailboxID) Equal(o MailboxID) bool { return subtle.ConstantTimeCompare(id[:], o[:]) == 1 }

// ShortCaseRefLen is the length of a case's short reference: the first
// eight hex digits of its id, as the desk shows it.
const ShortCaseRefLen = 8

// A CaseRef refers to a case (a mailbox as the team sees it) by its full
// id or by the short form a counsellor reads on the desk. A short
// reference may match more than one case; the caller resolves it against
// the cases it knows and refuses an ambiguous one.
type CaseRef struct {
	id    MailboxID // for a short reference, only the first bytes are set
	short bool
}

// ParseCaseRef parses a full case id (32 lower-case hex digits) or a short
// reference (8 lower-case hex digits).
func ParseCaseRef(s string) (CaseRef, error) {
	switch len(s) {
	case 2 * MailboxIDSize:
		id, err := ParseMailboxID(s)
		if err != nil {
			return CaseRef{}, invalid("case reference", "want 8 or 32 lower-case hex digits")
		}
		return CaseRef{id: id}, nil
	case ShortCaseRefLen:
		var r CaseRef
		if !lowerHex(s) {
			return CaseRef{}, invalid("case reference", "want 8 or 32 lower-case hex digits")
		}
		hex.Decode(r.id[:ShortCaseRefLen/2], []byte(s))
		r.short = true
		return r, nil
	}
	return CaseRef{}, invalid("case reference", "want 8 or 32 lower-case hex digits")
}

// RefOf returns the full reference to the case id.
func RefOf(id MailboxID) CaseRef { return CaseRef{id: id} }

// IsShort reports whether r holds only the short form.
func (r CaseRef) IsShort() bool { return r.short }

// MailboxID returns the case's id; false for a short reference.
func (r CaseRef) MailboxID() (MailboxID, bool) {
	if r.short {
		return MailboxID{}, false
	}
	return r.id, true
}

// String returns the reference as it was parsed: 32 or 8 hex digits.
func (r CaseRef) String() string {
	if r.short {
		return r.Short()
	}
	return r.id.String()
}

// Short returns the 8-digit short form.
func (r CaseRef) Short() string { return hex.EncodeToString(r.id[:ShortCaseRefLen/2]) }

// Matches reports, in constant time, whether r refers to the case id.
func (r CaseRef) Matches(id MailboxID) bool {
	n := MailboxIDSize
	if r.short {
		n = ShortCaseRefLen / 2
	}
	return subtle.ConstantTimeCompare(r.id[:n], id[:n]) == 1
}

// Errors of CaseRef.Resolve.
var (
	ErrNoCase        = errors.New("domain: case reference: no such case")
	ErrAmbiguousCase = errors.New("domain: case reference: more than one case")
)

// Resolve returns the one id among cases that r refers to: ErrNoCase if
// there is none, ErrAmbiguousCase if a short reference matches several.
func (r CaseRef) Resolve(cases []MailboxID) (MailboxID, error) {
	var found MailboxID
	n := 0
	for _, id := range cases {
		if r.Matches(id) {
			if n > 0 && found.Equal(id) {
				continue // the same case listed twice
			}
			found = id
			n++
		}
	}
	switch n {
	case 0:
		return MailboxID{}, ErrNoCase
	case 1:
		return found, nil
	}
	return MailboxID{}, ErrAmbiguousCase
}

// MaxCounsellorIDLen bounds a counsellor id (docs/PROTOCOL.md §6).
const MaxCounsellorIDLen = 32

// A CounsellorID names a counsellor on the server: 1 to 32 characters of
// [a-z0-9]. The server draws 16; longer and shorter ones are valid.
type CounsellorID struct{ s string }

// ParseCounsellorID parses [a-z0-9]{1,32}.
func ParseCounsellorID(s string) (CounsellorID, error) {
	if !token(s, MaxCounsellorIDLen, false) {
		return CounsellorID{}, invalid("counsellor id", "want 1 to 32 characters of [a-z0-9]")
	}
	return CounsellorID{s}, nil
}

func (id CounsellorID) String() string { return id.s }

// IsZero reports whether id is the zero value, not a parsed id.
func (id CounsellorID) IsZero() bool { return id.s == "" }

// MaxSlugLen bounds an organisation slug (PROTOCOL-1.1 §8).
const MaxSlugLen = 32

// A Slug names an organisation in URLs and requests: 1 to 32 characters
// of [a-z0-9-], fixed once the organisation exists.
type Slug struct{ s string }

// ParseSlug parses [a-z0-9-]{1,32}.
func ParseSlug(s string) (Slug, error) {
	if !token(s, MaxSlugLen, true) {
		return Slug{}, invalid("organisation slug", "want 1 to 32 characters of [a-z0-9-]")
	}
	return Slug{s}, nil
}

func (s Slug) String() string { return s.s }

// IsZero reports whether s is the zero value, not a parsed slug.
func (s Slug) IsZero() bool { return s.s == "" }

// token reports whether s has 1 to max characters of [a-z0-9], and '-' if
// hyphen is set.
func token(s string, max int, hyphen bool) bool {
	if len(s) < 1 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || hyphen && c == '-') {
			return false
		}
	}
	return true
}
