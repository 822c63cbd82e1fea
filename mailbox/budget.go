package mailbox

import (
	"fmt"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// DiskLimits bound the disk the store may use (PROTOCOL.md §6.12).
// Above either, new mailboxes are refused with ErrStorageFull while
// existing conversations go on: refusing a reply to someone who already
// wrote would hurt more than a full disk does. The zero value checks
// nothing.
type DiskLimits struct {
	// Budget is the most data (bbolt's pages in use or free for reuse:
	// its high-water mark, not the file's length, which bbolt grows in
	// steps of 16 MiB) that still takes new mailboxes. Deleted data frees
	// pages for reuse but the mark falls only at compaction, so this is
	// conservative.
	Budget DiskAmount
	// MinFree is the free space the data file's filesystem must keep.
	MinFree DiskAmount
}

// DiskAmount is a number of bytes, or a share of the filesystem that
// holds the data file (resolved at each check, so that a grown disk
// counts). Zero is none.
type DiskAmount struct {
	Bytes   int64
	Percent int // 1…100, used when Bytes is 0
}

func (a DiskAmount) of(total int64, known bool) int64 {
	switch {
	case a.Bytes > 0:
		return a.Bytes
	case a.Percent > 0 && known:
		return total / 100 * int64(a.Percent)
	}
	return 0
}

// statDisk is diskSpace, replaced by tests that need a full disk.
var statDisk = diskSpace

// checkRoom is the storage step of CreateMailbox.
func (s *Store) checkRoom() error {
	if s.disk == (DiskLimits{}) {
		return nil
	}
	total, free, known := statDisk(filepath.Dir(s.path))
	if b := s.disk.Budget.of(total, known); b > 0 {
		size, err := s.dataSize()
		if err != nil {
			return err
		}
		if size >= b {
			return fmt.Errorf("mailbox: the data has reached the storage budget of %d bytes: %w", b, ErrStorageFull)
		}
	}
	if m := s.disk.MinFree.of(total, known); m > 0 && known && free < m {
		return fmt.Errorf("mailbox: less than %d bytes free on the data file's disk: %w", m, ErrStorageFull)
	}
	return nil
}

// dataSize is the data file's high-water mark.
func (s *Store) dataSize() (int64, error) {
	var size int64
	err := s.view(func(tx *bolt.Tx) error {
		size = tx.Size()
		return nil
	})
	return size, err
}

// checkCompactRoom refuses a compaction that could fill the disk: the
// copy it writes beside the data file can be as large as the data. The
// refusal is ErrStorageFull, which CompactStats passes on.
func (s *Store) checkCompactRoom() error {
	_, free, known := statDisk(filepath.Dir(s.path))
	if !known {
		return nil
	}
	need, err := s.dataSize()
	if err != nil {
		return err
	}
	if free < need {
		return fmt.Errorf("not started: needs up to %d bytes free beside the data file, %d are free: %w", need, free, ErrStorageFull)
	}
	return nil
}
