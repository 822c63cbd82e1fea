package mailbox

import (
	"bytes"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// errNothing ends an op that found nothing to write; it is not an error.
var errNothing = errors.New("mailbox: nothing to write")

// purgeChunk bounds the mailboxes one purge transaction deletes, so a
// large purge does not hold up other writers for long.
const purgeChunk = 256

// Purge deletes mailboxes whose expiry has passed; returns how many. A
// mailbox expires on the day LastActivity + retention and is deleted from
// the next day on. Expired invites are deleted too, and tombstones older
// than the retention (teamrec_actions.go).
func (s *Store) Purge() (int, error) {
	now := s.clock()
	today := dayOf(now)
	expired := func(rec *mailboxRecord) bool {
		last, err := parseHour(rec.LastActivity)
		return err == nil && s.expires(last).Before(today)
	}
	// The expiry index runs from the longest idle mailbox: read it only up
	// to the first that has not expired, and no mailbox record at all.
	cutoff := []byte(formatDate(today.AddDate(0, 0, -s.retention)))
	var ids, invites []string
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketExpiry).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, cutoff) < 0; k, _ = c.Next() {
			if len(k) > len(dateLayout) {
				ids = append(ids, string(k[len(dateLayout):]))
			}
		}
		return tx.Bucket(bucketInvites).ForEach(func(k, v []byte) error {
			var inv inviteRecord
			if err := decodeJSON(v, &inv); err != nil {
				return err
			}
			if exp, err := parseHour(inv.Expires); err == nil && !now.Before(exp) {
				invites = append(invites, string(k))
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}

	deleted, err := writeChunks(s, ids, purgeChunk, func(tx *bolt.Tx, chunk []string) ([]string, func() error, error) {
		// Checked again: a message may have arrived since the scan.
		var gone []string
		var stale [][]byte
		for _, id := range chunk {
			rec, found, err := getMailbox(tx, id)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case found && expired(&rec):
				gone = append(gone, id)
			case !found && validMailboxID(id):
				// An index entry without its mailbox: drop it.
				if ek := expiryKeyOf(tx, id, cutoff); ek != nil {
					stale = append(stale, ek)
				}
			}
		}
		if len(gone) == 0 && len(stale) == 0 {
			return nil, nil, errNothing
		}
		return gone, func() error {
			for _, id := range gone {
				if err := deleteMailbox(tx, []byte(id)); err != nil {
					return err
				}
			}
			for _, k := range stale {
				if err := tx.Bucket(bucketExpiry).Delete(k); err != nil {
					return err
				}
			}
			return nil
		}, nil
	})
	purged := len(deleted)
	if err != nil {
		return purged, err
	}

	if err := s.purgeTombstones(); err != nil {
		return purged, err
	}
	if len(invites) > 0 {
		err := s.write(func(tx *bolt.Tx) (func() error, error) {
			return func() error {
				b := tx.Bucket(bucketInvites)
				for _, k := range invites {
					if err := b.Delete([]byte(k)); err != nil {
						return err
					}
				}
				return nil
			}, nil
		})
		if err != nil {
			return purged, err
		}
	}
	// Uploads no message referenced in time (PROTOCOL.md §10).
	if _, err := s.PurgeAttachments(); err != nil {
		return purged, err
	}
	// Completed handovers after 30 days, expired uploads (handover.go).
	if _, _, err := s.PurgeHandovers(); err != nil {
		return purged, err
	}
	return purged, nil
}

// expiryKeyOf finds an expiry index entry of mailbox id dated before
// cutoff, or nil.
func expiryKeyOf(tx *bolt.Tx, id string, cutoff []byte) []byte {
	c := tx.Bucket(bucketExpiry).Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, cutoff) < 0; k, _ = c.Next() {
		if string(k[min(len(k), len(dateLayout)):]) == id {
			return bytes.Clone(k)
		}
	}
	return nil
}
