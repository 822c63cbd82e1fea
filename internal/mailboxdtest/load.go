package mailboxdtest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// Parallel runs f(0) … f(n-1) at once, as concurrent clients do, and
// returns their errors joined.
func Parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// RepeatDuring runs load and, meanwhile, calls f again and again until
// load has returned and f has run at least min times: how a test compacts
// or backs up under writes and still knows that f overlapped them. It
// returns f's first error, after load has returned.
func RepeatDuring(min int, f func() error, load func()) error {
	var (
		wg   sync.WaitGroup
		done = make(chan struct{})
		err  error
	)
	wg.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-done:
				if n >= min {
					return
				}
			default:
			}
			if err = f(); err != nil {
				return
			}
		}
	})
	load()
	close(done)
	wg.Wait()
	return err
}

// Acks is a ledger of acknowledged writes: per mailbox and seq, the
// SHA-256 of the ciphertext a writer was told is stored. It is safe for
// concurrent writers.
type Acks struct {
	mu sync.Mutex
	m  map[string]map[uint64][32]byte
}

// Add records an acknowledgement; a seq acknowledged twice is an error.
func (a *Acks) Add(mailbox string, seq uint64, ciphertext []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string]map[uint64][32]byte{}
	}
	if a.m[mailbox] == nil {
		a.m[mailbox] = map[uint64][32]byte{}
	}
	if _, dup := a.m[mailbox][seq]; dup {
		return fmt.Errorf("seq %d acknowledged twice", seq)
	}
	a.m[mailbox][seq] = sha256.Sum256(ciphertext)
	return nil
}

// Mailboxes lists the mailboxes with an acknowledged write, sorted.
func (a *Acks) Mailboxes() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Sorted(maps.Keys(a.m))
}

// Check compares what a mailbox holds, seq to ciphertext, with what was
// acknowledged and describes each difference: nothing may be lost,
// changed or added.
func (a *Acks) Check(mailbox string, held map[uint64][]byte) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	acked := a.m[mailbox]
	var problems []string
	for _, seq := range slices.Sorted(maps.Keys(acked)) {
		switch ct, ok := held[seq]; {
		case !ok:
			problems = append(problems, fmt.Sprintf("acknowledged seq %d is missing", seq))
		case sha256.Sum256(ct) != acked[seq]:
			problems = append(problems, fmt.Sprintf("seq %d holds other bytes than acknowledged", seq))
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(held)) {
		if _, ok := acked[seq]; !ok {
			problems = append(problems, fmt.Sprintf("seq %d was never acknowledged", seq))
		}
	}
	return problems
}
