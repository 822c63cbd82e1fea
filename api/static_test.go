package api

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

func webFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	var sums strings.Builder
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
		if name != "index.html" {
			h := sha256.Sum256([]byte(body))
			sums.WriteString(hex.EncodeToString(h[:]) + "  " + name + "\n")
		}
	}
	fsys["SHA256SUMS"] = &fstest.MapFile{Data: []byte(sums.String())}
	return fsys
}

const testIndex = `<!doctype html><a id="exit" class="exit" href="https://www.wikipedia.org/" rel="noreferrer">x</a><script defer src="/app-ABCDEFGH.js"></script>`

func webGet(t *testing.T, e *env, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestWebClientServing(t *testing.T) {
	js := strings.Repeat("console.log(1);", 200)
	s := newEnv(t, envOptions{cfg: Config{Web: webFS(map[string]string{"index.html": testIndex, "app-ABCDEFGH.js": js}), ExitURL: "https://example.org/?a=1&b=\"2\""}})

	resp := webGet(t, s, "/", nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != PageCSP || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET /: %d, CSP %q, Cache-Control %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), resp.Header.Get("Cache-Control"))
	}
	if !strings.Contains(string(body), `href="https://example.org/?a=1&amp;b=&#34;2&#34;"`) {
		t.Errorf("the exit URL is not in the page, escaped: %s", body)
	}

	resp = webGet(t, s, "/app-ABCDEFGH.js", map[string]string{"Accept-Encoding": "gzip"})
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" ||
		resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("asset: %d %v", resp.StatusCode, resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != js {
		t.Error("the gzipped asset differs")
	}
	etag := resp.Header.Get("ETag")
	if resp = webGet(t, s, "/app-ABCDEFGH.js", map[string]string{"If-None-Match": etag}); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	for _, path := range []string{"/nope.js", "/index.html", "/.gitkeep", "/app-ABCDEFGH.js/x"} {
		if resp = webGet(t, s, path, nil); resp.StatusCode != 404 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: %d, Cache-Control %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	if resp = webGet(t, s, "/api/v1/pow", nil); resp.Header.Get("Content-Security-Policy") != "default-src 'none'" {
		t.Errorf("the API's CSP is %q", resp.Header.Get("Content-Security-Policy"))
	}
}

func TestWebClientNotBuilt(t *testing.T) {
	s := newEnv(t, envOptions{cfg: Config{Web: fstest.MapFS{".gitkeep": &fstest.MapFile{}}}})
	resp := webGet(t, s, "/", nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || !strings.Contains(string(body), "make build") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET / without a build: %d %q", resp.StatusCode, body)
	}
}

func TestWebClientRefusesBadBuilds(t *testing.T) {
	bad := webFS(map[string]string{"index.html": testIndex, "app-ABCDEFGH.js": "x"})
	bad["app-ABCDEFGH.js"] = &fstest.MapFile{Data: []byte("tampered")}
	for name, cfg := range map[string]Config{
		"checksum mismatch": {Web: bad},
		"http exit URL":     {Web: webFS(map[string]string{"index.html": testIndex}), ExitURL: "http://example.org/"},
		"no exit link":      {Web: webFS(map[string]string{"index.html": "<p>"})},
	} {
		if _, err := loadWeb(cfg.Web, cfg.ExitURL, nil); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
