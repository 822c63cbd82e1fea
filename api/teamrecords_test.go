package api

import (
	"sync"
	"testing"

	"lotse/mailbox"
)

// fillRecords gives case id as many records as it may hold, through the
// store, in parallel so that they share commits.
func fillRecords(t testing.TB, s *mailbox.Store, id, author string, ct []byte) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, mailbox.MaxCaseRecords)
	for range mailbox.MaxCaseRecords {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.AddCaseRecord(id, mailbox.RecordNote, author, ct); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
