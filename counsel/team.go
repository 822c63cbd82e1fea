package counsel

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
)

// Session is an unlocked desk: the personal identity, a logged-in API
// client and, once verified, the team's keyring.
type Session struct {
	cfg  *Config
	base *client.Client // no credential

	vmu sync.Mutex // one verification (and pin update) at a time

	mu      sync.Mutex
	id      *age.HybridIdentity // nil after Wipe
	api     *client.Client      // with the session token
	ring    *crypto.Keyring     // the last verified keyring
	served  *client.Keyring     // as the server served it
	teamIDs []age.Identity      // every epoch's team identity, newest first
	me      client.Counsellor
}

// Config returns the desk's config.
func (s *Session) Config() *Config { return s.cfg }

// newSession logs in with id.
func newSession(ctx context.Context, cfg *Config, id *age.HybridIdentity) (*Session, error) {
	if id.Recipient().String() != cfg.Recipient {
		return nil, withHint(errorf(mErrIdentityAgeDoesNotBelongTo),
			mHintTheConfigDirectoryWasMixedUp)
	}
	base, err := client.New(cfg.Server)
	if err != nil {
		return nil, err
	}
	s := &Session{cfg: cfg, base: base, id: id}
	if err := s.login(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Unlock opens identity.age with the passphrase and logs in.
func Unlock(ctx context.Context, cfg *Config, passphrase []byte) (*Session, error) {
	id, err := openIdentityFile(cfg.dir, passphrase)
	if err != nil {
		return nil, err
	}
	return newSession(ctx, cfg, id)
}

// login answers a challenge (PROTOCOL.md §6); a challenge not of the
// fixed form is an alarm.
func (s *Session) login(ctx context.Context) error {
	s.mu.Lock()
	id := s.id
	s.mu.Unlock()
	if id == nil {
		return errLocked
	}
	sess, err := s.base.Login(ctx, s.cfg.ID, id)
	if errors.Is(err, crypto.ErrBadChallenge) {
		return alarm(mAlarmTheServerSentLoginChallengeThat)
	}
	if err != nil {
		if strings.Contains(err.Error(), "login challenge refused") {
			// A decoy challenge: the server does not know this id or
			// the counsellor was removed (PROTOCOL.md §6).
			return withHint(errorf(mErrLoginRefusedServerDoesNotKnow),
				mHintAskYourTeamsAdminRemovedCounsellor)
		}
		return apiError(mDoingLogIn, err)
	}
	api := s.base.WithToken(sess.Token)
	cs, err := api.Counsellors(ctx)
	if err != nil {
		return apiError(mDoingReadRoster, err)
	}
	var me *client.Counsellor
	for i := range cs {
		if cs[i].ID == s.cfg.ID {
			me = &cs[i]
		}
	}
	if me == nil {
		return errorf(mErrTheServersRosterDoesNotList)
	}
	s.mu.Lock()
	s.api, s.me = api, *me
	s.mu.Unlock()
	return nil
}

var errLocked = errorf(mErrTheDeskIsLocked)

// client returns the logged-in API client.
func (s *Session) client() (*client.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id == nil || s.api == nil {
		return nil, errLocked
	}
	return s.api, nil
}

// retry runs f and, if the session has expired (401), logs in again once.
func (s *Session) retry(ctx context.Context, f func(api *client.Client) error) error {
	api, err := s.client()
	if err != nil {
		return err
	}
	err = f(api)
	var ae *client.Error
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
		if lerr := s.login(ctx); lerr != nil {
			return lerr
		}
		if api, err = s.client(); err != nil {
			return err
		}
		err = f(api)
	}
	return err
}

// Me is this counsellor as the server lists them.
func (s *Session) Me() client.Counsellor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.me
}

// IsAdmin reports the server's role for this counsellor.
func (s *Session) IsAdmin() bool { return s.Me().Role == "admin" }

// Wipe forgets the identity, the team identities and the session. Go
// cannot overwrite the keys inside age's types or immutable strings; the
// references are dropped so the garbage collector can reclaim them.
func (s *Session) Wipe() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.api != nil {
		api := s.api
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
			defer cancel()
			_ = api.Logout(ctx)
		}()
	}
	// Requests still in flight may hold the keyring or the identities, so
	// they are dropped, not overwritten (strings cannot be overwritten).
	s.id, s.api, s.ring, s.served, s.teamIDs = nil, nil, nil, nil, nil
}

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
	var k *client.Keyring
	err := s.retry(ctx, func(api *client.Client) error {
		var err error
		k, err = api.GetKeyring(ctx)
		return err
	})
	if client.Code(err) == "not_found" {
		if s.cfg.HighestPin() > 0 {
			return alarm(mAlarmTheServerHasNoKeyringBut, s.cfg.HighestPin())
		}
		return withHint(errorf(mErrTheTeamHasNoKeyringYet), mHintTheFirstAdminPutsItWith)
	}
	if client.Code(err) == "forbidden" {
		return withHint(errorf(mErrYouAreNotApprovedYet),
			mHintTellAdminYourFingerprintCounselFingerprint)
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
		return alarm(mAlarmTheKeyringServerServesCannotBe, err)
	}
	if err := checkKeyring(s.cfg, ring, k); err != nil {
		return err
	}
	team, err := s.base.Team(ctx)
	if err != nil {
		return apiError(mDoingFetchTeamKey, err)
	}
	newest := ring.Epochs[len(ring.Epochs)-1]
	newestRecipient := recipientOf(newest.Identity)
	if team.Epoch != newest.Epoch || team.Recipient != newestRecipient {
		return alarm(mAlarmTheServerShowsEnquirersTeamKey,
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
				return alarm(mAlarmTheKeyringListsYourIdWith)
			}
			self = true
		}
	}
	if !self {
		return alarm(mAlarmTheKeyringDoesNotListYou)
	}
	for _, p := range cfg.Pins {
		if p.Epoch > len(ring.Epochs) {
			return alarm(mAlarmTheKeyringEndsAtEpochBut, len(ring.Epochs), p.Epoch)
		}
		if got := recipientOf(ring.Epochs[p.Epoch-1].Identity); got != p.Recipient {
			return alarm(mAlarmTheTeamKeyOfEpochWas,
				p.Epoch, crypto.Fingerprint(p.Recipient), crypto.Fingerprint(got))
		}
	}
	newest := ring.Epochs[len(ring.Epochs)-1]
	if newest.Epoch < cfg.HighestPin() {
		return alarm(mAlarmTheKeyringsNewestEpochIsOlder, newest.Epoch, cfg.HighestPin())
	}
	if k.Epoch != newest.Epoch || k.Recipient != recipientOf(newest.Identity) {
		return alarm(mAlarmTheServerSaysKeyringIsEpoch, k.Epoch, newest.Epoch)
	}
	ids := make([]string, 0, len(ring.Members))
	for _, m := range ring.Members {
		ids = append(ids, m.ID)
	}
	if !sameSet(ids, k.Members) {
		return alarm(mAlarmTheKeyringsMembersDifferFromMembers,
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
	return client.Counsellor{}, errorf(mErrTheServersRosterDoesNotList)
}

// Roster lists every counsellor with the fingerprint computed here.
func (s *Session) Roster(ctx context.Context) ([]client.Counsellor, error) {
	var cs []client.Counsellor
	err := s.retry(ctx, func(api *client.Client) error {
		var err error
		cs, err = api.Counsellors(ctx)
		return err
	})
	if err != nil {
		return nil, apiError(mDoingReadRoster, err)
	}
	for i := range cs {
		cs[i].Fingerprint = crypto.Fingerprint(cs[i].Recipient)
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
				return client.Counsellor{}, errorf(mErrCounsellorHasMalformedKey, id, err)
			}
			return c, nil
		case "active":
			return client.Counsellor{}, errorf(mErrCounsellorIsAlreadyMember, id)
		default:
			return client.Counsellor{}, withHint(errorf(mErrCounsellorWasRemoved, id),
				mHintARemovedCounsellorJoinsAgainWith)
		}
	}
	return client.Counsellor{}, withHint(errorf(mErrNoCounsellor, id), mHintCounselRosterListsEveryCounsellor)
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
		return withHint(errorf(mErrTheFingerprintDoesNotMatchCounsellor, id),
			mHintCompareAgainByPhoneOrIn)
	}
	ring, served, err := s.verified(ctx)
	if err != nil {
		return err
	}
	for _, m := range ring.Members {
		if m.Recipient == c.Recipient {
			return errorf(mErrCounsellorKeyAlreadyBelongsToMember, id, m.ID)
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
		return withHint(errorf(mErrYouCannotRemoveYourself), mHintAskAnotherAdminToRemoveYou)
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
		return withHint(errorf(mErrCounsellorIsNotMemberOfKeyring, id), mHintCounselRosterListsMembers)
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
		return withHint(errorf(mErrAnotherAdminChangedKeyringAtSame), mHintRunCommandAgain)
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

// apiError gives an API error a next step where one exists.
func apiError(what msg, err error) error {
	var ae *client.Error
	if !errors.As(err, &ae) {
		if IsAlarm(err) || hintOf(err) != "" || errors.Is(err, errLocked) {
			return err
		}
		return withHint(errorf(mErrFailed, what, err), mHintCheckServerAddressAndYourConnection)
	}
	e := errorf(mErrServerSays, what, oneLine(ae.Error()))
	switch ae.Code {
	case "forbidden":
		return withHint(e, mHintThisNeedsAdminOrAdminHas)
	case "unauthorized":
		return withHint(e, mHintTheServerDoesNotKnowThis)
	case "not_found":
		return withHint(e, mHintTheCaseMayHaveBeenDeleted)
	case "rate_limited":
		return withHint(e, mHintWaitMomentAndTryAgain)
	}
	return e
}
