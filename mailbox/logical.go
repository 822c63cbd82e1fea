package mailbox

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"hash"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// LogicalHash is SHA-256 over the store's content as it is read, not as it
// is keyed: every bucket, key and value as in ContentHash, except that a
// message counts as its mailbox, seq, sender and ciphertext bytes, not the
// key its ciphertext is stored under, and the ciphertexts bucket counts
// only as the number of its entries. Backups and compaction renumber the
// ciphertext keys, so a store and its copies differ in ContentHash; equal
// LogicalHashes mean the same mailboxes, records and messages, byte for
// byte (tests of backup, restore and compaction).
func (s *Store) LogicalHash() ([32]byte, error) {
	h := sha256.New()
	err := s.view(func(tx *bolt.Tx) error {
		cts := tx.Bucket(bucketCiphertexts)
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			switch {
			case bytes.Equal(name, bucketCiphertexts):
				n := 0
				if err := b.ForEach(func(_, _ []byte) error { n++; return nil }); err != nil {
					return err
				}
				writeItem(h, 'b', name)
				writeItem(h, 'n', []byte(strconv.Itoa(n)))
				h.Write([]byte{'e'})
				return nil
			case bytes.Equal(name, bucketMessages):
				return hashMessages(h, name, b, cts)
			}
			return hashBucket(h, name, b)
		})
	})
	if err != nil {
		return [32]byte{}, err
	}
	return [32]byte(h.Sum(nil)), nil
}

// hashMessages feeds the messages bucket to h with each message record
// resolved to its ciphertext (cts, the ciphertexts bucket).
func hashMessages(h hash.Hash, name []byte, b, cts *bolt.Bucket) error {
	writeItem(h, 'b', name)
	err := b.ForEach(func(id, v []byte) error {
		mb := b.Bucket(id)
		if v != nil || mb == nil {
			writeItem(h, 'k', id)
			writeItem(h, 'v', v)
			return nil
		}
		writeItem(h, 'b', id)
		err := eachRecord(mb, func(seq []byte, meta messageMeta) error {
			var ct []byte
			if cts != nil {
				ct = cts.Get(seqKey(meta.Ciphertext))
			}
			if ct == nil {
				return errors.New("mailbox: message without ciphertext")
			}
			writeItem(h, 'k', seq)
			writeItem(h, 'f', []byte(meta.From))
			writeItem(h, 'c', []byte(meta.Counsellor))
			writeItem(h, 'v', ct)
			return nil
		})
		h.Write([]byte{'e'})
		return err
	})
	h.Write([]byte{'e'})
	return err
}
