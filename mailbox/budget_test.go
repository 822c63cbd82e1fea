package mailbox

import (
	"errors"
	"strings"
	"testing"
)

// Over the storage budget or under the free-disk watermark, new mailboxes
// are refused with ErrStorageFull and nothing changes, while an existing
// conversation goes on.
func TestDiskLimits(t *testing.T) {
	for _, c := range []struct {
		name string
		disk func(size int64) DiskLimits
	}{
		{"budget in bytes", func(size int64) DiskLimits { return DiskLimits{Budget: DiskAmount{Bytes: size}} }},
		{"watermark in bytes", func(int64) DiskLimits { return DiskLimits{MinFree: DiskAmount{Bytes: 1 << 62}} }},
		{"watermark as a share", func(int64) DiskLimits { return DiskLimits{MinFree: DiskAmount{Percent: 100}} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			setUp(t, s)
			var v [32]byte
			m, err := s.CreateMailbox(mailboxID(1), v, 1, ciphertext(7312, ""))
			if err != nil {
				t.Fatal(err)
			}
			size, err := s.dataSize()
			if err != nil {
				t.Fatal(err)
			}
			s.disk = c.disk(size)
			refused(t, s, ErrStorageFull, func() error {
				_, err := s.CreateMailbox(mailboxID(2), v, 1, ciphertext(7312, ""))
				return err
			})
			if _, err := s.AppendEnquirer(m, 1, ciphertext(7312, "")); err != nil {
				t.Errorf("existing conversation refused: %v", err)
			}
			s.disk = DiskLimits{Budget: DiskAmount{Bytes: 1 << 40}, MinFree: DiskAmount{Bytes: 1}}
			if _, err := s.CreateMailbox(mailboxID(3), v, 1, ciphertext(7312, "")); err != nil {
				t.Errorf("within the limits: %v", err)
			}
		})
	}
}

// A share resolves against the filesystem's size; bytes win over a share.
func TestDiskAmount(t *testing.T) {
	for _, c := range []struct {
		a     DiskAmount
		total int64
		known bool
		want  int64
	}{
		{DiskAmount{}, 1000, true, 0},
		{DiskAmount{Bytes: 7}, 1000, true, 7},
		{DiskAmount{Bytes: 7, Percent: 50}, 1000, true, 7},
		{DiskAmount{Percent: 40}, 1000, true, 400},
		{DiskAmount{Percent: 40}, 1000, false, 0},
	} {
		if got := c.a.of(c.total, c.known); got != c.want {
			t.Errorf("%+v of %d (known %v) = %d, want %d", c.a, c.total, c.known, got, c.want)
		}
	}
}

// Without room for its copy a compaction does not start, says so, and
// leaves the data file as it was.
func TestCompactionNeedsRoom(t *testing.T) {
	s, _ := openTest(t, Options{})
	setUp(t, s)
	var v [32]byte
	if _, err := s.CreateMailbox(mailboxID(1), v, 1, ciphertext(7312, "")); err != nil {
		t.Fatal(err)
	}
	size, err := s.dataSize()
	if err != nil {
		t.Fatal(err)
	}
	defer func(f func(string) (int64, int64, bool)) { statDisk = f }(statDisk)
	statDisk = func(string) (int64, int64, bool) { return 1 << 40, size - 1, true }
	before := hashOf(t, s)
	_, err = s.CompactStats()
	if !errors.Is(err, ErrStorageFull) || !strings.Contains(err.Error(), "not started: needs up to") {
		t.Fatalf("compaction without room: %v", err)
	}
	if hashOf(t, s) != before {
		t.Error("a refused compaction changed the store")
	}
	statDisk = func(string) (int64, int64, bool) { return 1 << 40, size, true }
	if _, err := s.CompactStats(); err != nil {
		t.Errorf("compaction with room: %v", err)
	}
}
