package counsel

import (
	"context"
	"crypto/sha256"
	"slices"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
)

// refreshMe reads this counsellor's role and state from the server's
// roster again: a pending desk learns so that it was approved.
func (s *Session) refreshMe(ctx context.Context) (client.Counsellor, error) {
	cs, err := s.Roster(ctx)
	if err != nil {
		return client.Counsellor{}, err
	}
	for _, c := range cs {
		if c.ID == s.cfg.ID {
			s.mu.Lock()
			s.me = c
			s.mu.Unlock()
			return c, nil
		}
	}
	return client.Counsellor{}, errorf(mErrNotInRoster)
}

// Roster lists every counsellor with the fingerprint api/client computed
// from the key, never the server's (§3.3).
func (s *Session) Roster(ctx context.Context) ([]client.Counsellor, error) {
	cs, err := retryRead(ctx, s, (*client.Client).Counsellors)
	if err != nil {
		return nil, apiError(mDoingReadRoster, err)
	}
	return cs, nil
}

// Invite creates an invite for a counsellor or an admin.
func (s *Session) Invite(ctx context.Context, admin bool) (*client.Invite, error) {
	role := "counsellor"
	if admin {
		role = "admin"
	}
	var inv *client.Invite
	err := s.retry(ctx, func(api *client.Client) error {
		var err error
		inv, err = api.CreateInvite(ctx, role)
		return err
	})
	if err != nil {
		return nil, apiError(mDoingCreateInvite, err)
	}
	return inv, nil
}

// Pending returns a pending counsellor from the roster with the
// fingerprint computed here, for comparison out of band.
func (s *Session) Pending(ctx context.Context, id string) (client.Counsellor, error) {
	cs, err := s.Roster(ctx)
	if err != nil {
		return client.Counsellor{}, err
	}
	for _, c := range cs {
		if c.ID != id {
			continue
		}
		switch c.State {
		case "pending":
			if _, err := crypto.ParseRecipient(c.Recipient); err != nil {
				return client.Counsellor{}, errorf(mErrMalformedCounsellorKey, id, err)
			}
			return c, nil
		case "active":
			return client.Counsellor{}, errorf(mErrAlreadyMember, id)
		default:
			return client.Counsellor{}, withHint(errorf(mErrCounsellorRemoved, id),
				mHintRemovedRejoin)
		}
	}
	return client.Counsellor{}, withHint(errorf(mErrNoSuchCounsellor, id), mHintRosterListsCounsellors)
}

// SameFingerprint compares two fingerprints by their digits only.
func SameFingerprint(a, b string) bool {
	da, ea := crypto.NormalizeDigits(a)
	db, eb := crypto.NormalizeDigits(b)
	return ea == nil && eb == nil && len(da) == 25 && da == db
}

// Approve re-wraps the keyring to its decrypted members plus the pending
// counsellor id, whose fingerprint an admin confirmed out of band
// (confirmed must be that fingerprint as they read it).
func (s *Session) Approve(ctx context.Context, id, confirmed string) error {
	if err := s.Verify(ctx); err != nil {
		return err
	}
	c, err := s.Pending(ctx, id)
	if err != nil {
		return err
	}
	if !SameFingerprint(confirmed, crypto.Fingerprint(c.Recipient)) {
		return withHint(errorf(mErrFingerprintMismatch, id),
			mHintCompareAgain)
	}
	ring, served, err := s.verified(ctx)
	if err != nil {
		return err
	}
	for _, m := range ring.Members {
		if m.Recipient == c.Recipient {
			return errorf(mErrKeyBelongsToMember, id, m.ID)
		}
	}
	next := &crypto.Keyring{V: 1, Members: append(slices.Clone(ring.Members), crypto.Member{ID: c.ID, Name: c.Name, Recipient: c.Recipient}), Epochs: ring.Epochs}
	newest := ring.Epochs[len(ring.Epochs)-1]
	return s.putKeyring(ctx, next, newest.Epoch, recipientOf(newest.Identity), served)
}

// Remove starts a new epoch with a fresh team key, in a keyring that
// holds every earlier epoch for the remaining members only.
func (s *Session) Remove(ctx context.Context, id string) error {
	if id == s.cfg.ID {
		return withHint(errorf(mErrRemoveSelf), mHintAskOtherAdmin)
	}
	if err := s.Verify(ctx); err != nil {
		return err
	}
	ring, served, err := s.verified(ctx)
	if err != nil {
		return err
	}
	var members []crypto.Member
	found := false
	for _, m := range ring.Members {
		if m.ID == id {
			found = true
			continue
		}
		members = append(members, m)
	}
	if !found {
		return withHint(errorf(mErrNotInKeyring, id), mHintRosterListsMembers)
	}
	team, err := age.GenerateHybridIdentity()
	if err != nil {
		return errorf(mErrGenerateTeamKey, err)
	}
	epochs := append(slices.Clone(ring.Epochs), crypto.EpochKey{Epoch: len(ring.Epochs) + 1, Identity: team.String()})
	next := &crypto.Keyring{V: 1, Members: members, Epochs: epochs}
	return s.putKeyring(ctx, next, len(epochs), team.Recipient().String(), served)
}

// putKeyring seals next to its members, puts it in place of current and
// verifies what the server then serves.
func (s *Session) putKeyring(ctx context.Context, next *crypto.Keyring, epoch int, recipient string, current *client.Keyring) error {
	env, err := crypto.SealKeyring(next)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(next.Members))
	for _, m := range next.Members {
		ids = append(ids, m.ID)
	}
	u := client.KeyringUpdate{Epoch: epoch, Recipient: recipient, Envelope: env, Members: ids}
	if current != nil {
		h := sha256.Sum256(current.Envelope)
		u.Replaces = h[:]
	}
	err = s.retry(ctx, func(api *client.Client) error {
		_, err := api.PutKeyring(ctx, u)
		return err
	})
	if client.Code(err) == "keyring_conflict" {
		return withHint(errorf(mErrKeyringConflict), mHintRunAgain)
	}
	if err != nil {
		return apiError(mDoingPutKeyring, err)
	}
	// This desk made the new epoch: pin it before verifying.
	s.vmu.Lock()
	defer s.vmu.Unlock()
	if epoch > s.cfg.HighestPin() {
		s.cfg.Pins = append(s.cfg.Pins, Pin{Epoch: epoch, Recipient: recipient})
	}
	return s.verifyLocked(ctx)
}
