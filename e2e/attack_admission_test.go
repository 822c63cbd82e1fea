package e2e

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// Attack 2: a flood of new mailboxes from many addresses, each paying its
// proof of work. There is no global cap to spend any more: the difficulty
// rises with the creation rate (announced in the pow answer), so the
// flood pays more while a genuine enquirer is slowed, never refused.
func TestAttackCreationFlood(t *testing.T) {
	const (
		base     = 2
		maxBits  = 7
		sources  = 40
		duration = 15 * time.Second
	)
	srv, ctx, at := underAttack(t, 3*time.Minute, "LOTSE_POW_DIFFICULTY=2", "LOTSE_POW_MAX_DIFFICULTY=7", "LOTSE_MAILBOXES_PER_HOUR=60")

	var created, refused, highest atomic.Int64
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	for w := range 2 { // two attackers: CI has two cores
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(stop); i += 2 {
				c := clientFrom(t, srv.URL, attackSource(i%sources))
				p, err := c.Pow(ctx)
				if err != nil {
					refused.Add(1)
					continue
				}
				for d := highest.Load(); int64(p.Difficulty) > d && !highest.CompareAndSwap(d, int64(p.Difficulty)); d = highest.Load() {
				}
				nonce, err := crypto.SolvePow(ctx, p.Challenge, p.Difficulty)
				if err != nil {
					return
				}
				m := mailboxdtest.RandomMailbox()
				_, err = c.CreateMailbox(ctx, client.NewMailbox{ID: m.ID, Verifier: m.Verifier[:], Epoch: 1,
					Message: at.seal(t, true, 100), Pow: &client.PowSolution{Challenge: p.Challenge, Nonce: nonce}})
				if err != nil {
					refused.Add(1)
					continue
				}
				created.Add(1)
			}
		}()
	}
	time.Sleep(duration / 2)
	took, refusals := at.genuine(t, ctx, srv.URL, "127.0.99.3")
	wg.Wait()
	cases := at.adminReads(t, ctx)
	t.Logf("flood: %d mailboxes created, %d refused, difficulty rose from %d to %d; genuine enquirer in %v after %d refusals; admin sees %d cases",
		created.Load(), refused.Load(), base, highest.Load(), took.Round(time.Millisecond), refusals, cases)
	if highest.Load() <= base {
		t.Errorf("the difficulty never rose above %d under %d new mailboxes", base, created.Load())
	}
	if highest.Load() > maxBits {
		t.Errorf("the difficulty rose to %d, maximum %d", highest.Load(), maxBits)
	}
	if refusals > 0 {
		t.Errorf("the genuine enquirer was refused %d times", refusals)
	}
	if want := int(created.Load()) + 1; cases != want {
		t.Errorf("the admin sees %d cases, want %d", cases, want)
	}
	srv.checkLog(t, nil)
}

// Attack 3: wrong answers to the proof of work from many addresses. They
// spend no challenge and fill nothing, so new enquiries go on; and the
// challenge an attacker answered wrongly still takes its right answer.
func TestAttackWrongPowAnswers(t *testing.T) {
	const (
		sources   = 100
		perSource = 10 // the per-address creation limit
	)
	srv, ctx, at := underAttack(t, 3*time.Minute, "LOTSE_POW_DIFFICULTY=4")

	var wrong, other atomic.Int64
	var kept struct {
		sync.Mutex
		challenge  []byte
		difficulty int
	}
	err := mailboxdtest.Parallel(4, func(i int) error {
		for s := i; s < sources; s += 4 {
			c := clientFrom(t, srv.URL, attackSource(s))
			p, err := c.Pow(ctx)
			if err != nil {
				return err
			}
			kept.Lock()
			kept.challenge, kept.difficulty = p.Challenge, p.Difficulty
			kept.Unlock()
			bad := []byte{0, 0, 0, 0, 0, 0, 0, 0}
			for n := 0; crypto.PowValid(p.Challenge, bad, p.Difficulty); n++ {
				bad[7] = byte(n)
			}
			for range perSource {
				m := mailboxdtest.RandomMailbox()
				_, err := c.CreateMailbox(ctx, client.NewMailbox{ID: m.ID, Verifier: m.Verifier[:], Epoch: 1,
					Message: at.seal(t, true, 100), Pow: &client.PowSolution{Challenge: p.Challenge, Nonce: bad}})
				var ae *client.Error
				if errors.As(err, &ae) && ae.Code == "pow_invalid" {
					wrong.Add(1)
				} else {
					other.Add(1)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	took, refusals := at.genuine(t, ctx, srv.URL, "127.0.99.4")
	// The last challenge answered wrongly is still unspent.
	nonce, err := crypto.SolvePow(ctx, kept.challenge, kept.difficulty)
	if err != nil {
		t.Fatal(err)
	}
	m := mailboxdtest.RandomMailbox()
	_, err = clientFrom(t, srv.URL, "127.0.99.5").CreateMailbox(ctx, client.NewMailbox{ID: m.ID, Verifier: m.Verifier[:], Epoch: 1,
		Message: at.seal(t, true, 100), Pow: &client.PowSolution{Challenge: kept.challenge, Nonce: nonce}})
	if err != nil {
		t.Errorf("a challenge answered wrongly was spent: %v", err)
	}
	cases := at.adminReads(t, ctx)
	t.Logf("%d wrong answers refused as pow_invalid, %d otherwise; genuine enquirer in %v after %d refusals; admin sees %d cases",
		wrong.Load(), other.Load(), took.Round(time.Millisecond), refusals, cases)
	if wrong.Load() != sources*perSource {
		t.Errorf("%d of %d wrong answers refused as pow_invalid", wrong.Load(), sources*perSource)
	}
	if refusals > 0 {
		t.Errorf("the genuine enquirer was refused %d times", refusals)
	}
	if cases != 2 {
		t.Errorf("the admin sees %d cases, want 2", cases)
	}
	srv.checkLog(t, nil)
}
