package mailbox

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Compaction is what one compaction did to the data file.
type Compaction struct {
	BytesBefore int64
	BytesAfter  int64
	Took        time.Duration
}

// CompactStats is Compact, reporting the file's size before and after (both
// measured while no write runs) and how long it took.
func (s *Store) CompactStats() (Compaction, error) {
	var c Compaction
	start := time.Now()
	err := s.exclusive(func() error {
		if fi, err := os.Stat(s.path); err == nil {
			c.BytesBefore = fi.Size()
		}
		if err := s.checkCompactRoom(); err != nil {
			return err
		}
		if err := s.compact(); err != nil {
			return err
		}
		fi, err := os.Stat(s.path)
		if err != nil {
			return err
		}
		c.BytesAfter = fi.Size()
		return nil
	})
	c.Took = time.Since(start)
	if err != nil {
		if errors.Is(err, ErrClosed) {
			return c, err
		}
		if errors.Is(err, ErrStorageFull) {
			return c, fmt.Errorf("mailbox: compact: %w", err)
		}
		return c, fmt.Errorf("mailbox: compact: %v", err)
	}
	return c, nil
}
