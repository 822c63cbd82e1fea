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
	id, err := openIdentityFile(cfg.dir, bytes.TrimSpace(pass))
	ts.Check(err)
	c, err := client.New(cfg.Server)
	ts.Check(err)
	sess, err := c.Login(ctx, cfg.ID, id)
	ts.Check(err)
	team, err := c.Team(ctx)
	ts.Check(err)
	teamR, err := crypto.ParseRecipient(team.Recipient)
	ts.Check(err)
	own, err := age.GenerateHybridIdentity()
	ts.Check(err)
	key, err := crypto.TeamMACKeyOf(team.Epoch, own)
	ts.Check(err)
	text, _ := json.Marshal(args[3])
	rec := &crypto.TeamRecord{Type: crypto.RecordNote, Epoch: team.Epoch, Case: args[2], Author: cfg.ID,
		Written: time.Now(), Fields: map[string]json.RawMessage{"text": text}}
	ct, err := crypto.SealTeamRecord(rec, key, teamR)
	ts.Check(err)
	_, err = c.WithToken(sess.Token).AddCaseRecord(ctx, args[2], crypto.RecordNote, ct)
	ts.Check(err)
}
