package e2e

import (
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/internal/mailboxdtest"
)

// Attack 5: someone holding one invite registers, stays pending, reads
// the roster and opens sessions from many addresses to fill the session
// table. They see only themselves, hold at most 8 sessions, the admin
// keeps working, and the admin rejects them, which ends their sessions.
func TestAttackPendingCounsellor(t *testing.T) {
	const sources = 30
	srv, ctx, at := underAttack(t, 3*time.Minute, "LOTSE_POW_DIFFICULTY=0")
	inv, err := at.Admin.CreateInvite(ctx, "counsellor")
	if err != nil {
		t.Fatal(err)
	}
	key, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := at.Client.Register(ctx, client.Registration{Invite: inv.Invite, Name: "Mallory", Recipient: key.Recipient().String()})
	if err != nil || reg.State != "pending" {
		t.Fatalf("register: %+v, %v", reg, err)
	}

	var sessions []*client.Client
	limited := 0
	for i := range sources * 5 {
		c := clientFrom(t, srv.URL, attackSource(i%sources))
		s, err := c.Login(ctx, reg.ID, key)
		var ae *client.Error
		switch {
		case err == nil:
			sessions = append(sessions, c.WithToken(s.Token))
		case errors.As(err, &ae) && ae.Status == 429:
			limited++
		default:
			t.Fatalf("login %d: %v", i, err)
		}
	}
	live := 0
	for _, s := range sessions {
		if roster, err := s.Counsellors(ctx); err == nil {
			live++
			if len(roster) != 1 || roster[0].ID != reg.ID {
				t.Errorf("a pending counsellor sees %d counsellors", len(roster))
			}
		}
	}
	cases := at.adminReads(t, ctx)
	took, _ := at.genuine(t, ctx, srv.URL, "127.0.99.6")
	t.Logf("%d logins (%d limited) left %d live sessions; the admin read %d cases; a genuine enquirer got through in %v",
		len(sessions), limited, live, cases, took.Round(time.Millisecond))
	if live > 8 {
		t.Errorf("one pending counsellor holds %d sessions, cap 8", live)
	}
	if err := at.Admin.RejectCounsellor(ctx, reg.ID); err != nil {
		t.Fatalf("reject: %v", err)
	}
	for _, s := range sessions {
		if _, err := s.Counsellors(ctx); err == nil {
			t.Fatal("a rejected counsellor's session still works")
		}
	}
	at.adminReads(t, ctx)
	srv.checkLog(t, nil)
}

// Attack 4: an inbox flooded with new cases. A genuine enquirer still
// writes, the admin opens the inbox page by page, and the first page does
// not grow with the flood. The time is logged, not asserted. LOTSE_ATTACK_INBOX_CASES sets the flood's size
// (default 3000) for a measurement at the scale.
func TestAttackFloodedInbox(t *testing.T) {
	flood := 3000
	if v, err := strconv.Atoi(os.Getenv("LOTSE_ATTACK_INBOX_CASES")); err == nil && v > 1000 {
		flood = v
	}
	srv, ctx, at := underAttack(t, 5*time.Minute+time.Duration(flood)*5*time.Millisecond, mailboxdtest.LoadEnv()...)
	first := at.seal(t, true, 100)
	start := time.Now()
	err := mailboxdtest.Parallel(8, func(i int) error {
		for n := i; n < flood; n += 8 {
			m := mailboxdtest.RandomMailbox()
			if _, err := at.Client.CreateMailbox(ctx, client.NewMailbox{ID: m.ID, Verifier: m.Verifier[:], Epoch: 1, Message: first}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seeded := time.Since(start)
	took, _ := at.genuine(t, ctx, srv.URL, "127.0.99.7")
	cases := flood + 1 // the genuine enquirer's too
	start = time.Now()
	page, next, err := at.Admin.CasesPage(ctx, "new", 50, "")
	if err != nil {
		t.Fatal(err)
	}
	firstPage := time.Since(start)
	if len(page) != 50 || next == "" {
		t.Fatalf("first page: %d cases, next %q", len(page), next)
	}
	t.Logf("%d cases seeded in %v; a genuine enquirer in %v; the first page of 50 in %v",
		flood, seeded.Round(time.Millisecond), took.Round(time.Millisecond), firstPage.Round(time.Millisecond))
	if flood > 10000 {
		return // a measurement: the whole list would be refused as too large
	}
	seen := map[string]bool{}
	pages := 1
	for next != "" {
		for _, c := range page {
			if seen[c.ID] {
				t.Fatalf("case %.8s… on two pages", c.ID)
			}
			seen[c.ID] = true
		}
		if page, next, err = at.Admin.CasesPage(ctx, "new", 1000, next); err != nil {
			t.Fatal(err)
		}
		pages++
	}
	for _, c := range page {
		seen[c.ID] = true
	}
	start = time.Now()
	all, err := at.Admin.Cases(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	whole := time.Since(start)
	t.Logf("the whole list in %v; %d pages", whole.Round(time.Millisecond), pages)
	if len(seen) != cases || len(all) != cases {
		t.Errorf("paged %d cases, listed %d, want %d", len(seen), len(all), cases)
	}
	srv.checkLog(t, nil)
}
