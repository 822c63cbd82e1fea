package mailbox

import (
	"errors"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"lotse/domain"
)

// What the team writes for itself (PROTOCOL.md §11): records kept with a
// case (notes, tags, pins) and for the whole team (text blocks, the
// referral directory). The store keeps each record's ciphertext as it came
// and a small clear record beside it (id, kind, author, hour), in two
// parallel buckets keyed alike:
//
//	records/<mailbox id>/<seq>             → {"id","kind","author","created"}
//	record_ciphertexts/<mailbox id>/<seq>  → age ciphertext
//	records/<team kind>/<seq>, record_ciphertexts/<team kind>/<seq>: the front door's
//	orgs/<slug>/records/<team kind>/<seq>, orgs/<slug>/record_ciphertexts/…: another organisation's
//
// A case's records are append-only and go with the case (deleteMailbox);
// of the team's, each kind keeps its newest two. The front door's team
// records stand where version 1 put them; another organisation's are in
// its bucket (orgs.go) and go with it.

// Record kinds.
const (
	RecordNote      = "note"
	RecordTags      = "tags"
	RecordPin       = "pin"
	RecordBlocks    = "blocks"
	RecordDirectory = "directory"
)

var (
	caseRecordKinds = []string{RecordNote, RecordTags, RecordPin}
	teamRecordKinds = []string{RecordBlocks, RecordDirectory}
)

// Bounds of the records.
const (
	MaxCaseRecords = 500
	// MaxCaseRecordBytes bounds a case's record ciphertexts together, so
	// that the answer listing them stays a few MiB: 500 notes of the
	// largest bucket would be 34 MiB.
	MaxCaseRecordBytes = 4 << 20
	// MaxRecordBytes bounds one record's ciphertext: the team's largest
	// (512 KiB of plaintext) has about 520 KiB.
	MaxRecordBytes = 1 << 20
	// keptTeamRecords is how many of each team kind are kept: the newest,
	// and the one it replaced for a reader whose newest does not verify.
	keptTeamRecords = 2
)

// ErrRecordsFull is a record refused because its case holds
// MaxCaseRecords, or MaxCaseRecordBytes with it.
var ErrRecordsFull = errors.New("mailbox: case records full")

var (
	bucketRecords           = []byte("records")
	bucketRecordCiphertexts = []byte("record_ciphertexts")
)

// recordMeta is a record's clear part (Schema: records/…/{seq}).
type recordMeta struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Author  string `json:"author"`
	Created string `json:"created"` // hour
}

// Record is one stored record.
type Record struct {
	ID         string // b64url of 16 random bytes
	Kind       string
	Author     string // counsellor id
	Created    time.Time
	Ciphertext []byte
}

// IsCaseRecordKind reports whether kind is kept with a case.
func IsCaseRecordKind(kind string) bool { return slices.Contains(caseRecordKinds, kind) }

// IsTeamRecordKind reports whether kind is kept for the team.
func IsTeamRecordKind(kind string) bool { return slices.Contains(teamRecordKinds, kind) }

// newRecordMeta checks a record the store is asked to write, one of kinds,
// and draws its id; randomness and time are drawn before the write
// (commit.go).
func (s *Store) newRecordMeta(kinds []string, kind, author string, ciphertext []byte) (recordMeta, error) {
	if !slices.Contains(kinds, kind) {
		return recordMeta{}, invalidf("kind must be one of %s", strings.Join(kinds, ", "))
	}
	if err := checkCiphertext(ciphertext, MaxRecordBytes); err != nil {
		return recordMeta{}, err
	}
	if !validCounsellorID(author) {
		return recordMeta{}, invalidf("malformed author")
	}
	var id domain.RecordID
	if err := s.readRand(id[:]); err != nil {
		return recordMeta{}, err
	}
	return recordMeta{ID: id.String(), Kind: kind, Author: author, Created: formatHour(s.clock())}, nil
}

// AddCaseRecord appends a record of kind (note, tags, pin) to case id and
// returns its id. The case must exist (ErrNotFound); its last activity,
// expiry and status stay as they are. The ciphertext's policy is the
// caller's (PROTOCOL.md §11.2).
func (s *Store) AddCaseRecord(id, kind, author string, ciphertext []byte) (string, error) {
	meta, err := s.newRecordMeta(caseRecordKinds, kind, author, ciphertext)
	if err != nil {
		return "", err
	}
	key := []byte(id)
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		if _, found, err := getMailbox(tx, id); err != nil || !found {
			return nil, orErr(err, ErrNotFound)
		}
		at := caseRecordParents(tx)
		if b := at.meta.Bucket(key); b != nil && b.Sequence() >= MaxCaseRecords {
			return nil, ErrRecordsFull
		}
		if n, err := at.bytes(key); err != nil || n+int64(len(ciphertext)) > MaxCaseRecordBytes {
			return nil, orErr(err, ErrRecordsFull)
		}
		return func() error { return at.append(key, meta, ciphertext) }, nil
	})
	if err != nil {
		return "", err
	}
	return meta.ID, nil
}

// recordParents are the two buckets a set of records hangs under: the
// clear parts (records) and the ciphertexts (record_ciphertexts), each
// holding one bucket per case or team kind, keyed alike. A parent is nil
// where a read finds none yet.
type recordParents struct{ meta, ciphertexts *bolt.Bucket }

// caseRecordParents are the parents of every case's records, and of the
// front door's team records.
func caseRecordParents(tx *bolt.Tx) recordParents {
	return recordParents{tx.Bucket(bucketRecords), tx.Bucket(bucketRecordCiphertexts)}
}

// teamRecordParents are the parents of organisation org's team records
// (org as orgKey gives it): the front door's are the top-level buckets, as
// in version 1, another's are in its bucket under orgs, created there by
// the first write (create). ErrNotFound if org does not exist.
func teamRecordParents(tx *bolt.Tx, org string, create bool) (recordParents, error) {
	if org == "" {
		return caseRecordParents(tx), nil
	}
	b := orgBucket(tx, org)
	if b == nil {
		return recordParents{}, ErrNotFound
	}
	if !create {
		return recordParents{b.Bucket(bucketRecords), b.Bucket(bucketRecordCiphertexts)}, nil
	}
	meta, err := b.CreateBucketIfNotExists(bucketRecords)
	if err != nil {
		return recordParents{}, err
	}
	cts, err := b.CreateBucketIfNotExists(bucketRecordCiphertexts)
	return recordParents{meta, cts}, err
}

// bucketIn returns the bucket name in parent, nil if there is none.
func bucketIn(parent *bolt.Bucket, name []byte) *bolt.Bucket {
	if parent == nil {
		return nil
	}
	return parent.Bucket(name)
}

// bytes sums the record ciphertexts of name.
func (at recordParents) bytes(name []byte) (int64, error) {
	cb := bucketIn(at.ciphertexts, name)
	if cb == nil {
		return 0, nil
	}
	var n int64
	err := cb.ForEach(func(_, v []byte) error {
		n += int64(len(v))
		return nil
	})
	return n, err
}

// append writes a record under the next seq of name.
func (at recordParents) append(name []byte, meta recordMeta, ciphertext []byte) error {
	rb, err := at.meta.CreateBucketIfNotExists(name)
	if err != nil {
		return err
	}
	cb, err := at.ciphertexts.CreateBucketIfNotExists(name)
	if err != nil {
		return err
	}
	seq, err := rb.NextSequence()
	if err != nil {
		return err
	}
	if err := putJSON(rb, seqKey(seq), meta); err != nil {
		return err
	}
	return cb.Put(seqKey(seq), ciphertext)
}

// CaseRecords returns the records of case id in the order written
// (ErrNotFound for an unknown case).
func (s *Store) CaseRecords(id string) ([]Record, error) {
	var out []Record
	err := s.view(func(tx *bolt.Tx) error {
		if _, found, err := getMailbox(tx, id); err != nil || !found {
			return orErr(err, ErrNotFound)
		}
		var err error
		out, err = caseRecordParents(tx).read([]byte(id))
		return err
	})
	return out, err
}

// read copies out the records of name, oldest first.
func (at recordParents) read(name []byte) ([]Record, error) {
	rb := bucketIn(at.meta, name)
	if rb == nil {
		return nil, nil
	}
	cb := bucketIn(at.ciphertexts, name)
	var out []Record
	err := rb.ForEach(func(k, v []byte) error {
		var meta recordMeta
		if err := decodeJSON(v, &meta); err != nil {
			return err
		}
		created, err := parseHour(meta.Created)
		if err != nil {
			return errors.New("mailbox: corrupt record: created")
		}
		var ct []byte
		if cb != nil {
			ct = cb.Get(k)
		}
		if ct == nil {
			return errors.New("mailbox: corrupt record: no ciphertext")
		}
		out = append(out, Record{ID: meta.ID, Kind: meta.Kind, Author: meta.Author, Created: created.UTC(), Ciphertext: slices.Clone(ct)})
		return nil
	})
	return out, err
}

// PutTeamRecord stores organisation org's newest team record of kind
// (blocks, directory) and returns its id; of that kind only the one it
// replaces is kept besides it. ErrNotFound for no such organisation. Who
// may write it is the caller's rule (its admins).
func (s *Store) PutTeamRecord(org, kind, author string, ciphertext []byte) (string, error) {
	meta, err := s.newRecordMeta(teamRecordKinds, kind, author, ciphertext)
	if err != nil {
		return "", err
	}
	org = s.orgKey(org)
	name := []byte(kind)
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		if org != "" && orgBucket(tx, org) == nil {
			return nil, ErrNotFound
		}
		return func() error {
			at, err := teamRecordParents(tx, org, true)
			if err != nil {
				return err
			}
			if err := at.append(name, meta, ciphertext); err != nil {
				return err
			}
			return at.trim(name)
		}, nil
	})
	if err != nil {
		return "", err
	}
	return meta.ID, nil
}

// trim deletes all but the newest keptTeamRecords of a team kind.
func (at recordParents) trim(name []byte) error {
	rb, cb := at.meta.Bucket(name), at.ciphertexts.Bucket(name)
	var old [][]byte
	c := rb.Cursor()
	n := 0
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		if n++; n > keptTeamRecords {
			old = append(old, slices.Clone(k))
		}
	}
	for _, k := range old {
		if err := rb.Delete(k); err != nil {
			return err
		}
		if err := cb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// TeamRecords returns organisation org's team records: per kind (blocks,
// then directory) the newest, then the one it replaced. ErrNotFound for
// no such organisation.
func (s *Store) TeamRecords(org string) ([]Record, error) {
	org = s.orgKey(org)
	var out []Record
	err := s.view(func(tx *bolt.Tx) error {
		at, err := teamRecordParents(tx, org, false)
		if err != nil {
			return err
		}
		for _, kind := range teamRecordKinds {
			rs, err := at.read([]byte(kind))
			if err != nil {
				return err
			}
			slices.Reverse(rs)
			out = append(out, rs...)
		}
		return nil
	})
	return out, err
}

// deleteCaseMemory deletes what the team kept with a case: its records and
// its action record (deleteMailbox).
func deleteCaseMemory(tx *bolt.Tx, key []byte) error {
	for _, name := range [][]byte{bucketRecords, bucketRecordCiphertexts, bucketActions} {
		err := tx.Bucket(name).DeleteBucket(key)
		if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return err
		}
	}
	return nil
}
