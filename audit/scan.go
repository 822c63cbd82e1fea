package audit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"lotse/internal/bounded"
	"lotse/mailbox/snapshot"
)

// Canary limits. A canary shorter than minCanary bytes would match random
// ciphertext by chance (its aligned base64 forms would be a handful of
// characters).
const (
	minCanary       = 6
	maxCanary       = 4096
	maxCanaries     = 10000
	maxCanaryFile   = 4 << 20
	maxHitsReported = 10
	scanChunk       = 8 << 20
)

// Canary is one line of a canary file. Reports name it by its line only.
type Canary struct {
	Line int
	Text string
}

// ReadCanaries reads a canary file: every line that is not empty is a
// canary (a final "\r" is dropped). Errors name lines by number, never
// their text.
func ReadCanaries(r io.Reader) ([]Canary, error) {
	data, err := bounded.ReadAll(r, maxCanaryFile)
	if err != nil {
		return nil, fmt.Errorf("the canary file: %v", err)
	}
	var out []Canary
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		n := i + 1
		switch {
		case line == "":
			continue
		case !utf8.ValidString(line):
			return nil, fmt.Errorf("canary line %d is not UTF-8", n)
		case len(line) < minCanary:
			return nil, fmt.Errorf("canary line %d has %d bytes, fewer than %d: a string that short matches random ciphertext by chance", n, len(line), minCanary)
		case len(line) > maxCanary:
			return nil, fmt.Errorf("canary line %d is longer than %d bytes", n, maxCanary)
		}
		if len(out) == maxCanaries {
			return nil, fmt.Errorf("more than %d canaries", maxCanaries)
		}
		out = append(out, Canary{Line: n, Text: line})
	}
	if len(out) == 0 {
		return nil, errors.New("the canary file has no canary")
	}
	return out, nil
}

// form is one encoding of a canary as the bytes to look for.
type form struct {
	name   string
	needle []byte
}

// forms returns the encodings of s that scan searches for; encodings with
// the same bytes are merged under one name.
func forms(s string) []form {
	var out []form
	add := func(name string, b []byte) {
		for i := range out {
			if bytes.Equal(out[i].needle, b) {
				out[i].name += ", " + name
				return
			}
		}
		out = append(out, form{name, b})
	}
	raw := []byte(s)
	add("utf-8", raw)
	u := utf16.Encode([]rune(s))
	le, be := make([]byte, 2*len(u)), make([]byte, 2*len(u))
	for i, c := range u {
		le[2*i], le[2*i+1] = byte(c), byte(c>>8)
		be[2*i], be[2*i+1] = byte(c>>8), byte(c)
	}
	add("utf-16le", le)
	add("utf-16be", be)
	if j, err := json.Marshal(s); err == nil {
		add("json", j[1:len(j)-1])
	}
	add("json-ascii", []byte(asciiJSON(s)))
	add("hex", []byte(hex.EncodeToString(raw)))
	add("HEX", []byte(strings.ToUpper(hex.EncodeToString(raw))))
	for _, e := range []struct {
		name string
		enc  *base64.Encoding
	}{{"base64", base64.RawStdEncoding}, {"base64url", base64.RawURLEncoding}} {
		for align := range 3 {
			add(fmt.Sprintf("%s@%d", e.name, align), base64Core(e.enc, raw, align))
		}
	}
	return out
}

// base64Core returns the base64 characters that data alone determines when
// it begins align bytes into a longer value: the characters that hold bits
// of the bytes before it or after it are left out. The core of a canary
// appears in the base64 of every value that contains the canary at that
// alignment, padded or not.
func base64Core(enc *base64.Encoding, data []byte, align int) []byte {
	buf := make([]byte, align+len(data))
	copy(buf[align:], data)
	full := enc.EncodeToString(buf)
	start := (8*align + 5) / 6
	end := 8 * (align + len(data)) / 6
	return []byte(full[start:end])
}

// asciiJSON escapes every character beyond ASCII as \uXXXX, as JSON
// encoders that keep to ASCII do.
func asciiJSON(s string) string {
	var b strings.Builder
	for _, c := range utf16.Encode([]rune(s)) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(c))
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(byte(c))
		}
	}
	return b.String()
}

// ScanReport is the result of scan.
type ScanReport struct {
	header
	File     FileInfo       `json:"file"`
	Pages    *Pages         `json:"pages"`
	Canaries []CanaryResult `json:"canaries"`

	canaryFile string
}

// Pages is how a data file's pages are used (snapshot.FreeSpace).
type Pages struct {
	PageSize           int      `json:"page_size"`
	Pages              int64    `json:"pages"`
	HighWater          int64    `json:"high_water"`
	InUse              int64    `json:"in_use"`
	Free               int64    `json:"free"`
	FreeWithData       int64    `json:"free_with_data"`
	Tail               int64    `json:"tail"`
	TailWithData       int64    `json:"tail_with_data"`
	UnreachableBytes   int64    `json:"unreachable_bytes"`
	UnreachableNonZero int64    `json:"unreachable_nonzero_bytes"`
	Problems           []string `json:"problems"`
}

// CanaryResult is what scan found of one canary.
type CanaryResult struct {
	Line  int   `json:"line"`
	Found int   `json:"found"`
	Hits  []Hit `json:"hits"`
}

// Hit is one place a canary was found.
type Hit struct {
	Form   string `json:"form"`
	Offset int64  `json:"offset"`
	Where  string `json:"where"` // "tree", "free", "tail"; "" when pages are not known
}

// Scan searches every byte of the file at path for the canaries. Unless
// raw, the file must be a bbolt data file, and the report says how its
// pages are used and in which kind of page each hit lies.
func Scan(path string, canaries []Canary, raw bool) (rep *ScanReport, err error) {
	defer recoverDamaged(&err)
	fi, err := describe(path)
	if err != nil {
		return nil, err
	}
	rep = &ScanReport{header: newHeader("scan"), File: fi, Canaries: []CanaryResult{}}
	var pages *snapshot.PageReport
	if !raw && fi.Bytes == 0 {
		return nil, &errNotData{path, errors.New("the file is empty")}
	}
	if !raw {
		pages, err = snapshot.FreeSpace(path)
		if err != nil {
			return nil, openError(path, err)
		}
		rep.Pages = &Pages{
			PageSize: pages.PageSize, Pages: pages.Pages, HighWater: pages.HighWater, InUse: pages.InUse,
			Free: pages.Free, FreeWithData: pages.FreeWithData, Tail: pages.Tail, TailWithData: pages.TailWithData,
			UnreachableBytes: pages.UnreachableBytes, UnreachableNonZero: pages.UnreachableNonZero,
			Problems: append([]string{}, pages.Problems...),
		}
	}

	type needle struct {
		canary int
		form   string
		b      []byte
	}
	var needles []needle
	longest := 0
	for i, c := range canaries {
		rep.Canaries = append(rep.Canaries, CanaryResult{Line: c.Line, Hits: []Hit{}})
		for _, f := range forms(c.Text) {
			needles = append(needles, needle{i, f.name, f.needle})
			longest = max(longest, len(f.needle))
		}
	}
	where := func(off int64) string {
		switch {
		case pages == nil:
			return ""
		case !pages.Unreachable(off):
			return "tree"
		case off/int64(pages.PageSize) >= pages.HighWater:
			return "tail"
		}
		return "free"
	}

	// Workers share the needles; each chunk of the file is searched by
	// all of them before the next is read.
	type found struct {
		needle int
		at     int64
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), len(needles)))
	perWorker := make([][]found, workers)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	buf := make([]byte, 0, scanChunk+longest)
	var base int64 // file offset of buf[0]
	for {
		keep := len(buf)
		n, rerr := io.ReadFull(r, buf[keep:cap(buf)])
		buf = buf[:keep+n]
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out := perWorker[w][:0]
				for j := w; j < len(needles); j += workers {
					nd := needles[j].b
					for off := 0; ; {
						i := index(buf[off:], nd)
						if i < 0 {
							break
						}
						at := off + i
						off = at + 1
						if at+len(nd) > keep { // else wholly in the carried tail: found before
							out = append(out, found{j, base + int64(at)})
						}
					}
				}
				perWorker[w] = out
			}()
		}
		wg.Wait()
		for _, fs := range perWorker {
			for _, fd := range fs {
				nd := needles[fd.needle]
				res := &rep.Canaries[nd.canary]
				res.Found++
				res.Hits = append(res.Hits, Hit{Form: nd.form, Offset: fd.at, Where: where(fd.at)})
			}
		}
		for i := range rep.Canaries {
			keepFirstHits(&rep.Canaries[i])
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("read %s: %v", path, rerr)
		}
		// Carry the last longest-1 bytes: a match may begin there.
		carry := min(len(buf), longest-1)
		base += int64(len(buf) - carry)
		copy(buf, buf[len(buf)-carry:])
		buf = buf[:carry]
	}
	if err := fi.unchanged(); err != nil {
		return nil, err
	}
	rep.OK = true
	for _, c := range rep.Canaries {
		if c.Found > 0 {
			rep.OK = false
		}
	}
	return rep, nil
}

// keepFirstHits keeps the first maxHitsReported hits by offset.
func keepFirstHits(c *CanaryResult) {
	sort.SliceStable(c.Hits, func(i, j int) bool { return c.Hits[i].Offset < c.Hits[j].Offset })
	if len(c.Hits) > maxHitsReported {
		c.Hits = c.Hits[:maxHitsReported]
	}
}

// anchorLen keeps bytes.Index on its fast path (assembly for needles up to
// 31 bytes on every amd64; longer ones fall back to a slow Rabin-Karp).
const anchorLen = 24

// index is bytes.Index: it looks for the first anchorLen bytes of a long
// needle and compares the rest where they match.
func index(s, needle []byte) int {
	if len(needle) <= anchorLen {
		return bytes.Index(s, needle)
	}
	head := needle[:anchorLen]
	for off := 0; ; {
		i := bytes.Index(s[off:], head)
		if i < 0 {
			return -1
		}
		if bytes.HasPrefix(s[off+i:], needle) {
			return off + i
		}
		off += i + 1
	}
}

func (r *ScanReport) print(w io.Writer) {
	fmt.Fprintln(w, "mailbox-audit scan")
	r.File.print(w)
	fmt.Fprintln(w)
	if p := r.Pages; p != nil {
		fmt.Fprintf(w, "Pages (%s bytes each): %s in the file\n", thousands(int64(p.PageSize)), thousands(p.Pages))
		fmt.Fprintf(w, "  %9s  in the tree (reachable from the meta pages)\n", thousands(p.InUse))
		fmt.Fprintf(w, "  %9s  free (unreachable), %s of them hold data\n", thousands(p.Free), thousands(p.FreeWithData))
		fmt.Fprintf(w, "  %9s  beyond the high-water mark, %s of them hold data\n", thousands(p.Tail), thousands(p.TailWithData))
		fmt.Fprintf(w, "  unreachable: %s bytes, %s of them not zero\n", thousands(p.UnreachableBytes), thousands(p.UnreachableNonZero))
		for _, prob := range p.Problems {
			fmt.Fprintf(w, "  warning: bbolt's consistency check: %s\n", prob)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "Pages: not analysed (--raw).")
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Canaries: %s of %s, each searched in every byte of the file as UTF-8, UTF-16LE/BE,\n",
		plural(int64(len(r.Canaries)), "line", "lines"), r.canaryFile)
	fmt.Fprintln(w, "JSON-escaped, hex (lower and upper case) and base64 (standard and URL alphabet, at each")
	fmt.Fprintln(w, "of the 3 byte alignments, so with or without padding and inside longer base64).")
	var found []string
	for _, c := range r.Canaries {
		if c.Found == 0 {
			fmt.Fprintf(w, "  line %d: not found\n", c.Line)
			continue
		}
		found = append(found, fmt.Sprint(c.Line))
		var hits []string
		for _, h := range c.Hits {
			s := fmt.Sprintf("%s at %s", h.Form, thousands(h.Offset))
			if h.Where != "" {
				s += " (" + h.Where + " page)"
			}
			hits = append(hits, s)
		}
		more := ""
		if c.Found > len(c.Hits) {
			more = ", …"
		}
		fmt.Fprintf(w, "  line %d: FOUND %s: %s%s\n", c.Line, plural(int64(c.Found), "time", "times"), strings.Join(hits, "; "), more)
	}
	fmt.Fprintln(w)
	if r.OK {
		fmt.Fprintf(w, "PASS: none of the %s is in the file.\n", plural(int64(len(r.Canaries)), "canary", "canaries"))
		return
	}
	fmt.Fprintf(w, "FAIL: %d of %s found (line %s).\n", len(found), plural(int64(len(r.Canaries)), "canary", "canaries"), strings.Join(found, ", "))
}
