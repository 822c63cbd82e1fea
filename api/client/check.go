package client

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/domain"
)

// Everything a server sends is checked here before any caller sees it
// (docs/SECURITY.md, "A hostile server"): a server, or whoever controls it
// or sits in front of it, must not be able to put a control sequence on a
// counsellor's terminal or a forged line into a list. Ids must match
// their patterns, enums their values and times their form; a response
// that breaks a rule is refused as a whole, and the error names the field,
// never the value. Free text (names, error messages) goes through Text.

// MaxText bounds a free-text value from the server, in characters, once
// Text has cleaned it: display names have 64 (domain.MaxDisplayNameLen),
// error messages a line or two.
const MaxText = 200

// Text is the one sanitiser of free text from the server: it drops
// invalid UTF-8, every control character (C0, DEL, C1, and the line and
// paragraph separators, so the text stays one line), bidirectional
// controls and overrides (which can make text display as other text), and
// other invisible format characters, and cuts the result to MaxText
// characters, ending in "…" where it cut.
func Text(s string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size <= 1 || !printable(r) {
			continue
		}
		if n == MaxText {
			b.WriteRune('…')
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// printable is false for what Text drops.
func printable(r rune) bool {
	return !(unicode.IsControl(r) || r == '\u2028' || r == '\u2029' ||
		unicode.Is(unicode.Bidi_Control, r) || unicode.Is(unicode.Cf, r))
}

// ErrMalformed is the error of an answer that breaks a rule of the
// protocol: the server, or something between it and the client, is not
// behaving as a Lotse server does.
var ErrMalformed = errors.New("the server sent a malformed")

// malformed is the error of a response that breaks a rule.
func malformed(route, what string) error {
	return fmt.Errorf("client: %s: %w %s", route, ErrMalformed, what)
}

// utcTime is how the server writes a time (RFC 3339, UTC, whole or
// fractional seconds).
var utcTime = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$`)

func validTime(s string) bool {
	if !utcTime.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func validDate(s string) bool {
	if len(s) != len("2006-01-02") {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// token is a bearer token or an invite code: unpadded base64url.
var token = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)

// errorCode is a protocol error code ("stale_epoch").
var errorCode = regexp.MustCompile(`^[a-z][a-z_]{0,63}$`)

func checkCase(route string, c *Case) error {
	if _, err := domain.ParseMailboxID(c.ID); err != nil {
		return malformed(route, "case id")
	}
	switch c.Status {
	case "new", "open", "closed":
	default:
		return malformed(route, "case status")
	}
	if c.Assignee != nil {
		if _, err := domain.ParseCounsellorID(*c.Assignee); err != nil {
			return malformed(route, "assignee")
		}
	}
	if !validDate(c.Created) || !validDate(c.Expires) {
		return malformed(route, "case date")
	}
	if !validTime(c.LastActivity) {
		return malformed(route, "last activity")
	}
	if c.WaitingSince != "" && (!c.AwaitingReply || !validTime(c.WaitingSince)) {
		return malformed(route, "waiting since")
	}
	if c.MessageCount < 0 {
		return malformed(route, "message count")
	}
	if h := c.Handover; h != nil {
		if _, err := domain.ParseSlug(h.Org); err != nil {
			return malformed(route, "handover organisation")
		}
		if h.State != wire.HandoverOffered && h.State != wire.HandoverDeclined {
			return malformed(route, "handover state")
		}
		if !validTime(h.Since) {
			return malformed(route, "handover since")
		}
	}
	if f := c.Forwarded; f != nil && (!validDate(f.Date) || f.Count < 1) {
		return malformed(route, "forwarded")
	}
	return nil
}

// checkMailbox checks the enquirer's mailbox as checkCase a case, and its
// organisation and open offer (PROTOCOL.md §9.3).
func checkMailbox(route string, m *Mailbox) error {
	c := Case{ID: m.ID, Status: m.Status, Created: m.Created, Expires: m.Expires, LastActivity: "2000-01-01T00:00:00Z"}
	if err := checkCase(route, &c); err != nil {
		return err
	}
	if _, err := domain.ParseSlug(m.Org); err != nil {
		return malformed(route, "organisation")
	}
	if m.Handover != nil {
		if _, err := domain.ParseSlug(m.Handover.Org); err != nil {
			return malformed(route, "handover organisation")
		}
	}
	return checkMessages(route, m.Messages)
}

// checkMessages requires seqs to rise and every sender to be one of the
// two; what a message says is for the reader rules (crypto) to judge.
func checkMessages(route string, ms []Message) error {
	var last uint64
	for _, m := range ms {
		if m.Seq <= last {
			return malformed(route, "message seq")
		}
		last = m.Seq
		if m.From != crypto.FromEnquirer && m.From != crypto.FromCounsellor {
			return malformed(route, "message sender")
		}
	}
	return nil
}

func checkCounsellor(route string, c *Counsellor) error {
	if _, err := domain.ParseCounsellorID(c.ID); err != nil {
		return malformed(route, "counsellor id")
	}
	switch c.Role {
	case "admin", "counsellor":
	default:
		return malformed(route, "role")
	}
	switch c.State {
	case "pending", "active", "removed":
	default:
		return malformed(route, "counsellor state")
	}
	if _, err := domain.ParseRecipient(c.Recipient); err != nil {
		return malformed(route, "counsellor key")
	}
	c.Name = Text(c.Name)
	// The fingerprint is the client's to compute (§3.3).
	c.Fingerprint = crypto.Fingerprint(c.Recipient)
	return nil
}

// checkTeamKey requires an epoch from 1 and a team key, as a team and a
// keyring both name them.
func checkTeamKey(route string, epoch int, recipient string) error {
	if epoch < 1 {
		return malformed(route, "epoch")
	}
	if _, err := domain.ParseRecipient(recipient); err != nil {
		return malformed(route, "team key")
	}
	return nil
}

func checkTeam(route string, t *Team) error {
	if err := checkTeamKey(route, t.Epoch, t.Recipient); err != nil {
		return err
	}
	t.Fingerprint = crypto.Fingerprint(t.Recipient)
	return nil
}

func checkKeyring(route string, k *Keyring) error {
	if err := checkTeamKey(route, k.Epoch, k.Recipient); err != nil {
		return err
	}
	for _, m := range k.Members {
		if _, err := domain.ParseCounsellorID(m); err != nil {
			return malformed(route, "member id")
		}
	}
	return nil
}

func checkSeq(route string, seq uint64) error {
	if seq < 1 {
		return malformed(route, "seq")
	}
	return nil
}
