package mailbox

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// What the team writes for itself (PROTOCOL.md §11): records kept with a
// case (notes, tags, pins) and for the whole team (text blocks, the
// referral directory). The store keeps each record's ciphertext as it came
// and a small clear record beside it (id, kind, author, hour), in two
// parallel buckets keyed alike:
//
//	records/<mailbox id>/<seq>             → {"id","kind","author","created"}
//	record_ciphertexts/<mailbox id>/<seq>  → age ciphertext
//	records/<team kind>/<seq>, record_ciphertexts/<team kind>/<seq>: the team's
//
// A case's records are append-only and go with the case (deleteMailbox);
// of the team's, each kind keeps its newest two.

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
	recordIDBytes   = 16
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
	var b [recordIDBytes]byte
	if err := s.readRand(b[:]); err != nil {
		return recordMeta{}, err
	}
	return recordMeta{ID: base64.RawURLEncoding.EncodeToString(b[:]), Kind: kind, Author: author, Created: formatHour(s.clock())}, nil
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
		if b := tx.Bucket(bucketRecords).Bucket(key); b != nil && b.Sequence() >= MaxCaseRecords {
			return nil, ErrRecordsFull
		}
		if n, err := recordBytes(tx, key); err != nil || n+int64(len(ciphertext)) > MaxCaseRecordBytes {
			return nil, orErr(err, ErrRecordsFull)
		}
		return func() error { return appendRecord(tx, key, meta, ciphertext) }, nil
	})
	if err != nil {
		return "", err
	}
	return meta.ID, nil
}

// recordBytes sums the record ciphertexts of records/<name>.
func recordBytes(tx *bolt.Tx, name []byte) (int64, error) {
	cb := tx.Bucket(bucketRecordCiphertexts).Bucket(name)
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

// appendRecord writes a record under the next seq of records/<name>.
func appendRecord(tx *bolt.Tx, name []byte, meta recordMeta, ciphertext []byte) error {
	rb, err := tx.Bucket(bucketRecords).CreateBucketIfNotExists(name)
	if err != nil {
		return err
	}
	cb, err := tx.Bucket(bucketRecordCiphertexts).CreateBucketIfNotExists(name)
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
		out, err = readRecords(tx, []byte(id))
		return err
	})
	return out, err
}

// readRecords copies out the records of records/<name>, oldest first.
func readRecords(tx *bolt.Tx, name []byte) ([]Record, error) {
	rb := tx.Bucket(bucketRecords).Bucket(name)
	if rb == nil {
		return nil, nil
	}
	cb := tx.Bucket(bucketRecordCiphertexts).Bucket(name)
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

// PutTeamRecord stores the team's newest record of kind (blocks,
// directory) and returns its id; of that kind only the one it replaces is
// kept besides it. Who may write it is the caller's rule (admins).
func (s *Store) PutTeamRecord(kind, author string, ciphertext []byte) (string, error) {
	meta, err := s.newRecordMeta(teamRecordKinds, kind, author, ciphertext)
	if err != nil {
		return "", err
	}
	name := []byte(kind)
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		return func() error {
			if err := appendRecord(tx, name, meta, ciphertext); err != nil {
				return err
			}
			return trimTeamRecords(tx, name)
		}, nil
	})
	if err != nil {
		return "", err
	}
	return meta.ID, nil
}

// trimTeamRecords deletes all but the newest keptTeamRecords of a kind.
func trimTeamRecords(tx *bolt.Tx, name []byte) error {
	rb := tx.Bucket(bucketRecords).Bucket(name)
	cb := tx.Bucket(bucketRecordCiphertexts).Bucket(name)
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

// TeamRecords returns the team's records: per kind (blocks, then
// directory) the newest, then the one it replaced.
func (s *Store) TeamRecords() ([]Record, error) {
	var out []Record
	err := s.view(func(tx *bolt.Tx) error {
		for _, kind := range teamRecordKinds {
			rs, err := readRecords(tx, []byte(kind))
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
