//go:build !hdoc

package counsel

import (
	"context"
	"errors"
)

// OfferHandover waits for crypto.Handover (branch doc).
func (s *Session) OfferHandover(ctx context.Context, t *Thread, slug, note, lang string) (uint64, error) {
	if _, err := checkOfferNote(note); err != nil {
		return 0, err
	}
	if _, err := pinnedOrg(ctx, s.base, s.cfg, slug); err != nil {
		return 0, err
	}
	return 0, errors.New("not built yet")
}
