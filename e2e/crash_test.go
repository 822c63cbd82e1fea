package e2e

import (
	"context"
	"errors"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/internal/mailboxdtest"
)

// TestCrash submits messages from concurrent clients to a real mailboxd,
// kills it with SIGKILL at random moments, restarts it on the same data
// file, and checks that every acknowledged message is there with its exact
// bytes, that seqs stay contiguous (nothing half-stored), and finally that
// the auditor finds the file clean. LOTSE_LONG_FAULTS=1 kills 50 times.
func TestCrash(t *testing.T) {
	kills, writers := 6, 6
	if longFaults {
		kills, writers = 50, 16
	}
	srv, ctx, ft := startFaultTeam(t, 10*time.Minute, mailboxdtest.LoadEnv()...)

	boxes := make([]*faultMailbox, writers)
	acked := make([]map[uint64][]byte, writers)
	sent := make([]map[string]bool, writers)
	for i := range boxes {
		boxes[i] = ft.newMailbox(t, ctx)
		acked[i], sent[i] = map[uint64][]byte{}, map[string]bool{}
	}
	total := 0
	for round := range kills {
		var wg sync.WaitGroup
		var mu sync.Mutex
		stop := make(chan struct{})
		for w := range writers {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					ct := ft.seal(t, false, 300+mrand.IntN(3000))
					mu.Lock()
					sent[w][string(ct)] = true
					mu.Unlock()
					rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
					seq, err := boxes[w].c.PostMessage(rctx, client.NewMessage{Epoch: 1, Ciphertext: ct})
					rcancel()
					if err != nil {
						var ae *client.Error
						if errors.As(err, &ae) {
							t.Errorf("round %d: the server refused a message: %v", round, err)
						}
						return // the server is gone: unacknowledged
					}
					mu.Lock()
					if _, dup := acked[w][seq]; dup {
						t.Errorf("seq %d acknowledged twice", seq)
					}
					acked[w][seq] = ct
					mu.Unlock()
				}
			}(w)
		}
		time.Sleep(time.Duration(200+mrand.IntN(800)) * time.Millisecond)
		srv.Kill() // SIGKILL
		close(stop)
		wg.Wait()
		srv.start()
		n := 0
		for w, mb := range boxes {
			n += checkMailbox(t, ctx, mb, acked[w], sent[w])
		}
		t.Logf("round %d: killed; %d messages stored after the restart", round, n)
		if n == total {
			t.Errorf("round %d stored nothing before the kill", round)
		}
		total = n
		if t.Failed() {
			t.FailNow()
		}
	}
	srv.stop()
	rep := auditClean(t, srv.DB(), true)
	if rep.Ciphertexts < total {
		t.Errorf("audit counts %d ciphertexts, the server served %d messages", rep.Ciphertexts, total)
	}
	srv.checkLog(t, nil)
}
