package mailbox

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"lotse/domain"
)

// Attachments (PROTOCOL.md §10).
//
// An attachment is one age ciphertext of up to 8 MiB, uploaded on its own
// before the message that references it. Four buckets hold them:
//
//   - attachments: mailbox id + attachment id → attachmentRecord, which
//     side uploaded it and either the seq of the message that references
//     it or, while none does, the hour of its upload;
//   - attachment_ciphertexts: the same key → a bucket whose one value,
//     "ciphertext", is the ciphertext. A bucket of its own, because bbolt
//     never splits a leaf of four entries or fewer: four 8 MiB values side
//     by side would be rewritten, 32 MiB in memory and on disk, whenever a
//     new one landed among them. Alone in its bucket a ciphertext is
//     written once, and its neighbours are bucket headers of a few bytes;
//   - attachment_pending: hour + mailbox id + attachment id → nothing, the
//     unreferenced uploads by hour, for the purge;
//   - attachment_hours: mailbox id → the enquirer's hourly upload count.
//
// The keys are the mailbox id followed by a random id, so that one
// mailbox's attachments lie together (deleted with one range) and no key
// tells in which order uploads came: a copy needs no renumbering, unlike
// the message ciphertexts (renumber.go).
//
// The store keeps no time finer than an hour, so "30 minutes after upload"
// is kept as "from 30 minutes after the end of the hour of the upload": an
// unreferenced upload lives for 30 to 90 minutes, and a message may
// reference it within the first 30 at least.

var (
	bucketAttachments       = []byte("attachments")
	bucketAttachmentCTs     = []byte("attachment_ciphertexts")
	bucketAttachmentPending = []byte("attachment_pending")
	bucketAttachmentHours   = []byte("attachment_hours")
	keyCiphertext           = []byte("ciphertext")
)

// attachmentBuckets are the top-level buckets this file adds.
var attachmentBuckets = [][]byte{bucketAttachments, bucketAttachmentCTs, bucketAttachmentPending, bucketAttachmentHours}

// attachmentRecord is attachments/<mailbox><id>. Exactly one of Seq and
// Uploaded is set.
type attachmentRecord struct {
	From     string `json:"from"`
	Seq      uint64 `json:"seq,omitempty"`      // the message that references it
	Uploaded string `json:"uploaded,omitempty"` // hour, while no message does
}

// attachmentHourRecord is attachment_hours/<mailbox>: the enquirer's
// uploads in the hour starting HourStart.
type attachmentHourRecord struct {
	HourStart string `json:"hour_start"`
	HourCount int    `json:"hour_count"`
}

// AttachmentLimits bound one mailbox's attachments (PROTOCOL.md §10);
// zero values take the defaults: 10 attachments and 32 MiB of ciphertext
// per mailbox for each side, 5 enquirer uploads an hour. The team's
// uploads count apart from the enquirer's, so an enquirer who used up
// their share never stops the team's replies, and the team's never the
// enquirer's.
type AttachmentLimits struct {
	MaxCount int
	MaxBytes int64
	PerHour  int
}

const (
	defaultMaxAttachments     = 10
	defaultMaxAttachmentBytes = 32 << 20
	defaultAttachmentsPerHour = 5
	// MaxAttachmentBytes bounds one attachment ciphertext: the largest
	// bucket's (crypto.MaxAttachmentCiphertext), which the caller checks
	// exactly.
	MaxAttachmentBytes = 8<<20 + 64<<10
	// MaxReferences is the most attachments one message references.
	MaxReferences = 5
	// uploadWindow is how long past the end of its hour an unreferenced
	// upload is kept.
	uploadWindow = 30 * time.Minute
	// attachmentKeyLen is a mailbox id (32) and an attachment id (22).
	attachmentKeyLen = 2*domain.MailboxIDSize + 22
	// hourLen is a stored hour, "2006-01-02T15:00:00Z".
	hourLen = len("2006-01-02T15:00:00Z")
)

// ErrAttachmentRefused is a message that names an attachment which is not
// an unreferenced upload of its mailbox by its sender (gone, never there,
// the other side's, or referenced already). Nothing is stored.
var ErrAttachmentRefused = errors.New("mailbox: attachment is not an unreferenced upload of this mailbox by this side")

func (s *Store) attachmentLimits() AttachmentLimits {
	l := s.attach
	if l.MaxCount <= 0 {
		l.MaxCount = defaultMaxAttachments
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = defaultMaxAttachmentBytes
	}
	if l.PerHour <= 0 {
		l.PerHour = defaultAttachmentsPerHour
	}
	return l
}

func attachmentKey(mailbox, id string) []byte {
	return append([]byte(mailbox), id...)
}

func pendingKey(hour string, key []byte) []byte {
	return append([]byte(hour), key...)
}

func isAttachmentKey(k []byte) bool {
	if len(k) != attachmentKeyLen || !validMailboxID(string(k[:32])) {
		return false
	}
	_, err := domain.ParseAttachmentID(string(k[32:]))
	return err == nil
}

func isPendingKey(k []byte) bool {
	if len(k) != hourLen+attachmentKeyLen || !isAttachmentKey(k[len(k)-attachmentKeyLen:]) {
		return false
	}
	h := string(k[:len(k)-attachmentKeyLen])
	t, err := parseHour(h)
	return err == nil && formatHour(t) == h
}

// pendingUntil is when an upload of the given hour is no longer kept
// unreferenced.
func pendingUntil(hour string) (time.Time, error) {
	t, err := parseHour(hour)
	return t.Add(time.Hour + uploadWindow), err
}

// eachAttachment calls fn for every attachment of the mailbox key, with
// its record key, record and ciphertext length.
func eachAttachment(tx *bolt.Tx, mailbox []byte, fn func(k []byte, rec attachmentRecord, size int) error) error {
	c := tx.Bucket(bucketAttachments).Cursor()
	for k, v := c.Seek(mailbox); k != nil && bytes.HasPrefix(k, mailbox); k, v = c.Next() {
		var rec attachmentRecord
		if err := decodeJSON(v, &rec); err != nil {
			return err
		}
		if err := fn(k, rec, len(attachmentCiphertext(tx, k))); err != nil {
			return err
		}
	}
	return nil
}

// attachmentTotals counts the attachments of one side in a mailbox.
func attachmentTotals(tx *bolt.Tx, mailbox []byte, from string) (count int, size int64, err error) {
	err = eachAttachment(tx, mailbox, func(_ []byte, rec attachmentRecord, n int) error {
		if rec.From == from {
			count++
			size += int64(n)
		}
		return nil
	})
	return count, size, err
}

// attachmentHour returns the enquirer's uploads this hour, or a
// *RateLimitError at the cap.
func (s *Store) attachmentHour(tx *bolt.Tx, mailbox []byte, now time.Time) (int, error) {
	var h attachmentHourRecord
	found, err := getJSON(tx.Bucket(bucketAttachmentHours), mailbox, &h)
	if err != nil {
		return 0, err
	}
	count := 0
	if found && h.HourStart == formatHour(now) {
		count = h.HourCount
	}
	if count >= s.attachmentLimits().PerHour {
		return count, &RateLimitError{RetryAfter: hourOf(now).Add(time.Hour).Sub(now)}
	}
	return count, nil
}

// CheckAttachmentCap returns a *RateLimitError if the mailbox m (as
// GetMailbox returned it) has taken its hourly uploads, so that the API
// answers 429 before it checks the ciphertext (PROTOCOL.md §6.2).
// PutEnquirerAttachment checks again in its transaction.
func (s *Store) CheckAttachmentCap(m Mailbox) error {
	now := s.clock()
	return s.view(func(tx *bolt.Tx) error {
		_, err := s.attachmentHour(tx, []byte(m.ID), now)
		return err
	})
}

func checkAttachmentSize(ciphertext []byte) error {
	switch {
	case len(ciphertext) == 0:
		return invalidf("empty ciphertext")
	case len(ciphertext) > MaxAttachmentBytes:
		return invalidf("attachment longer than %d bytes", MaxAttachmentBytes)
	}
	return nil
}

// newAttachmentID draws an id before the write: ops are pure.
func (s *Store) newAttachmentID() (string, error) {
	var b [domain.AttachmentIDSize]byte
	if err := s.readRand(b[:]); err != nil {
		return "", err
	}
	return domain.AttachmentID(b).String(), nil
}

// PutEnquirerAttachment stores an enquirer's upload to the mailbox m, as
// GetMailbox returned it to authenticate the enquirer, and returns its id.
// Checks, in order: the hourly uploads (*RateLimitError), the mailbox
// (ErrNotFound, also if it has been replaced since), the totals
// (ErrMailboxFull), the storage budget (ErrStorageFull). The ciphertext's
// policy is the caller's.
func (s *Store) PutEnquirerAttachment(m Mailbox, ciphertext []byte) (string, error) {
	mkey := []byte(m.ID)
	return s.upload(m.ID, FromEnquirer, ciphertext, func(tx *bolt.Tx, now time.Time) (func() error, error) {
		_, found, err := recordOf(tx, m)
		if err != nil {
			return nil, err
		}
		count, err := s.attachmentHour(tx, mkey, now)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, ErrNotFound
		}
		return func() error {
			return putJSON(tx.Bucket(bucketAttachmentHours), mkey, attachmentHourRecord{HourStart: formatHour(now), HourCount: count + 1})
		}, nil
	})
}

// PutCounsellorAttachment stores a counsellor's upload to case caseID and
// returns its id. The counsellor must be active (*InvalidError); then
// ErrNotFound, ErrMailboxFull (the team's share) and ErrStorageFull.
func (s *Store) PutCounsellorAttachment(caseID, counsellorID string, ciphertext []byte) (string, error) {
	if !validCounsellorID(counsellorID) {
		return "", invalidf("malformed counsellor id")
	}
	return s.upload(caseID, FromCounsellor, ciphertext, func(tx *bolt.Tx, _ time.Time) (func() error, error) {
		_, err := counsellorsCase(tx, counsellorID, caseID)
		return nil, err
	})
}

// upload is what both sides' uploads share: it draws the id, runs the
// side's own checks (before, which may return writes of its own), then
// checks the side's share of the mailbox and the storage budget, and
// stores the upload.
func (s *Store) upload(mailbox, from string, ciphertext []byte, before func(tx *bolt.Tx, now time.Time) (func() error, error)) (string, error) {
	if err := checkAttachmentSize(ciphertext); err != nil {
		return "", err
	}
	id, err := s.newAttachmentID()
	if err != nil {
		return "", err
	}
	now := s.clock()
	lim := s.attachmentLimits()
	mkey := []byte(mailbox)
	var roomErr error
	roomChecked := false
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		after, err := before(tx, now)
		if err != nil {
			return nil, err
		}
		n, size, err := attachmentTotals(tx, mkey, from)
		if err != nil {
			return nil, err
		}
		if n >= lim.MaxCount || size+int64(len(ciphertext)) > lim.MaxBytes {
			return nil, ErrMailboxFull
		}
		if !roomChecked {
			// Once per op: a rerun of the batch gives the same answer.
			roomErr, roomChecked = s.checkAttachmentRoomTx(tx, len(ciphertext)), true
		}
		if roomErr != nil {
			return nil, roomErr
		}
		return func() error {
			if err := putAttachment(tx, mkey, id, from, ciphertext, now); err != nil {
				return err
			}
			if after != nil {
				return after()
			}
			return nil
		}, nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// checkAttachmentRoomTx is the storage step of an upload (budget.go):
// attachments are the first thing refused on a filling disk, before any
// conversation, and an upload must fit below the budget as a whole. It
// runs in the committer, so it reads the high-water mark from the running
// transaction rather than opening one of its own.
func (s *Store) checkAttachmentRoomTx(tx *bolt.Tx, n int) error {
	if s.disk == (DiskLimits{}) {
		return nil
	}
	total, free, known := statDisk(filepath.Dir(s.path))
	if b := s.disk.Budget.of(total, known); b > 0 && tx.Size()+int64(n) > b {
		return fmt.Errorf("mailbox: an attachment would pass the storage budget of %d bytes: %w", b, ErrStorageFull)
	}
	if m := s.disk.MinFree.of(total, known); m > 0 && known && free < m+int64(n) {
		return fmt.Errorf("mailbox: an attachment would leave less than %d bytes free: %w", m, ErrStorageFull)
	}
	return nil
}

// attachmentCiphertext returns the stored ciphertext of key, or nil.
func attachmentCiphertext(tx *bolt.Tx, key []byte) []byte {
	b := tx.Bucket(bucketAttachmentCTs).Bucket(key)
	if b == nil {
		return nil
	}
	return b.Get(keyCiphertext)
}

func deleteCiphertext(tx *bolt.Tx, key []byte) error {
	err := tx.Bucket(bucketAttachmentCTs).DeleteBucket(key)
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// putAttachment writes an unreferenced upload.
func putAttachment(tx *bolt.Tx, mailbox []byte, id, from string, ciphertext []byte, now time.Time) error {
	key := attachmentKey(string(mailbox), id)
	if tx.Bucket(bucketAttachments).Get(key) != nil {
		return errors.New("attachment id already used")
	}
	hour := formatHour(now)
	b, err := tx.Bucket(bucketAttachmentCTs).CreateBucket(key)
	if err != nil {
		return err
	}
	if err := b.Put(keyCiphertext, ciphertext); err != nil {
		return err
	}
	if err := tx.Bucket(bucketAttachmentPending).Put(pendingKey(hour, key), []byte{}); err != nil {
		return err
	}
	return putJSON(tx.Bucket(bucketAttachments), key, attachmentRecord{From: from, Uploaded: hour})
}

// Attachment returns the ciphertext of attachment id of mailbox mailboxID
// (ErrNotFound if either is unknown or malformed). reserve, if not nil, is
// asked for its length before it is copied out, and its error returned.
func (s *Store) Attachment(mailboxID, id string, reserve func(n int) error) ([]byte, error) {
	if !validMailboxID(mailboxID) {
		return nil, ErrNotFound
	}
	if _, err := domain.ParseAttachmentID(id); err != nil {
		return nil, ErrNotFound
	}
	var ct []byte
	err := s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMailboxes).Get([]byte(mailboxID)) == nil {
			return ErrNotFound
		}
		v := attachmentCiphertext(tx, attachmentKey(mailboxID, id))
		if v == nil {
			return ErrNotFound
		}
		if reserve != nil {
			if err := reserve(len(v)); err != nil {
				return err
			}
		}
		ct = bytes.Clone(v)
		return nil
	})
	return ct, err
}

// attachmentRef is a reference a message makes, checked and ready to
// record.
type attachmentRef struct {
	key     []byte
	pending []byte // its attachment_pending key
	rec     attachmentRecord
}

// checkRefs checks the ids a message of from to mailbox names: each an
// unreferenced upload of that mailbox by that side, still within its
// window, named once.
func checkRefs(tx *bolt.Tx, mailbox, from string, ids []string, now time.Time) ([]attachmentRef, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > MaxReferences {
		return nil, invalidf("more than %d attachments", MaxReferences)
	}
	refs := make([]attachmentRef, 0, len(ids))
	for i, id := range ids {
		if _, err := domain.ParseAttachmentID(id); err != nil {
			return nil, invalidf("malformed attachment id")
		}
		for _, prev := range ids[:i] {
			if prev == id {
				return nil, invalidf("an attachment named twice")
			}
		}
		key := attachmentKey(mailbox, id)
		var rec attachmentRecord
		found, err := getJSON(tx.Bucket(bucketAttachments), key, &rec)
		if err != nil {
			return nil, err
		}
		if !found || rec.From != from || rec.Seq != 0 {
			return nil, ErrAttachmentRefused
		}
		until, err := pendingUntil(rec.Uploaded)
		if err != nil || !now.Before(until) {
			return nil, ErrAttachmentRefused
		}
		refs = append(refs, attachmentRef{key: key, pending: pendingKey(rec.Uploaded, key), rec: rec})
	}
	return refs, nil
}

// applyRefs records refs as message seq's: the upload hour goes, the seq
// comes.
func applyRefs(tx *bolt.Tx, refs []attachmentRef, seq uint64) error {
	for _, r := range refs {
		if err := tx.Bucket(bucketAttachmentPending).Delete(r.pending); err != nil {
			return err
		}
		rec := attachmentRecord{From: r.rec.From, Seq: seq}
		if err := putJSON(tx.Bucket(bucketAttachments), r.key, rec); err != nil {
			return err
		}
	}
	return nil
}

// deleteAttachments deletes every attachment of the mailbox key and its
// hourly count, with the mailbox (deleteMailbox).
func deleteAttachments(tx *bolt.Tx, mailbox []byte) error {
	var keys, pending [][]byte
	err := eachAttachment(tx, mailbox, func(k []byte, rec attachmentRecord, _ int) error {
		keys = append(keys, bytes.Clone(k))
		if rec.Uploaded != "" {
			pending = append(pending, pendingKey(rec.Uploaded, k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range pending {
		if err := tx.Bucket(bucketAttachmentPending).Delete(k); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if err := deleteCiphertext(tx, k); err != nil {
			return err
		}
		if err := tx.Bucket(bucketAttachments).Delete(k); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketAttachmentHours).Delete(mailbox)
}

// PurgeAttachments deletes the uploads that no message referenced in
// time and returns how many. Purge calls it.
func (s *Store) PurgeAttachments() (int, error) {
	now := s.clock()
	// Pending keys start with their hour: read the index up to the first
	// hour whose uploads are still kept.
	cutoff := []byte(formatHour(now.Add(-time.Hour - uploadWindow).Add(time.Hour)))
	keys, err := s.keysBefore(bucketAttachmentPending, cutoff)
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	gone, err := writeChunks(s, keys, purgeChunk, func(tx *bolt.Tx, chunk [][]byte) ([][]byte, func() error, error) {
		// Checked again: a message may have referenced one since.
		var gone [][]byte
		for _, pk := range chunk {
			if tx.Bucket(bucketAttachmentPending).Get(pk) == nil {
				continue
			}
			gone = append(gone, pk)
		}
		if len(gone) == 0 {
			return nil, nil, errNothing
		}
		return gone, func() error {
			for _, pk := range gone {
				key := pk[len(pk)-attachmentKeyLen:]
				var rec attachmentRecord
				found, err := getJSON(tx.Bucket(bucketAttachments), key, &rec)
				if err != nil {
					return err
				}
				if found && rec.Seq == 0 {
					if err := deleteCiphertext(tx, key); err != nil {
						return err
					}
					if err := tx.Bucket(bucketAttachments).Delete(key); err != nil {
						return err
					}
				}
				if err := tx.Bucket(bucketAttachmentPending).Delete(pk); err != nil {
					return err
				}
			}
			return nil
		}, nil
	})
	return len(gone), err
}
