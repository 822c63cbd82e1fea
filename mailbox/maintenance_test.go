package mailbox

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestPurge(t *testing.T) {
	s, clock := openTest(t, Options{RetentionDays: 10})
	admin := setUp(t, s)
	// Day 0 (26 Feb): mailboxes 1 and 2; day 3: a reply in mailbox 2.
	for _, n := range []int{1, 2} {
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{}, 1, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
	}
	oldInvite, _, err := s.CreateInvite(RoleCounsellor)
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(3 * 24 * time.Hour)
	if _, err := s.AppendCounsellor(mailboxID(2), admin.ID, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	newInvite, _, err := s.CreateInvite(RoleCounsellor)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := s.GetMailbox(mailboxID(1)); !m.Expires.Equal(time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("mailbox 1 expires %v", m.Expires)
	}
	for _, tc := range []struct {
		now  time.Time
		want int
		left []int
	}{
		{time.Date(2027, 3, 8, 23, 59, 0, 0, time.UTC), 0, []int{2, 1}}, // mailbox 1's expiry day
		{time.Date(2027, 3, 9, 0, 0, 0, 0, time.UTC), 1, []int{2}},
		{time.Date(2027, 3, 11, 23, 0, 0, 0, time.UTC), 0, []int{2}},
		{time.Date(2027, 3, 12, 0, 0, 0, 0, time.UTC), 1, nil},
	} {
		clock.Set(tc.now)
		n, err := s.Purge()
		if err != nil || n != tc.want {
			t.Fatalf("Purge at %v = %d, %v; want %d", tc.now, n, err, tc.want)
		}
		cases, err := s.Cases("")
		if err != nil || len(cases) != len(tc.left) {
			t.Fatalf("after Purge at %v: %d cases, %v; want %v", tc.now, len(cases), err, tc.left)
		}
		for i, c := range cases {
			if c.ID != mailboxID(tc.left[i]) {
				t.Fatalf("after Purge at %v: %s left", tc.now, c.ID)
			}
		}
	}
	// Both invites have expired by now and are gone, not merely refused.
	err = s.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketInvites).Cursor().First(); k != nil {
			return errors.New("expired invites left")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = oldInvite, newInvite
}

// populate fills a store through the public API with every kind of
// record: a pending and a removed counsellor, a second epoch, an open
// invite, closed and assigned cases, and a deleted mailbox.
func populate(t *testing.T, s *Store) (kept, deleted []byte) {
	t.Helper()
	admin := setUp(t, s)
	b := join(t, s, RoleCounsellor, "B", 1)
	c := join(t, s, RoleAdmin, "C", 2)
	join(t, s, RoleCounsellor, "Pending", 3)
	env1, _ := s.GetKeyring()
	sum := func(env []byte) []byte { h := sha256.Sum256(env); return h[:] }
	k, _, err := s.PutKeyring(KeyringUpdate{Keyring: Keyring{Epoch: 1, Recipient: env1.Recipient, Envelope: envelope(3, "2"), Members: []string{admin.ID, b.ID, c.ID}}, Replaces: sum(env1.Envelope), Stanzas: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.PutKeyring(KeyringUpdate{Keyring: Keyring{Epoch: 2, Recipient: recipient(t, 12), Envelope: envelope(2, "3"), Members: []string{admin.ID, c.ID}}, Replaces: sum(k.Envelope), Stanzas: 2}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateInvite(RoleAdmin); err != nil {
		t.Fatal(err)
	}
	kept = []byte("KEPT-kept-KEPT-kept-")
	deleted = []byte("GONE-gone-GONE-gone-")
	for n := 1; n <= 4; n++ {
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{byte(n)}, 2, ciphertext(7312, "")); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		if _, err := s.appendEnquirer(mailboxID(1), 2, ciphertext(4240+i*1024, string(kept))); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AppendCounsellor(mailboxID(2), c.ID, 2, ciphertext(4240, string(deleted))); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AppendCounsellor(mailboxID(3), admin.ID, 2, ciphertext(8336, "")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UpdateCase(mailboxID(3), ptr(StatusClosed), ptr(c.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCase(mailboxID(4), nil, ptr(admin.ID)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMailbox(mailboxID(2)); err != nil {
		t.Fatal(err)
	}
	return kept, deleted
}

func TestBackup(t *testing.T) {
	s, _ := openTest(t, Options{})
	kept, deleted := populate(t, s)
	var buf bytes.Buffer
	if err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), kept) {
		t.Fatal("the backup lacks a kept mailbox's ciphertext")
	}
	if bytes.Contains(buf.Bytes(), deleted) {
		t.Fatal("the backup holds a deleted mailbox's ciphertext")
	}
	if m, _ := filepath.Glob(s.path + ".backup-*"); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}

	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	report := audit(t, path)
	if len(report.Violations) != 0 || report.Stray != 0 {
		t.Fatalf("audit of a backup: %+v", report)
	}
	// 1+7+1+7 messages in mailboxes 1, 3, 4 and the envelope.
	if report.Ciphertexts != 7+7+1+1 {
		t.Fatalf("audit counted %d ciphertexts", report.Ciphertexts)
	}
	// The backup is a store of its own with the same content (under
	// renumbered ciphertext keys).
	sameContent(t, s, path)
	b, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	msgs, err := b.Messages(mailboxID(1), 0)
	if err != nil || len(msgs) != 7 || !bytes.Contains(msgs[6].Ciphertext, kept) {
		t.Fatalf("backup messages: %d, %v", len(msgs), err)
	}
}

// TestBackupInSteps copies in one transaction per mailbox: still no stale
// ciphertext in the copy, and the same content.
func TestBackupInSteps(t *testing.T) {
	defer func(n int) { compactTxBytes = n }(compactTxBytes)
	compactTxBytes = 1
	s, _ := openTest(t, Options{})
	populate(t, s)
	for n := 10; n < 40; n++ { // more than a page of mailboxes
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{}, 2, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.appendEnquirer(mailboxID(n), 2, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
	}
	path := backupFile(t, s)
	report := audit(t, path)
	if len(report.Violations) != 0 || report.Ciphertexts != 16+60 {
		t.Fatalf("audit of a backup copied in steps: %+v", report)
	}
	sameContent(t, s, path)
}

func TestCompact(t *testing.T) {
	s, clock := openTest(t, Options{})
	kept, deleted := populate(t, s)
	before := logicalOf(t, s)
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	if logicalOf(t, s) != before {
		t.Fatal("compaction changed the content")
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, deleted) || !bytes.Contains(data, kept) {
		t.Fatal("after compaction the data file still holds deleted or lost kept ciphertext")
	}
	if m, _ := filepath.Glob(s.path + ".compact-*"); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
	// The store goes on working on the new file, and it survives reopening.
	if _, err := s.appendEnquirer(mailboxID(1), 2, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	after := hashOf(t, s)
	s2 := reopen(t, s, clock)
	if hashOf(t, s2) != after {
		t.Fatal("content lost across compaction and reopening")
	}
	if err := s.Compact(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Compact after Close: %v", err)
	}
}

func TestOpenRemovesTemporaryCopies(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lotse.db")
	stale := []string{path + ".backup-123", path + ".compact-456"}
	for _, name := range stale {
		if err := os.WriteFile(name, []byte("old copy"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	other := filepath.Join(dir, "other.db.backup-1")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	openTest(t, Options{Path: path})
	for _, name := range stale {
		if _, err := os.Stat(name); !os.IsNotExist(err) {
			t.Fatalf("%s left: %v", name, err)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("another file's copy was removed: %v", err)
	}
}

func TestContentHash(t *testing.T) {
	s, clock := openTest(t, Options{})
	h0 := hashOf(t, s)
	if hashOf(t, s) != h0 {
		t.Fatal("ContentHash is not deterministic")
	}
	setUp(t, s)
	h1 := hashOf(t, s)
	if h1 == h0 {
		t.Fatal("ContentHash did not change")
	}
	if _, err := s.CreateMailbox(mailboxID(1), [32]byte{}, 1, ciphertext(4240, "a")); err != nil {
		t.Fatal(err)
	}
	h2 := hashOf(t, s)
	clock.Add(time.Hour)
	if _, err := s.appendEnquirer(mailboxID(1), 1, ciphertext(4240, "b")); err != nil {
		t.Fatal(err)
	}
	if h3 := hashOf(t, s); h3 == h2 || h3 == h1 {
		t.Fatal("ContentHash did not change")
	}
}
