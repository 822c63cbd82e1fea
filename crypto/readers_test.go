package crypto

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	mathrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// tsReader is the web client's reader (webclient/src/protocol.ts) run by
// node through webclient/test/verdicts.ts, for comparing verdicts with Go.
type tsReader struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

type tsVerdict struct {
	Verdict string         `json:"verdict"`
	Doc     map[string]any `json:"doc"`
}

// startTSReader bundles verdicts.ts with the web client's esbuild and starts
// it under node. Without node or webclient/node_modules (make web) it skips,
// unless LOTSE_REQUIRE_BROWSER is set, as in CI.
func startTSReader(t testing.TB) *tsReader {
	t.Helper()
	web, err := filepath.Abs("../webclient")
	if err != nil {
		t.Fatal(err)
	}
	esbuild := filepath.Join(web, "node_modules", ".bin", "esbuild")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(esbuild); err != nil || serr != nil {
		if os.Getenv("LOTSE_REQUIRE_BROWSER") != "" {
			t.Fatalf("node or %s missing (run make web)", esbuild)
		}
		t.Skip("node or webclient/node_modules missing: run make web")
	}
	bundle := filepath.Join(t.TempDir(), "verdicts.mjs")
	build := exec.Command(esbuild, filepath.Join(web, "test", "verdicts.ts"), "--bundle", "--platform=node",
		"--format=esm", "--target=node20", "--log-level=warning", "--outfile="+bundle)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, out)
	}
	cmd := exec.Command(node, bundle)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &tsReader{cmd: cmd, in: in, out: bufio.NewReader(out)}
	t.Cleanup(func() {
		in.Close()
		cmd.Wait()
	})
	return r
}

func (r *tsReader) check(t testing.TB, pt []byte, want Expect) tsVerdict {
	t.Helper()
	req := map[string]any{"pt": base64.StdEncoding.EncodeToString(pt), "mailbox": want.Mailbox, "from": want.From, "mk": nil}
	if want.MK != nil {
		req["mk"] = base64.StdEncoding.EncodeToString(want.MK)
	}
	line, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.in.Write(append(line, '\n')); err != nil {
		t.Fatalf("write to node: %v", err)
	}
	resp, err := r.out.ReadBytes('\n')
	if err != nil {
		t.Fatalf("read from node: %v", err)
	}
	var v tsVerdict
	if err := json.Unmarshal(resp, &v); err != nil {
		t.Fatalf("node answered %q: %v", resp, err)
	}
	return v
}

// agree runs both readers on pt and fails if their verdicts or the
// documents they read differ.
func (r *tsReader) agree(t testing.TB, name string, pt []byte, want Expect) string {
	t.Helper()
	d, err := CheckDocument(pt, want)
	goVerdict := verdict(d, err)
	ts := r.check(t, pt, want)
	if ts.Verdict != goVerdict {
		t.Errorf("%s: Go says %q, TypeScript %q\n%q", name, goVerdict, ts.Verdict, bytes.TrimRight(pt, " "))
		return goVerdict
	}
	if d != nil && !reflect.DeepEqual(documentFields(d), ts.Doc) {
		t.Errorf("%s: both accept, but read\nGo %v\nTS %v", name, documentFields(d), ts.Doc)
	}
	return goVerdict
}

// interesting are bytes and fragments that turn one valid token into
// another or break the grammar at a boundary the readers might treat
// differently.
var interesting = []string{
	"{", "}", "[", "]", `"`, `\`, ",", ":", "0", "1", "-", ".", "e", "E", "+", " ", "\n", "\t", "\r",
	"\x00", "\x7f", "\x80", "\xc0", "\xff", "\xef\xbb\xbf", `\u0000`, `\ud800`, `\u006d`, "true", "null",
	`"v":1,`, `"mk":"` + otherMK + `",`, `"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],`,
	"T", "Z", "z", "t", ",5", "+24:00", "-00:60", ":60", "99999999999999999999",
}

// dates are sent values around every boundary of the rule.
var dates = []string{
	"2026-11-28T13:05:00Z", "2026-11-28T13:05:00,5Z", "2026-11-28T13:05:00.5Z", "2026-11-28T13:05:00+24:00",
	"2026-11-28T13:05:00+23:59", "2026-11-28T13:05:00-00:60", "2026-11-28T13:05:00-00:59", "2026-11-28T23:59:60Z",
	"2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z",
	"2026-11-28T13:05:00.0000000000Z", "2026-11-28T13:05:00.000000000Z", "0000-01-01T00:00:00Z",
	"2026-11-28T13:05:00+01:00", "2026-11-28T13:05:00+1:00", "2026-11-28t13:05:00Z",
}

// mutate changes a valid-looking document deterministically: one of the
// mutations a crafted document would use, inside the JSON or at its edge.
// The size stays the same where the padding allows.
func mutate(rng *mathrand.Rand, pt []byte) []byte {
	if len(pt) == 0 {
		return pt
	}
	b := bytes.Clone(pt)
	js := max(1, len(bytes.TrimRight(b, " ")))
	at := rng.IntN(js)
	insert := func(frag []byte) []byte {
		return append(b[:at:at], append(frag, b[at:]...)...)
	}
	switch rng.IntN(6) {
	case 0: // overwrite a byte
		b[at] = interesting[rng.IntN(len(interesting))][0]
	case 1: // insert a fragment
		b = insert([]byte(interesting[rng.IntN(len(interesting))]))
	case 2: // delete a byte
		b = append(b[:at:at], b[at+1:]...)
	case 3: // another sent
		if i := bytes.Index(b, []byte(`"sent":"`)); i >= 0 {
			if j := bytes.IndexByte(b[i+8:], '"'); j >= 0 {
				b = append(append(b[:i+8:i+8], dates[rng.IntN(len(dates))]...), b[i+8+j:]...)
			}
		}
	case 4: // repeat a span, as a repeated key would
		b = insert(bytes.Clone(b[at:min(js, at+rng.IntN(40)+1)]))
	case 5: // upper-case a letter, as a key in another case would
		for i := at; i < js; i++ {
			if b[i] >= 'a' && b[i] <= 'z' {
				b[i] -= 'a' - 'A'
				break
			}
		}
	}
	for len(b) > len(pt) && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	for len(b) < len(pt) {
		b = append(b, ' ')
	}
	return b
}

// TestReadersAgree runs Go's and the web client's reader on the corpus and
// on deterministic mutations of it, and demands the same verdicts and the
// same documents.
func TestReadersAgree(t *testing.T) {
	c := readCorpus(t)
	r := startTSReader(t)
	rng := mathrand.New(mathrand.NewChaCha8([32]byte{19}))
	verdicts := map[string]int{}
	n := 0
	for i := range c.Cases {
		k := &c.Cases[i]
		pt, err := c.plaintext(k)
		if err != nil {
			t.Fatalf("corpus %s: %v", k.Name, err)
		}
		want, err := c.expect(k)
		if err != nil {
			t.Fatal(err)
		}
		r.agree(t, k.Name, pt, want)
		if len(pt) > 4096 {
			continue // the large cases test size; mutating them adds nothing but time
		}
		for m := range 16 {
			got := r.agree(t, k.Name+" mutated", mutate(rng, pt), want)
			verdicts[got]++
			n++
			if m == 0 && t.Failed() {
				return
			}
		}
	}
	t.Logf("%d mutated documents, verdicts %v", n, verdicts)
	if verdicts["accept"] < 50 || len(verdicts) < 15 {
		t.Errorf("the mutations reach too few verdicts: %v", verdicts)
	}
}

// FuzzReadersAgree compares the two readers on whatever the fuzzer makes
// of the corpus.
func FuzzReadersAgree(f *testing.F) {
	c := readCorpus(f)
	for i := range c.Cases {
		if pt, err := c.plaintext(&c.Cases[i]); err == nil && len(pt) <= 4096 {
			f.Add(pt, false)
		}
	}
	r := startTSReader(f)
	mk, _ := base64.StdEncoding.DecodeString(c.MK)
	f.Fuzz(func(t *testing.T, pt []byte, takeMK bool) {
		for _, from := range []string{FromEnquirer, FromCounsellor} {
			want := Expect{Mailbox: c.Mailbox, MK: mk, From: from}
			if takeMK {
				want.MK = nil
			}
			r.agree(t, "fuzz", pt, want)
		}
	})
}
