package counsel

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lotse/api/client"
	"lotse/api/wire"
	"lotse/crypto"
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

// maxOfferNote is the longest note of an offer, in characters (PROTOCOL.md
// §9.2).
const maxOfferNote = crypto.MaxHandoverNote

// checkOfferNote normalises a note as typed (line ends, trailing lines) and
// refuses one the reader rules of §9.2 would reject.
func checkOfferNote(note string) (string, error) {
	note = strings.TrimRight(strings.ReplaceAll(note, "\r\n", "\n"), "\n")
	switch {
	case strings.TrimSpace(note) == "":
		return "", withHint(errorf(mErrOfferNoteEmpty), mHintOfferNoteHow)
	case !utf8.ValidString(note):
		return "", errorf(mErrReplyNotUtf8)
	case utf8.RuneCountInString(note) > maxOfferNote:
		return "", errorf(mErrOfferNoteTooLong, utf8.RuneCountInString(note), maxOfferNote)
	case strings.ContainsFunc(note, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return "", errorf(mErrOfferNoteControl)
	}
	return note, nil
}

// OfferHandover offers the case of t to organisation slug (PROTOCOL.md
// §9.2): a reply document that carries B's slug, name and epoch and the
// team recipient of this desk's pin, never one the server serves, sealed
// exactly as a reply; then the offer recorded with the server. It is
// refused unless the server shows B's team key as pinned. The note is
// the reply's body too, so that a client of version 1.0 shows it.
func (s *Session) OfferHandover(ctx context.Context, t *Thread, slug, note, lang string) (uint64, error) {
	note, err := checkOfferNote(note)
	if err != nil {
		return 0, err
	}
	o, err := pinnedOrg(ctx, s.base, s.cfg, slug)
	if err != nil {
		return 0, err
	}
	h := &crypto.Handover{Org: o.Slug, Name: o.Name, Epoch: o.Epoch, Recipient: o.pinned, Note: note}
	seq, err := s.sendReply(ctx, t, note, lang, nil, h)
	if err != nil {
		return 0, err
	}
	err = s.retry(ctx, func(api *client.Client) error { return api.OfferHandover(ctx, t.id, o.Slug) })
	if err != nil {
		return seq, withHintf(errorf(mErrOfferNotRecorded, seq, apiError(mDoingOfferHandover, err)), mHintOfferAgain, o.Slug)
	}
	return seq, nil
}

// WithdrawHandover withdraws the case's open offer.
func (s *Session) WithdrawHandover(ctx context.Context, id string) error {
	err := s.retry(ctx, func(api *client.Client) error { return api.WithdrawHandover(ctx, id) })
	if client.Code(err) == "not_found" {
		return withHint(errorf(mErrNoOpenOffer, id), mHintHandoversList)
	}
	if err != nil {
		return apiError(mDoingWithdrawHandover, err)
	}
	return nil
}

// Handovers lists the offers of this organisation, open, declined and
// completed (kept 30 days), newest first.
func (s *Session) Handovers(ctx context.Context) ([]client.Handover, error) {
	hs, err := retryRead(ctx, s, (*client.Client).Handovers)
	if err != nil {
		return nil, apiError(mDoingListHandovers, err)
	}
	if hs == nil {
		hs = []client.Handover{}
	}
	return hs, nil
}
