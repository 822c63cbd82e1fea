package mailbox

import (
	"bytes"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// indexKeys returns the case index entries of mailbox id.
func indexKeys(t *testing.T, s *Store, id string) [][]byte {
	t.Helper()
	var keys [][]byte
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCaseOrder).ForEach(func(k, _ []byte) error {
			if bytes.HasSuffix(k, []byte(id)) {
				keys = append(keys, bytes.Clone(k))
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// pageIDs is the first page of organisation org's cases.
func pageIDs(t *testing.T, s *Store, org string) []string {
	t.Helper()
	page, _, err := s.CasesPageIn(org, "", OrderActivity, nil, 50)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range page {
		ids = append(ids, m.ID)
	}
	return ids
}

// TestHandoverStore: a commit swaps every ciphertext and moves the case
// in the index from A's part to B's; the completed handover is A's until
// the case is deleted, and the file passes the audit at every step.
func TestHandoverStore(t *testing.T) {
	s, clock, adminA, _ := twoOrgs(t)
	a := mailboxID(1)
	if _, err := s.AppendCounsellor(a, adminA.ID, 1, ciphertext(4240, "reply of A;")); err != nil {
		t.Fatal(err)
	}
	refused(t, s, ErrNotFound, func() error { return s.OfferHandover(a, adminA.ID, "zz") })
	refused(t, s, ErrNotFound, func() error { return s.OfferHandover(mailboxID(2), adminA.ID, "b") })
	if err := s.OfferHandover(a, adminA.ID, "main"); err == nil {
		t.Fatal("offered to its own organisation")
	}
	if err := s.OfferHandover(a, adminA.ID, "b"); err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMailbox(a)
	if err != nil {
		t.Fatal(err)
	}
	if to, err := s.OpenOffer(m); err != nil || to != "b" {
		t.Fatalf("open offer %q, %v", to, err)
	}
	refused(t, s, ErrHandoverConflict, func() error { _, err := s.StartHandover(m, "b", 1, 1); return err })
	refused(t, s, ErrStaleEpoch, func() error { _, err := s.StartHandover(m, "b", 2, 2); return err })
	upload, err := s.StartHandover(m, "b", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	refused(t, s, ErrHandoverLength, func() error { _, err := s.PutHandoverMessage(m, upload, 1, ciphertext(5264, "")); return err })
	for seq := uint64(1); seq <= 2; seq++ {
		if first, err := s.PutHandoverMessage(m, upload, seq, ciphertext(4240, "for b;")); err != nil || !first {
			t.Fatalf("seq %d: first %v, %v", seq, first, err)
		}
	}
	if first, err := s.PutHandoverMessage(m, upload, 2, ciphertext(4240, "for b;")); err != nil || first {
		t.Fatalf("seq 2 again: first %v, %v", first, err)
	}
	if r := audit(t, backupFile(t, s)); len(r.Violations) != 0 {
		t.Fatalf("audit with an upload in flight: %v", r.Violations)
	}
	done, err := s.CommitHandover(m, upload)
	if err != nil || done != (HandoverDone{From: "", To: "b", Seq: 2}) {
		t.Fatalf("commit: %+v, %v", done, err)
	}
	msgs, err := s.Messages(a, 0)
	forB := ciphertext(4240, "for b;")
	if err != nil || len(msgs) != 2 || !bytes.Equal(msgs[0].Ciphertext, forB) || !bytes.Equal(msgs[1].Ciphertext, forB) {
		t.Fatalf("messages after the commit: %d, %v", len(msgs), err)
	}
	for _, k := range indexKeys(t, s, a) {
		if !bytes.HasPrefix(k, []byte("@b/")) {
			t.Fatalf("index key %q is not b's", k)
		}
	}
	if ids := pageIDs(t, s, "b"); len(ids) != 2 || (ids[0] != a && ids[1] != a) {
		t.Fatalf("b's page %v", ids)
	}
	if ids := pageIDs(t, s, ""); len(ids) != 0 {
		t.Fatalf("the front door's page %v", ids)
	}
	moved, err := s.GetMailbox(a)
	if err != nil || moved.Org != "b" || moved.Status != StatusNew || moved.Assignee != "" ||
		!moved.Forwarded.Equal(dayOf(clock.Now())) || moved.ForwardedCount != 2 {
		t.Fatalf("moved case %+v, %v", moved, err)
	}
	if l, err := s.Handovers(""); err != nil || len(l) != 1 || l[0].State != HandoverCompleted || l[0].To != "b" {
		t.Fatalf("A's handovers %+v, %v", l, err)
	}
	if r := audit(t, backupFile(t, s)); len(r.Violations) != 0 {
		t.Fatalf("audit after the commit: %v", r.Violations)
	}
	if err := s.DeleteMailbox(a); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Handovers(""); err != nil || len(l) != 0 {
		t.Fatalf("A's handovers after deleting the case: %+v, %v", l, err)
	}
}

// TestCaseIndexMigration: an index whose keys carry no organisation (as
// the store wrote it before) is re-keyed once when the file opens.
func TestCaseIndexMigration(t *testing.T) {
	s, clock, _, _ := twoOrgs(t)
	b := mailboxID(2)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(s.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketCaseOrder)
		var rec mailboxRecord
		if _, err := getJSON(tx.Bucket(bucketMailboxes), []byte(b), &rec); err != nil {
			return err
		}
		keys, _ := caseKeys([]byte(b), &rec)
		old, _ := caseKeysIn(nil, []byte(b), &rec)
		for i := range keys {
			idx.Delete(keys[i])
			idx.Put(old[i], []byte{})
		}
		return idx.SetSequence(0)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Open(Options{Path: s.path, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if ids := pageIDs(t, s2, "b"); len(ids) != 1 || ids[0] != b {
		t.Fatalf("b's page after the migration: %v", ids)
	}
	if ids := pageIDs(t, s2, ""); len(ids) != 1 || ids[0] != mailboxID(1) {
		t.Fatalf("the front door's page after the migration: %v", ids)
	}
	for _, k := range indexKeys(t, s2, b) {
		if !bytes.HasPrefix(k, []byte("@b/")) {
			t.Fatalf("index key %q not migrated", k)
		}
	}
	if r := audit(t, backupFile(t, s2)); len(r.Violations) != 0 {
		t.Fatalf("audit after the migration: %v", r.Violations)
	}
}

// offeredToB is twoOrgs with the front door's case offered to b.
func offeredToB(t *testing.T) (*Store, *testClock, Mailbox) {
	t.Helper()
	s, clock, adminA, _ := twoOrgs(t)
	if err := s.OfferHandover(mailboxID(1), adminA.ID, "b"); err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMailbox(mailboxID(1))
	if err != nil {
		t.Fatal(err)
	}
	return s, clock, m
}

// TestHandoverUploadExpiry: an upload lives 10 minutes, and the purge
// drops what it staged once it is two hours old; a restart ends it at once.
func TestHandoverUploadExpiry(t *testing.T) {
	s, clock, m := offeredToB(t)
	a := m.ID
	staged := func(s *Store) bool {
		var found bool
		err := s.view(func(tx *bolt.Tx) error {
			found = tx.Bucket(bucketHandoverUploads).Bucket([]byte(a)) != nil
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	upload, err := s.StartHandover(m, "b", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(UploadValidity - time.Second)
	if _, err := s.PutHandoverMessage(m, upload, 1, ciphertext(4240, "for b;")); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	refused(t, s, ErrNotFound, func() error { _, err := s.PutHandoverMessage(m, upload, 1, ciphertext(4240, "for b;")); return err })
	refused(t, s, ErrNotFound, func() error { _, err := s.CommitHandover(m, upload); return err })
	if _, _, err := s.PurgeHandovers(); err != nil || !staged(s) {
		t.Fatalf("the purge dropped an upload of this hour: %v", err)
	}
	clock.Add(2 * time.Hour)
	if _, n, err := s.PurgeHandovers(); err != nil || n != 1 || staged(s) {
		t.Fatalf("purge after two hours: %d, %v", n, err)
	}

	upload, err = s.StartHandover(m, "b", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, clock)
	m, _ = s.GetMailbox(a)
	refused(t, s, ErrNotFound, func() error { _, err := s.PutHandoverMessage(m, upload, 1, ciphertext(4240, "for b;")); return err })
}

// TestHandoverUploadsInMemory: an enquirer who starts upload after upload
// leaves one deadline in the store's memory, not one per start, and the
// replaced uploads are dead.
func TestHandoverUploadsInMemory(t *testing.T) {
	s, _, m := offeredToB(t)
	var uploads []string
	for range 50 {
		upload, err := s.StartHandover(m, "b", 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		uploads = append(uploads, upload)
	}
	if n := s.uploads.len(); n != 1 {
		t.Fatalf("%d upload deadlines in memory after 50 starts of one mailbox, want 1", n)
	}
	refused(t, s, ErrNotFound, func() error { _, err := s.PutHandoverMessage(m, uploads[0], 1, ciphertext(4240, "for b;")); return err })
	if _, err := s.PutHandoverMessage(m, uploads[len(uploads)-1], 1, ciphertext(4240, "for b;")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitHandover(m, uploads[len(uploads)-1]); err != nil {
		t.Fatal(err)
	}
	if n := s.uploads.len(); n != 0 {
		t.Fatalf("%d upload deadlines in memory after the commit, want 0", n)
	}
}

// TestHandoverConcurrentStarts: of starts of one mailbox that share
// commits, the upload the store keeps is the one that lives.
func TestHandoverConcurrentStarts(t *testing.T) {
	s, _, m := offeredToB(t)
	a := m.ID
	for round := range 20 {
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.StartHandover(m, "b", 1, 1); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var up handoverUploadRecord
		err := s.view(func(tx *bolt.Tx) error {
			var err error
			up, _, err = getUpload(tx, []byte(a))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutHandoverMessage(m, up.ID, 1, ciphertext(4240, "for b;")); err != nil {
			t.Fatalf("round %d: the stored upload is not live: %v", round, err)
		}
	}
}

// thirdOrg adds organisation c with an admin and a keyring to twoOrgs'.
func thirdOrg(t *testing.T, s *Store) (adminC Counsellor) {
	t.Helper()
	token, _, err := s.CreateOrg("c", "Fachberatung C")
	if err != nil {
		t.Fatal(err)
	}
	adminC, err = s.RegisterOrgSetup("c", token, "Admin C", recipient(t, 13))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.PutKeyringIn("c", KeyringUpdate{
		Keyring: Keyring{Epoch: 1, Recipient: recipient(t, 14), Envelope: envelope(1, "c1"), Members: []string{adminC.ID}},
		Stanzas: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return adminC
}

// handOver offers case id from counsellor by to organisation to and
// carries the handover out at once.
func handOver(t *testing.T, s *Store, id, by, to string) {
	t.Helper()
	if err := s.OfferHandover(id, by, to); err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMailbox(id)
	if err != nil {
		t.Fatal(err)
	}
	upload, err := s.StartHandover(m, to, 1, m.MessageCount)
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= uint64(m.MessageCount); seq++ {
		if _, err := s.PutHandoverMessage(m, upload, seq, ciphertext(4240, "for "+to+";")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CommitHandover(m, upload); err != nil {
		t.Fatal(err)
	}
}

// doneKeys are the keys of handover_done.
func doneKeys(t *testing.T, s *Store) []string {
	t.Helper()
	var keys []string
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHandoverDone).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestHandoverTwiceInAnHour: a case handed from A to B and on to C within
// one hour keeps both completed handovers, A's in A's list and B's in
// B's; both go with the case, and both with the purge after 30 days.
func TestHandoverTwiceInAnHour(t *testing.T) {
	s, clock, adminA, adminB := twoOrgs(t)
	adminC := thirdOrg(t, s)
	a := mailboxID(1)
	handOver(t, s, a, adminA.ID, "b")
	handOver(t, s, a, adminB.ID, "c")
	hour := formatHour(clock.Now())
	if keys := doneKeys(t, s); len(keys) != 2 || keys[0] != hour+a+"00000000" || keys[1] != hour+a+"00000001" {
		t.Fatalf("handover_done keys %q", keys)
	}
	for _, tc := range []struct{ org, to string }{{"", "b"}, {"b", "c"}} {
		l, err := s.Handovers(tc.org)
		if err != nil || len(l) != 1 || l[0].Case != a || l[0].State != HandoverCompleted || l[0].To != tc.to {
			t.Errorf("handovers of %q: %+v, %v; want one completed to %q", tc.org, l, err, tc.to)
		}
	}
	if r := audit(t, backupFile(t, s)); len(r.Violations) != 0 || r.Counts["handover_done/{hour, mailbox id and number}"] != 2 {
		t.Fatalf("audit: %v, %v", r.Violations, r.Counts)
	}

	clock.Add(handoverKept + time.Hour)
	if n, _, err := s.PurgeHandovers(); err != nil || n != 2 {
		t.Fatalf("purge after 30 days: %d, %v", n, err)
	}

	clock.Add(-handoverKept - time.Hour)
	handOver(t, s, a, adminC.ID, "b")
	if err := s.DeleteMailbox(a); err != nil {
		t.Fatal(err)
	}
	if keys := doneKeys(t, s); len(keys) != 0 {
		t.Fatalf("handover_done keys after deleting the case: %q", keys)
	}
}

// TestHandoverDoneMigration: completed handovers keyed by hour and
// mailbox id alone (as the store wrote them before) pass the audit, get
// the number 0 once when the file opens, and are still A's.
func TestHandoverDoneMigration(t *testing.T) {
	s, clock, adminA, _ := twoOrgs(t)
	a := mailboxID(1)
	handOver(t, s, a, adminA.ID, "b")
	// A backup, whose free pages hold none of the ciphertexts the
	// handover replaced.
	path := backupFile(t, s)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHandoverDone)
		k, v := b.Cursor().First()
		v = bytes.Clone(v)
		if err := b.Delete(bytes.Clone(k)); err != nil {
			return err
		}
		if err := b.Put(k[:hourLen+32], v); err != nil {
			return err
		}
		return b.SetSequence(0)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if r := audit(t, path); len(r.Violations) != 0 {
		t.Fatalf("audit of a file written before: %v", r.Violations)
	}
	s2, err := Open(Options{Path: path, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if keys := doneKeys(t, s2); len(keys) != 1 || keys[0] != formatHour(clock.Now())+a+"00000000" {
		t.Fatalf("handover_done keys after the migration %q", keys)
	}
	if l, err := s2.Handovers(""); err != nil || len(l) != 1 || l[0].Case != a || l[0].To != "b" {
		t.Fatalf("A's handovers after the migration: %+v, %v", l, err)
	}
	if r := audit(t, backupFile(t, s2)); len(r.Violations) != 0 {
		t.Fatalf("audit after the migration: %v", r.Violations)
	}
}

// TestHandoverUploadDeadlinesDropped: what drops an upload from the store
// (a withdrawal, a decline, an offer to another organisation, deleting
// the organisation of the case or the one offered to, deleting the case)
// drops its deadline from memory at once, not at the next hourly purge;
// a new offer and start begin afresh, with the old upload dead.
func TestHandoverUploadDeadlinesDropped(t *testing.T) {
	s, _, adminA, adminB := twoOrgs(t)
	thirdOrg(t, s)
	a, b := mailboxID(1), mailboxID(2)
	m, err := s.GetMailbox(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := s.GetMailbox(b)
	if err != nil {
		t.Fatal(err)
	}
	frontDoor, err := s.KeyringIn("")
	if err != nil {
		t.Fatal(err)
	}
	start := func(m Mailbox, to string, epoch int) string {
		t.Helper()
		upload, err := s.StartHandover(m, to, epoch, m.MessageCount)
		if err != nil {
			t.Fatal(err)
		}
		return upload
	}
	inMemory := func(what string, want int) {
		t.Helper()
		if n := s.uploads.len(); n != want {
			t.Fatalf("%s: %d upload deadlines in memory, want %d", what, n, want)
		}
	}
	offer := func(id, by, to string) {
		t.Helper()
		if err := s.OfferHandover(id, by, to); err != nil {
			t.Fatal(err)
		}
	}

	offer(a, adminA.ID, "b")
	old := start(m, "b", 1)
	inMemory("after the start", 1)
	if err := s.WithdrawHandover(a, adminA.ID); err != nil {
		t.Fatal(err)
	}
	inMemory("after the withdrawal", 0)
	offer(a, adminA.ID, "b")
	inMemory("after a new offer", 0)
	upload := start(m, "b", 1)
	inMemory("after a new start", 1)
	refused(t, s, ErrNotFound, func() error { _, err := s.PutHandoverMessage(m, old, 1, ciphertext(4240, "for b;")); return err })
	if _, err := s.PutHandoverMessage(m, upload, 1, ciphertext(4240, "for b;")); err != nil {
		t.Fatal(err)
	}

	if err := s.DeclineHandover(m); err != nil {
		t.Fatal(err)
	}
	inMemory("after the decline", 0)

	offer(a, adminA.ID, "b")
	start(m, "b", 1)
	offer(a, adminA.ID, "c")
	inMemory("after an offer to another organisation", 0)

	// Deleting b drops the upload to it and that of b's own case.
	offer(a, adminA.ID, "b")
	start(m, "b", 1)
	offer(b, adminB.ID, "main")
	start(mb, "main", frontDoor.Epoch)
	inMemory("with two uploads", 2)
	if _, err := s.DeleteOrg("b"); err != nil {
		t.Fatal(err)
	}
	inMemory("after deleting b", 0)

	offer(a, adminA.ID, "c")
	start(m, "c", 1)
	if err := s.DeleteCase(a, adminA.ID); err != nil {
		t.Fatal(err)
	}
	inMemory("after deleting the case", 0)
}
