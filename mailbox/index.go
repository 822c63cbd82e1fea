package mailbox

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// The case index.
//
// The case list is read a page at a time by every open desk, and a flooded
// inbox holds hundreds of thousands of cases, so a page must not cost a
// walk over all mailbox records. The bucket caseorder holds, for every
// mailbox, keys in the orders the list is read in (PROTOCOL.md §6.8); a
// page is a seek and a short scan. The keys say nothing the mailbox record
// does not: status, whether the case waits for the team, last_activity,
// waiting_since and the id, each hour as coarse as in the record.
//
// A key is a class (two bytes), an hour (8-byte big-endian Unix seconds)
// and the mailbox id, for a case of another organisation than the front
// door after the prefix "@<slug>/" (PROTOCOL.md §8), so that a page of one
// organisation reads only its own cases and a case handed over to another
// (§9) moves to its pages with the record:
//
//	a + n|N|o|O|c   every case by newest activity: the hour inverted, so
//	                that a forward scan runs newest first; N and O are the
//	                new and open cases that wait, n and o those that do not
//	w + n|o         the new and open cases that wait, by waiting_since,
//	                longest waiting first
//
// Splitting the activity classes by status and waiting lets each query
// read only the classes it lists and merge them (caseScan), so a list of
// the cases that do not wait never steps over the ones that do.
//
// Every write that changes a mailbox record goes through putRecord or
// deleteMailbox, which keep the index in step in the same transaction;
// compaction and backups copy it with the records it was made from, and
// a data file without it (written before it existed) gets it when opened.
// The bucket's sequence is the version of its keys: an index of version 1
// had no prefixes, and opening the file re-keys other organisations'
// cases (migrateCaseIndex).

var bucketCaseOrder = []byte("caseorder")

const (
	caseClassLen = 2
	caseKeyLen   = caseClassLen + 8 + 32
	// caseIndexVersion is the caseorder bucket's sequence once its keys
	// carry the organisation.
	caseIndexVersion = 2
)

// casePrefix is the prefix of organisation key org's index keys: none
// for the front door, "@<slug>/" for another ('@' starts no class, and
// '/' is in no slug).
func casePrefix(org string) []byte {
	if org == "" {
		return nil
	}
	return []byte("@" + org + "/")
}

// withPrefix returns the classes behind prefix.
func withPrefix(prefix []byte, classes [][]byte) [][]byte {
	out := make([][]byte, len(classes))
	for i, c := range classes {
		out[i] = append(bytes.Clone(prefix), c...)
	}
	return out
}

var (
	classNewWaiting  = []byte("aN")
	classNewOther    = []byte("an")
	classOpenWaiting = []byte("aO")
	classOpenOther   = []byte("ao")
	classClosed      = []byte("ac")
	classWaitNew     = []byte("wn")
	classWaitOpen    = []byte("wo")
)

// waiting reports whether a case waits for the team: the newest message is
// the enquirer's and nobody closed the case.
func (r *mailboxRecord) waiting() bool {
	return r.AwaitingReply && r.Status != StatusClosed
}

// waitingSince is the hour a waiting case has waited since. A record
// written before the store kept it waits since its last activity, the
// best the record knows.
func (r *mailboxRecord) waitingSince() string {
	if r.WaitingSince != "" {
		return r.WaitingSince
	}
	return r.LastActivity
}

// caseKey is the index key of class, hour and id; inverted runs the hours
// newest first.
func caseKey(class []byte, hour string, id []byte, inverted bool) ([]byte, error) {
	t, err := parseHour(hour)
	if err != nil || t.Unix() < 0 {
		return nil, fmt.Errorf("mailbox: corrupt mailbox record %s: hour", id)
	}
	v := uint64(t.Unix())
	if inverted {
		v = ^v
	}
	k := make([]byte, 0, len(class)+caseKeyLen-caseClassLen)
	k = append(k, class...)
	k = binary.BigEndian.AppendUint64(k, v)
	return append(k, id...), nil
}

// caseKeys returns the index keys of the mailbox record rec: its activity
// key and, if it waits, its waiting key, behind its organisation's prefix.
func caseKeys(id []byte, rec *mailboxRecord) ([][]byte, error) {
	return caseKeysIn(casePrefix(rec.Org), id, rec)
}

// caseKeysIn is caseKeys behind prefix (nil: as version 1 of the index
// wrote every case).
func caseKeysIn(prefix, id []byte, rec *mailboxRecord) ([][]byte, error) {
	var class []byte
	switch {
	case rec.Status == StatusNew && rec.waiting():
		class = classNewWaiting
	case rec.Status == StatusNew:
		class = classNewOther
	case rec.Status == StatusOpen && rec.waiting():
		class = classOpenWaiting
	case rec.Status == StatusOpen:
		class = classOpenOther
	case rec.Status == StatusClosed:
		class = classClosed
	default:
		return nil, fmt.Errorf("mailbox: corrupt mailbox record %s: status", id)
	}
	a, err := caseKey(append(bytes.Clone(prefix), class...), rec.LastActivity, id, true)
	if err != nil || !rec.waiting() {
		return [][]byte{a}, err
	}
	wclass := classWaitNew
	if rec.Status == StatusOpen {
		wclass = classWaitOpen
	}
	w, err := caseKey(append(bytes.Clone(prefix), wclass...), rec.waitingSince(), id, false)
	return [][]byte{a, w}, err
}

// indexCase moves the mailbox id's index entries from those of prev (nil:
// none) to those of rec (nil: none).
func indexCase(tx *bolt.Tx, id []byte, prev, rec *mailboxRecord) error {
	var old, keys [][]byte
	var err error
	if prev != nil {
		if old, err = caseKeys(id, prev); err != nil {
			return err
		}
	}
	if rec != nil {
		if keys, err = caseKeys(id, rec); err != nil {
			return err
		}
	}
	b := tx.Bucket(bucketCaseOrder)
	if b == nil {
		return fmt.Errorf("mailbox: bucket %s missing", bucketCaseOrder)
	}
	for _, k := range old {
		if !containsKey(keys, k) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range keys {
		if !containsKey(old, k) {
			if err := b.Put(k, []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

func containsKey(keys [][]byte, k []byte) bool {
	for _, x := range keys {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}

// ensureCaseIndex builds the case index of a data file that has none: one
// written before the index existed, or restored from such a backup. It
// runs once, when the store opens, in the transaction that opens it. The
// keys are put in order: bbolt splits a node only at commit, and keys put
// in random order into one growing node cost a copy of the node each
// (minutes at 200,000 cases), in order an append.
func ensureCaseIndex(tx *bolt.Tx) error {
	if b := tx.Bucket(bucketCaseOrder); b != nil {
		return migrateCaseIndex(tx, b)
	}
	b, err := tx.CreateBucket(bucketCaseOrder)
	if err != nil {
		return err
	}
	if err := b.SetSequence(caseIndexVersion); err != nil {
		return err
	}
	mailboxes := tx.Bucket(bucketMailboxes)
	if mailboxes == nil {
		return nil
	}
	var keys [][]byte
	err = mailboxes.ForEach(func(k, v []byte) error {
		if v == nil || !validMailboxID(string(k)) {
			return nil
		}
		var rec mailboxRecord
		if err := decodeJSON(v, &rec); err != nil {
			return err
		}
		ks, err := caseKeys(k, &rec)
		keys = append(keys, ks...)
		return err
	})
	if err != nil {
		return err
	}
	slices.SortFunc(keys, bytes.Compare)
	for _, k := range keys {
		if err := b.Put(k, []byte{}); err != nil {
			return err
		}
	}
	return nil
}

// migrateCaseIndex re-keys an index of version 1, whose keys carry no
// organisation, once: only a file with organisations has cases to move.
func migrateCaseIndex(tx *bolt.Tx, b *bolt.Bucket) error {
	if b.Sequence() >= caseIndexVersion {
		return nil
	}
	if tx.Bucket(bucketOrgs) != nil {
		err := tx.Bucket(bucketMailboxes).ForEach(func(k, v []byte) error {
			if v == nil || !validMailboxID(string(k)) {
				return nil
			}
			var rec mailboxRecord
			if err := decodeJSON(v, &rec); err != nil || rec.Org == "" {
				return err
			}
			old, err := caseKeysIn(nil, k, &rec)
			if err != nil {
				return err
			}
			keys, err := caseKeys(k, &rec)
			if err != nil {
				return err
			}
			for _, o := range old {
				if err := b.Delete(o); err != nil {
					return err
				}
			}
			for _, n := range keys {
				if err := b.Put(n, []byte{}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return b.SetSequence(caseIndexVersion)
}

var keyFormatCaseOrder = KeyFormat{Doc: "class, hour and mailbox id (class aN, an, aO, ao, ac, wn or wo; the hour 8-byte big-endian Unix seconds, inverted in classes a…), for an organisation other than the front door after @<slug>/", match: isCaseOrderKey}

func isCaseOrderKey(k []byte) bool {
	if len(k) > 0 && k[0] == '@' {
		i := bytes.IndexByte(k, '/')
		if i < 0 || !validSlug(string(k[1:i])) {
			return false
		}
		k = k[i+1:]
	}
	if len(k) != caseKeyLen || !validMailboxID(string(k[caseKeyLen-32:])) {
		return false
	}
	class := k[:caseClassLen]
	v := binary.BigEndian.Uint64(k[caseClassLen:])
	if class[0] == 'a' {
		v = ^v
	}
	switch string(class) {
	case "aN", "an", "aO", "ao", "ac", "wn", "wo":
	default:
		return false
	}
	return v%3600 == 0 && v < 1<<40
}

// CaseOrderKeys returns the case index entries (bucket caseorder) that the
// mailbox record (its JSON, as stored) of mailbox id calls for, so the
// auditor can check that the index holds nothing the records do not say.
func CaseOrderKeys(id string, record []byte) ([][]byte, error) {
	var rec mailboxRecord
	if err := decodeJSON(record, &rec); err != nil {
		return nil, err
	}
	return caseKeys([]byte(id), &rec)
}
