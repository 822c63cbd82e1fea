package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync/atomic"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// The --attachments step (PROTOCOL.md §10): n enquirers upload an 8 MiB
// attachment at the same moment, each to its own mailbox, and retry when
// the server's body budget turns them away (503 busy, or the connection
// closed mid-body). It reports how long until all had arrived and the
// server's peak memory meanwhile: what the budget bounds is the bodies in
// memory, the rest is the store's commit and the data file's mapped pages.

// attachResult is the --attachments report.
type attachResult struct {
	Uploads     int     `json:"uploads"`
	BytesEach   int     `json:"bytes_each"`
	Retries     int64   `json:"retries"`
	Seconds     float64 `json:"seconds"`
	RSSPeakMB   float64 `json:"rss_peak_mb"`
	AnonPeakMB  float64 `json:"rss_anon_peak_mb"` // RssAnon: without mapped data-file pages
	RSSBeforeMB float64 `json:"rss_before_mb"`
}

const maxAttachmentUploads = 256

func attachmentStep(ctx context.Context, srv *server, c *client.Client, tm *team, boxes []box, n int) (*attachResult, error) {
	if len(boxes) < n {
		return nil, fmt.Errorf("%d mailboxes for %d uploads", len(boxes), n)
	}
	enquirer, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, err
	}
	// One ciphertext for all: the policy checks its shape, not its sender.
	ct, err := crypto.SealAttachment(make([]byte, crypto.MaxAttachmentFile), tm.recipient, enquirer.Recipient())
	if err != nil {
		return nil, err
	}
	want := sha256.Sum256(ct)
	res := &attachResult{Uploads: n, BytesEach: len(ct)}
	res.RSSBeforeMB, _ = rssMB(srv.pid)

	stepCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	done := make(chan struct{})
	polled := pollRSS(srv.pid, 20*time.Millisecond, done)

	var retries atomic.Int64
	ids := make([]string, n)
	start := time.Now()
	err = mailboxdtest.Parallel(n, func(i int) error {
		q := c.WithToken(boxes[i].bearer)
		for {
			id, err := q.UploadMailboxAttachment(stepCtx, ct)
			if err == nil {
				ids[i] = id
				return nil
			}
			if code := client.Code(err); (code != "" && code != "busy") || stepCtx.Err() != nil {
				return fmt.Errorf("upload %d: %v", i, err)
			}
			retries.Add(1)
			time.Sleep(50 * time.Millisecond)
		}
	})
	res.Seconds = round2(time.Since(start).Seconds())
	close(done)
	peak := polled()
	res.Retries = retries.Load()
	res.RSSPeakMB, res.AnonPeakMB = round1(peak.all), round1(peak.anon)
	if err != nil {
		return nil, err
	}
	// Every upload arrived whole.
	for i, id := range ids {
		got, err := c.WithToken(boxes[i].bearer).MailboxAttachment(ctx, id)
		if err != nil || sha256.Sum256(got) != want {
			return nil, fmt.Errorf("download %d: %v", i, err)
		}
	}
	return res, nil
}
