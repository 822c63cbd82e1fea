package counsel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
)

const logoutTimeout = 5 * time.Second

// Options are settings tests change; the zero value is the product's.
type Options struct {
	// ScryptWorkFactor for new identity files; 0 is age's default (18).
	ScryptWorkFactor int
	// LockAfter is the desk's auto-lock; 0 is 15 minutes.
	LockAfter time.Duration
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
			return withHint(fmt.Errorf("%s already holds a counsellor", dir),
				"use another --config DIR for another counsellor or team")
		}
	}
	return nil
}

// Init is the first admin: it registers with the setup token, generates
// the epoch-1 team key and puts the first keyring, then pins it.
func Init(ctx context.Context, dir, server, setup, name string, passphrase []byte, opts Options) (*Session, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	base, err := client.New(server)
	if err != nil {
		return nil, withHint(err, "pass the server's address, e.g. --server https://beratung.example.org")
	}
	if err := checkFresh(dir); err != nil {
		return nil, err
	}
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	id, err := newIdentityFile(dir, passphrase, opts.workFactor())
	if err != nil {
		return nil, err
	}
	reg, err := base.Register(ctx, client.Registration{Setup: setup, Name: name, Recipient: id.Recipient().String()})
	if err != nil {
		os.Remove(filepath.Join(dir, identityFile))
		switch client.Code(err) {
		case "setup_invalid":
			return nil, withHint(errors.New("the setup token is wrong"), "copy it from the line \"mailboxd: setup token: …\" of the server's log")
		case "already_set_up":
			return nil, withHint(errors.New("the team is already set up"), "ask the admin for an invite and run \"counsel join\"")
		}
		return nil, apiError("register", err)
	}
	cfg := &Config{Server: server, ID: reg.ID, Name: name, Recipient: id.Recipient().String(), dir: dir}
	if err := cfg.Save(); err != nil {
		return nil, err
	}
	s, err := newSession(ctx, cfg, id)
	if err != nil {
		return nil, err
	}
	team, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, fmt.Errorf("generate the team key: %v", err)
	}
	ring := &crypto.Keyring{V: 1,
		Members: []crypto.Member{{ID: reg.ID, Name: name, Recipient: cfg.Recipient}},
		Epochs:  []crypto.EpochKey{{Epoch: 1, Identity: team.String()}}}
	if err := s.putKeyring(ctx, ring, 1, team.Recipient().String(), nil); err != nil {
		return nil, err
	}
	return s, nil
}

// Join registers an invited counsellor. The newcomer confirms the team's
// fingerprint first (confirm gets the fingerprint computed here and says
// whether the admin read out the same) and pins that team key.
func Join(ctx context.Context, dir, server, invite, name string, passphrase []byte, confirm func(fp string) error, opts Options) (*Config, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	base, err := client.New(server)
	if err != nil {
		return nil, withHint(err, "pass the server's address, e.g. --server https://beratung.example.org")
	}
	if err := checkFresh(dir); err != nil {
		return nil, err
	}
	team, err := base.Team(ctx)
	if err != nil {
		return nil, apiError("fetch the team key", err)
	}
	if _, err := crypto.ParseRecipient(team.Recipient); err != nil || team.Epoch < 1 {
		return nil, alarm("the server serves a malformed team key")
	}
	if err := confirm(crypto.Fingerprint(team.Recipient)); err != nil {
		return nil, err
	}
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	id, err := newIdentityFile(dir, passphrase, opts.workFactor())
	if err != nil {
		return nil, err
	}
	reg, err := base.Register(ctx, client.Registration{Invite: invite, Name: name, Recipient: id.Recipient().String()})
	if err != nil {
		os.Remove(filepath.Join(dir, identityFile))
		if client.Code(err) == "invite_invalid" {
			return nil, withHint(errors.New("the invite is not valid"), "invites work once and for 72 hours; ask for a new one")
		}
		return nil, apiError("register", err)
	}
	cfg := &Config{Server: server, ID: reg.ID, Name: name, Recipient: id.Recipient().String(),
		Pins: []Pin{{Epoch: team.Epoch, Recipient: team.Recipient}}, dir: dir}
	if err := cfg.Save(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func checkName(name string) error {
	if name == "" {
		return withHint(errors.New("missing --name"), "the name your colleagues and enquirers see, e.g. --name \"Anna (Beratungsstelle Nord)\"")
	}
	if len(name) > 100 || oneLine(name) != name {
		return errors.New("the name must be one line of at most 100 bytes")
	}
	return nil
}
