package mailbox

import (
	"sync/atomic"
	"testing"
)

// BenchmarkAddCaseRecordParallel measures durable case notes (2 KiB
// buckets) from 64 concurrent writers, each on its own case: each write
// also sums its case's record bytes for the bound.
func BenchmarkAddCaseRecordParallel(b *testing.B) {
	const clients = 64
	s := benchStore(b, clients)
	admin := setUpAdmin(b, s)
	ct := ciphertext(5264, "")
	var next atomic.Int64
	commits0, writes0 := s.Stats()
	b.SetParallelism((clients + 1) / 2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := mailboxID(int(next.Add(1)-1)%clients + 1)
		for pb.Next() {
			if _, err := s.AddCaseRecord(id, RecordNote, admin, ct); err != nil {
				if err == ErrRecordsFull {
					continue // b.N outgrew a case's bound; counted as refused
				}
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportCommits(b, s, commits0, writes0)
}

// BenchmarkCaseRecordsFull measures reading a case that holds
// MaxCaseRecords notes (the GET /api/v1/cases/{id}/records store call).
func BenchmarkCaseRecordsFull(b *testing.B) {
	s := benchStore(b, 1)
	admin := setUpAdmin(b, s)
	ct := ciphertext(MaxCaseRecordBytes/MaxCaseRecords-64, "")
	for range MaxCaseRecords {
		if _, err := s.AddCaseRecord(mailboxID(1), RecordNote, admin, ct); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		rs, err := s.CaseRecords(mailboxID(1))
		if err != nil || len(rs) != MaxCaseRecords {
			b.Fatal(len(rs), err)
		}
	}
}

// setUpAdmin returns the id of benchStore's admin.
func setUpAdmin(b *testing.B, s *Store) string {
	cs, err := s.Counsellors()
	if err != nil || len(cs) == 0 {
		b.Fatal(err)
	}
	return cs[0].ID
}
