// Package domain holds Lotse's domain values: mailbox id, case reference,
// counsellor id, display name, organisation slug, language tag and age
// hybrid recipient. Each has one validating constructor here, and every
// layer (crypto, mailbox, api, api/client, counsel) calls it instead of
// checking the shape by hand, so that a rule changes in one place. The
// rules are those of docs/PROTOCOL.md; the package does no I/O and
// imports nothing of Lotse.
package domain

// An Error says which kind of value was refused and why. It never contains
// the value itself: some values (mailbox ids) must not reach a log.
type Error struct {
	Kind   string // "mailbox id", "display name", …
	Reason string
}

func (e *Error) Error() string { return "domain: " + e.Kind + ": " + e.Reason }

func invalid(kind, reason string) error { return &Error{Kind: kind, Reason: reason} }

// lowerHex reports whether s is lower-case hex digits only.
func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
