// Package mailboxtest lets tests of mailbox-audit plant what the store
// itself never writes (plaintext, unknown fields, wrong time precision,
// foreign ciphertext) into a copy of a data file, with bbolt directly and
// past every rule of the store. It is for tests only: never point it at a
// live data file.
package mailboxtest

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Copy copies the data file at from to a new file to, byte for byte: the
// copy to plant into, or a backup to start a second server on. The store
// at from must be idle: closed, or open and writing nothing (its lock
// keeps the file itself from being opened).
func Copy(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("mailboxtest: copy: %v", err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		return fmt.Errorf("mailboxtest: copy: %v", err)
	}
	return nil
}

func open(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("mailboxtest: open %s: %v", path, err)
	}
	return db, nil
}

// Get returns a copy of the value of key in the bucket at buckets (nil if
// absent).
func Get(path string, buckets []string, key []byte) ([]byte, error) {
	db, err := open(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []byte
	err = db.View(func(tx *bolt.Tx) error {
		b, err := bucket(tx, buckets, false)
		if err != nil {
			return err
		}
		if v := b.Get(key); v != nil {
			out = append([]byte{}, v...)
		}
		return nil
	})
	return out, err
}

// Put writes value under key in the bucket at buckets, creating the
// buckets that are missing.
func Put(path string, buckets []string, key, value []byte) error {
	db, err := open(path)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, buckets, true)
		if err != nil {
			return err
		}
		return b.Put(key, value)
	})
	return errors.Join(err, db.Close())
}

func bucket(tx *bolt.Tx, names []string, create bool) (*bolt.Bucket, error) {
	if len(names) == 0 {
		return nil, errors.New("mailboxtest: no bucket named")
	}
	var b *bolt.Bucket
	for i, name := range names {
		var next *bolt.Bucket
		var err error
		switch {
		case i == 0 && create:
			next, err = tx.CreateBucketIfNotExists([]byte(name))
		case i == 0:
			next = tx.Bucket([]byte(name))
		case create:
			next, err = b.CreateBucketIfNotExists([]byte(name))
		default:
			next = b.Bucket([]byte(name))
		}
		if err != nil {
			return nil, fmt.Errorf("mailboxtest: bucket %q: %v", name, err)
		}
		if next == nil {
			return nil, fmt.Errorf("mailboxtest: no bucket %q", name)
		}
		b = next
	}
	return b, nil
}
