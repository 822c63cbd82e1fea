package audit

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf16"
)

// The canary has non-ASCII characters, JSON-escaped ones and, as base64,
// characters that differ between the standard and URL alphabets.
const canary = "Hallo <Beratung> ich brauche Hilfe, mein Pass ist weg ü?>~"

func utf16Bytes(s string, bigEndian bool) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		if bigEndian {
			b = append(b, byte(c>>8), byte(c))
		} else {
			b = append(b, byte(c), byte(c>>8))
		}
	}
	return b
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// embed returns random bytes with x in the middle.
func embed(x []byte) []byte {
	return append(append(randomBytes(5000), x...), randomBytes(3001)...)
}

func TestScanForms(t *testing.T) {
	raw := []byte(canary)
	jsonForm, _ := json.Marshal(canary)
	inB64 := func(enc *base64.Encoding, prefix int) []byte {
		// The canary inside a longer value, as base64 of the whole value.
		v := append(append(randomBytes(prefix), raw...), randomBytes(7)...)
		return []byte(enc.EncodeToString(v))
	}
	cases := map[string][]byte{
		"utf-8":                       raw,
		"utf-16le":                    utf16Bytes(canary, false),
		"utf-16be":                    utf16Bytes(canary, true),
		"json":                        jsonForm,
		"json-ascii":                  []byte(`"Hallo <Beratung> ich brauche Hilfe, mein Pass ist weg \u00fc?>~"`),
		"hex":                         []byte(hex.EncodeToString(raw)),
		"HEX":                         []byte(strings.ToUpper(hex.EncodeToString(raw))),
		"base64, whole, padded":       []byte(base64.StdEncoding.EncodeToString(raw)),
		"base64, whole, unpadded":     []byte(base64.RawStdEncoding.EncodeToString(raw)),
		"base64url, whole, padded":    []byte(base64.URLEncoding.EncodeToString(raw)),
		"base64url, whole, unpadded":  []byte(base64.RawURLEncoding.EncodeToString(raw)),
		"base64, inside, offset 3":    inB64(base64.StdEncoding, 3),
		"base64, inside, offset 1":    inB64(base64.StdEncoding, 1),
		"base64, inside, offset 2":    inB64(base64.StdEncoding, 2),
		"base64, inside, offset 4":    inB64(base64.RawStdEncoding, 4),
		"base64url, inside, offset 1": inB64(base64.RawURLEncoding, 1),
		"base64url, inside, offset 5": inB64(base64.URLEncoding, 5),
		"json of base64 of utf-16":    []byte(base64.StdEncoding.EncodeToString(utf16Bytes(canary, false))),
	}
	canaries := writeFile(t, "canaries.txt", []byte("# the first line is a canary too, not a comment\n\n"+canary+"\r\n"))
	for name, form := range cases {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, "data.bin", embed(form))
			rep, err := Scan(path, []Canary{{Line: 3, Text: canary}}, true)
			if err != nil {
				t.Fatal(err)
			}
			c := rep.Canaries[0]
			if name == "json of base64 of utf-16" {
				// Not a form scan looks for; shows that the search is not
				// just matching anything.
				if c.Found != 0 {
					t.Errorf("found %+v", c)
				}
				return
			}
			if c.Found == 0 || rep.OK {
				t.Fatalf("not found: %+v", rep)
			}
			if c.Hits[0].Offset < 5000 || c.Hits[0].Offset > 5000+int64(len(form)) {
				t.Errorf("hit at %d", c.Hits[0].Offset)
			}
			code, out, _ := runCLI(t, "scan", "--raw", "--canary", canaries, path)
			if code != 1 || !strings.Contains(out, "  line 3: FOUND ") || !strings.Contains(out, "FAIL: 1 of 2 canaries found (line 3).") {
				t.Errorf("exit %d\n%s", code, out)
			}
			if strings.Contains(out, "Hallo") || strings.Contains(out, "first line") {
				t.Error("the report shows a canary's text")
			}
		})
	}

	// Random data holds no canary.
	path := writeFile(t, "random.bin", randomBytes(1<<20))
	code, out, _ := runCLI(t, "scan", "--raw", "--canary", canaries, path)
	if code != 0 || !strings.Contains(out, "PASS: none of the 2 canaries is in the file.") || !strings.Contains(out, "Pages: not analysed (--raw).") {
		t.Errorf("random data: exit %d\n%s", code, out)
	}
}

// TestScanChunks finds a canary across the boundary of the read chunks,
// and counts each occurrence once.
func TestScanChunks(t *testing.T) {
	data := randomBytes(2*scanChunk + 100)
	var at []int
	place := func(off int) {
		copy(data[off:], canary)
		at = append(at, off)
	}
	place(0)
	// Densely around the end of the first chunk, wherever the carried
	// tail makes it.
	for off := scanChunk - 400; off < scanChunk+800; off += len(canary) + 3 {
		place(off)
	}
	place(len(data) - len(canary))
	path := writeFile(t, "big.bin", data)
	rep, err := Scan(path, []Canary{{Line: 1, Text: canary}}, true)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Canaries[0]
	if c.Found != len(at) {
		t.Fatalf("found %d, want %d", c.Found, len(at))
	}
	for i, h := range c.Hits {
		if h.Offset != int64(at[i]) || h.Form != "utf-8" {
			t.Errorf("hit %d: %+v, want utf-8 at %d", i, h, at[i])
		}
	}
	if len(c.Hits) != maxHitsReported {
		t.Errorf("%d hits reported", len(c.Hits))
	}
}

// TestScanDataFile scans a data file page by page: a deleted mailbox's id
// is in free pages until compaction, a live one in the tree.
func TestScanDataFile(t *testing.T) {
	sn := newSnapshot(t)
	canaries := writeFile(t, "canaries.txt", []byte(sn.deleted+"\n127.0.0.77\nMozilla/5.0 (Lotse canary)\n"))
	before := sn.copyLive(t)

	rep, err := Scan(before, []Canary{{1, sn.deleted}, {2, sn.kept}}, false)
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Pages
	if p == nil || p.Free == 0 || p.FreeWithData == 0 || p.InUse+p.Free != p.HighWater || len(p.Problems) != 0 {
		t.Fatalf("pages %+v", p)
	}
	for _, h := range rep.Canaries[0].Hits {
		if h.Where != "free" {
			t.Errorf("the deleted mailbox's id in a %q page", h.Where)
		}
	}
	inTree := false
	for _, h := range rep.Canaries[1].Hits {
		inTree = inTree || h.Where == "tree"
	}
	if rep.Canaries[0].Found == 0 || !inTree {
		t.Errorf("canaries %+v", rep.Canaries)
	}
	code, out, _ := runCLI(t, "scan", "--canary", canaries, before)
	if code != 1 || !strings.Contains(out, "  line 1: FOUND ") || !strings.Contains(out, "(free page)") || strings.Contains(out, sn.deleted) {
		t.Errorf("scan before compaction: exit %d\n%s", code, out)
	}

	if err := sn.store.Compact(); err != nil {
		t.Fatal(err)
	}
	after := sn.copyLive(t)
	code, out, _ = runCLI(t, "scan", "--canary", canaries, after)
	if code != 0 || !strings.Contains(out, "PASS: none of the 3 canaries is in the file.") {
		t.Errorf("scan after compaction: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "scan", "--json", "--canary", canaries, after)
	var js map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &js); err != nil || code != 0 {
		t.Fatalf("scan --json: exit %d, %v\n%s", code, err, out)
	}
	var pages map[string]json.RawMessage
	json.Unmarshal(js["pages"], &pages)
	for _, k := range []string{"page_size", "pages", "high_water", "in_use", "free", "free_with_data", "tail", "tail_with_data", "unreachable_bytes", "unreachable_nonzero_bytes", "problems"} {
		if _, ok := pages[k]; !ok {
			t.Errorf("JSON pages lack %q: %s", k, js["pages"])
		}
	}
	if string(js["ok"]) != "true" || !bytes.Contains(js["canaries"], []byte(`{"line": 3,`)) && !bytes.Contains(js["canaries"], []byte(`"line": 3`)) {
		t.Errorf("JSON: %s", out)
	}

	// The file in use is refused; --raw reads it anyway.
	code, _, errOut := runCLI(t, "scan", "--canary", canaries, sn.path)
	if code != 1 || !strings.Contains(errOut, "is in use by a running mailboxd") {
		t.Errorf("scan of a file in use: exit %d, %s", code, errOut)
	}
	code, out, _ = runCLI(t, "scan", "--raw", "--canary", canaries, sn.path)
	if code != 0 {
		t.Errorf("scan --raw of the compacted live file: exit %d\n%s", code, out)
	}
}

func TestReadCanaries(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Canary
		err  string
	}{
		{"pickup1234\n\n  spaced  \r\n", []Canary{{1, "pickup1234"}, {3, "  spaced  "}}, ""},
		{"long enough\nshort\n", nil, "canary line 2 has 5 bytes, fewer than 6: a string that short matches random ciphertext by chance"},
		{"\n\r\n", nil, "the canary file has no canary"},
		{"valid line\n\xff\xfe broken\n", nil, "canary line 2 is not UTF-8"},
		{strings.Repeat("x", maxCanary+1), nil, "canary line 1 is longer than 4096 bytes"},
		{strings.Repeat("canary\n", maxCanaryFile/7+1), nil, "the canary file: larger than 4194304 bytes"},
	} {
		got, err := ReadCanaries(strings.NewReader(tc.in))
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ReadCanaries(%.20q): %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("ReadCanaries(%q) = %v, %v", tc.in, got, err)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ReadCanaries(%q)[%d] = %v, want %v", tc.in, i, got[i], tc.want[i])
			}
		}
	}
	// The error never quotes the short canary, which may be a secret.
	path := writeFile(t, "c.txt", []byte("1234\n"))
	code, _, errOut := runCLI(t, "scan", "--raw", "--canary", path, path)
	if code != 1 || strings.Contains(errOut, "1234\"") || !strings.Contains(errOut, "canary line 1 has 4 bytes") {
		t.Errorf("exit %d, %s", code, errOut)
	}
}

func TestBase64Core(t *testing.T) {
	data := []byte("0123456789")
	for align := range 3 {
		core := base64Core(base64.StdEncoding, data, align)
		for pre := align; pre < align+9; pre += 3 {
			for post := range 3 {
				v := append(append(randomBytes(pre), data...), randomBytes(post)...)
				if enc := base64.StdEncoding.EncodeToString(v); !strings.Contains(enc, string(core)) {
					t.Errorf("align %d, %d bytes before, %d after: %q not in %q", align, pre, post, core, enc)
				}
			}
		}
		if n := len(core); n < 11 || n > 13 {
			t.Errorf("align %d: core of %d characters", align, n)
		}
	}
}
