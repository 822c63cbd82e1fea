package e2e

import (
	"errors"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/internal/mailboxdtest"
)

// Attack 6: filling the disk with new mailboxes. Above the storage budget
// new mailboxes get 503 storage_full with Retry-After, while an existing
// conversation goes on and nothing acknowledged is lost.
func TestAttackStorageBudget(t *testing.T) {
	srv, ctx, at := underAttack(t, 3*time.Minute, "LOTSE_POW_DIFFICULTY=0", "LOTSE_CREATE_LIMIT=off", "LOTSE_STORAGE_BUDGET=2MiB")
	mb := at.newMailbox(t, ctx)
	acked := map[uint64][]byte{}
	sent := map[string]bool{}

	var full *client.Error
	created := 0
	for i := 0; i < 5000 && full == nil; i++ {
		c := clientFrom(t, srv.URL, attackSource(i%500))
		m := mailboxdtest.RandomMailbox()
		_, err := c.CreateMailbox(ctx, client.NewMailbox{ID: m.ID, Verifier: m.Verifier[:], Epoch: 1, Message: at.seal(t, true, 6000)})
		switch {
		case err == nil:
			created++
		case errors.As(err, &full):
		default:
			t.Fatalf("create %d: %v", i, err)
		}
	}
	if full == nil {
		t.Fatalf("%d mailboxes created and the 2 MiB budget never refused one", created)
	}
	if full.Status != 503 || full.Code != "storage_full" || full.RetryAfter <= 0 {
		t.Errorf("over the budget: %d %q, Retry-After %v; want 503 storage_full with Retry-After", full.Status, full.Code, full.RetryAfter)
	}
	// The existing conversation goes on.
	for range 3 {
		ct := at.seal(t, false, 6000)
		sent[string(ct)] = true
		seq, err := mb.c.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: ct})
		if err != nil {
			t.Fatalf("an existing conversation was refused over the budget: %v", err)
		}
		acked[seq] = ct
	}
	checkMailbox(t, ctx, mb, acked, sent)
	cases := at.adminReads(t, ctx)
	t.Logf("%d mailboxes filled the 2 MiB budget; then %d %s (Retry-After %v); the existing conversation went on; admin sees %d cases",
		created, full.Status, full.Code, full.RetryAfter, cases)
	if cases != created+1 {
		t.Errorf("the admin sees %d cases, want %d", cases, created+1)
	}
	srv.checkLog(t, nil)
}
