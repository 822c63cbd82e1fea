package mailbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Compacted copies.
//
// bbolt never overwrites a page in place: a deleted mailbox's ciphertext
// stays in free pages of the data file until they happen to be reused, and
// Tx.WriteTo copies those pages too. A compacted copy is written by
// copyLive from one read transaction of the live data, so it holds nothing
// that was deleted before that transaction began. It commits in steps (to
// bound memory), each ending between two entries of a top-level bucket;
// when a step ends inside a bucket, the next step rewrites that bucket's
// last leaf, and bbolt frees the older version with its bytes. Such free
// pages hold older copies of live values of the same snapshot, never
// deleted data; the copy does not zero them, since that would mean writing
// into bbolt's file past its API (SECURITY.md, "Storage and backups").

// compactTxBytes is about how much one transaction of a copy carries (a
// variable for tests).
var compactTxBytes = 64 << 20

// copyLive copies every bucket and key visible in src into the empty dst,
// renumbering the ciphertext keys by mailbox (renumber.go).
func copyLive(dst *bolt.DB, src *bolt.Tx) (err error) {
	c := &copier{dst: dst}
	if c.tx, err = dst.Begin(true); err != nil {
		return err
	}
	defer func() {
		if c.tx != nil {
			c.tx.Rollback()
		}
	}()
	var rn renumbering
	err = src.ForEach(func(name []byte, sb *bolt.Bucket) error {
		if _, err := createBucket(c.tx.CreateBucket, name, sb); err != nil {
			return err
		}
		switch {
		case bytes.Equal(name, bucketCiphertexts):
			return rn.copyCiphertexts(c, src, name, sb)
		case bytes.Equal(name, bucketMessages):
			return rn.copyMessages(c, name, sb)
		}
		return sb.ForEach(func(k, v []byte) error {
			db, err := c.bucket(name)
			if err != nil {
				return err
			}
			n, err := copyEntry(db, sb, k, v)
			c.size += n
			return err
		})
	})
	if err == nil {
		err = rn.check()
	}
	if err != nil {
		return err
	}
	err = c.tx.Commit()
	c.tx = nil
	return err
}

func createBucket(create func([]byte) (*bolt.Bucket, error), name []byte, like *bolt.Bucket) (*bolt.Bucket, error) {
	b, err := create(name)
	if err != nil {
		return nil, err
	}
	b.FillPercent = 1 // written once, in key order
	return b, b.SetSequence(like.Sequence())
}

// copyEntry copies key k of src (value v, or a nested bucket if v is nil)
// into dst and returns about how many bytes it copied.
func copyEntry(dst, src *bolt.Bucket, k, v []byte) (int, error) {
	if v != nil {
		return len(k) + len(v), dst.Put(k, v)
	}
	sb := src.Bucket(k)
	if sb == nil {
		return len(k), dst.Put(k, []byte{})
	}
	db, err := createBucket(dst.CreateBucket, k, sb)
	if err != nil {
		return 0, err
	}
	n := len(k)
	err = sb.ForEach(func(k, v []byte) error {
		m, err := copyEntry(db, sb, k, v)
		n += m
		return err
	})
	return n, err
}

// tempNear creates an empty file next to the data file for a copy.
func (s *Store) tempNear(suffix string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(s.path), filepath.Base(s.path)+suffix)
	if err != nil {
		return "", err
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// tempOptions open a copy under construction: no fsync per step, the copy
// is synced once at the end (or thrown away).
func tempOptions() *bolt.Options {
	return &bolt.Options{NoSync: true, FreelistType: bolt.FreelistMapType, Timeout: boltOptions().Timeout}
}

// Backup writes a compacted copy of the live data (no free pages holding
// deleted data): a consistent snapshot, copied in one read transaction
// into a temporary file next to the data file, which is streamed to w and
// removed. Writers are not held up.
func (s *Store) Backup(w io.Writer) error {
	name, err := s.tempNear(backupSuffix)
	if err != nil {
		return fmt.Errorf("mailbox: backup: %v", err)
	}
	defer os.Remove(name)
	dst, err := bolt.Open(name, 0o600, tempOptions())
	if err != nil {
		return fmt.Errorf("mailbox: backup: %v", err)
	}
	err = s.view(func(tx *bolt.Tx) error { return copyLive(dst, tx) })
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, ErrClosed) {
			return err
		}
		return fmt.Errorf("mailbox: backup: %v", err)
	}
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("mailbox: backup: %v", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("mailbox: backup: write: %v", err)
	}
	return nil
}

// Compact rewrites the data file with only the live data and swaps it in,
// so deleted mailboxes are physically gone from the file. Writes wait for
// it (it runs in the committer); reads go on until the swap.
func (s *Store) Compact() error {
	if err := s.exclusive(s.compact); err != nil {
		if errors.Is(err, ErrClosed) {
			return err
		}
		return fmt.Errorf("mailbox: compact: %v", err)
	}
	return nil
}

// compact runs in the committer goroutine, the only one that replaces s.db.
func (s *Store) compact() error {
	if s.db == nil {
		return ErrClosed
	}
	name, err := s.tempNear(compactSuffix)
	if err != nil {
		return err
	}
	swapped := false
	defer func() {
		if !swapped {
			os.Remove(name)
		}
	}()
	dst, err := bolt.Open(name, 0o600, tempOptions())
	if err != nil {
		return err
	}
	err = s.db.View(func(tx *bolt.Tx) error { return copyLive(dst, tx) })
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Open (and lock) the copy before its name replaces the data file's,
	// so no other process can open the data file in between.
	fresh, err := bolt.Open(name, 0o600, boltOptions())
	if err != nil {
		return err
	}
	if err := os.Rename(name, s.path); err != nil {
		fresh.Close()
		return err
	}
	swapped = true
	syncErr := SyncDir(filepath.Dir(s.path))
	s.dbMu.Lock()
	old := s.db
	s.db = fresh
	s.dbMu.Unlock()
	if err := old.Close(); err != nil {
		return err
	}
	return syncErr
}

// SyncDir makes a rename or link in dir durable (fsync of the folder).
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ContentHash is SHA-256 over every bucket, key and value in order: equal
// hashes mean an unchanged database (tests of "bad input changes nothing").
func (s *Store) ContentHash() ([32]byte, error) {
	h := sha256.New()
	err := s.view(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return hashBucket(h, name, b)
		})
	})
	if err != nil {
		return [32]byte{}, err
	}
	return [32]byte(h.Sum(nil)), nil
}

// hashBucket feeds a bucket to h unambiguously: a tag byte and
// length-prefixed bytes per item, and an end tag per bucket.
func hashBucket(h hash.Hash, name []byte, b *bolt.Bucket) error {
	writeItem(h, 'b', name)
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			if child := b.Bucket(k); child != nil {
				return hashBucket(h, k, child)
			}
		}
		writeItem(h, 'k', k)
		writeItem(h, 'v', v)
		return nil
	})
	h.Write([]byte{'e'})
	return err
}

func writeItem(h hash.Hash, tag byte, data []byte) {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = tag
	n := binary.PutUvarint(hdr[1:], uint64(len(data)))
	h.Write(hdr[:1+n])
	h.Write(data)
}
