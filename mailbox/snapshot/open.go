package snapshot

import (
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is returned when a data file is locked by a running mailboxd
// (or another process that has it open for writing).
var ErrLocked = errors.New("snapshot: the data file is in use by a running server")

// lockWait is how long a read-only open waits for the file lock.
const lockWait = time.Second

// open opens a data file read-only; preload also reads its freelist, which
// a page report needs.
func open(path string, preload bool) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, PreLoadFreelist: preload, Timeout: lockWait})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, ErrLocked
	}
	return db, err
}
