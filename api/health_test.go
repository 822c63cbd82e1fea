package api

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestHealth checks both health answers against a real store: their
// fixed bodies, the readiness hook, a closed store, and that a reason
// reaches the log once and never the client.
func TestHealth(t *testing.T) {
	var full atomic.Bool
	e := newEnv(t, envOptions{cfg: Config{Ready: func() error {
		if full.Load() {
			return errors.New("disk /srv/lotse: less than 256 MiB free")
		}
		return nil
	}}})

	check := func(path string, status int, body string) {
		t.Helper()
		r := e.do(request{method: http.MethodGet, path: path})
		if r.status != status || string(r.body) != body {
			t.Errorf("GET %s: %d %q, want %d %q", path, r.status, r.body, status, body)
		}
		if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q", path, cc)
		}
	}
	check("/healthz", 200, "ok\n")
	check("/readyz", 200, "ok\n")
	if r := e.do(request{method: http.MethodPost, path: "/healthz"}); r.status == 200 {
		t.Errorf("POST /healthz: %d", r.status)
	}

	full.Store(true)
	time.Sleep(healthTTL + 100*time.Millisecond)
	check("/readyz", 503, "unavailable\n")
	check("/healthz", 200, "ok\n") // a full disk is no reason to restart
	check("/readyz", 503, "unavailable\n")
	if n := strings.Count(e.log.String(), "mailboxd: not ready: disk /srv/lotse: less than 256 MiB free\n"); n != 1 {
		t.Errorf("the reason is logged %d times, want once:\n%s", n, e.log)
	}

	full.Store(false)
	time.Sleep(healthTTL + 100*time.Millisecond)
	check("/readyz", 200, "ok\n")
	if !strings.Contains(e.log.String(), "mailboxd: ready again\n") {
		t.Errorf("no line for the recovery:\n%s", e.log)
	}

	// The answer is cached: a closed store shows after healthTTL, not
	// before, so that a flood of checks reads the store once a second.
	check("/healthz", 200, "ok\n")
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	check("/healthz", 200, "ok\n")
	time.Sleep(healthTTL + 100*time.Millisecond)
	check("/healthz", 503, "unavailable\n")
	check("/readyz", 503, "unavailable\n")
	if !strings.Contains(e.log.String(), "mailboxd: not ready: the data file cannot be read") {
		t.Errorf("no line for the closed store:\n%s", e.log)
	}
}

func TestFavicon(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		r := e.do(request{method: m, path: "/favicon.ico"})
		if r.status != 200 || r.header.Get("Content-Type") != "image/x-icon" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s /favicon.ico: %d, Content-Type %q, Cache-Control %q", m, r.status, r.header.Get("Content-Type"), r.header.Get("Cache-Control"))
		}
		if m == http.MethodGet && !bytes.Equal(r.body, favicon) {
			t.Errorf("GET /favicon.ico: %d bytes, not the embedded icon", len(r.body))
		}
	}
	// An ICO directory of PNG images: the header, then each entry's PNG.
	if len(favicon) < 6 || !bytes.Equal(favicon[:4], []byte{0, 0, 1, 0}) || favicon[4] == 0 {
		t.Fatalf("favicon.ico has no ICO header")
	}
	for i := range int(favicon[4]) {
		entry := favicon[6+16*i:]
		size := int(entry[8]) | int(entry[9])<<8 | int(entry[10])<<16 | int(entry[11])<<24
		off := int(entry[12]) | int(entry[13])<<8 | int(entry[14])<<16 | int(entry[15])<<24
		if off+size > len(favicon) || !bytes.HasPrefix(favicon[off:], []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("favicon.ico image %d is not a PNG inside the file", i)
		}
	}
}
