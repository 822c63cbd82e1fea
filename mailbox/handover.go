package mailbox

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"lotse/domain"
)

// Consented handover (PROTOCOL.md §9).
//
// Organisation A offers a case to organisation B; the enquirer's device
// re-seals every message and attachment to B and its own recipient and
// uploads them; the commit swaps the ciphertexts and moves the case in one
// transaction. Three buckets hold it:
//
//   - handover_offers: mailbox id → the open or declined offer of the
//     case's organisation: to whom, its state and the hour since;
//   - handover_uploads: mailbox id → a bucket with the enquirer's upload
//     in flight (at most one per mailbox): its record (id, to whom, the
//     message count it was started for, the hour), the re-sealed message
//     ciphertexts by seq and the re-sealed attachments by id, each alone
//     in a bucket as in attach.go;
//   - handover_done: hour + mailbox id + number → the organisations of a
//     completed handover, kept for 30 days so that A's desk can list it.
//     The number counts the case's handovers in that hour (0, 1, …), so
//     that a case handed on again within the hour (A to B to C) keeps
//     A's record beside B's. The bucket's sequence is the version of its
//     keys: those of version 1 had no number, and opening the file gives
//     them 0 (migrateHandoverDone).
//
// The store keeps no time finer than an hour, so an upload's 10 minutes
// are counted in memory (uploadDeadlines, one entry per mailbox, as there
// is one upload per mailbox): after a restart every upload in flight has
// expired, and the hourly purge drops its bucket.

var (
	bucketHandoverOffers  = []byte("handover_offers")
	bucketHandoverUploads = []byte("handover_uploads")
	bucketHandoverDone    = []byte("handover_done")
	keyUpload             = []byte("upload")
	bucketUploadMessages  = []byte("messages")
	bucketUploadAttach    = []byte("attachments")
)

// handoverBuckets are the top-level buckets this file adds.
var handoverBuckets = [][]byte{bucketHandoverOffers, bucketHandoverUploads, bucketHandoverDone}

// Handover states as the store keeps and reports them (the wire's).
const (
	HandoverOffered   = "offered"
	HandoverDeclined  = "declined"
	HandoverCompleted = "completed"
)

const (
	// UploadValidity is how long an enquirer's upload may take from its
	// start to its commit.
	UploadValidity = 10 * time.Minute
	// handoverKept is how long a completed handover is listed for A.
	handoverKept = 30 * 24 * time.Hour
)

// ErrHandoverConflict is a handover whose upload does not match the
// mailbox: another message count, a message that arrived after the
// upload began, or a seq or attachment not uploaded.
var ErrHandoverConflict = errors.New("mailbox: handover conflict")

// ErrHandoverLength is a re-sealed ciphertext whose length differs from
// the one it replaces: it would change the message's bucket.
var ErrHandoverLength = errors.New("mailbox: re-sealed ciphertext of another length than the original")

// handoverOfferRecord is handover_offers/<mailbox>.
type handoverOfferRecord struct {
	To    string `json:"to,omitempty"` // as mailboxRecord.Org
	State string `json:"state"`
	Since string `json:"since"` // hour
}

// handoverUploadRecord is handover_uploads/<mailbox>/upload.
type handoverUploadRecord struct {
	ID      string `json:"id"`
	To      string `json:"to,omitempty"`
	Epoch   int    `json:"epoch,omitempty"` // To's epoch the upload is sealed for
	Count   int    `json:"count"`
	Created string `json:"created"` // hour
}

// handoverDoneRecord is handover_done/<hour><mailbox><number>: from Org
// to To.
type handoverDoneRecord struct {
	Org string `json:"org,omitempty"`
	To  string `json:"to,omitempty"`
}

const (
	// handoverDoneNumLen is the number that ends a handover_done key, 8
	// lower-hex.
	handoverDoneNumLen = 8
	handoverDoneKeyLen = hourLen + 32 + handoverDoneNumLen
	// handoverDoneVersion is the handover_done bucket's sequence once its
	// keys end in a number.
	handoverDoneVersion = 2
)

var keyFormatHandoverDone = KeyFormat{Doc: "hour, mailbox id and number (2006-01-02T15:00:00Z, 32 lower-hex, then 8 lower-hex counting the case's handovers in that hour from 0; without the number in a file written before it, until the store opens it)", match: isHandoverDoneKey}

// isHandoverDoneKey accepts the keys of version 1 too: a backup taken
// before the store re-keyed its file holds them, and they say less.
func isHandoverDoneKey(k []byte) bool {
	if len(k) != handoverDoneKeyLen && len(k) != hourLen+32 {
		return false
	}
	if !validMailboxID(string(k[hourLen:hourLen+32])) || !isLowerHex(string(k[hourLen+32:])) {
		return false
	}
	t, err := parseHour(string(k[:hourLen]))
	return err == nil && formatHour(t) == string(k[:hourLen])
}

// handoverDoneCase is the case a handover_done key names.
func handoverDoneCase(k []byte) []byte {
	if len(k) < hourLen+32 {
		return nil
	}
	return k[hourLen : hourLen+32]
}

// handoverDoneKey is the key of the next handover of case id in hour:
// the number after the case's last one in that hour, 0 for its first.
func handoverDoneKey(b *bolt.Bucket, hour string, id []byte) ([]byte, error) {
	prefix := append([]byte(hour), id...)
	var n uint64
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != handoverDoneKeyLen {
			continue
		}
		last, err := strconv.ParseUint(string(k[hourLen+32:]), 16, 32)
		if err != nil {
			return nil, errors.New("mailbox: corrupt handover_done key")
		}
		n = last + 1
	}
	if n > math.MaxUint32 {
		return nil, errors.New("mailbox: too many handovers of one case in an hour")
	}
	return fmt.Appendf(prefix, "%08x", n), nil
}

// migrateHandoverDone gives the keys of version 1, hour and mailbox id,
// the number 0, once: a case had at most one record an hour then.
func migrateHandoverDone(tx *bolt.Tx) error {
	b := tx.Bucket(bucketHandoverDone)
	if b.Sequence() >= handoverDoneVersion {
		return nil
	}
	var old [][]byte
	err := b.ForEach(func(k, _ []byte) error {
		if len(k) == hourLen+32 {
			old = append(old, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		v := bytes.Clone(b.Get(k))
		if err := b.Delete(k); err != nil {
			return err
		}
		if err := b.Put(fmt.Appendf(k, "%08x", 0), v); err != nil {
			return err
		}
	}
	return b.SetSequence(handoverDoneVersion)
}

var keyFormatAttachmentID = KeyFormat{Doc: "attachment id (22 base64url)", match: func(k []byte) bool {
	_, err := domain.ParseAttachmentID(string(k))
	return err == nil
}}

var toField = Field{Name: "to", Type: FieldSlug, Optional: true}

var (
	handoverOffersNode = Node{Key: fixedKey("handover_offers"), Kind: KindBucket, Doc: "each case's open or declined offer to another organisation (PROTOCOL.md §9): to whom (absent: the front door), state and hour", Children: []Node{
		{Key: keyFormatMailbox, Kind: KindRecord, Fields: []Field{
			toField,
			{Name: "state", Type: FieldEnum, Enum: []string{HandoverOffered, HandoverDeclined}},
			{Name: "since", Type: FieldHour},
		}},
	}}
	handoverUploadsNode = Node{Key: fixedKey("handover_uploads"), Kind: KindBucket, Doc: "the enquirer's upload of the re-sealed conversation in flight, at most one per mailbox, until its commit or expiry", Children: []Node{
		{Key: keyFormatMailbox, Kind: KindBucket, Children: []Node{
			{Key: fixedKey("upload"), Kind: KindRecord, Fields: []Field{
				{Name: "id", Type: FieldRecordID},
				toField,
				// Optional: the uploads of the build before it have none,
				// and their commit is refused as stale.
				{Name: "epoch", Type: FieldInt, Min: 1, Max: maxInt31, Optional: true},
				{Name: "count", Type: FieldInt, Min: 1, Max: maxInt31},
				{Name: "created", Type: FieldHour},
			}},
			{Key: fixedKey("messages"), Kind: KindBucket, Children: []Node{
				{Key: keyFormatSeq, Kind: KindMessage},
			}},
			{Key: fixedKey("attachments"), Kind: KindBucket, Children: []Node{
				{Key: keyFormatAttachmentID, Kind: KindBucket, Children: []Node{
					{Key: fixedKey("ciphertext"), Kind: KindAttachment},
				}},
			}},
		}},
	}}
	handoverDoneNode = Node{Key: fixedKey("handover_done"), Kind: KindBucket, Doc: "completed handovers by hour and case, each of a case's handovers in one hour under its own number, kept 30 days: the organisation that offered (absent: the front door) and the one that took the case", Children: []Node{
		{Key: keyFormatHandoverDone, Kind: KindRecord, Fields: []Field{
			{Name: "org", Type: FieldSlug, Optional: true},
			toField,
		}, rule: ruleHandoverDone},
	}}
)

func ruleHandoverDone(_ []byte, f map[string]json.RawMessage) string {
	if string(f["org"]) == string(f["to"]) {
		return "a handover from an organisation to itself"
	}
	return ""
}

// uploadDeadlines holds when the upload in flight of each mailbox
// expires, by mailbox id. Keyed by mailbox, not by upload: an enquirer
// who starts upload after upload replaces its entry rather than adding
// one, so the map holds at most one entry per mailbox with an offer.
// What drops an upload from the store drops its entry in the same
// committer step (the commit, a withdrawal, a decline, an offer to
// another organisation, deleting the case or an organisation); the
// hourly purge drops the rest once expired (the purge of expired cases,
// for one).
type uploadDeadlines struct {
	mu sync.Mutex
	at map[string]uploadDeadline
}

type uploadDeadline struct {
	upload string
	at     time.Time
}

func (u *uploadDeadlines) set(mailbox, upload string, t time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.at == nil {
		u.at = map[string]uploadDeadline{}
	}
	u.at[mailbox] = uploadDeadline{upload, t}
}

func (u *uploadDeadlines) live(mailbox, upload string, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	d, ok := u.at[mailbox]
	return ok && subtle.ConstantTimeCompare([]byte(d.upload), []byte(upload)) == 1 && now.Before(d.at)
}

// drop forgets the mailbox's upload if it is upload.
func (u *uploadDeadlines) drop(mailbox, upload string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if d, ok := u.at[mailbox]; ok && d.upload == upload {
		delete(u.at, mailbox)
	}
}

// forget forgets the mailbox's upload, whichever it is: the store
// dropped it with the offer, the case or the organisation.
func (u *uploadDeadlines) forget(mailbox string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.at, mailbox)
}

// dropExpired forgets the uploads expired at now.
func (u *uploadDeadlines) dropExpired(now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for m, d := range u.at {
		if !now.Before(d.at) {
			delete(u.at, m)
		}
	}
}

// len is how many uploads the map holds, for tests.
func (u *uploadDeadlines) len() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.at)
}

// Offer is a case's open or declined offer, or a completed handover in
// the offering organisation's list.
type Offer struct {
	Case  string
	To    string // slug of the receiving organisation
	State string // HandoverOffered, HandoverDeclined or HandoverCompleted
	Since time.Time
}

// checkReceiver returns the organisation key of slug to as a receiver of
// a case of organisation from: ErrNotFound without a keyring, an
// *InvalidError for from itself.
func (s *Store) checkReceiver(tx *bolt.Tx, from, to string) (string, error) {
	to = s.orgKey(to)
	if to != "" && !validSlug(to) {
		return "", ErrNotFound
	}
	if to == from {
		return "", invalidf("a case cannot be handed over to its own organisation")
	}
	if _, err := currentEpoch(tx, to); err != nil {
		if errors.Is(err, ErrTeamNotReady) {
			return "", ErrNotFound
		}
		return "", err
	}
	return to, nil
}

// OfferHandover records that counsellor by offered case id to
// organisation to (PROTOCOL.md §9.2); a later offer replaces an open or
// declined one, and an upload in flight for another organisation goes
// with it. ErrNotFound for a case of another organisation or an
// organisation without a keyring; *InvalidError for the case's own.
func (s *Store) OfferHandover(id, by, to string) error {
	if !validCounsellorID(by) {
		return invalidf("malformed counsellor id")
	}
	hour := formatHour(s.clock())
	key := []byte(id)
	return s.write(func(tx *bolt.Tx) (func() error, error) {
		org, err := counsellorsCase(tx, by, id)
		if err != nil {
			return nil, err
		}
		to, err := s.checkReceiver(tx, org, to)
		if err != nil {
			return nil, err
		}
		up, inFlight, err := getUpload(tx, key)
		if err != nil {
			return nil, err
		}
		return func() error {
			if inFlight && up.To != to {
				if err := deleteUpload(tx, key); err != nil {
					return err
				}
				s.uploads.forget(id)
			}
			return putJSON(tx.Bucket(bucketHandoverOffers), key, handoverOfferRecord{To: to, State: HandoverOffered, Since: hour})
		}, nil
	})
}

// WithdrawHandover withdraws the open offer of case id by counsellor by
// (ErrNotFound if none is open) and drops an upload in flight.
func (s *Store) WithdrawHandover(id, by string) error {
	if !validCounsellorID(by) {
		return invalidf("malformed counsellor id")
	}
	key := []byte(id)
	return s.write(func(tx *bolt.Tx) (func() error, error) {
		if _, err := counsellorsCase(tx, by, id); err != nil {
			return nil, err
		}
		if _, open, err := getOffer(tx, key); err != nil || !open {
			return nil, orNotFound(err, open)
		}
		return func() error {
			if err := tx.Bucket(bucketHandoverOffers).Delete(key); err != nil {
				return err
			}
			s.uploads.forget(id)
			return deleteUpload(tx, key)
		}, nil
	})
}

// counsellorsCase returns the organisation of counsellor by if they are
// active (else *InvalidError) and case id is one of its (else
// ErrNotFound).
func counsellorsCase(tx *bolt.Tx, by, id string) (string, error) {
	org, err := checkActive(tx, by, "counsellor")
	if err != nil {
		return "", err
	}
	_, err = orgsCase(tx, org, id)
	return org, err
}

// orNotFound is err, or ErrNotFound if there is none but ok is false.
func orNotFound(err error, ok bool) error {
	if err == nil && !ok {
		return ErrNotFound
	}
	return err
}

// getOffer reads a case's offer; open reports whether it is one the
// enquirer has not decided on.
func getOffer(tx *bolt.Tx, key []byte) (rec handoverOfferRecord, open bool, err error) {
	found, err := getJSON(tx.Bucket(bucketHandoverOffers), key, &rec)
	return rec, found && rec.State == HandoverOffered, err
}

func getUpload(tx *bolt.Tx, key []byte) (rec handoverUploadRecord, found bool, err error) {
	b := tx.Bucket(bucketHandoverUploads).Bucket(key)
	if b == nil {
		return rec, false, nil
	}
	found, err = getJSON(b, keyUpload, &rec)
	return rec, found, err
}

func deleteUpload(tx *bolt.Tx, key []byte) error {
	err := tx.Bucket(bucketHandoverUploads).DeleteBucket(key)
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// deleteHandover deletes what the handover buckets hold of a mailbox,
// with it (deleteMailbox).
func deleteHandover(tx *bolt.Tx, key []byte) error {
	if err := tx.Bucket(bucketHandoverOffers).Delete(key); err != nil {
		return err
	}
	if err := deleteUpload(tx, key); err != nil {
		return err
	}
	// Only a case that came by handover has completed handovers: the
	// commit marks it forwarded, and nothing unmarks it. The others skip
	// the scan, which the purge of many mailboxes would otherwise repeat
	// over 30 days of handovers for each.
	if rec, found, err := getMailbox(tx, string(key)); err != nil || found && rec.Forwarded == "" {
		return err
	}
	done := tx.Bucket(bucketHandoverDone)
	var gone [][]byte
	err := done.ForEach(func(k, _ []byte) error {
		if bytes.Equal(handoverDoneCase(k), key) {
			gone = append(gone, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range gone {
		if err := done.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// OfferEnded is a case of another organisation whose offer, open or
// declined, ended with the organisation it named (DeleteOrg), for the
// API's events.
type OfferEnded struct {
	Case string
	Org  string // organisation key of the case ("" the front door)
	Seq  uint64 // the case's newest seq
}

// handoversNaming is what the handover buckets hold that names
// organisation org other than through its own cases, which go with
// deleteMailbox: the offers to it, open or declined, the uploads to it,
// and the completed handovers from or to it.
type handoversNaming struct {
	ended        []OfferEnded
	offers, done [][]byte
	uploads      [][]byte
}

func collectHandoversNaming(tx *bolt.Tx, org string) (h handoversNaming, err error) {
	err = tx.Bucket(bucketHandoverOffers).ForEach(func(k, v []byte) error {
		var o handoverOfferRecord
		if err := decodeJSON(v, &o); err != nil || o.To != org {
			return err
		}
		h.offers = append(h.offers, bytes.Clone(k))
		rec, found, err := getMailbox(tx, string(k))
		if err != nil || !found {
			return err
		}
		h.ended = append(h.ended, OfferEnded{Case: string(k), Org: rec.Org, Seq: uint64(rec.MessageCount)})
		return nil
	})
	if err != nil {
		return h, err
	}
	err = tx.Bucket(bucketHandoverUploads).ForEachBucket(func(k []byte) error {
		up, found, err := getUpload(tx, k)
		if err == nil && found && up.To == org {
			h.uploads = append(h.uploads, bytes.Clone(k))
		}
		return err
	})
	if err != nil {
		return h, err
	}
	err = tx.Bucket(bucketHandoverDone).ForEach(func(k, v []byte) error {
		var d handoverDoneRecord
		if err := decodeJSON(v, &d); err != nil {
			return err
		}
		if d.Org == org || d.To == org {
			h.done = append(h.done, bytes.Clone(k))
		}
		return nil
	})
	return h, err
}

func (h handoversNaming) delete(tx *bolt.Tx) error {
	for _, k := range h.offers {
		if err := tx.Bucket(bucketHandoverOffers).Delete(k); err != nil {
			return err
		}
	}
	for _, k := range h.uploads {
		if err := deleteUpload(tx, k); err != nil {
			return err
		}
	}
	for _, k := range h.done {
		if err := tx.Bucket(bucketHandoverDone).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// OffersOf returns the offers of the cases ids that have one, by case
// id, for the case answers of their organisation.
func (s *Store) OffersOf(ids ...string) (map[string]Offer, error) {
	out := map[string]Offer{}
	err := s.view(func(tx *bolt.Tx) error {
		for _, id := range ids {
			var rec handoverOfferRecord
			found, err := getJSON(tx.Bucket(bucketHandoverOffers), []byte(id), &rec)
			if err != nil {
				return err
			}
			if !found {
				continue
			}
			o, err := s.offerOf(id, rec.To, rec.State, rec.Since)
			if err != nil {
				return err
			}
			out[id] = o
		}
		return nil
	})
	return out, err
}

func (s *Store) offerOf(id, to, state, since string) (Offer, error) {
	t, err := parseHour(since)
	if err != nil {
		return Offer{}, errors.New("mailbox: corrupt handover record " + id)
	}
	return Offer{Case: id, To: s.OrgSlug(to), State: state, Since: t.UTC()}, nil
}

// OpenOffer returns the slug of the organisation the mailbox m is
// offered to, "" while no offer is open (PROTOCOL.md §9.3).
func (s *Store) OpenOffer(m Mailbox) (string, error) {
	offers, err := s.OffersOf(m.ID)
	if err != nil {
		return "", err
	}
	if o, ok := offers[m.ID]; ok && o.State == HandoverOffered {
		return o.To, nil
	}
	return "", nil
}

// Handovers lists organisation org's offers, open and declined, and its
// handovers completed in the last 30 days, newest first.
func (s *Store) Handovers(org string) ([]Offer, error) {
	org = s.orgKey(org)
	var out []Offer
	err := s.view(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketHandoverOffers).ForEach(func(k, v []byte) error {
			rec, found, err := getMailbox(tx, string(k))
			if err != nil || !found || rec.Org != org {
				return err
			}
			var o handoverOfferRecord
			if err := decodeJSON(v, &o); err != nil {
				return err
			}
			offer, err := s.offerOf(string(k), o.To, o.State, o.Since)
			out = append(out, offer)
			return err
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketHandoverDone).ForEach(func(k, v []byte) error {
			var d handoverDoneRecord
			if err := decodeJSON(v, &d); err != nil {
				return err
			}
			id := handoverDoneCase(k)
			if d.Org != org || id == nil {
				return nil
			}
			offer, err := s.offerOf(string(id), d.To, HandoverCompleted, string(k[:hourLen]))
			out = append(out, offer)
			return err
		})
	})
	slices.SortStableFunc(out, func(a, b Offer) int {
		if c := b.Since.Compare(a.Since); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.Case), []byte(b.Case))
	})
	return out, err
}

// DeclineHandover is the enquirer's no to the open offer of the mailbox
// m (ErrNotFound if none is open); an upload in flight is dropped.
func (s *Store) DeclineHandover(m Mailbox) error {
	hour := formatHour(s.clock())
	key := []byte(m.ID)
	return s.write(func(tx *bolt.Tx) (func() error, error) {
		if _, found, err := recordOf(tx, m); err != nil || !found {
			return nil, orNotFound(err, found)
		}
		o, open, err := getOffer(tx, key)
		if err != nil || !open {
			return nil, orNotFound(err, open)
		}
		o.State, o.Since = HandoverDeclined, hour
		return func() error {
			if err := putJSON(tx.Bucket(bucketHandoverOffers), key, o); err != nil {
				return err
			}
			s.uploads.forget(m.ID)
			return deleteUpload(tx, key)
		}, nil
	})
}

// StartHandover opens the upload of the mailbox m's re-sealed
// conversation for organisation to, replacing one in flight, and returns
// its id. Checks, in order: an offer to that organisation is open
// (ErrNotFound), epoch is its current one (ErrStaleEpoch), count is the
// mailbox's message count (ErrHandoverConflict).
func (s *Store) StartHandover(m Mailbox, to string, epoch, count int) (string, error) {
	var raw domain.UploadID
	if err := s.readRand(raw[:]); err != nil {
		return "", err
	}
	id := raw.String()
	now := s.clock()
	key := []byte(m.ID)
	err := s.write(func(tx *bolt.Tx) (func() error, error) {
		rec, found, err := recordOf(tx, m)
		if err != nil || !found {
			return nil, orNotFound(err, found)
		}
		o, open, err := getOffer(tx, key)
		if err != nil || !open || s.OrgSlug(o.To) != to {
			return nil, orNotFound(err, false)
		}
		if err := s.checkEpoch(tx, o.To, epoch); err != nil {
			if errors.Is(err, ErrTeamNotReady) {
				return nil, ErrNotFound
			}
			return nil, err
		}
		if count != rec.MessageCount {
			return nil, ErrHandoverConflict
		}
		up := handoverUploadRecord{ID: id, To: o.To, Epoch: epoch, Count: count, Created: formatHour(now)}
		return func() error {
			if err := deleteUpload(tx, key); err != nil {
				return err
			}
			b, err := tx.Bucket(bucketHandoverUploads).CreateBucket(key)
			if err != nil {
				return err
			}
			if _, err := b.CreateBucket(bucketUploadMessages); err != nil {
				return err
			}
			if _, err := b.CreateBucket(bucketUploadAttach); err != nil {
				return err
			}
			// Set here, in the committer, so that of two starts of one
			// mailbox the deadline kept is that of the upload the store
			// keeps. If the transaction fails after this, the mailbox's
			// upload is dead and the client starts again.
			s.uploads.set(m.ID, id, now.Add(UploadValidity))
			return putJSON(b, keyUpload, up)
		}, nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// liveUpload returns the mailbox's upload if it is upload and has not
// expired at now; ErrNotFound otherwise.
func (s *Store) liveUpload(tx *bolt.Tx, m Mailbox, upload string, now time.Time) (handoverUploadRecord, *bolt.Bucket, error) {
	if _, found, err := recordOf(tx, m); err != nil || !found {
		return handoverUploadRecord{}, nil, orNotFound(err, found)
	}
	up, found, err := getUpload(tx, []byte(m.ID))
	if err != nil || !found || subtle.ConstantTimeCompare([]byte(up.ID), []byte(upload)) != 1 || !s.uploads.live(m.ID, upload, now) {
		return up, nil, orNotFound(err, false)
	}
	return up, tx.Bucket(bucketHandoverUploads).Bucket([]byte(m.ID)), nil
}

// PutHandoverMessage stages message seq of the mailbox m re-sealed in
// upload: ErrNotFound for an upload that is not live or a seq it does
// not cover, ErrHandoverLength for a length other than the original's,
// ErrStorageFull past the storage budget. The policy is the caller's.
// first reports that the upload held no seq before: the API does not
// count such a PUT toward the per-address limit, and counts a repeat.
func (s *Store) PutHandoverMessage(m Mailbox, upload string, seq uint64, ciphertext []byte) (first bool, err error) {
	if err := checkMessage(ciphertext); err != nil {
		return false, err
	}
	now := s.clock()
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		up, b, err := s.liveUpload(tx, m, upload, now)
		if err != nil {
			return nil, err
		}
		if seq < 1 || seq > uint64(up.Count) {
			return nil, ErrNotFound
		}
		orig, err := messageCiphertext(tx, []byte(m.ID), seq)
		if err != nil {
			return nil, err
		}
		if len(orig) != len(ciphertext) {
			return nil, ErrHandoverLength
		}
		if err := s.checkAttachmentRoomTx(tx, len(ciphertext)); err != nil {
			return nil, err
		}
		first = b.Bucket(bucketUploadMessages).Get(seqKey(seq)) == nil
		return func() error { return b.Bucket(bucketUploadMessages).Put(seqKey(seq), ciphertext) }, nil
	})
	return first && err == nil, err
}

// messageCiphertext returns the stored ciphertext of message seq, valid
// in tx; ErrNotFound if there is none.
func messageCiphertext(tx *bolt.Tx, mailbox []byte, seq uint64) ([]byte, error) {
	meta, err := messageMetaOf(tx, mailbox, seq)
	if err != nil {
		return nil, err
	}
	ct := tx.Bucket(bucketCiphertexts).Get(seqKey(meta.Ciphertext))
	if ct == nil {
		return nil, errors.New("mailbox: message without ciphertext")
	}
	return ct, nil
}

func messageMetaOf(tx *bolt.Tx, mailbox []byte, seq uint64) (messageMeta, error) {
	var meta messageMeta
	mb := tx.Bucket(bucketMessages).Bucket(mailbox)
	if mb == nil {
		return meta, ErrNotFound
	}
	found, err := getJSON(mb, seqKey(seq), &meta)
	if err == nil && !found {
		err = ErrNotFound
	}
	return meta, err
}

// PutHandoverAttachment stages attachment id of the mailbox m re-sealed
// in upload: ErrNotFound for an upload that is not live or an id that is
// no attachment a message of the mailbox references, ErrHandoverLength,
// ErrStorageFull and first as PutHandoverMessage.
func (s *Store) PutHandoverAttachment(m Mailbox, upload, id string, ciphertext []byte) (first bool, err error) {
	if err := checkAttachmentSize(ciphertext); err != nil {
		return false, err
	}
	if _, err := domain.ParseAttachmentID(id); err != nil {
		return false, ErrNotFound
	}
	now := s.clock()
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		_, b, err := s.liveUpload(tx, m, upload, now)
		if err != nil {
			return nil, err
		}
		akey := attachmentKey(m.ID, id)
		var rec attachmentRecord
		found, err := getJSON(tx.Bucket(bucketAttachments), akey, &rec)
		if err != nil {
			return nil, err
		}
		if !found || rec.Seq == 0 {
			return nil, ErrNotFound
		}
		if len(attachmentCiphertext(tx, akey)) != len(ciphertext) {
			return nil, ErrHandoverLength
		}
		if err := s.checkAttachmentRoomTx(tx, len(ciphertext)); err != nil {
			return nil, err
		}
		first = b.Bucket(bucketUploadAttach).Bucket([]byte(id)) == nil
		return func() error {
			ab := b.Bucket(bucketUploadAttach)
			if err := ab.DeleteBucket([]byte(id)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
			cb, err := ab.CreateBucket([]byte(id))
			if err != nil {
				return err
			}
			return cb.Put(keyCiphertext, ciphertext)
		}, nil
	})
	return first && err == nil, err
}

// HandoverDone is what a commit moved, for the API's events.
type HandoverDone struct {
	From string // organisation key of A ("" the front door)
	To   string // organisation key of B
	Seq  uint64 // the mailbox's newest seq
}

// CommitHandover carries out the handover of the mailbox m with upload
// in one transaction (PROTOCOL.md §9.3): every message and referenced
// attachment ciphertext is replaced by its upload, unreferenced uploads
// and the team records of A are deleted, the case becomes B's (status
// new, no assignee, forwarded today with its message count), the offer
// is cleared and the handover recorded for A's list.
//
// ErrNotFound for an upload that is not live or whose offer is no longer
// open (the upload is dropped); ErrHandoverConflict if a message arrived
// since the upload began (the upload is dropped) or a seq or attachment
// is missing (the upload stays, to be completed); ErrStaleEpoch if the
// receiving organisation's epoch is no longer the one the upload began
// for (the upload is dropped).
func (s *Store) CommitHandover(m Mailbox, upload string) (HandoverDone, error) {
	now := s.clock()
	hour, date := formatHour(now), formatDate(now)
	key := []byte(m.ID)
	var done HandoverDone
	var refused error // a refusal that still drops the upload
	err := s.write(func(tx *bolt.Tx) (func() error, error) {
		refused = nil
		up, b, err := s.liveUpload(tx, m, upload, now)
		if err != nil {
			return nil, err
		}
		rec, _, err := recordOf(tx, m)
		if err != nil {
			return nil, err
		}
		o, open, err := getOffer(tx, key)
		if err != nil {
			return nil, err
		}
		switch {
		case !open || o.To != up.To:
			refused = ErrNotFound
		case rec.MessageCount != up.Count:
			refused = ErrHandoverConflict
		default:
			// B's key changed since the start: the upload is sealed to
			// a retired one (a removed counsellor's), as a message at
			// a stale epoch would be.
			if err := s.checkEpoch(tx, up.To, up.Epoch); errors.Is(err, ErrStaleEpoch) || errors.Is(err, ErrTeamNotReady) {
				refused = ErrStaleEpoch
			} else if err != nil {
				return nil, err
			}
		}
		if refused != nil {
			return func() error { return deleteUpload(tx, key) }, nil
		}
		staged := b.Bucket(bucketUploadMessages)
		for seq := uint64(1); seq <= uint64(up.Count); seq++ {
			if staged.Get(seqKey(seq)) == nil {
				return nil, ErrHandoverConflict
			}
		}
		var refs, unreferenced [][]byte
		err = eachAttachment(tx, key, func(k []byte, a attachmentRecord, _ int) error {
			if a.Seq == 0 {
				unreferenced = append(unreferenced, bytes.Clone(k))
				return nil
			}
			if sb := b.Bucket(bucketUploadAttach).Bucket(k[len(key):]); sb == nil || sb.Get(keyCiphertext) == nil {
				return ErrHandoverConflict
			}
			refs = append(refs, bytes.Clone(k))
			return nil
		})
		if err != nil {
			return nil, err
		}
		prev := rec
		rec.Org = up.To
		rec.Status = StatusNew
		rec.Assignee = nil
		rec.Forwarded, rec.ForwardedCount = date, up.Count
		done = HandoverDone{From: prev.Org, To: up.To, Seq: uint64(rec.MessageCount)}
		dk, err := handoverDoneKey(tx.Bucket(bucketHandoverDone), hour, key)
		if err != nil {
			return nil, err
		}
		return func() error {
			for seq := uint64(1); seq <= uint64(up.Count); seq++ {
				if err := replaceMessage(tx, key, seq, staged.Get(seqKey(seq))); err != nil {
					return err
				}
			}
			attachCTs := tx.Bucket(bucketAttachmentCTs)
			for _, k := range refs {
				ct := b.Bucket(bucketUploadAttach).Bucket(k[len(key):]).Get(keyCiphertext)
				if err := attachCTs.Bucket(k).Put(keyCiphertext, ct); err != nil {
					return err
				}
			}
			for _, k := range unreferenced {
				if err := deleteAttachment(tx, k); err != nil {
					return err
				}
			}
			if err := deleteCaseMemory(tx, key); err != nil {
				return err
			}
			if err := putRecord(tx, key, &prev, &rec); err != nil {
				return err
			}
			if err := tx.Bucket(bucketHandoverOffers).Delete(key); err != nil {
				return err
			}
			if err := deleteUpload(tx, key); err != nil {
				return err
			}
			return putJSON(tx.Bucket(bucketHandoverDone), dk, handoverDoneRecord{Org: prev.Org, To: up.To})
		}, nil
	})
	if err == nil {
		err = refused
	}
	if err == nil || refused != nil {
		s.uploads.drop(m.ID, upload)
	}
	if err != nil {
		return HandoverDone{}, err
	}
	return done, nil
}

// replaceMessage puts ciphertext in place of message seq's under a new
// key from the bucket's sequence, so that the keys still grow with the
// seq when every message of a mailbox is replaced in order, and deletes
// the old one.
func replaceMessage(tx *bolt.Tx, mailbox []byte, seq uint64, ciphertext []byte) error {
	meta, err := messageMetaOf(tx, mailbox, seq)
	if err != nil {
		return err
	}
	cts := tx.Bucket(bucketCiphertexts)
	cts.FillPercent = 1
	if err := cts.Delete(seqKey(meta.Ciphertext)); err != nil {
		return err
	}
	n, err := cts.NextSequence()
	if err != nil {
		return err
	}
	if cts.Get(seqKey(n)) != nil {
		return errors.New("ciphertext key already used")
	}
	if err := cts.Put(seqKey(n), ciphertext); err != nil {
		return err
	}
	meta.Ciphertext = n
	return putJSON(tx.Bucket(bucketMessages).Bucket(mailbox), seqKey(seq), meta)
}

// deleteAttachment deletes one attachment with its pending entry.
func deleteAttachment(tx *bolt.Tx, k []byte) error {
	var rec attachmentRecord
	found, err := getJSON(tx.Bucket(bucketAttachments), k, &rec)
	if err != nil || !found {
		return err
	}
	if rec.Uploaded != "" {
		if err := tx.Bucket(bucketAttachmentPending).Delete(pendingKey(rec.Uploaded, k)); err != nil {
			return err
		}
	}
	if err := deleteCiphertext(tx, k); err != nil {
		return err
	}
	return tx.Bucket(bucketAttachments).Delete(k)
}

// PurgeHandovers deletes the completed handovers older than 30 days and
// the uploads that have expired (those begun two hours ago or earlier:
// the store keeps only their hour), and returns how many of each. Purge
// calls it.
func (s *Store) PurgeHandovers() (done, uploads int, err error) {
	now := s.clock()
	s.uploads.dropExpired(now)
	old, err := s.keysBefore(bucketHandoverDone, []byte(formatHour(now.Add(-handoverKept))))
	if err != nil {
		return 0, 0, err
	}
	purged, err := writeChunks(s, old, purgeChunk, func(tx *bolt.Tx, chunk [][]byte) ([][]byte, func() error, error) {
		return chunk, func() error {
			for _, k := range chunk {
				if err := tx.Bucket(bucketHandoverDone).Delete(k); err != nil {
					return err
				}
			}
			return nil
		}, nil
	})
	done = len(purged)
	if err != nil {
		return done, 0, err
	}
	cutoff := formatHour(now.Add(-2 * time.Hour))
	var stale [][]byte
	err = s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHandoverUploads).ForEachBucket(func(k []byte) error {
			var up handoverUploadRecord
			found, err := getJSON(tx.Bucket(bucketHandoverUploads).Bucket(k), keyUpload, &up)
			if err != nil {
				return err
			}
			if !found || up.Created <= cutoff {
				stale = append(stale, bytes.Clone(k))
			}
			return nil
		})
	})
	if err != nil {
		return done, 0, err
	}
	dropped, err := writeChunks(s, stale, purgeChunk, func(tx *bolt.Tx, chunk [][]byte) ([][]byte, func() error, error) {
		var gone [][]byte
		for _, k := range chunk {
			up, found, err := getUpload(tx, k)
			if err != nil {
				return nil, nil, err
			}
			if tx.Bucket(bucketHandoverUploads).Bucket(k) != nil && (!found || up.Created <= cutoff) {
				gone = append(gone, k)
			}
		}
		if len(gone) == 0 {
			return nil, nil, errNothing
		}
		return gone, func() error {
			for _, k := range gone {
				if err := deleteUpload(tx, k); err != nil {
					return err
				}
			}
			return nil
		}, nil
	})
	return done, len(dropped), err
}
