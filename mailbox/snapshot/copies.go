package snapshot

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
)

// Telling copies of live ciphertexts from deleted ones.
//
// Every age ciphertext starts with ageMagic and then its header, whose
// first stanza carries a fresh random share: the first headerPrefix bytes
// of a ciphertext are, in practice, unique to it. A header in the file's
// bytes whose prefix is that of a live value is the value itself or a copy
// of it in a free page (an older version of a page that a copy rewrote);
// any other header is a ciphertext the tree no longer holds, such as a
// deleted message. A prefix that a later write overwrote in part counts as
// stray: the audit errs towards reporting.

// ageMagic begins every binary age file, so every stored ciphertext.
var ageMagic = []byte("age-encryption.org/v1\n")

// headerPrefix is how many bytes from the magic on identify a ciphertext:
// the magic, the stanza's type and 32 characters of its random share.
const headerPrefix = 64

// liveHeaders holds the prefixes of the live ciphertexts, hashed.
type liveHeaders struct {
	prefixes map[[32]byte]struct{}
	lengths  map[int]bool // prefix lengths in use: headerPrefix, or a shorter value's length
}

func (l *liveHeaders) add(value []byte) {
	if l.prefixes == nil {
		l.prefixes = map[[32]byte]struct{}{}
		l.lengths = map[int]bool{}
	}
	n := min(len(value), headerPrefix)
	l.prefixes[sha256.Sum256(value[:n])] = struct{}{}
	l.lengths[n] = true
}

// match reports whether the bytes at a header (up to headerPrefix of them)
// begin a live ciphertext.
func (l *liveHeaders) match(at []byte) bool {
	for n := range l.lengths {
		if n <= len(at) {
			if _, ok := l.prefixes[sha256.Sum256(at[:n])]; ok {
				return true
			}
		}
	}
	return false
}

// scan counts the age headers in a file's raw bytes that begin a live
// ciphertext (copies, the live values included) and those that do not.
func (l *liveHeaders) scan(path string) (copies, stray int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	at := make([]byte, headerPrefix)
	keep := len(ageMagic) - 1
	var base int64 // file offset of buf[0]
	have := 0
	for {
		n, rerr := f.Read(buf[have:])
		have += n
		for i := 0; ; {
			j := bytes.Index(buf[i:have], ageMagic)
			if j < 0 {
				break
			}
			i += j
			m, err := f.ReadAt(at, base+int64(i))
			if err != nil && err != io.EOF {
				return 0, 0, err
			}
			if l.match(at[:m]) {
				copies++
			} else {
				stray++
			}
			i += len(ageMagic)
		}
		if rerr == io.EOF {
			return copies, stray, nil
		}
		if rerr != nil {
			return 0, 0, rerr
		}
		// Keep a tail shorter than the magic: it cannot hold a whole
		// (already counted) one, but may hold the start of the next.
		if have > keep {
			copy(buf, buf[have-keep:have])
			base += int64(have - keep)
			have = keep
		}
	}
}
