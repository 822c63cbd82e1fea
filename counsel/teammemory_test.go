package counsel

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"time"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"lotse/api/client"
	"lotse/crypto"
)

// cmdForgeRecord is the attack of a server on the team's memory:
// "forge-record CONFIGDIR PASSFILE CASE TEXT" stores a note on CASE sealed
// to the public team recipient, as the server can, but authenticated
// with a MAC key of its own making, since it has no team identity. It
// logs in as the counsellor only to reach the endpoint, as a server would
// write to its own store.
func cmdForgeRecord(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: forge-record CONFIGDIR PASSFILE CASE TEXT")
	}
	ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
	defer cancel()
	cfg, err := LoadConfig(ts.MkAbs(args[0]))
	ts.Check(err)
	pass, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	ts.Check(forgeNote(ctx, cfg, bytes.TrimSpace(pass), args[2], args[3]))
}

// forgeNote stores a note on caseID as a server can: sealed to the public
// team recipient, with a MAC key of its own making.
func forgeNote(ctx context.Context, cfg *Config, pass []byte, caseID, text string) error {
	api, err := loginAs(ctx, cfg, pass)
	if err != nil {
		return err
	}
	team, err := api.Team(ctx)
	if err != nil {
		return err
	}
	teamR, err := crypto.ParseRecipient(team.Recipient)
	if err != nil {
		return err
	}
	own, err := age.GenerateHybridIdentity()
	if err != nil {
		return err
	}
	key, err := crypto.TeamMACKeyOf(team.Epoch, own)
	if err != nil {
		return err
	}
	js, _ := json.Marshal(text)
	rec := &crypto.TeamRecord{Type: crypto.RecordNote, Epoch: team.Epoch, Case: caseID, Author: cfg.ID,
		Written: time.Now(), Fields: map[string]json.RawMessage{"text": js}}
	ct, err := crypto.SealTeamRecord(rec, key, teamR)
	if err != nil {
		return err
	}
	_, err = api.AddCaseRecord(ctx, caseID, crypto.RecordNote, ct)
	return err
}

// loginAs is a session of the counsellor of cfg on the API, without
// counsel's checks: what a test's attacker holds.
func loginAs(ctx context.Context, cfg *Config, pass []byte) (*client.Client, error) {
	id, err := openIdentityFile(cfg.dir, pass)
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg.Server)
	if err != nil {
		return nil, err
	}
	sess, err := c.Login(ctx, cfg.ID, id)
	if err != nil {
		return nil, err
	}
	return c.WithToken(sess.Token), nil
}
