package mailbox

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestGroupCommit(t *testing.T) {
	s, _ := openTest(t, Options{Limits: Limits{MessagesPerHour: 1 << 20, MaxMessages: 1 << 20, MaxBytes: 1 << 40}})
	setUp(t, s)
	const mailboxes, writers, each = 8, 64, 50
	for m := range mailboxes {
		if _, err := s.CreateMailbox(mailboxID(m+1), [32]byte{}, 1, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
	}
	commits0, writes0 := s.Stats()
	acked := make([]map[uint64][]byte, mailboxes) // mailbox → seq → ciphertext
	for m := range acked {
		acked[m] = map[uint64][]byte{}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := w % mailboxes
			for i := range each {
				ct := ciphertext(4240, fmt.Sprintf("w%d-i%d.", w, i))
				seq, err := s.appendEnquirer(mailboxID(m+1), 1, ct)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if acked[m][seq] != nil {
					errs <- fmt.Errorf("seq %d acknowledged twice", seq)
				}
				acked[m][seq] = ct
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	commits, writes := s.Stats()
	commits -= commits0
	writes -= writes0
	if writes != writers*each {
		t.Fatalf("%d writes counted, want %d", writes, writers*each)
	}
	if commits >= writes {
		t.Fatalf("%d commits for %d writes: no commit was shared", commits, writes)
	}
	t.Logf("%d writes in %d commits", writes, commits)

	for m := range mailboxes {
		msgs, err := s.Messages(mailboxID(m+1), 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != len(acked[m]) {
			t.Fatalf("mailbox %d holds %d messages, %d acknowledged", m, len(msgs), len(acked[m]))
		}
		for i, msg := range msgs {
			if msg.Seq != uint64(i+2) || string(msg.Ciphertext) != string(acked[m][msg.Seq]) {
				t.Fatalf("mailbox %d: message %d has seq %d or the wrong ciphertext", m, i, msg.Seq)
			}
		}
		mb, _ := s.GetMailbox(mailboxID(m + 1))
		if mb.MessageCount != 1+len(acked[m]) {
			t.Fatalf("mailbox %d counts %d messages", m, mb.MessageCount)
		}
	}
}

// holdCommitter blocks the committer until the returned func is called,
// so that writes submitted meanwhile share one batch.
func holdCommitter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	held, hold := make(chan struct{}), make(chan struct{})
	go s.exclusive(func() error {
		close(held)
		<-hold
		return nil
	})
	<-held
	return func() { close(hold) }
}

// waitQueued waits until n writes wait for the committer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.reqs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d writes queued", len(s.reqs), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBatchFailures(t *testing.T) {
	s, _ := openTest(t, Options{Limits: Limits{MaxMessages: 3}})
	setUp(t, s)
	for m := 1; m <= 3; m++ {
		if _, err := s.CreateMailbox(mailboxID(m), [32]byte{}, 1, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
	}
	commits0, _ := s.Stats()
	release := holdCommitter(t, s)

	type result struct {
		name  string
		err   error
		panic any
	}
	results := make(chan result, 16)
	var wg sync.WaitGroup
	var queued int
	run := func(name string, f func() error) {
		queued++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					results <- result{name: name, panic: p}
				}
			}()
			results <- result{name: name, err: f()}
		}()
		waitQueued(t, s, queued) // keep the order of the batch
	}
	appendTo := func(m int) func() error {
		return func() error { _, err := s.appendEnquirer(mailboxID(m), 1, ciphertext(4240, "")); return err }
	}
	probe := []byte("probe")
	run("ok 1", appendTo(1))
	run("ok 2", appendTo(2))
	run("ok 1 again", appendTo(1)) // mailbox 1 now holds 3: full
	run("full", appendTo(1))       // refused in the check phase
	run("apply fails", func() error {
		return s.write(func(tx *bolt.Tx) (func() error, error) {
			return func() error {
				// A partial write, then a failure: all of it must go.
				if err := tx.Bucket(bucketMeta).Put(probe, probe); err != nil {
					return err
				}
				return errors.New("disk on fire")
			}, nil
		})
	})
	run("panics", func() error {
		return s.write(func(tx *bolt.Tx) (func() error, error) {
			if err := tx.Bucket(bucketMeta).Put(probe, probe); err != nil {
				return nil, err
			}
			panic("bug")
		})
	})
	run("ok 3", appendTo(3))
	run("delete 2", func() error { return s.DeleteMailbox(mailboxID(2)) })
	run("append to deleted 2", appendTo(2))
	release()
	wg.Wait()
	close(results)

	got := map[string]result{}
	for r := range results {
		got[r.name] = r
	}
	for _, name := range []string{"ok 1", "ok 2", "ok 1 again", "ok 3", "delete 2"} {
		if got[name].err != nil || got[name].panic != nil {
			t.Errorf("%s: %v %v", name, got[name].err, got[name].panic)
		}
	}
	if !errors.Is(got["full"].err, ErrMailboxFull) {
		t.Errorf("full: %v", got["full"].err)
	}
	if err := got["apply fails"].err; err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("apply fails: %v", err)
	}
	if p := got["panics"].panic; p == nil || !strings.Contains(fmt.Sprint(p), "bug") {
		t.Errorf("panics: %v", p)
	}
	if !errors.Is(got["append to deleted 2"].err, ErrNotFound) {
		t.Errorf("append to deleted 2: %v", got["append to deleted 2"].err)
	}
	if commits, _ := s.Stats(); commits-commits0 != 1 {
		t.Errorf("%d commits, want the one shared", commits-commits0)
	}
	err := s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get(probe) != nil {
			return errors.New("a failed write left its partial effect")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for m, want := range map[int]int{1: 3, 3: 2} {
		mb, err := s.GetMailbox(mailboxID(m))
		if err != nil || mb.MessageCount != want {
			t.Errorf("mailbox %d: %d messages, %v; want %d", m, mb.MessageCount, err, want)
		}
	}
	if _, err := s.GetMailbox(mailboxID(2)); !errors.Is(err, ErrNotFound) {
		t.Errorf("mailbox 2 not deleted: %v", err)
	}
}

func TestCloseDrainsAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	s, clock := openTest(t, Options{Path: path})
	admin := setUp(t, s)
	if _, err := s.CreateMailbox(mailboxID(1), [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	release := holdCommitter(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.AppendCounsellor(mailboxID(1), admin.ID, 1, ciphertext(4240, ""))
			errs <- err
		}()
		waitQueued(t, s, i+1)
	}
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	time.Sleep(10 * time.Millisecond) // let Close wait for the queue
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a write queued before Close: %v", err)
		}
	}
	if _, err := s.appendEnquirer(mailboxID(1), 1, ciphertext(4240, "")); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	if _, err := s.GetMailbox(mailboxID(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}

	s2, err := Open(Options{Path: path, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	mb, err := s2.GetMailbox(mailboxID(1))
	if err != nil || mb.MessageCount != 11 || mb.Status != StatusOpen {
		t.Fatalf("after reopening: %+v, %v", mb, err)
	}
	k, err := s2.GetKeyring()
	if err != nil || k.Epoch != 1 {
		t.Fatalf("keyring after reopening: %+v, %v", k, err)
	}
	if c, err := s2.GetCounsellor(admin.ID); err != nil || c != admin {
		t.Fatalf("admin after reopening: %+v, %v", c, err)
	}
}

func TestOpenRefusesOtherSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keySchema, []byte(`{"version":2}`))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Open(Options{Path: path}); err == nil || !strings.Contains(err.Error(), "schema version 2") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a version 2 file: %v", err)
	}
	if _, err := Open(Options{Path: path, RetentionDays: -1}); err == nil {
		t.Fatal("Open with negative retention")
	}
}
