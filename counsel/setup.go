package counsel

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/domain"
)

const logoutTimeout = 5 * time.Second

// Options are settings tests change; the zero value is the product's.
type Options struct {
	// ScryptWorkFactor for new identity files; 0 is age's default (18).
	ScryptWorkFactor int
	// LockAfter is the desk's auto-lock; 0 is 15 minutes.
	LockAfter time.Duration
	// PendingPoll is how often a pending counsellor's desk asks whether
	// an admin has approved them; 0 is 30 seconds.
	PendingPoll time.Duration
	// InsecureHTTP allows http:// to a server beyond loopback (init and
	// join keep it in the config).
	InsecureHTTP bool
	// Org is the organisation whose setup token init registers with
	// (PROTOCOL.md §8); "" is the front door.
	Org string
}

func (o Options) workFactor() int {
	if o.ScryptWorkFactor > 0 {
		return o.ScryptWorkFactor
	}
	return scryptWorkFactor
}

// checkFresh refuses a config directory that already has a counsellor.
func checkFresh(dir string) error {
	for _, f := range []string{configFile, identityFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return withHint(errorf(mErrDirHasCounsellor, dir),
				mHintOtherConfigDir)
		}
	}
	return nil
}

// Init is the first admin: it registers with the setup token, generates
// the epoch-1 team key and puts the first keyring, then pins it.
//
// Init resumes an init that stopped after registering (the connection
// dropped, the computer slept): if dir already holds this server's
// counsellor with no team key pinned yet, Init logs in with the
// passphrase and, if the server has no keyring yet, puts the epoch-1
// keyring instead of registering again.
func Init(ctx context.Context, dir, server, setup, name string, passphrase []byte, opts Options) (*Session, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if _, err := client.New(server); err != nil {
		return nil, withHint(err, mHintPassServer)
	}
	if err := checkServer(server, opts.InsecureHTTP); err != nil {
		return nil, err
	}
	if cfg := resumableInit(dir, server); cfg != nil {
		s, err := Unlock(ctx, cfg, passphrase)
		if err != nil {
			return nil, err
		}
		if err := s.initKeyring(ctx, true); err != nil {
			s.Wipe()
			return nil, err
		}
		return s, nil
	}
	cfg, id, err := initRegister(ctx, dir, server, setup, name, passphrase, opts)
	if err != nil {
		return nil, err
	}
	s, err := newSession(ctx, cfg, id)
	if err != nil {
		return nil, err
	}
	if err := s.initKeyring(ctx, false); err != nil {
		s.Wipe()
		return nil, err
	}
	return s, nil
}

// resumableInit returns the config in dir if it is an init for server
// that stopped before its first keyring was pinned, else nil.
func resumableInit(dir, server string) *Config {
	cfg, err := LoadConfig(dir)
	if err != nil || len(cfg.Pins) > 0 || strings.TrimRight(cfg.Server, "/") != strings.TrimRight(server, "/") {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, identityFile)); err != nil {
		return nil
	}
	return cfg
}

// initRegister is Init's first half: a new identity, registered with the
// setup token and saved with the counsellor id the server gave.
func initRegister(ctx context.Context, dir, server, setup, name string, passphrase []byte, opts Options) (*Config, *age.HybridIdentity, error) {
	base, err := client.New(server)
	if err != nil {
		return nil, nil, withHint(err, mHintPassServer)
	}
	if err := checkFresh(dir); err != nil {
		return nil, nil, err
	}
	if err := ensureDir(dir); err != nil {
		return nil, nil, err
	}
	// The token is registered before the slow part (scrypt for
	// identity.age), so it is valid and unused for as short a time as
	// possible while it may sit in a file or the process list.
	if err := checkNewIdentity(dir, passphrase); err != nil {
		return nil, nil, err
	}
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, nil, errorf(mErrGenerateIdentity, err)
	}
	reg, err := base.Register(ctx, client.Registration{Setup: setup, Name: name, Recipient: id.Recipient().String(), Org: opts.Org})
	if err != nil {
		switch client.Code(err) {
		case "setup_invalid":
			return nil, nil, withHint(errorf(mErrSetupInvalid), mHintSetupTokenFromLog)
		case "already_set_up":
			return nil, nil, withHint(errorf(mErrAlreadySetUp), mHintAskForInvite)
		}
		return nil, nil, apiError(mDoingRegister, err)
	}
	if err := writeIdentityFile(dir, id, passphrase, opts.workFactor()); err != nil {
		return nil, nil, err
	}
	cfg := &Config{Server: server, ID: reg.ID, Name: name, Recipient: id.Recipient().String(), InsecureHTTP: opts.InsecureHTTP, Org: opts.Org, dir: dir}
	if err := cfg.Save(); err != nil {
		return nil, nil, err
	}
	return cfg, id, nil
}

// initKeyring is Init's second half: the epoch-1 team key in the first
// keyring, with this admin its only member. When resuming, a keyring the
// server already has means init had finished.
func (s *Session) initKeyring(ctx context.Context, resume bool) error {
	if resume {
		err := s.retry(ctx, func(api *client.Client) error {
			_, err := api.GetKeyring(ctx)
			return err
		})
		switch {
		case err == nil:
			return withHint(errorf(mErrDirHasCounsellor, s.cfg.dir),
				mHintInitFinished)
		case client.Code(err) == "forbidden":
			return withHint(errorf(mErrDirHasCounsellor, s.cfg.dir),
				mHintOtherConfigDir)
		case client.Code(err) != "not_found":
			return apiError(mDoingFetchKeyring, err)
		}
	}
	team, err := age.GenerateHybridIdentity()
	if err != nil {
		return errorf(mErrGenerateTeamKey, err)
	}
	ring := &crypto.Keyring{V: 1,
		Members: []crypto.Member{{ID: s.cfg.ID, Name: s.cfg.Name, Recipient: s.cfg.Recipient}},
		Epochs:  []crypto.EpochKey{{Epoch: 1, Identity: team.String()}}}
	return s.putKeyring(ctx, ring, 1, team.Recipient().String(), nil)
}

// Join registers an invited counsellor. The newcomer confirms the team's
// fingerprint first (confirm gets the fingerprint computed here and says
// whether the admin read out the same) and pins that team key. With
// opts.Org the invite is of that organisation (PROTOCOL.md §8), whose
// team key is the one confirmed and pinned.
func Join(ctx context.Context, dir, server, invite, name string, passphrase []byte, confirm func(fp string) error, opts Options) (*Config, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	base, err := client.New(server)
	if err != nil {
		return nil, withHint(err, mHintPassServer)
	}
	if err := checkServer(server, opts.InsecureHTTP); err != nil {
		return nil, err
	}
	if err := checkFresh(dir); err != nil {
		return nil, err
	}
	team, err := base.TeamOf(ctx, opts.Org)
	if err != nil {
		return nil, apiError(mDoingFetchTeamKey, err)
	}
	if _, err := crypto.ParseRecipient(team.Recipient); err != nil || team.Epoch < 1 {
		return nil, alarm(mAlarmMalformedTeamKey)
	}
	if err := confirm(crypto.Fingerprint(team.Recipient)); err != nil {
		return nil, err
	}
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	// As in Init: register first, then the slow scrypt.
	if err := checkNewIdentity(dir, passphrase); err != nil {
		return nil, err
	}
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, errorf(mErrGenerateIdentity, err)
	}
	reg, err := base.Register(ctx, client.Registration{Invite: invite, Name: name, Recipient: id.Recipient().String()})
	if err != nil {
		if client.Code(err) == "invite_invalid" {
			return nil, withHint(errorf(mErrInviteInvalid), mHintInviteExpired)
		}
		return nil, apiError(mDoingRegister, err)
	}
	if err := writeIdentityFile(dir, id, passphrase, opts.workFactor()); err != nil {
		return nil, err
	}
	cfg := &Config{Server: server, ID: reg.ID, Name: name, Recipient: id.Recipient().String(),
		Pins: []Pin{{Epoch: team.Epoch, Recipient: team.Recipient}}, InsecureHTTP: opts.InsecureHTTP, Org: opts.Org, dir: dir}
	if err := cfg.Save(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func checkName(name string) error {
	if name == "" {
		return withHint(errorf(mErrMissingName), mHintNameExample)
	}
	if _, err := domain.ParseDisplayName(name); err != nil {
		return errorf(mErrBadName, domain.MaxDisplayNameLen)
	}
	return nil
}

// checkServer refuses plain HTTP to a server beyond loopback unless the
// counsellor asked for it (--insecure-http): on the way, anyone could
// read the session token and rewrite every answer, and although the
// messages stay end-to-end encrypted, the roster, the case list and the
// referral directory would be theirs to change.
func checkServer(server string, insecure bool) error {
	u, err := url.Parse(server)
	if err != nil || u.Scheme != "http" || insecure {
		return nil // client.New says what is wrong with other URLs
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() || strings.EqualFold(host, "localhost") {
		return nil
	}
	return withHint(errorf(mErrPlainHttp, oneLine(host)), mHintUseHttps)
}
