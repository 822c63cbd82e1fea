package mailbox

import (
	"bytes"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// checkMessage bounds a message ciphertext. Its policy (PROTOCOL.md §5) is
// the caller's; the store only refuses what cannot be one.
func checkMessage(ciphertext []byte) error { return checkCiphertext(ciphertext, MaxMessageBytes) }

// checkCiphertext refuses an empty ciphertext and one longer than limit.
func checkCiphertext(ciphertext []byte, limit int) error {
	switch {
	case len(ciphertext) == 0:
		return invalidf("empty ciphertext")
	case len(ciphertext) > limit:
		return invalidf("ciphertext longer than %d bytes", limit)
	}
	return nil
}

// currentEpoch returns the keyring's epoch (ErrTeamNotReady before the
// first keyring).
func currentEpoch(tx *bolt.Tx, org string) (int, error) {
	var k keyringRecord
	kr := keyringBucket(tx, org)
	if kr == nil {
		return 0, ErrNotFound
	}
	found, err := getJSON(kr, keyCurrent, &k)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, ErrTeamNotReady
	}
	return k.Epoch, nil
}

// checkEpoch refuses an epoch other than the current one. It runs in the
// committer; the epoch is decoded once per write transaction (the keyring
// record is 2 KB of JSON, and every message checks it).
func (s *Store) checkEpoch(tx *bolt.Tx, org string, epoch int) error {
	m := &s.epochMemo
	if m.tx != tx || m.org != org {
		m.epoch, m.err = currentEpoch(tx, org)
		m.tx, m.org = tx, org
	}
	if m.err != nil {
		return m.err
	}
	if epoch != m.epoch {
		return ErrStaleEpoch
	}
	return nil
}

// getMailbox reads a mailbox record; found is false for an unknown or
// malformed id.
func getMailbox(tx *bolt.Tx, id string) (rec mailboxRecord, found bool, err error) {
	if !validMailboxID(id) {
		return rec, false, nil
	}
	data := tx.Bucket(bucketMailboxes).Get([]byte(id))
	if data == nil {
		return rec, false, nil
	}
	return rec, true, decodeJSON(data, &rec)
}

// orgsCase reads case id if it belongs to organisation org; a case of
// another organisation is ErrNotFound, as one that does not exist: the
// one rule that keeps organisations' cases apart.
func orgsCase(tx *bolt.Tx, org, id string) (mailboxRecord, error) {
	rec, found, err := getMailbox(tx, id)
	if err == nil && (!found || rec.Org != org) {
		err = ErrNotFound
	}
	return rec, err
}

// CreateMailbox stores a new mailbox with its first (enquirer) message at
// seq 1. epoch must be the current keyring epoch.
func (s *Store) CreateMailbox(id string, verifier [32]byte, epoch int, ciphertext []byte) (Mailbox, error) {
	return s.CreateMailboxIn("", id, verifier, epoch, ciphertext)
}

// CreateMailboxIn is CreateMailbox for organisation org, whose keyring
// epoch it must be; ErrNotFound if there is no such organisation.
func (s *Store) CreateMailboxIn(org, id string, verifier [32]byte, epoch int, ciphertext []byte) (Mailbox, error) {
	org = s.orgKey(org)
	if !validMailboxID(id) {
		return Mailbox{}, invalidf("mailbox id is not 32 lower-case hex characters")
	}
	if err := checkMessage(ciphertext); err != nil {
		return Mailbox{}, err
	}
	if err := s.checkRoom(); err != nil {
		return Mailbox{}, err
	}
	now := s.clock()
	key := []byte(id)
	var rec mailboxRecord
	err := s.write(func(tx *bolt.Tx) (func() error, error) {
		if err := s.checkEpoch(tx, org, epoch); err != nil {
			return nil, err
		}
		mailboxes := tx.Bucket(bucketMailboxes)
		if mailboxes.Get(key) != nil {
			return nil, ErrMailboxExists
		}
		rec = mailboxRecord{
			Verifier:      verifier[:],
			Status:        StatusNew,
			Created:       formatDate(now),
			LastActivity:  formatHour(now),
			MessageCount:  1,
			Bytes:         int64(len(ciphertext)),
			AwaitingReply: true,
			WaitingSince:  formatHour(now),
			HourStart:     formatHour(now),
			HourCount:     1,
			Org:           org,
		}
		return func() error {
			if _, err := tx.Bucket(bucketMessages).CreateBucket(key); err != nil {
				return err
			}
			return putMessage(tx, key, 1, ciphertext, messageMeta{From: FromEnquirer}, nil, &rec, nil)
		}, nil
	})
	if err != nil {
		return Mailbox{}, err
	}
	return s.mailboxOf(id, &rec)
}

// putMessage stores message seq of mailbox key, the updated record and
// the uploads the message references (refs, from checkRefs) as its
// attachments; prev is the record before (nil for a new mailbox).
//
// Ciphertexts of all mailboxes go to one bucket under keys from its
// sequence, so the ciphertexts of a shared commit land side by side at the
// end of the tree: a commit rewrites one rightmost leaf instead of one leaf
// (with up to four older ciphertexts) per mailbox. The mailbox's own index
// entry, messages/<id>/<seq>, is a small record naming that key.
func putMessage(tx *bolt.Tx, key []byte, seq uint64, ciphertext []byte, meta messageMeta, prev, rec *mailboxRecord, refs []attachmentRef) error {
	mb := tx.Bucket(bucketMessages).Bucket(key)
	if mb == nil {
		return errors.New("messages bucket missing")
	}
	k := seqKey(seq)
	if mb.Get(k) != nil {
		return errors.New("seq already used")
	}
	cts := tx.Bucket(bucketCiphertexts)
	cts.FillPercent = 1 // keys only ever grow: fill leaves before splitting
	ctKey, err := cts.NextSequence()
	if err != nil {
		return err
	}
	ck := seqKey(ctKey)
	if cts.Get(ck) != nil {
		return errors.New("ciphertext key already used")
	}
	if err := cts.Put(ck, ciphertext); err != nil {
		return err
	}
	meta.Ciphertext = ctKey
	if err := putJSON(mb, k, meta); err != nil {
		return err
	}
	if err := applyRefs(tx, refs, seq); err != nil {
		return err
	}
	return putRecord(tx, key, prev, rec)
}

// putRecord stores a mailbox record and keeps the expiry and case indexes
// in step; prev is the record before (nil for a new one).
func putRecord(tx *bolt.Tx, key []byte, prev, rec *mailboxRecord) error {
	if err := indexCase(tx, key, prev, rec); err != nil {
		return err
	}
	lastActivity := ""
	if prev != nil {
		lastActivity = prev.LastActivity
	}
	if lastActivity == "" || lastActivity[:min(len(lastActivity), len(dateLayout))] != rec.LastActivity[:min(len(rec.LastActivity), len(dateLayout))] {
		ex := tx.Bucket(bucketExpiry)
		if lastActivity != "" {
			if err := ex.Delete(expiryKey(lastActivity, key)); err != nil {
				return err
			}
		}
		if err := ex.Put(expiryKey(rec.LastActivity, key), []byte{}); err != nil {
			return err
		}
	}
	return putJSON(tx.Bucket(bucketMailboxes), key, rec)
}

// GetMailbox returns a mailbox's metadata (ErrNotFound if none).
func (s *Store) GetMailbox(id string) (Mailbox, error) {
	r := &readRecord{}
	var found bool
	err := s.view(func(tx *bolt.Tx) (err error) {
		if !validMailboxID(id) {
			return nil
		}
		data := tx.Bucket(bucketMailboxes).Get([]byte(id))
		if found = data != nil; found {
			r.raw = bytes.Clone(data)
			err = decodeJSON(r.raw, &r.rec)
		}
		return err
	})
	if err != nil {
		return Mailbox{}, err
	}
	if !found {
		return Mailbox{}, ErrNotFound
	}
	m, err := s.mailboxOf(id, &r.rec)
	m.read = r
	return m, err
}

// readRecord is a mailbox record as GetMailbox read it: its bytes and what
// they decode to. Neither is changed after the read.
type readRecord struct {
	raw []byte
	rec mailboxRecord
}

// recordOf returns the record of the mailbox m in tx: the one m carries if
// the stored bytes are still the same, else the stored one decoded. found
// is false if the mailbox is gone or another mailbox (another verifier)
// now has its id, so a post authenticated for one mailbox never lands in
// another.
func recordOf(tx *bolt.Tx, m Mailbox) (rec mailboxRecord, found bool, err error) {
	if !validMailboxID(m.ID) {
		return rec, false, nil
	}
	data := tx.Bucket(bucketMailboxes).Get([]byte(m.ID))
	if data == nil {
		return rec, false, nil
	}
	if m.read != nil && bytes.Equal(data, m.read.raw) {
		return m.read.rec, true, nil
	}
	if err := decodeJSON(data, &rec); err != nil {
		return rec, false, err
	}
	if subtle.ConstantTimeCompare(rec.Verifier, m.Verifier[:]) != 1 {
		return mailboxRecord{}, false, nil
	}
	return rec, true, nil
}

// Messages returns messages with seq > after, in order.
func (s *Store) Messages(id string, after uint64) ([]Message, error) {
	var msgs []Message
	err := s.view(func(tx *bolt.Tx) error {
		_, found, err := getMailbox(tx, id)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		if after == math.MaxUint64 {
			return nil
		}
		mb := tx.Bucket(bucketMessages).Bucket([]byte(id))
		if mb == nil {
			return errors.New("mailbox: messages bucket missing")
		}
		cts := tx.Bucket(bucketCiphertexts)
		c := mb.Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil; k, v = c.Next() {
			var meta messageMeta
			if err := decodeJSON(v, &meta); err != nil {
				return err
			}
			ct := cts.Get(seqKey(meta.Ciphertext))
			if ct == nil || len(k) != 8 {
				return errors.New("mailbox: message without ciphertext")
			}
			msgs = append(msgs, Message{
				Seq:        binary.BigEndian.Uint64(k),
				From:       meta.From,
				Counsellor: meta.Counsellor,
				Ciphertext: bytes.Clone(ct),
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return msgs, nil
}

// hourlyCap returns how many messages the mailbox took this hour, or a
// *RateLimitError if that is the cap.
func (s *Store) hourlyCap(rec mailboxRecord, found bool, now time.Time) (int, error) {
	count := 0
	if found && rec.HourStart == formatHour(now) {
		count = rec.HourCount
	}
	if found && count >= s.limits.MessagesPerHour {
		return count, &RateLimitError{RetryAfter: hourOf(now).Add(time.Hour).Sub(now)}
	}
	return count, nil
}

// CheckEnquirerCap returns a *RateLimitError if the mailbox m (as
// GetMailbox returned it) has taken its hourly cap of enquirer messages, so
// the API can answer 429 before it checks epoch and ciphertext (PROTOCOL.md
// §6 check order). It reads the record m carries; AppendEnquirer checks
// again in its transaction.
func (s *Store) CheckEnquirerCap(m Mailbox) error {
	now := s.clock()
	if m.read != nil {
		_, err := s.hourlyCap(m.read.rec, true, now)
		return err
	}
	return s.view(func(tx *bolt.Tx) error {
		rec, found, err := recordOf(tx, m)
		if err != nil {
			return err
		}
		_, err = s.hourlyCap(rec, found, now)
		return err
	})
}

// AppendEnquirer stores an enquirer message in the mailbox m, as
// GetMailbox returned it to authenticate the enquirer: checks, in order,
// the hourly cap (*RateLimitError), epoch (ErrStaleEpoch), existence
// (ErrNotFound, also if the mailbox has been replaced since) and totals
// (ErrMailboxFull). Reopens a closed case.
//
// attachments are the ids of uploads the message references (PROTOCOL.md
// §10), checked last (ErrAttachmentRefused, *InvalidError) and recorded as
// the message's.
func (s *Store) AppendEnquirer(m Mailbox, epoch int, ciphertext []byte, attachments ...string) (uint64, error) {
	if err := checkMessage(ciphertext); err != nil {
		return 0, err
	}
	now := s.clock()
	hour := formatHour(now)
	key := []byte(m.ID)
	var seq uint64
	err := s.write(func(tx *bolt.Tx) (func() error, error) {
		rec, found, err := recordOf(tx, m)
		if err != nil {
			return nil, err
		}
		count, err := s.hourlyCap(rec, found, now)
		if err != nil {
			return nil, err
		}
		if err := s.checkEpoch(tx, rec.Org, epoch); err != nil {
			return nil, err
		}
		if !found {
			return nil, ErrNotFound
		}
		if rec.MessageCount >= s.limits.MaxMessages || rec.Bytes+int64(len(ciphertext)) > s.limits.MaxBytes {
			return nil, ErrMailboxFull
		}
		prev := rec
		rec.MessageCount++
		rec.Bytes += int64(len(ciphertext))
		rec.LastActivity = hour
		switch {
		case !prev.waiting():
			rec.WaitingSince = hour
		case prev.WaitingSince == "":
			rec.WaitingSince = prev.waitingSince()
		}
		rec.AwaitingReply = true
		if rec.Status == StatusClosed {
			rec.Status = StatusOpen
		}
		refs, err := checkRefs(tx, m.ID, FromEnquirer, attachments, now)
		if err != nil {
			return nil, err
		}
		rec.HourStart, rec.HourCount = hour, count+1
		seq = uint64(rec.MessageCount)
		return func() error {
			return putMessage(tx, key, seq, ciphertext, messageMeta{From: FromEnquirer}, &prev, &rec, refs)
		}, nil
	})
	if err != nil {
		return 0, err
	}
	return seq, nil
}

// AppendCounsellor stores a counsellor reply (no caps); a new case becomes
// open. The counsellor must be active: one removed since the API checked
// the session is refused (*InvalidError). attachments are as for
// AppendEnquirer, uploads of the team to this case.
func (s *Store) AppendCounsellor(id, counsellorID string, epoch int, ciphertext []byte, attachments ...string) (uint64, error) {
	if !validCounsellorID(counsellorID) {
		return 0, invalidf("malformed counsellor id")
	}
	if err := checkMessage(ciphertext); err != nil {
		return 0, err
	}
	now := s.clock()
	key := []byte(id)
	var seq uint64
	err := s.write(func(tx *bolt.Tx) (func() error, error) {
		org, err := checkActive(tx, counsellorID, "counsellor")
		if err != nil {
			return nil, err
		}
		if err := s.checkEpoch(tx, org, epoch); err != nil {
			return nil, err
		}
		rec, err := orgsCase(tx, org, id)
		if err != nil {
			return nil, err
		}
		refs, err := checkRefs(tx, id, FromCounsellor, attachments, now)
		if err != nil {
			return nil, err
		}
		prev := rec
		rec.MessageCount++
		rec.Bytes += int64(len(ciphertext))
		rec.LastActivity = formatHour(now)
		rec.AwaitingReply = false
		rec.WaitingSince = ""
		if rec.Status == StatusNew {
			rec.Status = StatusOpen
		}
		seq = uint64(rec.MessageCount)
		meta := messageMeta{From: FromCounsellor, Counsellor: counsellorID}
		return func() error {
			return putMessage(tx, key, seq, ciphertext, meta, &prev, &rec, refs)
		}, nil
	})
	if err != nil {
		return 0, err
	}
	return seq, nil
}

// checkActive refuses (*InvalidError) an id that is not an active counsellor.
func checkActive(tx *bolt.Tx, id, what string) (org string, err error) {
	var c counsellorRecord
	found, err := getJSON(tx.Bucket(bucketCounsellors), []byte(id), &c)
	if err != nil {
		return "", err
	}
	if !found || c.State != StateActive {
		return "", invalidf("%s %q is not an active counsellor", what, id)
	}
	return c.Org, nil
}

// DeleteMailbox removes a mailbox and all its messages.
func (s *Store) DeleteMailbox(id string) error {
	key := []byte(id)
	return s.write(func(tx *bolt.Tx) (func() error, error) {
		_, found, err := getMailbox(tx, id)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, ErrNotFound
		}
		return func() error {
			s.uploads.forget(id)
			return deleteMailbox(tx, key)
		}, nil
	})
}

// deleteMailbox deletes a mailbox's record, its entry in the expiry
// index, its messages and their ciphertexts, and what the team kept with
// it (teamrecords.go).
func deleteMailbox(tx *bolt.Tx, key []byte) error {
	if err := deleteCaseMemory(tx, key); err != nil {
		return err
	}
	if err := deleteHandover(tx, key); err != nil {
		return err
	}
	mailboxes := tx.Bucket(bucketMailboxes)
	var rec mailboxRecord
	found, err := getJSON(mailboxes, key, &rec)
	if err != nil {
		return err
	}
	if found {
		if err := tx.Bucket(bucketExpiry).Delete(expiryKey(rec.LastActivity, key)); err != nil {
			return err
		}
		if err := indexCase(tx, key, &rec, nil); err != nil {
			return err
		}
		if err := mailboxes.Delete(key); err != nil {
			return err
		}
	}
	messages := tx.Bucket(bucketMessages)
	if mb := messages.Bucket(key); mb != nil {
		cts := tx.Bucket(bucketCiphertexts)
		err := mb.ForEach(func(_, v []byte) error {
			var meta messageMeta
			if err := decodeJSON(v, &meta); err != nil {
				return err
			}
			return cts.Delete(seqKey(meta.Ciphertext))
		})
		if err != nil {
			return err
		}
	}
	err = messages.DeleteBucket(key)
	if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	return deleteAttachments(tx, key)
}

// UpdateCase sets status ("open"/"closed") and/or assignee (nil: leave;
// pointer to "": none). The assignee must be an active counsellor.
func (s *Store) UpdateCase(id string, status *string, assignee *string) (Mailbox, error) {
	return s.UpdateCaseBy(id, "", status, assignee)
}

// UpdateCaseBy is UpdateCase for counsellor by, whose changes go into the
// case's action record (teamrec_actions.go); by "" records nothing.
func (s *Store) UpdateCaseBy(id, by string, status *string, assignee *string) (Mailbox, error) {
	if status != nil && *status != StatusOpen && *status != StatusClosed {
		return Mailbox{}, invalidf("status must be %q or %q", StatusOpen, StatusClosed)
	}
	if assignee != nil && *assignee != "" && !validCounsellorID(*assignee) {
		return Mailbox{}, invalidf("malformed assignee")
	}
	if by != "" && !validCounsellorID(by) {
		return Mailbox{}, invalidf("malformed counsellor id")
	}
	if status == nil && assignee == nil {
		return s.GetMailbox(id)
	}
	key := []byte(id)
	at := formatHour(s.clock())
	var rec, prev mailboxRecord
	err := s.write(func(tx *bolt.Tx) (func() error, error) {
		assigneeOrg := ""
		if assignee != nil && *assignee != "" {
			org, err := checkActive(tx, *assignee, "assignee")
			if err != nil {
				return nil, err
			}
			assigneeOrg = org
		}
		var found bool
		var err error
		rec, found, err = getMailbox(tx, id)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, ErrNotFound
		}
		if assignee != nil && *assignee != "" && assigneeOrg != rec.Org {
			return nil, invalidf("%s %q is not an active counsellor", "assignee", *assignee)
		}
		prev = rec
		if status != nil {
			rec.Status = *status
		}
		if assignee != nil {
			rec.Assignee = nil
			if *assignee != "" {
				a := *assignee
				rec.Assignee = &a
			}
		}
		var actions []actionRecord
		if by != "" {
			actions = caseActions(&prev, &rec, by, at)
		}
		return func() error {
			if err := putRecord(tx, key, &prev, &rec); err != nil {
				return err
			}
			return appendActions(tx, key, actions)
		}, nil
	})
	if err != nil {
		return Mailbox{}, err
	}
	return s.mailboxOf(id, &rec)
}
