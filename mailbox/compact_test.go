package mailbox

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCompactUnderLoad checks Compact's promise: no write acknowledged
// before, during or after a compaction is lost, readers go on, and the
// ciphertext of mailboxes deleted meanwhile is physically gone from the
// file after the last compaction. The copy commits in small steps, as it
// does for a large file.
func TestCompactUnderLoad(t *testing.T) {
	defer func(n int) { compactTxBytes = n }(compactTxBytes)
	compactTxBytes = 32 << 10
	s, clock := openTest(t, Options{})
	admin := setUp(t, s)

	const (
		mailboxes  = 4
		writers    = 8
		perWriter  = 40
		doomed     = 3 // mailboxes created and deleted during the load
		doomedFill = "DOOMED-doomed-DOOMED"
	)
	for n := 1; n <= mailboxes; n++ {
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{byte(n)}, 1, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
	}
	// acked[mailbox][seq] is the SHA-256 of what a writer was told is stored.
	var mu sync.Mutex
	acked := map[string]map[uint64][32]byte{}
	ack := func(id string, seq uint64, ct []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if acked[id] == nil {
			acked[id] = map[uint64][32]byte{}
		}
		if _, dup := acked[id][seq]; dup {
			return fmt.Errorf("seq %d of %s acknowledged twice", seq, id)
		}
		acked[id][seq] = sha256.Sum256(ct)
		return nil
	}
	for n := 1; n <= mailboxes; n++ {
		msgs, err := s.Messages(mailboxID(n), 0)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("mailbox %d: %d messages, %v", n, len(msgs), err)
		}
		ack(mailboxID(n), 1, msgs[0].Ciphertext)
	}

	var (
		wg          sync.WaitGroup
		stop        atomic.Bool
		compactions atomic.Int64
		errs        = make(chan error, writers+4)
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				id := mailboxID(1 + (w+i)%mailboxes)
				ct := ciphertext(4240+1024*(i%3), "")
				seq, err := s.AppendCounsellor(id, admin.ID, 1, ct)
				if err != nil {
					errs <- fmt.Errorf("writer %d, write %d: %v", w, i, err)
					return
				}
				if err := ack(id, seq, ct); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// Mailboxes come and go during the load; their ciphertext must be gone
	// after the last compaction.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 100; n < 100+doomed; n++ {
			id := mailboxID(n)
			if _, err := s.CreateMailbox(id, [32]byte{}, 1, ciphertext(7312, doomedFill)); err != nil {
				errs <- err
				return
			}
			if _, err := s.AppendCounsellor(id, admin.ID, 1, ciphertext(4240, doomedFill)); err != nil {
				errs <- err
				return
			}
			if err := s.DeleteMailbox(id); err != nil {
				errs <- err
				return
			}
		}
	}()
	// Readers never see an error or a missing message across a swap.
	var readers sync.WaitGroup
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for !stop.Load() {
				id := mailboxID(1 + r)
				msgs, err := s.Messages(id, 0)
				if err != nil {
					errs <- fmt.Errorf("reader: %v", err)
					return
				}
				for i, m := range msgs {
					if m.Seq != uint64(i+1) {
						errs <- fmt.Errorf("reader: %s has seq %d at %d", id, m.Seq, i)
						return
					}
				}
			}
		}()
	}
	var compactor sync.WaitGroup
	compactor.Add(1)
	go func() {
		defer compactor.Done()
		for !stop.Load() || compactions.Load() < 3 {
			if err := s.Compact(); err != nil {
				errs <- fmt.Errorf("compact: %v", err)
				return
			}
			compactions.Add(1)
		}
	}()

	wg.Wait()
	stop.Store(true)
	compactor.Wait()
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if err := s.Compact(); err != nil { // after the last delete
		t.Fatal(err)
	}
	t.Logf("%d compactions during %d writes", compactions.Load(), writers*perWriter)

	check := func(s *Store, when string) {
		t.Helper()
		for id, seqs := range acked {
			msgs, err := s.Messages(id, 0)
			if err != nil {
				t.Fatalf("%s: messages of %s: %v", when, id, err)
			}
			if len(msgs) != len(seqs) {
				t.Errorf("%s: %s holds %d messages, %d were acknowledged", when, id, len(msgs), len(seqs))
			}
			for _, m := range msgs {
				want, ok := seqs[m.Seq]
				switch {
				case !ok:
					t.Errorf("%s: %s holds seq %d that nobody was told of", when, id, m.Seq)
				case sha256.Sum256(m.Ciphertext) != want:
					t.Errorf("%s: %s seq %d holds other bytes than acknowledged", when, id, m.Seq)
				}
			}
		}
	}
	check(s, "after the load")
	data, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(doomedFill)) {
		t.Error("a deleted mailbox's ciphertext is still in the data file after compaction")
	}
	for n := 100; n < 100+doomed; n++ {
		if bytes.Contains(data, []byte(mailboxID(n))) {
			t.Errorf("deleted mailbox %d's id is still in the data file after compaction", n)
		}
	}

	// Durable: the same after closing and opening again.
	s2 := reopen(t, s, clock)
	check(s2, "after reopening")
}

// TestCompactStats reports sizes measured around the swap, and shrinks a
// file that deleted mailboxes have grown.
func TestCompactStats(t *testing.T) {
	s, _ := openTest(t, Options{})
	admin := setUp(t, s)
	for n := 1; n <= 20; n++ {
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{}, 1, ciphertext(16384+3184+32, "")); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if _, err := s.AppendCounsellor(mailboxID(n), admin.ID, 1, ciphertext(16384+3184+32, "")); err != nil {
				t.Fatal(err)
			}
		}
	}
	for n := 2; n <= 20; n++ {
		if err := s.DeleteMailbox(mailboxID(n)); err != nil {
			t.Fatal(err)
		}
	}
	before := logicalOf(t, s)
	c, err := s.CompactStats()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		t.Fatal(err)
	}
	if c.BytesAfter != fi.Size() || c.BytesBefore <= c.BytesAfter || c.Took <= 0 {
		t.Errorf("compaction %+v, file now %d bytes", c, fi.Size())
	}
	if logicalOf(t, s) != before {
		t.Error("compaction changed the content")
	}
	s.Close()
	if _, err := s.CompactStats(); !errors.Is(err, ErrClosed) {
		t.Errorf("CompactStats after Close: %v", err)
	}
}

// TestCompactLeavesNoStray: right after compaction the live file passes
// the audit, stray ciphertext included; a later write leaves stale copies
// in free pages, which the audit counts.
func TestCompactLeavesNoStray(t *testing.T) {
	s, _ := openTest(t, Options{})
	populate(t, s)
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	path := s.path
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	report := audit(t, path)
	if len(report.Violations) != 0 || report.Stray != 0 {
		t.Fatalf("audit of a freshly compacted file: %+v", report)
	}
	if report.Counts["ciphertexts/{ciphertext key}"] != 15 || report.Counts["messages/{mailbox id}/{seq}"] != 15 || report.Counts["keyring/envelope"] != 1 {
		t.Errorf("counts %v", report.Counts)
	}
}

// TestAuditFileLocked: a file held by a store is refused with ErrLockedHook,
// by the audit and by FreeSpace alike.
func TestAuditFileLocked(t *testing.T) {
	s, _ := openTest(t, Options{})
	start := time.Now()
	if _, err := auditFile(s.path, testPolicy); !errors.Is(err, ErrLockedHook) {
		t.Errorf("AuditFile of a locked file: %v", err)
	}
	if _, err := freeSpace(s.path); !errors.Is(err, ErrLockedHook) {
		t.Errorf("FreeSpace of a locked file: %v", err)
	}
	t.Logf("refused after %v", time.Since(start).Round(time.Millisecond))
}
