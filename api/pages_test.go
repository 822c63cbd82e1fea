package api

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"lotse/content"
)

// wantPageCSP is the page CSP as the issue states it, spelt out here so
// that a change of the constant is noticed.
const wantPageCSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; require-trusted-types-for 'script'"

// headerNames are the security headers every web response carries.
var headerNames = []string{"Content-Security-Policy", "Cache-Control", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Resource-Policy", "Cross-Origin-Opener-Policy"}

func newPagesEnv(t *testing.T) (*env, *content.Site) {
	t.Helper()
	site, err := content.Load("", content.Options{RetentionDays: 30, ExitURL: "https://exit.example/"})
	if err != nil {
		t.Fatal(err)
	}
	// A stand-in for the built web client: its page, so that the app's
	// headers can be compared with the pages'.
	web := fstest.MapFS{
		"index.html": {Data: []byte(`<!doctype html><a id="exit" class="exit" href="` + DefaultExitURL + `">x</a>`)},
		"SHA256SUMS": {Data: []byte("")},
	}
	e := newEnv(t, envOptions{cfg: Config{Content: site, Web: web, ExitURL: "https://exit.example/"}})
	e.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e, site
}

func TestPagesHeadersEqualTheApp(t *testing.T) {
	e, site := newPagesEnv(t)
	app := e.do(request{method: "GET", path: "/"})
	if app.status != http.StatusOK {
		t.Fatalf("GET / = %d", app.status)
	}
	if got := app.header.Get("Content-Security-Policy"); got != wantPageCSP {
		t.Fatalf("the app's CSP is %q, want %q", got, wantPageCSP)
	}
	paths := []string{"/info/de/", "/info/en/", "/info/assets/pages.css", "/info/assets/pages.js", "/info/de/does-not-exist", "/info/assets/nope.js", "/info", "/info/en"}
	for _, lang := range content.Languages {
		for _, slug := range site.Slugs(lang) {
			paths = append(paths, "/info/"+lang+"/"+strings.TrimPrefix(slug, "index"))
		}
	}
	for _, p := range paths {
		for _, method := range []string{"GET", "HEAD"} {
			r := e.do(request{method: method, path: p})
			for _, h := range headerNames {
				if got, want := r.header.Get(h), app.header.Get(h); got != want || want == "" {
					t.Errorf("%s %s: %s = %q, the app's is %q", method, p, h, got, want)
				}
			}
			if r.header.Get("Set-Cookie") != "" {
				t.Errorf("%s %s sets a cookie", method, p)
			}
		}
	}
}

func TestPagesServe(t *testing.T) {
	e, site := newPagesEnv(t)
	for _, lang := range content.Languages {
		for _, slug := range site.Slugs(lang) {
			p := "/info/" + lang + "/" + strings.TrimPrefix(slug, "index")
			r := e.do(request{method: "GET", path: p})
			want, _ := site.Page(lang, slug)
			if r.status != http.StatusOK || string(r.body) != string(want) {
				t.Errorf("GET %s = %d, %d bytes; want 200 and the rendered page", p, r.status, len(r.body))
			}
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("GET %s: Content-Type %q", p, ct)
			}
			if !strings.Contains(string(r.body), `href="https://exit.example/"`) {
				t.Errorf("GET %s: the quick exit is not the configured one", p)
			}
		}
	}
	for _, tc := range []struct {
		path, ctype string
	}{
		{"/info/assets/pages.css", "text/css; charset=utf-8"},
		{"/info/assets/pages.js", "text/javascript; charset=utf-8"},
	} {
		r := e.do(request{method: "GET", path: tc.path})
		if r.status != http.StatusOK || r.header.Get("Content-Type") != tc.ctype || len(r.body) < 100 {
			t.Errorf("GET %s = %d %q, %d bytes", tc.path, r.status, r.header.Get("Content-Type"), len(r.body))
		}
	}
	for _, tc := range []struct {
		path, accept string
		status       int
		location     string
	}{
		{"/info", "", http.StatusFound, "/info/de/"},
		{"/info/", "", http.StatusFound, "/info/de/"},
		{"/info", "en-GB,en;q=0.9", http.StatusFound, "/info/en/"},
		{"/info", "tr,de;q=0.5,en;q=0.4", http.StatusFound, "/info/de/"},
		{"/info/en", "de", http.StatusFound, "/info/en/"},
		{"/info/tr", "", http.StatusFound, "/info/de/"},
	} {
		r := e.do(request{method: "GET", path: tc.path, header: map[string]string{"Accept-Language": tc.accept}})
		if got := r.header.Get("Location"); r.status != tc.status || got != tc.location {
			t.Errorf("GET %s (Accept-Language %q) = %d → %q, want %d → %q", tc.path, tc.accept, r.status, got, tc.status, tc.location)
		}
	}
	for _, p := range []string{"/info/de/nope", "/info/tr/faq", "/info/de/faq/", "/info/de/FAQ", "/info/assets/other.js", "/info/de/faq/more"} {
		r := e.do(request{method: "GET", path: p})
		if r.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, r.status)
		}
	}
	if r := e.do(request{method: "GET", path: "/info/en/nope"}); !strings.Contains(string(r.body), "Page not found") {
		t.Error("the English 404 page is not English")
	}
	if r := e.do(request{method: "POST", path: "/info/de/faq", body: "{}"}); r.status == http.StatusOK {
		t.Error("POST to a page is answered 200")
	}
	// The log names route patterns, never the page a person looked at.
	log := e.log.String()
	if !strings.Contains(log, "GET /info/:lang/:slug 200") {
		t.Errorf("the log lacks the route pattern:\n%s", log)
	}
	for _, leak := range []string{"safety", "/info/de/", "/info/en/", "en-GB"} {
		if strings.Contains(log, leak) {
			t.Errorf("the log shows %q", leak)
		}
	}
}

func TestNoPagesWithoutContent(t *testing.T) {
	e := newEnv(t, envOptions{})
	if r := e.do(request{method: "GET", path: "/info/de/"}); r.status != http.StatusNotFound {
		t.Errorf("GET /info/de/ without content = %d, want 404", r.status)
	}
}
