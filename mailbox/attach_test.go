package mailbox

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"lotse/mailbox/mailboxtest"
)

// attachmentCT is a stand-in attachment ciphertext: the age header line
// and random bytes, larger than any message.
func attachmentCT(n int) []byte { return ciphertext(MaxMessageBytes+n, "") }

const patAttachments = "attachments/{mailbox id and attachment id}"

// attachmentCase is a team and one mailbox; it returns the mailbox as the
// enquirer's authentication would.
func attachmentCase(t *testing.T, opts Options) (*Store, *testClock, Counsellor, Mailbox) {
	t.Helper()
	s, clock := openTest(t, opts)
	admin := setUp(t, s)
	if _, err := s.CreateMailbox(mailboxID(1), [32]byte{1}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMailbox(mailboxID(1))
	if err != nil {
		t.Fatal(err)
	}
	return s, clock, admin, m
}

func mustUpload(t *testing.T, s *Store, m Mailbox, ct []byte) string {
	t.Helper()
	id, err := s.PutEnquirerAttachment(m, ct)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Both sides upload, reference from a message, and read back what they
// stored; the backup passes the audit with every attachment counted.
func TestAttachmentRoundTrip(t *testing.T) {
	s, _, admin, m := attachmentCase(t, Options{})
	ct1, ct2 := attachmentCT(1000), attachmentCT(2000)
	id1 := mustUpload(t, s, m, ct1)
	id2, err := s.PutCounsellorAttachment(m.ID, admin.ID, ct2)
	if err != nil {
		t.Fatal(err)
	}
	if id1 == id2 || len(id1) != 22 {
		t.Fatalf("ids %q, %q", id1, id2)
	}
	for _, c := range []struct {
		id string
		ct []byte
	}{{id1, ct1}, {id2, ct2}} {
		got, err := s.Attachment(m.ID, c.id, nil)
		if err != nil || !bytes.Equal(got, c.ct) {
			t.Fatalf("Attachment(%s): %v, equal %v", c.id, err, bytes.Equal(got, c.ct))
		}
	}
	if _, err := s.Attachment(mailboxID(2), id1, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("another mailbox's id: %v", err)
	}
	m, _ = s.GetMailbox(m.ID)
	seq, err := s.AppendEnquirer(m, 1, ciphertext(4240, ""), id1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendCounsellor(m.ID, admin.ID, 1, ciphertext(4240, ""), id2); err != nil {
		t.Fatal(err)
	}
	s.view(func(tx *boltTx) error {
		var rec attachmentRecord
		getJSON(tx.Bucket(bucketAttachments), attachmentKey(m.ID, id1), &rec)
		if rec.Seq != seq || rec.Uploaded != "" || rec.From != FromEnquirer {
			t.Errorf("record after the reference: %+v", rec)
		}
		if n := tx.Bucket(bucketAttachmentPending).Stats().KeyN; n != 0 {
			t.Errorf("%d pending entries after both were referenced", n)
		}
		return nil
	})
	r := audit(t, backupFile(t, s))
	if len(r.Violations) > 0 || r.Counts[patAttachments] != 2 || r.Counts["attachment_ciphertexts/{mailbox id and attachment id}"] != 2 {
		t.Fatalf("audit: %v, counts %v", r.Violations, r.Counts)
	}
	// Referenced, they outlive the window.
	sameContent(t, s, backupFile(t, s))
}

// A reference that is not an unreferenced upload of the mailbox by the
// sender is refused, and the message with it.
func TestAttachmentReferencesRefused(t *testing.T) {
	s, clock, admin, m := attachmentCase(t, Options{})
	if _, err := s.CreateMailbox(mailboxID(2), [32]byte{2}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	m2, _ := s.GetMailbox(mailboxID(2))
	mine := mustUpload(t, s, m, attachmentCT(10))
	other := mustUpload(t, s, m2, attachmentCT(10))
	team, err := s.PutCounsellorAttachment(m.ID, admin.ID, attachmentCT(10))
	if err != nil {
		t.Fatal(err)
	}
	used := mustUpload(t, s, m, attachmentCT(10))
	m, _ = s.GetMailbox(m.ID)
	if _, err := s.AppendEnquirer(m, 1, ciphertext(4240, ""), used); err != nil {
		t.Fatal(err)
	}
	six := []string{mine, mine, mine, mine, mine, mine}
	for _, c := range []struct {
		name string
		ids  []string
		want error
	}{
		{"unknown", []string{"q8Zx1Lq4Tt2aVb3Yc9D0eA"}, ErrAttachmentRefused},
		{"another mailbox's", []string{other}, ErrAttachmentRefused},
		{"the team's", []string{team}, ErrAttachmentRefused},
		{"referenced before", []string{used}, ErrAttachmentRefused},
		{"one good, one unknown", []string{mine, "q8Zx1Lq4Tt2aVb3Yc9D0eA"}, ErrAttachmentRefused},
		{"named twice", []string{mine, mine}, errInvalid},
		{"more than five", six, errInvalid},
		{"malformed", []string{"x"}, errInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			refused(t, s, c.want, func() error {
				m, _ := s.GetMailbox(m.ID)
				_, err := s.AppendEnquirer(m, 1, ciphertext(4240, ""), c.ids...)
				return err
			})
		})
	}
	refused(t, s, ErrAttachmentRefused, func() error {
		_, err := s.AppendCounsellor(m.ID, admin.ID, 1, ciphertext(4240, ""), mine)
		return err
	})
	// At the end of the window an upload can no longer be referenced,
	// even before the purge took it.
	clock.Add(43 * time.Minute) // 14:30, the end of the window of uploads of 13:00–14:00
	refused(t, s, ErrAttachmentRefused, func() error {
		m, _ := s.GetMailbox(m.ID)
		_, err := s.AppendEnquirer(m, 1, ciphertext(4240, ""), mine)
		return err
	})
}

// The limits: 10 attachments and the bytes per mailbox and side, 5
// enquirer uploads an hour; the team's share is its own.
func TestAttachmentLimits(t *testing.T) {
	s, clock, admin, m := attachmentCase(t, Options{Attachments: AttachmentLimits{MaxCount: 4, MaxBytes: 3*MaxMessageBytes + 3000, PerHour: 2}})
	mustUpload(t, s, m, attachmentCT(1000))
	mustUpload(t, s, m, attachmentCT(1000))
	refused(t, s, errRate, func() error { _, err := s.PutEnquirerAttachment(m, attachmentCT(10)); return err })
	if err := s.CheckAttachmentCap(m); err == nil {
		t.Error("CheckAttachmentCap passes at the cap")
	}
	clock.Add(time.Hour)
	if err := s.CheckAttachmentCap(m); err != nil {
		t.Errorf("next hour: %v", err)
	}
	refused(t, s, ErrMailboxFull, func() error { _, err := s.PutEnquirerAttachment(m, attachmentCT(1001)); return err })
	mustUpload(t, s, m, attachmentCT(1000)) // exactly the bytes
	refused(t, s, ErrMailboxFull, func() error { _, err := s.PutEnquirerAttachment(m, attachmentCT(1)); return err })
	for range 3 {
		if _, err := s.PutCounsellorAttachment(m.ID, admin.ID, attachmentCT(1)); err != nil {
			t.Fatalf("the team's share: %v", err)
		}
	}
	refused(t, s, ErrMailboxFull, func() error { _, err := s.PutCounsellorAttachment(m.ID, admin.ID, attachmentCT(1)); return err })
	refused(t, s, ErrNotFound, func() error { _, err := s.PutCounsellorAttachment(mailboxID(9), admin.ID, attachmentCT(1)); return err })
	refused(t, s, errInvalid, func() error { _, err := s.PutEnquirerAttachment(m, make([]byte, MaxAttachmentBytes+1)); return err })
	gone := m
	gone.Verifier = [32]byte{9}
	gone.read = nil
	refused(t, s, ErrNotFound, func() error { _, err := s.PutEnquirerAttachment(gone, attachmentCT(1)); return err })

	s2, _, _, m2 := attachmentCase(t, Options{Disk: DiskLimits{Budget: DiskAmount{Bytes: 1 << 20}}})
	refused(t, s2, ErrStorageFull, func() error { _, err := s2.PutEnquirerAttachment(m2, attachmentCT(1<<20)); return err })
	if _, err := s2.PutEnquirerAttachment(m2, attachmentCT(1000)); err != nil {
		t.Errorf("below the budget: %v", err)
	}
}

// An upload no message referenced goes at the purge from 30 minutes after
// the end of its hour; a referenced one stays; nothing of it is left in a
// compacted file.
func TestAttachmentPurge(t *testing.T) {
	s, clock, _, m := attachmentCase(t, Options{})
	keep := mustUpload(t, s, m, attachmentCT(500))
	dropCT := attachmentCT(600)
	drop := mustUpload(t, s, m, dropCT)
	m, _ = s.GetMailbox(m.ID)
	if _, err := s.AppendEnquirer(m, 1, ciphertext(4240, ""), keep); err != nil {
		t.Fatal(err)
	}
	clock.Add(42 * time.Minute) // 14:29
	if n, err := s.PurgeAttachments(); n != 0 || err != nil {
		t.Fatalf("before the end of the window: %d, %v", n, err)
	}
	if _, err := s.Attachment(m.ID, drop, nil); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute) // 14:30
	if n, err := s.Purge(); n != 0 || err != nil {
		t.Fatalf("Purge: %d, %v", n, err)
	}
	if _, err := s.Attachment(m.ID, drop, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after the window: %v", err)
	}
	if _, err := s.Attachment(m.ID, keep, nil); err != nil {
		t.Fatalf("the referenced one: %v", err)
	}
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	noTrace(t, s.path, dropCT)
	r := audit(t, backupFile(t, s))
	if len(r.Violations) > 0 || r.Stray > 0 || r.Counts[patAttachments] != 1 {
		t.Fatalf("audit: %v, stray %d, counts %v", r.Violations, r.Stray, r.Counts)
	}
}

// noTrace fails if any 64 bytes of ct (random past its header line) are
// in the file at path.
func noTrace(t *testing.T, path string, ct []byte) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := len(ageMagic); off+64 <= len(ct); off += len(ct) / 7 {
		if bytes.Contains(raw, ct[off:off+64]) {
			t.Fatalf("bytes %d… of a deleted attachment are in the file", off)
		}
	}
}

// Attachments go with their mailbox, whichever way it goes: deleted by
// the enquirer, expired, or purged as a new case.
func TestAttachmentsGoWithTheMailbox(t *testing.T) {
	for _, how := range []string{"delete", "expiry", "purge new cases"} {
		t.Run(how, func(t *testing.T) {
			s, clock, admin, m := attachmentCase(t, Options{RetentionDays: 1})
			cts := [][]byte{attachmentCT(700), attachmentCT(800)}
			ref := mustUpload(t, s, m, cts[0])
			mustUpload(t, s, m, cts[1])
			m, _ = s.GetMailbox(m.ID)
			if _, err := s.AppendEnquirer(m, 1, ciphertext(4240, ""), ref); err != nil {
				t.Fatal(err)
			}
			if how == "delete" {
				// The team's too.
				ct := attachmentCT(900)
				if _, err := s.PutCounsellorAttachment(m.ID, admin.ID, ct); err != nil {
					t.Fatal(err)
				}
				cts = append(cts, ct)
			}
			switch how {
			case "delete":
				if err := s.DeleteMailbox(m.ID); err != nil {
					t.Fatal(err)
				}
			case "expiry":
				clock.Add(3 * 24 * time.Hour)
				if n, err := s.Purge(); n != 1 || err != nil {
					t.Fatalf("Purge: %d, %v", n, err)
				}
			case "purge new cases":
				res, err := s.PurgeNewCases(t0.AddDate(0, 0, -1), t0.AddDate(0, 0, 1), false)
				if err != nil || len(res.Deleted) != 1 {
					t.Fatalf("PurgeNewCases: %+v, %v", res, err)
				}
			}
			if err := s.Compact(); err != nil {
				t.Fatal(err)
			}
			for _, ct := range cts {
				noTrace(t, s.path, ct)
			}
			r := audit(t, backupFile(t, s))
			if len(r.Violations) > 0 || r.Stray > 0 {
				t.Fatalf("audit: %v, stray %d", r.Violations, r.Stray)
			}
			for _, p := range []string{patAttachments, "attachment_ciphertexts/{mailbox id and attachment id}", "attachment_pending/{hour, mailbox id and attachment id}", "attachment_hours/{mailbox id}"} {
				if r.Counts[p] != 0 {
					t.Errorf("%d entries %s left", r.Counts[p], p)
				}
			}
		})
	}
}

// A deleted attachment not yet compacted away is found by the audit as
// stray ciphertext; the records agree with each other at every step.
func TestAttachmentAuditFindsDeleted(t *testing.T) {
	s, _, _, m := attachmentCase(t, Options{})
	mustUpload(t, s, m, attachmentCT(5000))
	if r := audit(t, backupFile(t, s)); len(r.Violations) > 0 || r.Ciphertexts != 3 {
		t.Fatalf("live file: %v, %d ciphertexts", r.Violations, r.Ciphertexts)
	}
	if err := s.DeleteMailbox(m.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if r := audit(t, s.path); r.Stray == 0 {
		t.Fatal("the deleted attachment in free pages is not stray")
	}
}

// The audit's cross-checks of attachments catch what does not fit
// together, each at its place, in a copy where one entry was planted.
func TestAttachmentAuditPlanted(t *testing.T) {
	s, _, _, m := attachmentCase(t, Options{})
	pending := mustUpload(t, s, m, attachmentCT(100))
	ref := mustUpload(t, s, m, attachmentCT(100))
	m, _ = s.GetMailbox(m.ID)
	if _, err := s.AppendEnquirer(m, 1, ciphertext(4240, ""), ref); err != nil {
		t.Fatal(err)
	}
	clean := backupFile(t, s)
	if r := audit(t, clean); len(r.Violations) > 0 {
		t.Fatalf("clean backup: %v", r.Violations)
	}
	other := attachmentKey(mailboxID(7), "q8Zx1Lq4Tt2aVb3Yc9D0eA")
	for _, c := range []struct {
		name    string
		buckets []string
		key     []byte
		value   []byte
		want    string
	}{
		{"a record of no mailbox", []string{"attachments"}, other, []byte(`{"from":"enquirer","seq":1}`), "without a mailbox record"},
		{"a record without its ciphertext", []string{"attachments"}, attachmentKey(m.ID, "AAAAAAAAAAAAAAAAAAAAAA"), []byte(`{"from":"enquirer","seq":1}`), "without its ciphertext"},
		{"a seq past the messages", []string{"attachments"}, attachmentKey(m.ID, ref), []byte(`{"from":"enquirer","seq":9}`), "names a message"},
		{"unreferenced, not indexed", []string{"attachments"}, attachmentKey(m.ID, pending), []byte(`{"from":"enquirer","uploaded":"2027-02-26T10:00:00Z"}`), "not in the pending index"},
		{"seq and uploaded", []string{"attachments"}, attachmentKey(m.ID, ref), []byte(`{"from":"enquirer","seq":2,"uploaded":"2027-02-26T13:00:00Z"}`), "exactly one of seq and uploaded"},
		{"a ciphertext without its record", []string{"attachment_ciphertexts", string(other)}, keyCiphertext, attachmentCT(10), "without its attachment record"},
		{"a message as an attachment", []string{"attachment_ciphertexts", string(attachmentKey(m.ID, ref))}, keyCiphertext, ciphertext(4240, ""), "attachment ciphertext"},
		{"an index entry of nothing", []string{"attachment_pending"}, pendingKey("2027-02-26T13:00:00Z", other), []byte{}, "index entry without"},
		{"an hourly count of no mailbox", []string{"attachment_hours"}, []byte(mailboxID(7)), []byte(`{"hour_start":"2027-02-26T13:00:00Z","hour_count":1}`), "without a mailbox record"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := copyOf(t, clean)
			if err := mailboxtest.Put(path, c.buckets, c.key, c.value); err != nil {
				t.Fatal(err)
			}
			r := audit(t, path)
			found := false
			for _, v := range r.Violations {
				found = found || strings.Contains(v.String(), c.want)
			}
			if !found {
				t.Fatalf("violations %v, want one with %q", r.Violations, c.want)
			}
		})
	}
}
