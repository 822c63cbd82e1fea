package mailbox

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Renumbering the ciphertext keys of a copy.
//
// The live store keys every ciphertext by one counter shared by all
// mailboxes, so the keys record the order in which messages arrived across
// mailboxes: a reply in one case right before a message in another. That
// is finer than the hour, the finest time the store keeps. The live file
// needs the counter (new messages append at the end of the tree), but a
// copy does not: copyLive gives the ciphertexts new keys 1, 2, 3, … in the
// order of mailbox id, then seq, rewrites each message record's
// ciphertext_key to match, and sets the bucket's sequence to the last key,
// so that new messages in a compacted file continue above it. The copy
// then says in which mailbox and at which seq a message is, which the
// records say anyway, and nothing about when it came.
//
// Both buckets are written from the same read transaction by the same
// walk: copyCiphertexts numbers the messages as it copies their
// ciphertexts, copyMessages numbers them again as it copies their records,
// and check makes sure the two agree. No table of keys is kept, so the copy
// needs no memory per message.

// copier is a copy into dst in progress, committed in steps of about
// compactTxBytes.
type copier struct {
	dst  *bolt.DB
	tx   *bolt.Tx
	size int // bytes written in tx
}

// bucket returns the top-level bucket name of the copy for the next entry,
// after committing the copy so far if tx carries compactTxBytes: a step
// ends only between two entries of a top-level bucket.
func (c *copier) bucket(name []byte) (*bolt.Bucket, error) {
	if c.size >= compactTxBytes {
		err := c.tx.Commit()
		c.tx = nil
		if err != nil {
			return nil, err
		}
		if c.tx, err = c.dst.Begin(true); err != nil {
			c.tx = nil
			return nil, err
		}
		c.size = 0
	}
	b := c.tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("copy: bucket %q missing", name)
	}
	b.FillPercent = 1 // written once, in key order
	return b, nil
}

// renumbering counts the messages of a copy as each of the two buckets is
// written.
type renumbering struct {
	ciphertexts uint64 // ciphertexts written, the last new key
	records     uint64 // message records written
}

// eachMessage calls fn for every message record in msgs (the top-level
// messages bucket of the source), by mailbox id, then by seq. An entry of
// msgs that is not a bucket holds no mailbox's messages and is skipped
// (copyMessages copies it as it is).
func eachMessage(msgs *bolt.Bucket, fn func(seq []byte, meta messageMeta) error) error {
	return msgs.ForEach(func(id, v []byte) error {
		mb := msgs.Bucket(id)
		if v != nil || mb == nil {
			return nil
		}
		return eachRecord(mb, fn)
	})
}

// eachRecord calls fn for every message record of one mailbox, by seq.
func eachRecord(mb *bolt.Bucket, fn func(seq []byte, meta messageMeta) error) error {
	return mb.ForEach(func(seq, v []byte) error {
		if v == nil && mb.Bucket(seq) != nil {
			return errors.New("copy: a bucket among a mailbox's messages")
		}
		var meta messageMeta
		if err := json.Unmarshal(v, &meta); err != nil {
			return fmt.Errorf("copy: corrupt message record: %v", err)
		}
		return fn(seq, meta)
	})
}

// copyCiphertexts fills the copy's ciphertexts bucket (name) from src's
// (sb): the ciphertext of every message in src's messages bucket, in
// mailbox and seq order, under keys 1, 2, 3, …. Ciphertexts that no
// message names are not copied.
func (r *renumbering) copyCiphertexts(c *copier, src *bolt.Tx, name []byte, sb *bolt.Bucket) error {
	db, err := c.bucket(name)
	if err != nil {
		return err
	}
	if err := db.SetSequence(0); err != nil { // the source's counts every message ever stored
		return err
	}
	msgs := src.Bucket(bucketMessages)
	if msgs == nil {
		return nil
	}
	return eachMessage(msgs, func(_ []byte, meta messageMeta) error {
		ct := sb.Get(seqKey(meta.Ciphertext))
		if ct == nil {
			return errors.New("copy: a message names a ciphertext that does not exist")
		}
		db, err := c.bucket(name)
		if err != nil {
			return err
		}
		r.ciphertexts++
		k := seqKey(r.ciphertexts)
		c.size += len(k) + len(ct)
		if err := db.Put(k, ct); err != nil {
			return err
		}
		// In the transaction that writes the key: setting the sequence
		// rewrites no page that this transaction does not rewrite anyway.
		return db.SetSequence(r.ciphertexts)
	})
}

// copyMessages fills the copy's messages bucket (name) from src's (sb),
// each record naming its ciphertext's new key. A step ends only between
// two mailboxes.
func (r *renumbering) copyMessages(c *copier, name []byte, sb *bolt.Bucket) error {
	return sb.ForEach(func(id, v []byte) error {
		db, err := c.bucket(name)
		if err != nil {
			return err
		}
		if v != nil || sb.Bucket(id) == nil {
			n, err := copyEntry(db, sb, id, v)
			c.size += n
			return err
		}
		smb := sb.Bucket(id)
		mb, err := createBucket(db.CreateBucket, id, smb)
		if err != nil {
			return err
		}
		c.size += len(id)
		return eachRecord(smb, func(seq []byte, meta messageMeta) error {
			r.records++
			meta.Ciphertext = r.records
			data, err := json.Marshal(meta)
			if err != nil {
				return err
			}
			c.size += len(seq) + len(data)
			return mb.Put(seq, data)
		})
	})
}

// check makes sure both buckets of the copy were renumbered alike.
func (r *renumbering) check() error {
	if r.ciphertexts != r.records {
		return fmt.Errorf("copy: %d ciphertexts for %d message records", r.ciphertexts, r.records)
	}
	return nil
}
