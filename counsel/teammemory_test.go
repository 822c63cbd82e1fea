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
//
// "forge-record CONFIGDIR PASSFILE directory" stores the team's directory
// record the same way, confirming no centre at all.
func cmdForgeRecord(ts *testscript.TestScript, neg bool, args []string) {
	ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
	defer cancel()
	if len(args) < 3 {
		ts.Fatalf("usage: forge-record CONFIGDIR PASSFILE CASE TEXT | forge-record CONFIGDIR PASSFILE directory")
	}
	cfg, err := LoadConfig(ts.MkAbs(args[0]))
	ts.Check(err)
	pass, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	pass = bytes.TrimSpace(pass)
	switch {
	case len(args) == 3 && args[2] == crypto.RecordDirectory:
		ts.Check(forgeRecord(ctx, cfg, pass, crypto.RecordDirectory, "", map[string]json.RawMessage{"entries": json.RawMessage("[]")}))
	case len(args) == 4:
		ts.Check(forgeNote(ctx, cfg, pass, args[2], args[3]))
	default:
		ts.Fatalf("usage: forge-record CONFIGDIR PASSFILE CASE TEXT | forge-record CONFIGDIR PASSFILE directory")
	}
}

// forgeNote stores a note on caseID as a server can: sealed to the public
// team recipient, with a MAC key of its own making.
func forgeNote(ctx context.Context, cfg *Config, pass []byte, caseID, text string) error {
	js, _ := json.Marshal(text)
	return forgeRecord(ctx, cfg, pass, crypto.RecordNote, caseID, map[string]json.RawMessage{"text": js})
}

// forgeRecord stores a record of kind as a server can.
func forgeRecord(ctx context.Context, cfg *Config, pass []byte, kind, caseID string, fields map[string]json.RawMessage) error {
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
	rec := &crypto.TeamRecord{Type: kind, Epoch: team.Epoch, Case: caseID, Author: cfg.ID,
		Written: time.Now(), Fields: fields}
	ct, err := crypto.SealTeamRecord(rec, key, teamR)
	if err != nil {
		return err
	}
	if caseID == "" {
		// The endpoint wants an admin's session; the server itself needs none.
		_, err = api.PutTeamRecord(ctx, kind, ct)
	} else {
		_, err = api.AddCaseRecord(ctx, caseID, kind, ct)
	}
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
