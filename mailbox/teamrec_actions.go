package mailbox

import (
	"encoding/binary"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The record of counsellor actions (PROTOCOL.md §11.4): what counsellors did
// to a case, kept with it in clear (counsellor ids and hours, no enquirer
// data), and a tombstone for a case a counsellor deleted or an admin
// purged, kept for the retention period:
//
//	actions/<mailbox id>/<seq>        → {"action","by","to"?,"at"}
//	tombstones/<hour><mailbox id>     → {"action","by"}

// Actions.
const (
	ActionAssigned   = "assigned"
	ActionUnassigned = "unassigned"
	ActionClosed     = "closed"
	ActionReopened   = "reopened"
	ActionDeleted    = "deleted"
	ActionPurged     = "purged"
)

const (
	// MaxCaseActions is how many actions a case keeps; older ones are
	// dropped, so a case assigned back and forth cannot grow without end.
	MaxCaseActions = 200
	// MaxTombstonesListed bounds the answer of Tombstones.
	MaxTombstonesListed = 1000
)

var (
	bucketActions    = []byte("actions")
	bucketTombstones = []byte("tombstones")
)

type actionRecord struct {
	Action string `json:"action"`
	By     string `json:"by"`
	To     string `json:"to,omitempty"`
	At     string `json:"at"` // hour
}

type tombstoneRecord struct {
	Action string `json:"action"`
	By     string `json:"by"`
}

// Action is one counsellor action on a case.
type Action struct {
	Action string
	By     string // counsellor id
	To     string // the assignee, for ActionAssigned
	At     time.Time
}

// Tombstone is what is left of a case a counsellor deleted or an admin
// purged.
type Tombstone struct {
	Case   string
	Action string // ActionDeleted or ActionPurged
	By     string
	At     time.Time
}

// caseActions lists what a change of a case record is, as actions by by
// at hour at: a change of assignee, closing, and reopening a closed case.
func caseActions(before, after *mailboxRecord, by, at string) []actionRecord {
	var out []actionRecord
	was, is := "", ""
	if before.Assignee != nil {
		was = *before.Assignee
	}
	if after.Assignee != nil {
		is = *after.Assignee
	}
	switch {
	case is == was:
	case is == "":
		out = append(out, actionRecord{Action: ActionUnassigned, By: by, At: at})
	default:
		out = append(out, actionRecord{Action: ActionAssigned, By: by, To: is, At: at})
	}
	switch {
	case after.Status == StatusClosed && before.Status != StatusClosed:
		out = append(out, actionRecord{Action: ActionClosed, By: by, At: at})
	case after.Status == StatusOpen && before.Status == StatusClosed:
		out = append(out, actionRecord{Action: ActionReopened, By: by, At: at})
	}
	return out
}

// appendActions adds actions to a case's record, dropping the oldest past
// MaxCaseActions. Seqs only grow and only the oldest are deleted, so the
// keys run contiguously from the first to the bucket's sequence.
func appendActions(tx *bolt.Tx, key []byte, actions []actionRecord) error {
	if len(actions) == 0 {
		return nil
	}
	b, err := tx.Bucket(bucketActions).CreateBucketIfNotExists(key)
	if err != nil {
		return err
	}
	for _, a := range actions {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := putJSON(b, seqKey(seq), a); err != nil {
			return err
		}
	}
	c := b.Cursor()
	for k, _ := c.First(); k != nil && b.Sequence()-binary.BigEndian.Uint64(k) >= MaxCaseActions; k, _ = c.First() {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// CaseActions returns the actions on case id, oldest first (ErrNotFound
// for an unknown case).
func (s *Store) CaseActions(id string) ([]Action, error) {
	var out []Action
	err := s.view(func(tx *bolt.Tx) error {
		if _, found, err := getMailbox(tx, id); err != nil || !found {
			return orErr(err, ErrNotFound)
		}
		b := tx.Bucket(bucketActions).Bucket([]byte(id))
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var r actionRecord
			if err := decodeJSON(v, &r); err != nil {
				return err
			}
			at, err := parseHour(r.At)
			if err != nil {
				return errors.New("mailbox: corrupt action: at")
			}
			out = append(out, Action{Action: r.Action, By: r.By, To: r.To, At: at.UTC()})
			return nil
		})
	})
	return out, err
}

// tombstoneKey is a tombstone's key: the hour, then the case id, so that
// the bucket runs from the oldest.
func tombstoneKey(at string, id []byte) []byte {
	return append([]byte(at), id...)
}

// putTombstone leaves a tombstone for a case being deleted.
func putTombstone(tx *bolt.Tx, id []byte, action, by, at string) error {
	return putJSON(tx.Bucket(bucketTombstones), tombstoneKey(at, id), tombstoneRecord{Action: action, By: by})
}

// DeleteCase deletes case id as DeleteMailbox does, for counsellor by, and
// leaves a tombstone of it.
func (s *Store) DeleteCase(id, by string) error {
	if !validCounsellorID(by) {
		return invalidf("malformed counsellor id")
	}
	at := formatHour(s.clock())
	key := []byte(id)
	return s.write(func(tx *bolt.Tx) (func() error, error) {
		if _, found, err := getMailbox(tx, id); err != nil || !found {
			return nil, orErr(err, ErrNotFound)
		}
		return func() error {
			s.uploads.forget(id)
			if err := deleteMailbox(tx, key); err != nil {
				return err
			}
			return putTombstone(tx, key, ActionDeleted, by, at)
		}, nil
	})
}

// Tombstones returns organisation org's tombstones, newest first, at
// most MaxTombstonesListed. A tombstone names the counsellor who deleted
// or purged the case, and only an organisation's own counsellors do that
// to its cases (purges are the front door's), so org's are those its
// counsellors left.
func (s *Store) Tombstones(org string) ([]Tombstone, error) {
	org = s.orgKey(org)
	var out []Tombstone
	err := s.view(func(tx *bolt.Tx) error {
		own := map[string]bool{}
		err := eachOf(tx.Bucket(bucketCounsellors), org, func(k []byte, _ *counsellorRecord) { own[string(k)] = true })
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketTombstones).Cursor()
		for k, v := c.Last(); k != nil && len(out) < MaxTombstonesListed; k, v = c.Prev() {
			var r tombstoneRecord
			if err := decodeJSON(v, &r); err != nil {
				return err
			}
			if !own[r.By] {
				continue
			}
			if len(k) != hourLen+32 {
				return errors.New("mailbox: corrupt tombstone key")
			}
			at, err := parseHour(string(k[:hourLen]))
			if err != nil {
				return errors.New("mailbox: corrupt tombstone key")
			}
			out = append(out, Tombstone{Case: string(k[hourLen:]), Action: r.Action, By: r.By, At: at.UTC()})
		}
		return nil
	})
	return out, err
}

// purgeTombstones deletes the tombstones older than the retention period
// (Purge).
func (s *Store) purgeTombstones() error {
	cutoff := []byte(formatHour(s.clock().AddDate(0, 0, -s.retention)))
	old, err := s.keysBefore(bucketTombstones, cutoff)
	if err != nil || len(old) == 0 {
		return err
	}
	_, err = writeChunks(s, old, purgeChunk, func(tx *bolt.Tx, chunk [][]byte) ([][]byte, func() error, error) {
		return chunk, func() error {
			b := tx.Bucket(bucketTombstones)
			for _, k := range chunk {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		}, nil
	})
	return err
}
