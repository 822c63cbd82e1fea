package mailbox

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Store is the bbolt-backed store. Safe for concurrent use.
//
// Reads run in their own bbolt read transactions; writes go through one
// committer goroutine that shares each commit among the writers waiting
// for it (commit.go).
type Store struct {
	path      string
	retention int // days
	limits    Limits
	attach    AttachmentLimits // attach.go
	disk      DiskLimits
	now       func() time.Time
	front     string // the front door's slug (orgs.go)
	frontName string

	randMu sync.Mutex
	rand   io.Reader

	// dbMu guards db against Compact swapping in a fresh file and Close.
	// Readers hold it for the length of a read transaction; the committer
	// is the only goroutine that replaces db, so it reads db without it.
	dbMu sync.RWMutex
	db   *bolt.DB

	// closeMu orders submissions against Close: senders hold it shared
	// while they enqueue, Close exclusively while it closes reqs.
	closeMu sync.RWMutex
	closed  bool
	reqs    chan *request
	done    chan struct{} // closed when the committer has drained reqs

	epochMemo epochMemo // committer only

	uploads uploadDeadlines // handover.go

	commits atomic.Uint64
	writes  atomic.Uint64
}

// epochMemo is the keyring epoch as of the running write transaction;
// PutKeyring clears it, and so does the end of every transaction.
type epochMemo struct {
	tx    *bolt.Tx
	org   string
	epoch int
	err   error
}

// Temporary files live next to the data file, so a compacted copy can be
// renamed over it and a backup never leaves the data's file system.
const (
	backupSuffix  = ".backup-*"
	compactSuffix = ".compact-*"
)

func boltOptions() *bolt.Options {
	return &bolt.Options{
		Timeout:      2 * time.Second, // another process holds the file
		FreelistType: bolt.FreelistMapType,
		// A long read transaction (a backup) blocks a writer that must
		// grow the memory map; mapping 1 GiB of address space up front
		// postpones that until the file is larger. It costs no memory.
		InitialMmapSize: 1 << 30,
	}
}

// Open opens or creates the data file.
func Open(opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("mailbox: open store: no path")
	}
	s := &Store{
		path:      opts.Path,
		retention: opts.RetentionDays,
		limits:    opts.Limits,
		attach:    opts.Attachments,
		disk:      opts.Disk,
		now:       opts.Now,
		rand:      opts.Rand,
	}
	switch {
	case s.retention == 0:
		s.retention = defaultRetention
	case s.retention < 0 || s.retention > maxRetentionDays:
		return nil, fmt.Errorf("mailbox: open store: retention of %d days out of range", s.retention)
	}
	if s.limits.MessagesPerHour <= 0 {
		s.limits.MessagesPerHour = defaultPerHour
	}
	if s.limits.MaxMessages <= 0 {
		s.limits.MaxMessages = defaultMaxMessages
	}
	if s.limits.MaxBytes <= 0 {
		s.limits.MaxBytes = defaultMaxBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}

	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return nil, fmt.Errorf("mailbox: open store: %v", err)
	}
	db, err := bolt.Open(s.path, 0o600, boltOptions())
	if err != nil {
		return nil, fmt.Errorf("mailbox: open store: %v", err)
	}
	// Holding the file lock now, remove what an interrupted backup or
	// compaction left behind: such copies hold live (soon deleted) data.
	removeTemps(s.path)
	if err := db.Update(initSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("mailbox: open store: %v", err)
	}
	if err := s.openOrgs(db, opts); err != nil {
		db.Close()
		return nil, fmt.Errorf("mailbox: open store: %v", err)
	}
	s.db = db
	s.reqs = make(chan *request, maxBatch)
	s.done = make(chan struct{})
	go s.commitLoop()
	return s, nil
}

func removeTemps(path string) {
	for _, suffix := range []string{backupSuffix, compactSuffix} {
		matches, _ := filepath.Glob(globEscape(path) + suffix)
		for _, m := range matches {
			os.Remove(m)
		}
	}
}

// globEscape quotes the pattern characters of a file path.
func globEscape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\':
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Close waits for pending commits and closes the file.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return ErrClosed
	}
	s.closed = true
	close(s.reqs)
	s.closeMu.Unlock()
	<-s.done

	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return fmt.Errorf("mailbox: close store: %v", err)
	}
	return nil
}

// Retention returns the configured retention.
func (s *Store) Retention() time.Duration {
	return time.Duration(s.retention) * 24 * time.Hour
}

// Stats reports how many transactions the committer has committed and how
// many writes they carried; writes/commits is the mean batch size.
func (s *Store) Stats() (commits, writes uint64) {
	return s.commits.Load(), s.writes.Load()
}

// view runs fn in a read transaction. fn must copy what it keeps.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	err := s.db.View(fn)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// readRand fills b from the configured source of randomness.
func (s *Store) readRand(b []byte) error {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return fmt.Errorf("mailbox: read randomness: %v", err)
	}
	return nil
}

// clock returns the current time in UTC.
func (s *Store) clock() time.Time { return s.now().UTC() }
