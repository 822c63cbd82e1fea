package mailbox

import "testing"

// BenchmarkAddCaseRecordParallel measures durable case notes (2 KiB
// buckets) from 64 concurrent writers, each on its own case: each write
// also sums its case's record bytes for the bound.
func BenchmarkAddCaseRecordParallel(b *testing.B) {
	const clients = 64
	s := benchStore(b, clients)
	admin := setUpAdmin(b, s)
	ct := ciphertext(5264, "")
	benchWriters(b, s, clients, func(id string, _, _ int) error {
		_, err := s.AddCaseRecord(id, RecordNote, admin, ct)
		if err == ErrRecordsFull {
			return nil // b.N outgrew a case's bound; counted as refused
		}
		return err
	})
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
