package mailbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func logicalOf(t testing.TB, s *Store) [32]byte {
	t.Helper()
	h, err := s.LogicalHash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// interleaved is a store whose messages arrive across mailboxes in an
// order unlike that of their ids: A1, B1, A2, C1, B2, (D1, D2, deleted),
// A3, C2, B3, where A > C > B by id. want[id] lists each mailbox's
// ciphertexts by seq.
func interleaved(t *testing.T) (s *Store, want map[string][][]byte, ids []string) {
	t.Helper()
	s, _ = openTest(t, Options{})
	admin := setUp(t, s)
	a, b, c, d := mailboxID(0x30), mailboxID(0x10), mailboxID(0x20), mailboxID(0x05)
	want = map[string][][]byte{}
	n := 0
	post := func(id string, counsellor bool) {
		t.Helper()
		n++
		ct := ciphertext(600+n*37, fmt.Sprintf("msg-%d-%s-", n, id[28:]))
		var err error
		switch {
		case want[id] == nil:
			_, err = s.CreateMailbox(id, [32]byte{byte(n)}, 1, ct)
		case counsellor:
			_, err = s.AppendCounsellor(id, admin.ID, 1, ct)
		default:
			_, err = s.appendEnquirer(id, 1, ct)
		}
		if err != nil {
			t.Fatal(err)
		}
		want[id] = append(want[id], ct)
	}
	post(a, false)
	post(b, false)
	post(a, true)
	post(c, false)
	post(b, true)
	post(d, false)
	post(d, true)
	if err := s.DeleteMailbox(d); err != nil {
		t.Fatal(err)
	}
	delete(want, d)
	post(a, false)
	post(c, true)
	post(b, false)
	return s, want, []string{b, c, a}
}

// keyWalk reads, in mailbox-id then seq order, the ciphertext key each
// message record names, and the keys and sequence of the ciphertexts
// bucket.
func keyWalk(t *testing.T, tx *bolt.Tx) (named, held []uint64, sequence uint64) {
	t.Helper()
	err := tx.Bucket(bucketMessages).ForEach(func(id, _ []byte) error {
		return tx.Bucket(bucketMessages).Bucket(id).ForEach(func(_, v []byte) error {
			var m messageMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			named = append(named, m.Ciphertext)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	cts := tx.Bucket(bucketCiphertexts)
	cts.ForEach(func(k, _ []byte) error {
		held = append(held, binary.BigEndian.Uint64(k))
		return nil
	})
	return named, held, cts.Sequence()
}

// oneToN is 1, 2, …, n.
func oneToN(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// wantRenumbered fails unless the records name keys 1…n in walk order,
// the bucket holds exactly those, and its sequence is n.
func wantRenumbered(t *testing.T, tx *bolt.Tx, n int) {
	t.Helper()
	named, held, seq := keyWalk(t, tx)
	if !slices.Equal(named, oneToN(n)) {
		t.Errorf("ciphertext keys by mailbox and seq: %v, want 1 to %d", named, n)
	}
	if !slices.Equal(held, oneToN(n)) {
		t.Errorf("ciphertexts bucket holds keys %v, want 1 to %d", held, n)
	}
	if seq != uint64(n) {
		t.Errorf("ciphertexts sequence %d, want %d", seq, n)
	}
}

// wantMessages fails unless every mailbox holds exactly want, byte for
// byte, by seq.
func wantMessages(t *testing.T, s *Store, want map[string][][]byte, when string) {
	t.Helper()
	for id, cts := range want {
		msgs, err := s.Messages(id, 0)
		if err != nil {
			t.Fatalf("%s: messages of %s: %v", when, id, err)
		}
		if len(msgs) != len(cts) {
			t.Errorf("%s: %s holds %d messages, want %d", when, id, len(msgs), len(cts))
			continue
		}
		for i, m := range msgs {
			if m.Seq != uint64(i+1) || !bytes.Equal(m.Ciphertext, cts[i]) {
				t.Errorf("%s: %s message %d (seq %d) differs", when, id, i+1, m.Seq)
			}
		}
	}
}

func auditClean(t *testing.T, path, what string) {
	t.Helper()
	report := audit(t, path)
	if len(report.Violations) != 0 || report.Stray != 0 {
		t.Errorf("audit of %s: %+v", what, report)
	}
}

// TestBackupRenumbers: a backup's ciphertext keys follow mailbox id and
// seq, not the order of arrival, and every message is intact.
func TestBackupRenumbers(t *testing.T) {
	for _, steps := range []bool{false, true} {
		t.Run(fmt.Sprintf("steps=%v", steps), func(t *testing.T) {
			if steps { // a transaction per entry, as in a large file
				defer func(n int) { compactTxBytes = n }(compactTxBytes)
				compactTxBytes = 1
			}
			s, want, _ := interleaved(t)
			const total = 8
			// The live file keeps arrival order (and the deleted
			// mailbox's two keys are gone from it): the scenario means
			// something.
			err := s.view(func(tx *bolt.Tx) error {
				named, _, seq := keyWalk(t, tx)
				if slices.Equal(named, oneToN(total)) || seq != total+2 {
					t.Fatalf("live keys %v, sequence %d: not in order of arrival", named, seq)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			path := backupFile(t, s)
			auditClean(t, path, "a backup")
			b, err := Open(Options{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if err := b.view(func(tx *bolt.Tx) error { wantRenumbered(t, tx, total); return nil }); err != nil {
				t.Fatal(err)
			}
			wantMessages(t, b, want, "backup")
			if logicalOf(t, b) != logicalOf(t, s) {
				t.Error("the backup's logical content differs from the store's")
			}
			if hashOf(t, b) == hashOf(t, s) {
				t.Error("the backup has the store's very keys")
			}
		})
	}
}

// TestCompactRenumbers: after Compact the live file's keys follow mailbox
// id and seq; new messages get keys above the last one; the file passes
// the audit and survives reopening.
func TestCompactRenumbers(t *testing.T) {
	s, want, ids := interleaved(t)
	const total = 8
	before := logicalOf(t, s)
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	if logicalOf(t, s) != before {
		t.Fatal("compaction changed the logical content")
	}
	if err := s.view(func(tx *bolt.Tx) error { wantRenumbered(t, tx, total); return nil }); err != nil {
		t.Fatal(err)
	}
	wantMessages(t, s, want, "after compaction")

	// New messages continue above the last key, in order of arrival.
	a, b := ids[2], ids[0]
	for i, id := range []string{a, b, a} {
		ct := ciphertext(700+i, fmt.Sprintf("new-%d-", i))
		seq, err := s.appendEnquirer(id, 1, ct)
		if err != nil || seq != uint64(len(want[id])+1) {
			t.Fatalf("append after compaction: seq %d, %v", seq, err)
		}
		want[id] = append(want[id], ct)
	}
	err := s.view(func(tx *bolt.Tx) error {
		named, held, seq := keyWalk(t, tx)
		last := func(id string) uint64 {
			var m messageMeta
			k := seqKey(uint64(len(want[id])))
			if err := json.Unmarshal(tx.Bucket(bucketMessages).Bucket([]byte(id)).Get(k), &m); err != nil {
				t.Fatal(err)
			}
			return m.Ciphertext
		}
		if got := last(a); got != total+3 {
			t.Errorf("A's newest message has key %d, want %d", got, total+3)
		}
		if got := last(b); got != total+2 {
			t.Errorf("B's newest message has key %d, want %d", got, total+2)
		}
		if len(named) != total+3 || !slices.Equal(held, oneToN(total+3)) || seq != total+3 {
			t.Errorf("after appends: named %v, held %v, sequence %d", named, held, seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantMessages(t, s, want, "after appends")

	// A second compaction renumbers the appends too.
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	if err := s.view(func(tx *bolt.Tx) error { wantRenumbered(t, tx, total+3); return nil }); err != nil {
		t.Fatal(err)
	}
	after := logicalOf(t, s)
	path := s.path
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	auditClean(t, path, "a compacted file")
	s2, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	wantMessages(t, s2, want, "after reopening")
	if logicalOf(t, s2) != after {
		t.Error("content lost across compaction and reopening")
	}
}

// TestCopyRefusesDanglingKey: a message record naming a ciphertext that
// does not exist (never written by the store) fails the copy instead of
// passing on a copy whose keys would not add up.
func TestCopyRefusesDanglingKey(t *testing.T) {
	s, _, ids := interleaved(t)
	err := s.db.Update(func(tx *bolt.Tx) error {
		mb := tx.Bucket(bucketMessages).Bucket([]byte(ids[1]))
		return putJSON(mb, seqKey(1), messageMeta{From: FromEnquirer, Ciphertext: 999})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(&bytes.Buffer{}); err == nil {
		t.Error("a backup of a message without ciphertext succeeded")
	}
	if err := s.Compact(); err == nil {
		t.Error("a compaction of a message without ciphertext succeeded")
	}
	if m, _ := filepath.Glob(s.path + ".*-*"); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// TestLogicalHash: equal for equal content under other keys, different
// when a message's bytes, seq or sender differ.
func TestLogicalHash(t *testing.T) {
	s, _, ids := interleaved(t)
	h0 := logicalOf(t, s)
	if logicalOf(t, s) != h0 {
		t.Fatal("LogicalHash is not deterministic")
	}
	change := func(name string, f func(tx *bolt.Tx) error) {
		t.Helper()
		before := logicalOf(t, s)
		if err := s.db.Update(f); err != nil {
			t.Fatal(err)
		}
		if logicalOf(t, s) == before {
			t.Errorf("%s: LogicalHash did not change", name)
		}
	}
	meta := func(tx *bolt.Tx, id string, seq uint64) messageMeta {
		var m messageMeta
		if err := json.Unmarshal(tx.Bucket(bucketMessages).Bucket([]byte(id)).Get(seqKey(seq)), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	change("a ciphertext's bytes", func(tx *bolt.Tx) error {
		cts := tx.Bucket(bucketCiphertexts)
		k := seqKey(meta(tx, ids[0], 2).Ciphertext)
		ct := bytes.Clone(cts.Get(k))
		ct[len(ct)-1] ^= 1
		return cts.Put(k, ct)
	})
	change("two messages' ciphertexts swapped", func(tx *bolt.Tx) error {
		mb := tx.Bucket(bucketMessages).Bucket([]byte(ids[2]))
		m1, m2 := meta(tx, ids[2], 1), meta(tx, ids[2], 2)
		m1.Ciphertext, m2.Ciphertext = m2.Ciphertext, m1.Ciphertext
		if err := putJSON(mb, seqKey(1), m1); err != nil {
			return err
		}
		return putJSON(mb, seqKey(2), m2)
	})
	change("a sender", func(tx *bolt.Tx) error {
		m := meta(tx, ids[1], 1)
		m.From = FromCounsellor
		return putJSON(tx.Bucket(bucketMessages).Bucket([]byte(ids[1])), seqKey(1), m)
	})
	change("a mailbox record", func(tx *bolt.Tx) error {
		mbs := tx.Bucket(bucketMailboxes)
		var rec mailboxRecord
		if err := decodeJSON(mbs.Get([]byte(ids[1])), &rec); err != nil {
			return err
		}
		rec.AwaitingReply = !rec.AwaitingReply
		return putJSON(mbs, []byte(ids[1]), rec)
	})
	change("an unnamed ciphertext", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCiphertexts).Put(seqKey(1000), ciphertext(100, "x"))
	})
	// The same content under other keys hashes alike.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketCiphertexts).Delete(seqKey(1000)) }); err != nil {
		t.Fatal(err)
	}
	before := logicalOf(t, s)
	err := s.db.Update(func(tx *bolt.Tx) error {
		cts := tx.Bucket(bucketCiphertexts)
		mb := tx.Bucket(bucketMessages).Bucket([]byte(ids[0]))
		m := meta(tx, ids[0], 1)
		ct := bytes.Clone(cts.Get(seqKey(m.Ciphertext)))
		if err := cts.Delete(seqKey(m.Ciphertext)); err != nil {
			return err
		}
		m.Ciphertext = 1000
		if err := cts.Put(seqKey(m.Ciphertext), ct); err != nil {
			return err
		}
		return putJSON(mb, seqKey(1), m)
	})
	if err != nil {
		t.Fatal(err)
	}
	if logicalOf(t, s) != before {
		t.Error("moving a ciphertext to another key changed LogicalHash")
	}
}

// BenchmarkBackup copies a store of 2,000 mailboxes of 5 messages (4 KiB
// each) that arrived interleaved, so the copy reads the ciphertexts out of
// their stored order.
func BenchmarkBackup(b *testing.B) {
	s, _ := openTest(b, Options{})
	admin := setUp(b, s)
	const mailboxes, per = 2000, 5
	for round := range per {
		for n := 1; n <= mailboxes; n++ {
			var err error
			if round == 0 {
				_, err = s.CreateMailbox(mailboxID(n), [32]byte{}, 1, ciphertext(4240, ""))
			} else {
				_, err = s.AppendCounsellor(mailboxID(n), admin.ID, 1, ciphertext(4240, ""))
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if err := s.Backup(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
