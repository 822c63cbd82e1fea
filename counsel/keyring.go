package counsel

import (
	"context"
	"slices"
	"strings"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
)

// Verify fetches the keyring and accepts it only as PROTOCOL.md §3 says:
// (a) every pinned epoch is present with the pinned team recipient; (b)
// the newest epoch is at least the highest pinned; (c) the members equal
// those the server lists; (d) GET /api/v1/team serves the newest epoch's
// recipient. It also requires this counsellor among the members and the
// server's epoch and recipient to be the keyring's newest. Then it pins
// every epoch of the keyring and its members.
func (s *Session) Verify(ctx context.Context) error {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	return s.verifyLocked(ctx)
}

func (s *Session) verifyLocked(ctx context.Context) error {
	k, err := retryRead(ctx, s, (*client.Client).GetKeyring)
	if client.Code(err) == "not_found" {
		if s.cfg.HighestPin() > 0 {
			return alarm(mAlarmKeyringGone, s.cfg.HighestPin())
		}
		return withHint(errorf(mErrNoKeyring), mHintInitPutsKeyring)
	}
	if client.Code(err) == "forbidden" {
		return withHint(errorf(mErrNotApproved),
			mHintGetApproved)
	}
	if err != nil {
		return apiError(mDoingFetchKeyring, err)
	}
	s.mu.Lock()
	id := s.id
	s.mu.Unlock()
	if id == nil {
		return errLocked
	}
	ring, err := crypto.OpenKeyring(k.Envelope, id)
	if err != nil {
		return alarm(mAlarmKeyringUnreadable, err)
	}
	if err := checkKeyring(s.cfg, ring, k); err != nil {
		return err
	}
	team, err := s.base.TeamOf(ctx, s.cfg.Org)
	if err != nil {
		return apiError(mDoingFetchTeamKey, err)
	}
	newest := ring.Epochs[len(ring.Epochs)-1]
	newestRecipient := recipientOf(newest.Identity)
	if team.Epoch != newest.Epoch || team.Recipient != newestRecipient {
		return alarm(mAlarmTeamKeyDiffers,
			team.Epoch, crypto.Fingerprint(team.Recipient), newest.Epoch, crypto.Fingerprint(newestRecipient))
	}
	ids, err := ring.Identities()
	if err != nil {
		return err
	}
	// Pin every epoch not pinned yet, and the members.
	var pins []Pin
	for _, e := range ring.Epochs {
		pins = append(pins, Pin{Epoch: e.Epoch, Recipient: recipientOf(e.Identity)})
	}
	changed := !slices.Equal(pins, s.cfg.Pins) || !slices.Equal(ring.Members, s.cfg.Members)
	s.cfg.Pins = pins
	s.cfg.Members = slices.Clone(ring.Members)
	if changed {
		if err := s.cfg.Save(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.ring, s.served, s.teamIDs = ring, k, ids
	s.mu.Unlock()
	return nil
}

// checkKeyring is the part of Verify that needs no network: ring is the
// decrypted keyring, k what the server says about it.
func checkKeyring(cfg *Config, ring *crypto.Keyring, k *client.Keyring) error {
	self := false
	for _, m := range ring.Members {
		if m.ID == cfg.ID {
			if m.Recipient != cfg.Recipient {
				return alarm(mAlarmOwnKeyReplaced)
			}
			self = true
		}
	}
	if !self {
		return alarm(mAlarmNotAMember)
	}
	for _, p := range cfg.Pins {
		if p.Epoch > len(ring.Epochs) {
			return alarm(mAlarmEpochMissing, len(ring.Epochs), p.Epoch)
		}
		if got := recipientOf(ring.Epochs[p.Epoch-1].Identity); got != p.Recipient {
			return alarm(mAlarmTeamKeyReplaced,
				p.Epoch, crypto.Fingerprint(p.Recipient), crypto.Fingerprint(got))
		}
	}
	newest := ring.Epochs[len(ring.Epochs)-1]
	if newest.Epoch < cfg.HighestPin() {
		return alarm(mAlarmEpochRolledBack, newest.Epoch, cfg.HighestPin())
	}
	if k.Epoch != newest.Epoch || k.Recipient != recipientOf(newest.Identity) {
		return alarm(mAlarmKeyringEpochDiffers, k.Epoch, newest.Epoch)
	}
	ids := make([]string, 0, len(ring.Members))
	for _, m := range ring.Members {
		ids = append(ids, m.ID)
	}
	if !sameSet(ids, k.Members) {
		return alarm(mAlarmMembersDiffer,
			strings.Join(ids, ", "), strings.Join(k.Members, ", "))
	}
	return nil
}

func recipientOf(identity string) string {
	id, err := age.ParseHybridIdentity(identity)
	if err != nil {
		return ""
	}
	return id.Recipient().String()
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// verified returns the verified keyring and what the server served.
func (s *Session) verified(ctx context.Context) (*crypto.Keyring, *client.Keyring, error) {
	s.mu.Lock()
	ring, served := s.ring, s.served
	s.mu.Unlock()
	if ring == nil {
		if err := s.Verify(ctx); err != nil {
			return nil, nil, err
		}
		s.mu.Lock()
		ring, served = s.ring, s.served
		s.mu.Unlock()
	}
	if ring == nil {
		return nil, nil, errLocked
	}
	return ring, served, nil
}

// TeamIdentities returns every epoch's team identity, newest first.
func (s *Session) teamIdentities(ctx context.Context) ([]age.Identity, error) {
	if _, _, err := s.verified(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.teamIDs == nil {
		return nil, errLocked
	}
	return s.teamIDs, nil
}

// TeamKey is the newest verified epoch and its team recipient.
type TeamKey struct {
	Epoch       int    `json:"epoch"`
	Recipient   string `json:"-"`
	Fingerprint string `json:"fingerprint"`
}

// Team returns the newest verified team key.
func (s *Session) Team(ctx context.Context) (TeamKey, error) {
	ring, _, err := s.verified(ctx)
	if err != nil {
		return TeamKey{}, err
	}
	e := ring.Epochs[len(ring.Epochs)-1]
	r := recipientOf(e.Identity)
	return TeamKey{Epoch: e.Epoch, Recipient: r, Fingerprint: crypto.Fingerprint(r)}, nil
}

// Members returns the verified keyring's members.
func (s *Session) Members(ctx context.Context) ([]crypto.Member, error) {
	ring, _, err := s.verified(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(ring.Members), nil
}
