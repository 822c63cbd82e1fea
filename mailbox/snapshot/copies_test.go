package snapshot

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestLiveHeaders tells the copies of live ciphertexts in a file's bytes
// from the others, wherever they lie.
func TestLiveHeaders(t *testing.T) {
	newCT := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		copy(b, ageMagic)
		return b
	}
	live1, live2, deleted := newCT(300), newCT(5000), newCT(300)
	short := newCT(40) // shorter than headerPrefix: its whole length must match
	var l liveHeaders
	for _, v := range [][]byte{live1, live2, short} {
		l.add(v)
	}
	damaged := bytes.Clone(live1[:200])
	damaged[50] ^= 1 // a later write changed the copy's header
	shortOther := bytes.Clone(short)
	shortOther[len(shortOther)-1] ^= 1

	for _, tc := range []struct {
		name          string
		parts         [][]byte
		copies, stray int
	}{
		{"live only", [][]byte{live1, live2, short}, 3, 0},
		{"a stale copy", [][]byte{live1, live2, live1[:100]}, 3, 0},
		{"deleted", [][]byte{live1, deleted}, 1, 1},
		{"damaged copy", [][]byte{live1, damaged}, 1, 1},
		{"other short value", [][]byte{short, shortOther}, 1, 1},
		{"cut at the end of the file", [][]byte{live1, live1[:30]}, 1, 1},
		// A header across the scan's 1 MiB reads.
		{"across a read", [][]byte{make([]byte, 1<<20-10), live2, make([]byte, 3<<20), deleted}, 1, 1},
		{"no ciphertext", [][]byte{make([]byte, 4096)}, 0, 0},
	} {
		path := filepath.Join(t.TempDir(), "data")
		if err := os.WriteFile(path, bytes.Join(tc.parts, []byte("pad")), 0o600); err != nil {
			t.Fatal(err)
		}
		copies, stray, err := l.scan(path)
		if err != nil || copies != tc.copies || stray != tc.stray {
			t.Errorf("%s: %d copies, %d stray (%v), want %d and %d", tc.name, copies, stray, err, tc.copies, tc.stray)
		}
	}
}
