package counsel

import (
	"time"

	"lotse/api/client"
	"lotse/api/wire"
)

// Consented handover (PROTOCOL.md §9) as the desk sees it: organisation A
// offers a case to B in a reply document that names B's pinned team key,
// the enquirer's device re-seals the conversation for B, and B reads the
// earlier messages marked as forwarded.

// caseHandover is the case's offer as the server states it, nil if none
// or not of the wire's form (the server's answer is untrusted input).
func caseHandover(c *client.Case) *client.CaseHandover {
	h := c.Handover
	if h == nil || !validSlug(h.Org) || h.State != wire.HandoverOffered && h.State != wire.HandoverDeclined || !validRFC3339(h.Since) {
		return nil
	}
	return h
}

// caseForwarded is the case's forwarded mark (§9.5), nil if none or not
// of the wire's form.
func caseForwarded(c *client.Case) *client.Forwarded {
	f := c.Forwarded
	if f == nil || f.Count == 0 || c.MessageCount < 0 || f.Count > uint64(c.MessageCount) {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, f.Date); err != nil {
		return nil
	}
	return f
}

func validRFC3339(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// cleanCase drops a handover or forwarded mark not of the wire's form.
func cleanCase(c *client.Case) {
	c.Handover, c.Forwarded = caseHandover(c), caseForwarded(c)
}
