package mailbox

import (
	"fmt"
	"os"
	"path/filepath"
)

// DiskLimits bound the disk the store may use (docs/PROTOCOL.md §6.12).
// Above either, new mailboxes are refused with ErrStorageFull while
// existing conversations go on: refusing a reply to someone who already
// wrote would hurt more than a full disk does. The zero value checks
// nothing.
type DiskLimits struct {
	// Budget is the largest data file that still takes new mailboxes.
	// The file shrinks only at compaction, so this is conservative.
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

// checkRoom is the storage step of CreateMailbox.
func (s *Store) checkRoom() error {
	if s.disk == (DiskLimits{}) {
		return nil
	}
	total, free, known := diskSpace(filepath.Dir(s.path))
	if b := s.disk.Budget.of(total, known); b > 0 {
		if fi, err := os.Stat(s.path); err == nil && fi.Size() >= b {
			return fmt.Errorf("mailbox: the data file has reached the storage budget of %d bytes: %w", b, ErrStorageFull)
		}
	}
	if m := s.disk.MinFree.of(total, known); m > 0 && known && free < m {
		return fmt.Errorf("mailbox: less than %d bytes free on the data file's disk: %w", m, ErrStorageFull)
	}
	return nil
}

// checkCompactRoom refuses a compaction that could fill the disk: the
// copy it writes beside the data file can be as large as the file.
func (s *Store) checkCompactRoom() error {
	_, free, known := diskSpace(filepath.Dir(s.path))
	fi, err := os.Stat(s.path)
	if !known || err != nil {
		return nil
	}
	if free < fi.Size() {
		return fmt.Errorf("not started: needs up to %d bytes free beside the data file, %d are free", fi.Size(), free)
	}
	return nil
}
