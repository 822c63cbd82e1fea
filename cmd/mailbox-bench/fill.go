package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"lotse/mailbox"
)

// fill stores n messages in mailboxes of perMailbox messages each, directly
// through the mailbox package (the same code mailboxd runs, without HTTP),
// while mailboxd is stopped. Many writers share each commit, as they would
// under load; the data file is the one mailboxd serves afterwards.
func fill(ctx context.Context, db string, n, perMailbox int, p *pool, epoch int, compact bool) (*fillResult, error) {
	store, err := mailbox.Open(mailbox.Options{Path: db, Limits: mailbox.Limits{
		MessagesPerHour: 1 << 30, MaxMessages: 1 << 30, MaxBytes: 1 << 40,
	}})
	if err != nil {
		return nil, err
	}
	mailboxes := (n + perMailbox - 1) / perMailbox
	var next, stored atomic.Int64
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 256 {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= mailboxes {
					return
				}
				idb := make([]byte, 16)
				rand.Read(idb)
				var verifier [32]byte
				rand.Read(verifier[:])
				id := hex.EncodeToString(idb)
				err := func() error {
					m, err := store.CreateMailbox(id, verifier, epoch, p.first)
					if err != nil {
						return err
					}
					stored.Add(1)
					for k := 1; k < perMailbox && int(stored.Load()) < n; k++ {
						if _, err := store.AppendEnquirer(m, epoch, p.cts[(i+k)%len(p.cts)]); err != nil {
							return err
						}
						stored.Add(1)
					}
					return nil
				}()
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	if compact && firstErr == nil && ctx.Err() == nil {
		if _, err := store.CompactStats(); err != nil {
			firstErr = fmt.Errorf("compact: %v", err)
		}
	}
	if err := store.Close(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	fr := &fillResult{StoredMessages: stored.Load(), Mailboxes: mailboxes, FillPerS: float64(stored.Load()) / el.Seconds(), Compacted: compact}
	if fr.StoredMessages < int64(n) {
		return nil, fmt.Errorf("stored %d of %d messages", fr.StoredMessages, n)
	}
	return fr, nil
}
