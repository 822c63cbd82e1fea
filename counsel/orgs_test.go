package counsel

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"lotse/api/client"
)

// TestInitOrg: the first admin of another organisation sets it up with
// the setup token a front-door admin created, and the desk checks that
// organisation's team key, not the front door's (PROTOCOL.md §8).
func TestInitOrg(t *testing.T) {
	tt := setUpTeam(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	anna := unlockT(t, ctx, tt.cfg)
	var created *client.CreatedOrg
	if err := anna.retry(ctx, func(api *client.Client) (err error) {
		created, err = api.CreateOrg(ctx, "b", "Fachberatung B")
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// Without --org the token is the front door's, which is set up.
	dir := filepath.Join(t.TempDir(), "berta")
	if _, err := Init(ctx, dir, tt.srv.URL, created.Setup, "Berta", []byte(testPassphrase), testOptions); err == nil {
		t.Fatal("init without the organisation succeeded")
	}
	opts := testOptions
	opts.Org = "b"
	berta, err := Init(ctx, filepath.Join(t.TempDir(), "berta2"), tt.srv.URL, created.Setup, "Berta", []byte(testPassphrase), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer berta.Wipe()
	if berta.cfg.Org != "b" {
		t.Fatalf("config org %q", berta.cfg.Org)
	}
	teamB, err := berta.Team(ctx)
	if err != nil {
		t.Fatal(err)
	}
	teamA, err := anna.Team(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if teamB.Fingerprint == teamA.Fingerprint {
		t.Fatal("b's admin verified the front door's team key")
	}
	pub, err := client.New(tt.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := pub.Orgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 2 || orgs[1].Slug != "b" || orgs[1].Fingerprint != teamB.Fingerprint || orgs[0].Fingerprint != teamA.Fingerprint {
		t.Fatalf("orgs %+v", orgs)
	}
	cases, err := berta.Cases(ctx, "")
	if err != nil || len(cases) != 0 {
		t.Fatalf("b's cases: %v, %v", cases, err)
	}
	// The organisation's setup token is used up.
	if _, err := Init(ctx, filepath.Join(t.TempDir(), "carl"), tt.srv.URL, created.Setup, "Carl", []byte(testPassphrase), opts); err == nil {
		t.Fatal("the setup token worked twice")
	}
}
