package mailbox

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// benchInboxCases is the flooded inbox of the design's target: the desk
// must open 200,000 cases in under 2 s.
const benchInboxCases = 200_000

// benchInbox writes a data file holding benchInboxCases cases into a
// folder of b's: six in ten new and waiting (a flood), two open and
// waiting, one open and answered, one closed, their activity spread over
// 2,000 hours. It writes the records and indexes directly, 20,000 to a
// transaction, and returns the file's path.
func benchInbox(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "lotse.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const chunk = 20_000
	for start := 0; start < benchInboxCases; start += chunk {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i := start; i < start+chunk; i++ {
				if err := putRecord(tx, []byte(mailboxID(i+1)), nil, benchRecord(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return path
}

// openBench opens the data file at path for one benchmark.
func openBench(b *testing.B, path string) *Store {
	b.Helper()
	s, err := Open(Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func benchRecord(i int) *mailboxRecord {
	last := t0.Add(-time.Duration(i%2000) * time.Hour)
	rec := &mailboxRecord{
		Verifier: make([]byte, 32), Status: StatusNew, Created: formatDate(last), LastActivity: formatHour(last),
		MessageCount: 1 + i%7, Bytes: 5000, AwaitingReply: true, WaitingSince: formatHour(last.Add(-time.Duration(i%5) * time.Hour)),
		HourStart: formatHour(last), HourCount: 1,
	}
	switch i % 10 {
	case 6, 7:
		rec.Status = StatusOpen
	case 8:
		rec.Status, rec.AwaitingReply, rec.WaitingSince = StatusOpen, false, ""
	case 9:
		rec.Status = StatusClosed
	}
	return rec
}

// BenchmarkCasesPage200k reads the case list of benchInbox: the first page
// (200, as the desk loads it, and 1,000, the largest) and all pages of
// 1,000, in both orders.
func BenchmarkCasesPage200k(b *testing.B) {
	path := benchInbox(b)
	for _, order := range []CaseOrder{OrderActivity, OrderWaiting} {
		name := map[CaseOrder]string{OrderActivity: "activity", OrderWaiting: "waiting"}[order]
		for _, limit := range []int{200, 1000} {
			b.Run(name+"/first-"+strconv.Itoa(limit), func(b *testing.B) {
				s := openBench(b, path)
				for b.Loop() {
					page, _, err := s.CasesPage("", order, nil, limit)
					if err != nil || len(page) != limit {
						b.Fatal(len(page), err)
					}
				}
			})
		}
		b.Run(name+"/all-1000", func(b *testing.B) {
			s := openBench(b, path)
			for b.Loop() {
				var cur *CaseCursor
				n := 0
				for {
					page, more, err := s.CasesPage("", order, cur, 1000)
					if err != nil {
						b.Fatal(err)
					}
					n += len(page)
					if !more {
						break
					}
					c := CursorAfter(order, page[len(page)-1])
					cur = &c
				}
				if n != benchInboxCases {
					b.Fatalf("%d cases, want %d", n, benchInboxCases)
				}
			}
		})
	}
}

// BenchmarkBuildCaseIndex200k is the one-time build of the index when a
// data file of 200,000 cases written before it is opened.
func BenchmarkBuildCaseIndex200k(b *testing.B) {
	s := openBench(b, benchInbox(b))
	for b.Loop() {
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := tx.DeleteBucket(bucketCaseOrder); err != nil {
				return err
			}
			return ensureCaseIndex(tx)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
