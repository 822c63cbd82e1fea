package mailbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
)

// Scrubbing a copy's free pages.
//
// copyLive commits a large copy in steps. The ciphertexts of all mailboxes
// share one bucket, so a step boundary can fall inside it, and the next
// step then rewrites that bucket's last leaf: bbolt frees the old page,
// which still holds a ciphertext. In a fresh copy every free page is such
// a leftover, so scrubFreePages overwrites all of them with zeros once the
// copy is closed. bbolt never reads a free page, so this changes nothing
// it sees. It reads the freelist from the file (bbolt's on-disk format,
// version 2: two meta pages, a freelist page of page ids in the machine's byte order)
// and refuses, with an error, a file it does not fully understand, so a
// copy is never passed on unscrubbed.

const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltPageHeader   = 16
	boltFreelistFlag = 0x10
	boltMetaChecksum = 56 // offset of the checksum in the meta, and the length it covers
)

type boltMeta struct {
	pageSize uint32
	freelist uint64
	pgid     uint64 // high water mark: pages in use are below it
	txid     uint64
}

// readBoltMeta decodes the meta in the page at off; ok is false if it is
// not a valid meta.
func readBoltMeta(f *os.File, off int64) (m boltMeta, ok bool) {
	var b [boltPageHeader + 64]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return m, false
	}
	meta := b[boltPageHeader:]
	le := binary.NativeEndian
	if le.Uint32(meta[0:]) != boltMagic || le.Uint32(meta[4:]) != boltVersion {
		return m, false
	}
	h := fnv.New64a()
	h.Write(meta[:boltMetaChecksum])
	if h.Sum64() != le.Uint64(meta[boltMetaChecksum:]) {
		return m, false
	}
	m = boltMeta{pageSize: le.Uint32(meta[8:]), freelist: le.Uint64(meta[32:]), pgid: le.Uint64(meta[40:]), txid: le.Uint64(meta[48:])}
	return m, m.pageSize >= 512 && m.pageSize <= 1<<20 && m.pageSize&(m.pageSize-1) == 0
}

// scrubFreePages zeroes every free page of the closed bbolt file at path
// and syncs it.
func scrubFreePages(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	m0, ok0 := readBoltMeta(f, 0)
	if !ok0 {
		return errors.New("scrub copy: first meta page invalid")
	}
	m, ok := m0, ok0
	if m1, ok1 := readBoltMeta(f, int64(m0.pageSize)); ok1 && m1.txid > m0.txid {
		m = m1
	}
	if !ok || m.freelist < 2 || m.freelist >= m.pgid {
		return errors.New("scrub copy: no freelist in the file")
	}
	ps := int64(m.pageSize)
	var hdr [boltPageHeader + 8]byte
	if _, err := f.ReadAt(hdr[:], int64(m.freelist)*ps); err != nil {
		return fmt.Errorf("scrub copy: %v", err)
	}
	le := binary.NativeEndian
	if le.Uint16(hdr[8:])&boltFreelistFlag == 0 {
		return errors.New("scrub copy: freelist page of the wrong type")
	}
	count, start := uint64(le.Uint16(hdr[10:])), int64(boltPageHeader)
	if count == 0xFFFF {
		count, start = le.Uint64(hdr[boltPageHeader:]), boltPageHeader+8
	}
	overflow := uint64(le.Uint32(hdr[12:]))
	if start+int64(count)*8 > int64(overflow+1)*ps {
		return errors.New("scrub copy: freelist longer than its pages")
	}
	ids := make([]byte, count*8)
	if _, err := f.ReadAt(ids, int64(m.freelist)*ps+start); err != nil {
		return fmt.Errorf("scrub copy: %v", err)
	}
	zeros := make([]byte, ps)
	for i := uint64(0); i < count; i++ {
		id := le.Uint64(ids[i*8:])
		if id < 2 || id >= m.pgid || id >= m.freelist && id <= m.freelist+overflow {
			return errors.New("scrub copy: freelist names a page in use")
		}
		if _, err := f.WriteAt(zeros, int64(id)*ps); err != nil {
			return fmt.Errorf("scrub copy: %v", err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("scrub copy: %v", err)
	}
	return f.Close()
}
