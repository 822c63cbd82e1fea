package mailbox

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// purgeNewBatch bounds the cases one transaction of PurgeNewCases
// deletes: a flood may be hundreds of thousands of cases, and other
// writers (real enquirers among them) must not wait for all of them.
const purgeNewBatch = 1000

// NewCasePurge is what PurgeNewCases found and did.
type NewCasePurge struct {
	Matched int      // cases that met the condition when scanned
	Deleted []string // ids deleted, for the events the caller sends
}

// PurgeNewCases deletes the unanswered new cases created on a day in
// [from, to): status new, no assignee, awaiting a reply and holding only
// the enquirer's messages, so no case a counsellor answered or claimed is
// ever touched. The condition is checked again inside each write
// transaction, since a counsellor may answer between scan and delete.
// With dryRun it only counts. Created is kept as a day, so from and to
// are days too (their time of day is ignored).
func (s *Store) PurgeNewCases(from, to time.Time, dryRun bool) (NewCasePurge, error) {
	return s.PurgeNewCasesBy(from, to, dryRun, "")
}

// PurgeNewCasesBy is PurgeNewCases for admin by, who is named in a
// tombstone of each deleted case (teamrec_actions.go); by "" leaves none.
func (s *Store) PurgeNewCasesBy(from, to time.Time, dryRun bool, by string) (NewCasePurge, error) {
	if by != "" && !validCounsellorID(by) {
		return NewCasePurge{}, invalidf("malformed counsellor id")
	}
	at := formatHour(s.clock())
	lo, hi := formatDate(from), formatDate(to)
	if lo >= hi {
		return NewCasePurge{}, invalidf("purge window %s to %s is empty", lo, hi)
	}
	var res NewCasePurge
	var ids []string
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMailboxes).ForEach(func(k, v []byte) error {
			var rec mailboxRecord
			if err := decodeJSON(v, &rec); err != nil {
				return err
			}
			ok, err := purgeableNew(tx, k, &rec, lo, hi)
			if ok {
				ids = append(ids, string(k))
			}
			return err
		})
	})
	if err != nil {
		return NewCasePurge{}, err
	}
	res.Matched = len(ids)
	if dryRun {
		return res, nil
	}
	res.Deleted, err = writeChunks(s, ids, purgeNewBatch, func(tx *bolt.Tx, chunk []string) ([]string, func() error, error) {
		var done []string
		for _, id := range chunk {
			rec, found, err := getMailbox(tx, id)
			if err != nil {
				return nil, nil, err
			}
			if !found {
				continue
			}
			ok, err := purgeableNew(tx, []byte(id), &rec, lo, hi)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				done = append(done, id)
			}
		}
		if len(done) == 0 {
			return nil, nil, errNothing
		}
		return done, func() error {
			for _, id := range done {
				if err := deleteMailbox(tx, []byte(id)); err != nil {
					return err
				}
				if by == "" {
					continue
				}
				if err := putTombstone(tx, []byte(id), ActionPurged, by, at); err != nil {
					return err
				}
			}
			return nil
		}, nil
	})
	return res, err
}

// purgeableNew reports whether a case is one PurgeNewCases may delete.
func purgeableNew(tx *bolt.Tx, key []byte, rec *mailboxRecord, lo, hi string) (bool, error) {
	// Only the front door's: its admins purge (api/purge.go).
	if rec.Status != StatusNew || rec.Assignee != nil || !rec.AwaitingReply ||
		rec.Created < lo || rec.Created >= hi || rec.Org != "" {
		return false, nil
	}
	// The record's fields say "never answered"; the messages prove it, in
	// case a reply and a status change ever come apart.
	mb := tx.Bucket(bucketMessages).Bucket(key)
	if mb == nil {
		return true, nil
	}
	var answered bool
	err := mb.ForEach(func(_, v []byte) error {
		var meta messageMeta
		if err := decodeJSON(v, &meta); err != nil {
			return err
		}
		if meta.From != FromEnquirer {
			answered = true
		}
		return nil
	})
	return !answered, err
}
