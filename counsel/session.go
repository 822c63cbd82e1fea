package counsel

import (
	"context"
	"errors"
	"net/http"
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

	vmu   sync.Mutex // one verification (and pin update) at a time
	pinMu sync.Mutex // one reader or writer of the per-case pins

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
		return nil, withHint(errorf(mErrIdentityMismatch),
			mHintConfigMixedUp)
	}
	if err := checkServer(cfg.Server, cfg.InsecureHTTP); err != nil {
		return nil, err
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
		return alarm(mAlarmBadChallenge)
	}
	if err != nil {
		if strings.Contains(err.Error(), "login challenge refused") {
			// A decoy challenge: the server does not know this id or
			// the counsellor was removed (PROTOCOL.md §6).
			return withHint(errorf(mErrLoginRefused),
				mHintAskAdminLogin)
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
		return errorf(mErrNotInRoster)
	}
	s.mu.Lock()
	s.api, s.me = api, *me
	s.mu.Unlock()
	return nil
}

var errLocked = errorf(mErrLocked)

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

// retryRead is retry for a read without arguments that the API answers
// with a value, named by its method expression ((*client.Client).Invites).
func retryRead[T any](ctx context.Context, s *Session, read func(*client.Client, context.Context) (T, error)) (T, error) {
	var out T
	err := s.retry(ctx, func(api *client.Client) error {
		var err error
		out, err = read(api, ctx)
		return err
	})
	return out, err
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

// Centres fetches the server's referral directory, public information
// that needs no login; the caller checks it (content.ParseCentres).
func (s *Session) Centres(ctx context.Context) ([]byte, error) {
	return s.base.Centres(ctx)
}
