package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// reportVersion is the "version" of every JSON report.
const reportVersion = 1

// header is what every JSON report begins with.
type header struct {
	Tool    string `json:"tool"`
	Version int    `json:"version"`
	Command string `json:"command"`
	OK      bool   `json:"ok"`
}

func newHeader(command string) header {
	return header{Tool: "mailbox-audit", Version: reportVersion, Command: command}
}

// FileInfo identifies the file a report is about, so an auditor can sign
// the report for exactly that file.
type FileInfo struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`

	modTime time.Time
}

// describe hashes a regular file.
func describe(path string) (FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileInfo{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return FileInfo{}, err
	}
	if !fi.Mode().IsRegular() {
		return FileInfo{}, fmt.Errorf("%s is not a regular file", path)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileInfo{}, fmt.Errorf("read %s: %v", path, err)
	}
	return FileInfo{Path: path, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil)), modTime: fi.ModTime()}, nil
}

// unchanged fails if the file changed while it was checked: the report
// would then describe no file in particular.
func (fi FileInfo) unchanged() error {
	st, err := os.Stat(fi.Path)
	if err != nil {
		return err
	}
	if st.Size() != fi.Bytes || !st.ModTime().Equal(fi.modTime) {
		return fmt.Errorf("%s changed while it was checked; audit a copy that nothing writes to", fi.Path)
	}
	return nil
}

func (fi FileInfo) print(w io.Writer) {
	fmt.Fprintf(w, "  file     %s\n", fi.Path)
	fmt.Fprintf(w, "  size     %s bytes\n", thousands(fi.Bytes))
	fmt.Fprintf(w, "  sha256   %s\n", fi.SHA256)
}

// thousands writes n with thin separators: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}
