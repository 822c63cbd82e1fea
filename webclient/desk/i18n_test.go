package desk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestTranslations: both catalogues have the same keys and no empty text,
// and every key the page's HTML names (data-t, data-t-placeholder) exists.
// tsc checks the keys the TypeScript names, literal or built from a typed
// value; keys built from counsel's error codes fall back at run time.
func TestTranslations(t *testing.T) {
	langs := map[string]map[string]string{}
	for _, l := range []string{"de", "en"} {
		b, err := os.ReadFile("src/lang/" + l + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("src/lang/%s.json: %v", l, err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("src/lang/%s.json: %q is empty", l, k)
			}
		}
		langs[l] = m
	}
	for k := range langs["de"] {
		if _, ok := langs["en"][k]; !ok {
			t.Errorf("%q is German only", k)
		}
	}
	for k := range langs["en"] {
		if _, ok := langs["de"][k]; !ok {
			t.Errorf("%q is English only", k)
		}
	}

	html, err := os.ReadFile("src/index.html")
	if err != nil {
		t.Fatal(err)
	}
	var used []string
	for _, m := range regexp.MustCompile(`data-t(?:-placeholder)?="([^"]+)"`).FindAllSubmatch(html, -1) {
		used = append(used, string(m[1]))
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in index.html; is the pattern still right?", len(used))
	}
	slices.Sort(used)
	for _, k := range slices.Compact(used) {
		if _, ok := langs["de"][k]; !ok {
			t.Errorf("index.html uses %q, which the catalogues lack", k)
		}
	}
}

// TestHandler: a built desk serves index.html, and every file it names
// is there with the hash SHA256SUMS gives; an unbuilt one answers 503.
// LOTSE_REQUIRE_BROWSER=1 (CI) demands the built desk.
func TestHandler(t *testing.T) {
	get := func(path string) (int, []byte) {
		rec := httptest.NewRecorder()
		Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		b, _ := io.ReadAll(rec.Result().Body)
		return rec.Code, b
	}
	if !Built() {
		if os.Getenv("LOTSE_REQUIRE_BROWSER") == "1" {
			t.Fatal("the desk is not built: run make web")
		}
		if code, body := get("/"); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "make build") {
			t.Errorf("unbuilt desk: %d %q", code, body)
		}
		t.Skip("the desk is not built (make web)")
	}
	code, page := get("/")
	if code != http.StatusOK || !strings.Contains(string(page), `id="unlock-form"`) {
		t.Fatalf("GET /: %d", code)
	}
	if strings.Contains(string(page), "{{") {
		t.Error("index.html has an unfilled placeholder")
	}
	refs := regexp.MustCompile(`(?:src|href)="/([^"]+)"`).FindAllSubmatch(page, -1)
	if len(refs) != 2 {
		t.Fatalf("index.html names %d files, want a script and a style sheet", len(refs))
	}
	sums, err := fs.ReadFile(Static(), "SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", line)
		}
		want[name] = sum
	}
	for _, r := range append(refs, [][]byte{nil, []byte("index.html")}) {
		name := string(r[1])
		code, b := get("/" + name)
		if name == "index.html" {
			b = page // FileServer redirects /index.html to /
			code = http.StatusOK
		}
		if !regexp.MustCompile(`^(index\.html|[a-z]+-[A-Z0-9]+\.(js|css))$`).MatchString(name) {
			t.Errorf("%s: not a content-hash name", name)
		}
		sum := sha256.Sum256(b)
		if code != http.StatusOK || want[name] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: %d, sha256 %x, SHA256SUMS says %q", name, code, sum, want[name])
		}
	}
}
