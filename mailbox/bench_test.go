package mailbox

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// Realistic message sizes: two hybrid stanzas and one chunk of 1, 2 or
// 4 KiB (PROTOCOL.md §5).
var benchSizes = []int{4240, 5264, 7312}

func benchStore(b *testing.B, mailboxes int) *Store {
	s, _ := openTest(b, Options{Limits: Limits{MessagesPerHour: 1 << 30, MaxMessages: 1 << 30, MaxBytes: 1 << 50}})
	setUp(b, s)
	for m := range mailboxes {
		if _, err := s.CreateMailbox(mailboxID(m+1), [32]byte{}, 1, ciphertext(7312, "")); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func reportCommits(b *testing.B, s *Store, commits0, writes0 uint64) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	commits, writes := s.Stats()
	commits -= commits0
	writes -= writes0
	if commits > 0 {
		b.ReportMetric(float64(writes)/float64(commits), "writes/commit")
	}
}

// BenchmarkAppendParallel measures durable enquirer messages with 64
// concurrent writers, each on its own mailbox.
func BenchmarkAppendParallel(b *testing.B) {
	const clients = 64
	s := benchStore(b, clients)
	cts := make([][]byte, len(benchSizes))
	for i, n := range benchSizes {
		cts[i] = ciphertext(n, "")
	}
	benchWriters(b, s, clients, func(id string, n, i int) error {
		_, err := s.appendEnquirer(id, 1, cts[(n+i)%len(cts)])
		return err
	})
}

// benchWriters runs write from clients concurrent writers, each on its own
// mailbox of benchStore's, and reports the commits. write's n is the
// writer's number from 1, i its count of writes so far.
func benchWriters(b *testing.B, s *Store, clients int, write func(id string, n, i int) error) {
	var next atomic.Int64
	commits0, writes0 := s.Stats()
	b.SetParallelism((clients + 1) / 2) // × GOMAXPROCS goroutines: 64 on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		n := int(next.Add(1))
		id := mailboxID((n-1)%clients + 1)
		for i := 0; pb.Next(); i++ {
			if err := write(id, n, i); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportCommits(b, s, commits0, writes0)
}

// BenchmarkAppendSerial measures one client: the latency of one commit.
func BenchmarkAppendSerial(b *testing.B) {
	s := benchStore(b, 1)
	ct := ciphertext(4240, "")
	commits0, writes0 := s.Stats()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.appendEnquirer(mailboxID(1), 1, ct); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCommits(b, s, commits0, writes0)
}

// BenchmarkFsync is the disk's raw rate of 4 KiB writes each followed by
// fsync, in the directory the other benchmarks use: the rate that one
// commit per request could at best reach.
func BenchmarkFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, 4096)
	i := 0
	for b.Loop() {
		if _, err := f.WriteAt(page, int64(i%256)*4096); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fsyncs/s")
}
