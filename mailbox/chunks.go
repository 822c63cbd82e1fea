package mailbox

import (
	"bytes"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// A chunkOp checks one chunk of what a scan found, in the transaction that
// will delete it (the scan's view is stale by then), and returns the
// items of the chunk it will act on and the apply func of an op;
// errNothing when none of the chunk is left to delete.
type chunkOp[T any] func(tx *bolt.Tx, chunk []T) (done []T, apply func() error, err error)

// writeChunks runs check over items in chunks of at most size, one write
// each, so a large purge does not hold up other writers for long, and
// returns what the chunks that were written acted on. A chunk the check
// finds nothing in is passed over; any other error ends the loop, with
// what the chunks written before it acted on.
func writeChunks[T any](s *Store, items []T, size int, check chunkOp[T]) ([]T, error) {
	var all []T
	for len(items) > 0 {
		chunk := items[:min(len(items), size)]
		items = items[len(chunk):]
		var done []T
		err := s.write(func(tx *bolt.Tx) (func() error, error) {
			// Set anew on every run: the committer may run an op again
			// (commit.go), and the last run is the one committed.
			var apply func() error
			var err error
			done, apply, err = check(tx, chunk)
			return apply, err
		})
		switch {
		case err == nil:
			all = append(all, done...)
		case !errors.Is(err, errNothing):
			return all, err
		}
	}
	return all, nil
}

// keysBefore copies out the keys of an index bucket whose keys start with
// their hour or day, from the oldest up to cutoff: what a purge deletes,
// read without touching the entries it keeps.
func (s *Store) keysBefore(bucket, cutoff []byte) ([][]byte, error) {
	var keys [][]byte
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, cutoff) < 0; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	return keys, err
}
