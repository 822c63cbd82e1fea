package mailboxdtest

import "sync"

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
