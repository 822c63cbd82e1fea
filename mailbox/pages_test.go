package mailbox

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestFreeSpace(t *testing.T) {
	s, _ := openTest(t, Options{})
	kept, deleted := populate(t, s)

	path := copyOf(t, s.path)
	r, err := freeSpace(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 0 {
		t.Fatalf("bbolt check: %v", r.Problems)
	}
	if r.InUse+r.Free != r.HighWater || r.HighWater+r.Tail != r.Pages || r.Pages*int64(r.PageSize) != r.FileBytes {
		t.Fatalf("pages do not add up: %+v", r)
	}
	if r.Free == 0 || r.FreeWithData == 0 || r.UnreachableNonZero == 0 {
		t.Fatalf("a file with a deleted mailbox shows no free data: %+v", r)
	}
	data, _ := os.ReadFile(path)
	// Every copy of the deleted mailbox's ciphertext lies in unreachable
	// pages; the kept one is in the tree.
	for off := 0; ; {
		i := bytes.Index(data[off:], deleted)
		if i < 0 {
			break
		}
		if !r.Unreachable(int64(off + i)) {
			t.Fatalf("deleted ciphertext at %d in a page of the tree", off+i)
		}
		off += i + 1
	}
	if i := bytes.LastIndex(data, kept); i < 0 || r.Unreachable(int64(i)) {
		t.Fatalf("kept ciphertext at %d, unreachable %v", i, r.Unreachable(int64(i)))
	}
	if r.Unreachable(-1) || r.Unreachable(r.FileBytes) {
		t.Error("offsets outside the file are unreachable")
	}

	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	r2, err := freeSpace(copyOf(t, s.path))
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.Problems) != 0 || r2.UnreachableNonZero >= r.UnreachableNonZero {
		t.Errorf("after compaction: %+v, before: %+v", r2, r)
	}
}

func TestFreeSpaceRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "log.txt")
	os.WriteFile(text, bytes.Repeat([]byte("mailboxd: GET /api/v1/team 200 1ms\n"), 400), 0o600)
	for _, path := range []string{text, dir, filepath.Join(dir, "missing.db")} {
		if r, err := freeSpace(path); err == nil {
			t.Errorf("freeSpace(%s) = %+v, want an error", path, r)
		}
	}
}
