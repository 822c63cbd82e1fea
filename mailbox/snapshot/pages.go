package snapshot

import (
	"errors"
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
)

// Page use of a data file, for mailbox-audit scan.
//
// bbolt never overwrites a page in place. A page that no longer belongs to
// the tree (an older version of a rewritten page, or the pages of a deleted
// mailbox) goes to the freelist with its bytes as they were, until a later
// write reuses it. FreeSpace finds those pages, and the file's tail beyond
// bbolt's high-water mark, so an auditor sees how much unreachable data a
// file carries and where a byte pattern lies.

// PageReport is how the pages of a data file are used.
type PageReport struct {
	PageSize  int
	FileBytes int64
	Pages     int64 // pages in the file, a partial last one included
	HighWater int64 // pages below bbolt's high-water mark
	InUse     int64 // reachable from the meta pages: meta, freelist, branch, leaf and overflow pages
	Free      int64 // below the high-water mark and unreachable (the freelist)
	// FreeWithData counts free pages with a byte other than zero: they
	// hold what an earlier version of the data wrote there.
	FreeWithData int64
	Tail         int64 // pages at or beyond the high-water mark: grown, not yet used
	TailWithData int64
	// UnreachableBytes is the size of the free and tail pages;
	// UnreachableNonZero counts their bytes other than zero.
	UnreachableBytes   int64
	UnreachableNonZero int64
	// Problems are inconsistencies bbolt's own check found (at most 20,
	// never with a key's or value's content). With none, every page below
	// the high-water mark is either reachable or free, never both.
	Problems []string

	unreachable []uint64 // bitset by page id, the tail included
}

// Unreachable reports whether the byte at offset lies in a free page or in
// the tail (true), or in a page of the tree (false).
func (r *PageReport) Unreachable(offset int64) bool {
	if r.PageSize == 0 || offset < 0 {
		return false
	}
	id := offset / int64(r.PageSize)
	if id >= r.Pages {
		return false
	}
	return r.unreachable[id/64]&(1<<(id%64)) != 0
}

// FreeSpace opens a data file read-only and reports how its pages are used:
// which are reachable from the tree and which are not, and how many of the
// unreachable ones still hold data. It fails with ErrLocked if a running
// server holds the file.
func FreeSpace(path string) (*PageReport, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("snapshot: pages: %v", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("snapshot: pages: %s is not a regular file", path)
	}
	db, err := open(path, true)
	if errors.Is(err, ErrLocked) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot: pages: %v", err)
	}
	defer db.Close()

	r := &PageReport{PageSize: db.Info().PageSize, FileBytes: fi.Size()}
	ps := int64(r.PageSize)
	r.Pages = (r.FileBytes + ps - 1) / ps
	r.unreachable = make([]uint64, (r.Pages+63)/64)
	mark := func(id int64) { r.unreachable[id/64] |= 1 << (id % 64) }

	err = db.View(func(tx *bolt.Tx) error {
		r.HighWater = tx.Size() / ps
		for id := int64(0); id < r.HighWater; id++ {
			info, err := tx.Page(int(id))
			if err != nil {
				return err
			}
			if info == nil {
				break
			}
			if info.Type == "free" {
				r.Free++
				mark(id)
				continue
			}
			span := 1 + int64(info.OverflowCount)
			r.InUse += min(span, r.HighWater-id)
			id += span - 1
		}
		for _, err := range collect(tx.Check(bolt.WithKVStringer(redacted{})), 20) {
			r.Problems = append(r.Problems, err.Error())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot: pages: %v", err)
	}
	for id := r.HighWater; id < r.Pages; id++ {
		r.Tail++
		mark(id)
	}
	if err := r.countData(path); err != nil {
		return nil, fmt.Errorf("snapshot: pages: %v", err)
	}
	return r, nil
}

// countData reads the file once and counts the unreachable pages and bytes
// that are not zero.
func (r *PageReport) countData(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ps := r.PageSize
	buf := make([]byte, 256*ps)
	var id int64
	for {
		n, err := io.ReadFull(f, buf)
		for off := 0; off < n; off += ps {
			page := buf[off:min(off+ps, n)]
			if r.Unreachable(id * int64(ps)) {
				r.UnreachableBytes += int64(len(page))
				nz := nonZero(page)
				r.UnreachableNonZero += nz
				if nz > 0 {
					if id < r.HighWater {
						r.FreeWithData++
					} else {
						r.TailWithData++
					}
				}
			}
			id++
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func nonZero(b []byte) int64 {
	var n int64
	for _, c := range b {
		if c != 0 {
			n++
		}
	}
	return n
}

// collect drains a bbolt check channel, keeping at most limit errors.
func collect(ch <-chan error, limit int) []error {
	var out []error
	for err := range ch {
		if len(out) < limit {
			out = append(out, err)
		}
	}
	return out
}

// redacted keeps keys and values out of bbolt's check messages.
type redacted struct{}

func (redacted) KeyToString(k []byte) string   { return fmt.Sprintf("(key of %d bytes)", len(k)) }
func (redacted) ValueToString(v []byte) string { return fmt.Sprintf("(value of %d bytes)", len(v)) }
