package domain

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"slices"
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

// MinCaseRefLen is the shortest prefix a case reference may be: fewer
// digits would match half an inbox.
const MinCaseRefLen = 4

// A CaseRef refers to a case (a mailbox as the team sees it) by its full
// id or by a prefix of it, like the short form a counsellor reads on the
// desk. A prefix may match more than one case; the caller resolves it
// against the cases it knows and refuses an ambiguous one.
type CaseRef struct {
	id MailboxID // for a prefix, only its digits are set
	n  int       // the hex digits given; 2*MailboxIDSize for a full id
}

// ParseCaseRef parses a full case id (32 lower-case hex digits) or a
// prefix of one (4 to 31 lower-case hex digits; the desk shows 8).
func ParseCaseRef(s string) (CaseRef, error) {
	const want = "want 4 to 32 lower-case hex digits"
	if len(s) == 2*MailboxIDSize {
		id, err := ParseMailboxID(s)
		if err != nil {
			return CaseRef{}, invalid("case reference", want)
		}
		return CaseRef{id: id, n: len(s)}, nil
	}
	if len(s) < MinCaseRefLen || len(s) > 2*MailboxIDSize || !lowerHex(s) {
		return CaseRef{}, invalid("case reference", want)
	}
	r := CaseRef{n: len(s)}
	digits := s
	if len(digits)%2 == 1 {
		digits += "0"
	}
	hex.Decode(r.id[:], []byte(digits))
	return r, nil
}

// RefOf returns the full reference to the case id.
func RefOf(id MailboxID) CaseRef { return CaseRef{id: id, n: 2 * MailboxIDSize} }

// IsShort reports whether r holds only a prefix.
func (r CaseRef) IsShort() bool { return r.n < 2*MailboxIDSize }

// MailboxID returns the case's id; false for a prefix.
func (r CaseRef) MailboxID() (MailboxID, bool) {
	if r.IsShort() {
		return MailboxID{}, false
	}
	return r.id, true
}

// String returns the reference as it was parsed: the full id or the prefix.
func (r CaseRef) String() string {
	if !r.IsShort() {
		return r.id.String()
	}
	return hex.EncodeToString(r.id[:])[:r.n]
}

// Short returns the 8-digit short form the desk shows; a shorter prefix
// as it is.
func (r CaseRef) Short() string {
	if r.n < ShortCaseRefLen {
		return r.String()
	}
	return hex.EncodeToString(r.id[:ShortCaseRefLen/2])
}

// Matches reports, in constant time, whether r refers to the case id.
func (r CaseRef) Matches(id MailboxID) bool {
	if r.n == 0 {
		return false // the zero CaseRef refers to nothing
	}
	whole := r.n / 2
	eq := subtle.ConstantTimeCompare(r.id[:whole], id[:whole])
	if r.n%2 == 1 {
		eq &= subtle.ConstantTimeByteEq(r.id[whole]&0xf0, id[whole]&0xf0)
	}
	return eq == 1
}

// Errors of CaseRef.Resolve.
var (
	ErrNoCase        = errors.New("domain: case reference: no such case")
	ErrAmbiguousCase = errors.New("domain: case reference: more than one case")
)

// Resolve returns the one id among cases that r refers to: ErrNoCase if
// there is none, ErrAmbiguousCase if a prefix matches several (Matching
// lists them).
func (r CaseRef) Resolve(cases []MailboxID) (MailboxID, error) {
	found := r.Matching(cases, 2)
	switch len(found) {
	case 0:
		return MailboxID{}, ErrNoCase
	case 1:
		return found[0], nil
	}
	return MailboxID{}, ErrAmbiguousCase
}

// Matching lists the distinct cases among cases that r refers to, in
// their order, at most max of them.
func (r CaseRef) Matching(cases []MailboxID, max int) []MailboxID {
	var out []MailboxID
	for _, id := range cases {
		if len(out) == max {
			break
		}
		if r.Matches(id) && !slices.ContainsFunc(out, id.Equal) {
			out = append(out, id)
		}
	}
	return out
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
