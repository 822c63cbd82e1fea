package mailboxdtest

import (
	"errors"
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
