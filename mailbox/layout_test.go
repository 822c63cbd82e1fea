package mailbox

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// layout lists the keys of the ciphertexts bucket and of the expiry index.
func layout(t *testing.T, s *Store) (cts []uint64, expiry []string) {
	t.Helper()
	err := s.view(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketCiphertexts).ForEach(func(k, _ []byte) error {
			cts = append(cts, binary.BigEndian.Uint64(k))
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketExpiry).ForEach(func(k, _ []byte) error {
			expiry = append(expiry, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return cts, expiry
}

// TestLayout follows the shared ciphertexts bucket and the expiry index
// through appends, a day change, a deletion and a purge: nothing of a
// deleted mailbox stays behind, and each mailbox is indexed once, under
// the day of its last activity.
func TestLayout(t *testing.T) {
	s, clock := openTest(t, Options{RetentionDays: 10})
	admin := setUp(t, s)
	for _, n := range []int{1, 2, 3} {
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{}, 1, ciphertext(4240, fmt.Sprint(n))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.appendEnquirer(mailboxID(1), 1, ciphertext(5264, "1b")); err != nil {
		t.Fatal(err)
	}
	cts, expiry := layout(t, s)
	if !slices.Equal(cts, []uint64{1, 2, 3, 4}) {
		t.Fatalf("ciphertext keys %v, want 1 to 4", cts)
	}
	day0 := "2027-02-26"
	if !slices.Equal(expiry, []string{day0 + mailboxID(1), day0 + mailboxID(2), day0 + mailboxID(3)}) {
		t.Fatalf("expiry index %q", expiry)
	}

	// Two days on, a reply moves mailbox 2 in the index.
	clock.Add(48 * time.Hour)
	if _, err := s.AppendCounsellor(mailboxID(2), admin.ID, 1, ciphertext(4240, "2b")); err != nil {
		t.Fatal(err)
	}
	_, expiry = layout(t, s)
	if !slices.Equal(expiry, []string{day0 + mailboxID(1), day0 + mailboxID(3), "2027-02-28" + mailboxID(2)}) {
		t.Fatalf("expiry index after a reply %q", expiry)
	}
	msgs, err := s.Messages(mailboxID(1), 0)
	if err != nil || len(msgs) != 2 || !bytes.Equal(msgs[1].Ciphertext, ciphertext(5264, "1b")) {
		t.Fatalf("messages of mailbox 1: %d, %v", len(msgs), err)
	}

	// Deleting mailbox 1 deletes its two ciphertexts and its index entry.
	if err := s.DeleteMailbox(mailboxID(1)); err != nil {
		t.Fatal(err)
	}
	cts, expiry = layout(t, s)
	if !slices.Equal(cts, []uint64{2, 3, 5}) || !slices.Equal(expiry, []string{day0 + mailboxID(3), "2027-02-28" + mailboxID(2)}) {
		t.Fatalf("after deleting mailbox 1: ciphertexts %v, expiry %q", cts, expiry)
	}

	// The purge reads the index: mailbox 3 expires first.
	clock.Set(time.Date(2027, 3, 9, 0, 0, 0, 0, time.UTC))
	if n, err := s.Purge(); err != nil || n != 1 {
		t.Fatalf("purge = %d, %v; want 1", n, err)
	}
	cts, expiry = layout(t, s)
	if !slices.Equal(cts, []uint64{2, 5}) || !slices.Equal(expiry, []string{"2027-02-28" + mailboxID(2)}) {
		t.Fatalf("after the purge: ciphertexts %v, expiry %q", cts, expiry)
	}
	// New keys never reuse a deleted one.
	if _, err := s.CreateMailbox(mailboxID(4), [32]byte{}, 1, ciphertext(4240, "4")); err != nil {
		t.Fatal(err)
	}
	if cts, _ = layout(t, s); !slices.Equal(cts, []uint64{2, 5, 6}) {
		t.Fatalf("ciphertext keys %v, want 2, 5, 6", cts)
	}
}

// TestSequenceRepair opens a file whose ciphertexts bucket lost its
// sequence (as a copy by a tool that does not keep it would): the store
// must not hand out a key in use.
func TestSequenceRepair(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	s, _ := openTest(t, Options{Path: path})
	setUp(t, s)
	for _, n := range []int{1, 2} {
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{}, 1, ciphertext(4240, fmt.Sprint(n))); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketCiphertexts).SetSequence(0) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, _ = openTest(t, Options{Path: path})
	if _, err := s.appendEnquirer(mailboxID(1), 1, ciphertext(5264, "new")); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{1: "1", 2: "2"} {
		msgs, err := s.Messages(mailboxID(n), 0)
		if err != nil || !bytes.Equal(msgs[0].Ciphertext, ciphertext(4240, want)) {
			t.Fatalf("mailbox %d's first message changed (%v)", n, err)
		}
	}
	if cts, _ := layout(t, s); !slices.Equal(cts, []uint64{1, 2, 3}) {
		t.Fatalf("ciphertext keys %v, want 1 to 3", cts)
	}
}

// TestBackupStepsInsideCiphertexts copies a store whose ciphertexts bucket
// spans many steps of a copy. A step boundary inside the bucket leaves the
// older version of a leaf in the backup's free pages: a copy of live
// ciphertexts, which the audit counts as stale. Nothing else may be there,
// and the audit must still tell the two apart.
func TestBackupStepsInsideCiphertexts(t *testing.T) {
	s, _ := openTest(t, Options{})
	setUp(t, s)
	for n := 10; n < 70; n++ {
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{}, 1, ciphertext(4240+n%3*1024, "")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.appendEnquirer(mailboxID(n), 1, ciphertext(7312, "")); err != nil {
			t.Fatal(err)
		}
	}
	defer func(n int) { compactTxBytes = n }(compactTxBytes)
	stale := 0
	for _, step := range []int{1, 9000, 20000, 50000, 150000} {
		compactTxBytes = step
		path := backupFile(t, s)
		report := audit(t, path)
		if len(report.Violations) != 0 || report.Stray != 0 || report.Ciphertexts != 1+120 {
			t.Errorf("steps of %d bytes: %d ciphertexts, %d stray, violations %v", step, report.Ciphertexts, report.Stray, report.Violations)
		}
		stale += report.Stale
	}
	if stale == 0 {
		t.Error("no step left a stale copy: the test no longer shows that the audit tells stale from stray")
	}
}
