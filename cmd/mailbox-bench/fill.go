package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"

	"lotse/internal/mailboxdtest"
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
	start := time.Now()
	fillErr := mailboxdtest.Parallel(256, func(int) error {
		for ctx.Err() == nil {
			i := int(next.Add(1) - 1)
			if i >= mailboxes {
				return nil
			}
			idb := make([]byte, 16)
			rand.Read(idb)
			var verifier [32]byte
			rand.Read(verifier[:])
			id := hex.EncodeToString(idb)
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
		}
		return nil
	})
	el := time.Since(start)
	if compact && fillErr == nil && ctx.Err() == nil {
		if _, err := store.CompactStats(); err != nil {
			fillErr = fmt.Errorf("compact: %v", err)
		}
	}
	if err := store.Close(); err != nil && fillErr == nil {
		fillErr = err
	}
	if fillErr != nil {
		return nil, fillErr
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
