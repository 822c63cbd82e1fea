//go:build hdoc

package counsel

import (
	"context"

	"lotse/api/client"
	"lotse/crypto"
)

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
	seq, err := s.sendReply(ctx, t, note, lang, nil, func(d *crypto.Document) { d.Handover = h })
	if err != nil {
		return 0, err
	}
	err = s.retry(ctx, func(api *client.Client) error { return api.OfferHandover(ctx, t.id, o.Slug) })
	if err != nil {
		return seq, withHintf(errorf(mErrOfferNotRecorded, seq, apiError(mDoingOfferHandover, err)), mHintOfferAgain, o.Slug)
	}
	return seq, nil
}
