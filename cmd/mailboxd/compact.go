package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"lotse/mailbox"
)

// maxCompactHours bounds LOTSE_COMPACT_HOURS: deleted data should not stay
// in the data file for longer than a month.
const maxCompactHours = 720

// compactLoop purges expired mailboxes and compacts the data file at every
// multiple of every counted from 1970-01-01 00:00 UTC (with the default of
// 24 hours: at 00:00 UTC each day), until ctx ends. Counting from a fixed
// point rather than from the start keeps restarts from putting it off.
// every ≤ 0 turns it off.
func compactLoop(ctx context.Context, store *mailbox.Store, every time.Duration, stderr io.Writer) {
	if every <= 0 {
		return
	}
	for {
		t := time.NewTimer(time.Until(nextCompaction(time.Now(), every)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		compactOnce(store, stderr)
	}
}

// nextCompaction is the first multiple of every after now, counted from
// the Unix epoch.
func nextCompaction(now time.Time, every time.Duration) time.Time {
	since := now.Sub(time.Unix(0, 0))
	return time.Unix(0, 0).Add((since/every + 1) * every).UTC()
}

// compactOnce is what POST /api/v1/admin/compact does, logged.
func compactOnce(store *mailbox.Store, stderr io.Writer) {
	purgeOnce(store, stderr)
	c, err := store.CompactStats()
	if err != nil {
		fmt.Fprintf(stderr, "mailboxd: compact: %v\n", err)
		return
	}
	fmt.Fprintf(stderr, "mailboxd: compacted the data file: %s → %s in %v\n",
		formatSize(c.BytesBefore), formatSize(c.BytesAfter), c.Took.Round(time.Millisecond))
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
