package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"lotse/internal/mailboxdtest"
)

// pagesContentDir is an operator's content folder: one string changed, so
// that the test sees LOTSE_CONTENT_DIR at work; the built-in pages and the
// example directory otherwise.
func pagesContentDir(t *testing.T) string {
	t.Helper()
	return mailboxdtest.ContentDir(t, map[string]string{"de/strings.json": `{"service_name": "Testberatung"}`})
}

// TestPagesBrowser reads the information pages in Debian's Chromium against
// the real mailboxd: with JavaScript off every page, the language switch,
// the directory and the quick exit work; with JavaScript on the directory
// filter works in the page and leaves no query string, no history entry
// and nothing stored, and Shift three times leaves the site.
func TestPagesBrowser(t *testing.T) {
	requireBrowser(t)
	srv := startServer(t, "LOTSE_EXIT_URL="+exitURL, "LOTSE_RETENTION_DAYS=45", "LOTSE_CONTENT_DIR="+pagesContentDir(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// The headers, checked with a plain HTTP client first.
	for _, p := range []string{"/info/de/", "/info/en/safety", "/info/de/centres", "/info/assets/pages.css", "/info/assets/pages.js", "/info/de/nope"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+p, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("Content-Security-Policy"); got != wantPageCSP {
			t.Errorf("GET %s: CSP %q", p, got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q", p, got)
		}
	}

	bctx, stop := newBrowser(t, "de-DE")
	defer stop()
	// Start the browser on the root context, so that it outlives the tabs
	// of the subtests (a tab that starts it would close it with itself).
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start the browser: %v", err)
	}

	t.Run("without JavaScript", func(t *testing.T) {
		tctx, cancelTab := chromedp.NewContext(bctx)
		defer cancelTab()
		b := &tab{t: t, ctx: tctx, srv: srv}
		if err := chromedp.Do(tctx); err != nil { // opens the tab; no timeout here
			t.Fatalf("open a tab: %v", err)
		}
		call(b, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		call(b, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 320, Height: 720, DeviceScaleFactor: 1, Mobile: true})

		// /info picks German from the browser's language.
		b.do("open /info", chromedp.Navigate(srv.URL+"/info"))
		if loc := devEval[string](b, `location.pathname`); loc != "/info/de/" {
			t.Errorf("/info led to %s, want /info/de/", loc)
		}
		// Scripts really are off: pages.js would show the filter and count.
		b.do("open the directory", chromedp.Navigate(srv.URL+"/info/de/centres"))
		if !devEval[bool](b, `document.getElementById("centre-filter").hidden`) {
			t.Fatal("the filter is shown: scripts are not off")
		}
		if n := devEval[int](b, `[...document.querySelectorAll("li.centre")].filter(li => li.offsetParent !== null).length`); n != 6 {
			t.Errorf("%d centres visible without scripts, want all 6", n)
		}
		if got := devEval[string](b, `[...document.querySelectorAll("section.state h3")].map(h => h.textContent).join("|")`); got != "Bundesweit|Bayern|Berlin|Hamburg|Hessen|Nordrhein-Westfalen" {
			t.Errorf("groups by state: %s", got)
		}

		// Every page in both languages: a title, the quick exit, "write to
		// us", the stylesheet applied (under the page CSP).
		for _, lang := range []string{"de", "en"} {
			for _, slug := range []string{"", "affected", "relatives", "professionals", "how-it-works", "safety", "data", "faq", "centres", "imprint"} {
				b.do("open "+lang+"/"+slug, chromedp.Navigate(srv.URL+"/info/"+lang+"/"+slug))
				got := devEval[string](b, `[document.documentElement.lang, document.querySelector("h1") ? document.querySelector("h1").textContent : "", document.getElementById("quick-exit").href, document.querySelector("a.button").getAttribute("href"), getComputedStyle(document.getElementById("quick-exit")).backgroundColor].join("|")`)
				parts := strings.Split(got, "|")
				if len(parts) != 5 || parts[0] != lang || parts[1] == "" || parts[2] != exitURL || parts[3] != "/" || parts[4] != "rgb(179, 38, 30)" {
					t.Errorf("%s/%s: lang|h1|exit|write|exit colour = %s", lang, slug, got)
				}
			}
		}
		b.do("open the German data page", chromedp.Navigate(srv.URL+"/info/de/data"))
		if body := devEval[string](b, `document.body.innerText`); !strings.Contains(body, "45 Tage") || !strings.Contains(body, "Testberatung") {
			t.Error("the data page does not show the configured retention, or the operator's service name is missing")
		}

		// The language switch is a plain link.
		b.do("switch to English", chromedp.Click(chromedp.CSS(`nav.langs a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)))
		if loc := devEval[string](b, `location.pathname`); loc != "/info/en/data" {
			t.Errorf("the language switch led to %s", loc)
		}
		// The quick exit is a plain link too.
		b.do("quick exit", chromedp.Click(chromedp.ID("quick-exit")))
		pagesWaitAt(b, exitURL)
	})

	t.Run("with JavaScript", func(t *testing.T) {
		tctx, cancelTab := chromedp.NewContext(bctx)
		defer cancelTab()
		b := watchedTab(t, tctx, srv)
		w := b.w
		b.recordCSP()
		b.do("open the directory", chromedp.Navigate(srv.URL+"/info/en/centres"), chromedp.WaitVisible(chromedp.ID("centre-filter")))
		href := eval[string](b, `location.href`)
		hlen := eval[int](b, `history.length`)
		if bad := eval[string](b, contrastAudit); bad != "" {
			t.Errorf("directory page: text below WCAG 2.2 AA contrast: %s", bad)
		}
		if got := b.text("#filter-count"); got != "6 counselling centres" {
			t.Errorf("count before filtering: %q", got)
		}

		choose := func(state, language, group string) (visible string, count string) {
			t.Helper()
			eval[bool](b, fmt.Sprintf(`(() => {
				for (const [id, v] of [["filter-state", %q], ["filter-language", %q], ["filter-group", %q]]) {
					const s = document.getElementById(id);
					s.value = v;
					s.dispatchEvent(new Event("change", {bubbles: true}));
				}
				return true;
			})()`, state, language, group))
			visible = eval[string](b, `[...document.querySelectorAll("li.centre")].filter(li => li.offsetParent !== null).map(li => li.querySelector("h4").textContent.split(" (")[0]).join(", ")`)
			return visible, eval[string](b, `document.getElementById("filter-count").textContent`)
		}
		for _, tc := range []struct{ state, language, group, want, count string }{
			{"DE-BY", "", "", "Beispiel-Fachstelle bundesweit, Beispiel-Beratungsstelle München", "2 counselling centres"},
			{"", "vi", "", "Beispiel-Beratungsstelle Hamburg", "1 counselling centre"},
			{"", "", "forced_begging_crime", "Beispiel-Beratungsstelle Köln", "1 counselling centre"},
			{"DE-NW", "ar", "minors", "Beispiel-Beratungsstelle Köln", "1 counselling centre"},
			{"DE-HH", "ro", "", "", "0 counselling centres"},
			{"", "", "", "Beispiel-Fachstelle bundesweit, Beispiel-Beratungsstelle München, Beispiel-Beratungsstelle Berlin, Beispiel-Beratungsstelle Hamburg, Beispiel-Beratungsstelle Frankfurt am Main, Beispiel-Beratungsstelle Köln", "6 counselling centres"},
		} {
			visible, count := choose(tc.state, tc.language, tc.group)
			if visible != tc.want || count != tc.count {
				t.Errorf("filter %q/%q/%q: %q (%q), want %q (%q)", tc.state, tc.language, tc.group, visible, count, tc.want, tc.count)
			}
			noneShown := eval[bool](b, `!document.getElementById("filter-empty").hidden`)
			if noneShown != (tc.want == "") {
				t.Errorf("filter %q/%q/%q: the no-match note shown = %v", tc.state, tc.language, tc.group, noneShown)
			}
		}
		if got := eval[string](b, `location.href`); got != href || strings.ContainsAny(got, "?#") {
			t.Errorf("the address changed while filtering: %q, was %q", got, href)
		}
		if got := eval[int](b, `history.length`); got != hlen {
			t.Errorf("history.length %d after filtering, was %d", got, hlen)
		}
		if u := call(b, storage.GetUsageAndQuota, storage.GetUsageAndQuotaParams{Origin: srv.URL}); u.Usage != 0 {
			t.Errorf("the origin uses %v bytes of storage", u.Usage)
		}
		if c := call(b, storage.GetCookies, storage.GetCookiesParams{}); len(c.Cookies) != 0 {
			t.Errorf("%d cookies stored", len(c.Cookies))
		}
		if v := eval[string](b, `window.__csp.join("; ")`); v != "" {
			t.Errorf("CSP violations: %s", v)
		}
		requests, problems := w.snapshot()
		for _, r := range requests {
			if !strings.HasPrefix(r, srv.URL+"/") {
				t.Errorf("request to another origin: %s", r)
			}
		}
		if len(problems) > 0 {
			t.Errorf("browser problems: %v", problems)
		}

		// A link within the site replaces the history entry instead of
		// adding one.
		b.do("follow a link", chromedp.Click(chromedp.CSS(`a[href="/info/en/safety"]`)))
		pagesWaitAt(b, srv.URL+"/info/en/safety")
		// The quick exit below needs the new page's script.
		b.do("load the linked page", chromedp.WaitVisible(chromedp.ID("quick-exit")),
			chromedp.Poll[chromedp.Void](`document.readyState === "complete"`))
		if got := eval[int](b, `history.length`); got != hlen {
			t.Errorf("history.length %d after following a link, was %d", got, hlen)
		}

		// Shift three times leaves the site and replaces the page's history
		// entry: this tab's history holds no page of the service.
		w.record(false)
		for range 3 {
			call(b, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16, Modifiers: 8})
			call(b, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16})
		}
		pagesWaitAt(b, exitURL)
		for _, e := range call(b, page.GetNavigationHistory, cdp.Empty{}).Entries {
			if strings.HasPrefix(e.URL, srv.URL) {
				t.Errorf("history still holds %s", e.URL)
			}
		}
	})
	srv.checkLog(t, map[string]string{"page path": "/info/de/centres"})
}

// devEval evaluates as DevTools does, which works with page scripts off.
func devEval[T any](b *tab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.EvaluateAsDevTools[T](expr))
	if err != nil {
		b.fail("evaluate "+expr, err)
	}
	return v
}

// pagesWaitAt waits until the tab's current history entry is url.
func pagesWaitAt(b *tab, url string) {
	b.t.Helper()
	var last string
	for range 200 {
		h, err := chromedp.Call(b.ctx, page.GetNavigationHistory, cdp.Empty{})
		if err == nil && len(h.Entries) > 0 {
			if last = h.Entries[h.CurrentIndex].URL; last == url {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("the quick exit did not lead to %s (at %s)", url, last)
}

// TestBrokenContentDir: mailboxd refuses to start with a broken content
// folder, names the file, entry and field, and creates nothing.
func TestBrokenContentDir(t *testing.T) {
	needsMailboxd(t)
	for _, tc := range []struct {
		name, file, body string
		want             []string
	}{
		{"front matter", "de/faq.md", "# Fragen ohne Kopf\n", []string{"LOTSE_CONTENT_DIR", "de/faq.md", "front matter"}},
		{"entry without a name", "centres.json", `{"centres": [{"id": "a", "name": "", "organisation": "T", "state": "DE-BE", "city": "Berlin", "languages": ["de"], "target_groups": ["women"], "services": {"de": "x"}, "contact": {"email": "a@example.org"}}]}`,
			[]string{"centres.json", "entry 0 (no name)", "name: missing"}},
		{"unknown state", "centres.json", `{"centres": [{"id": "a", "name": "Stelle A", "organisation": "T", "state": "DE-XX", "city": "X", "languages": ["de"], "target_groups": ["women"], "services": {"de": "x"}, "contact": {"email": "a@example.org"}}]}`,
			[]string{"centres.json", `entry 0 ("Stelle A")`, "state", `"DE-XX"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			content := filepath.Join(dir, "content")
			p := filepath.Join(content, filepath.FromSlash(tc.file))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(dir, "data")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, mailboxdtest.Binary(t))
			cmd.Env = []string{"LOTSE_ADDR=127.0.0.1:0", "LOTSE_DB=" + filepath.Join(data, "lotse.db"), "LOTSE_CONTENT_DIR=" + content, "PATH=" + os.Getenv("PATH")}
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("mailboxd: %v, want exit status 1\n%s", err, out)
			}
			first, _, _ := strings.Cut(string(out), "\n")
			if !strings.HasPrefix(first, "mailboxd: error: ") {
				t.Errorf("first line %q", first)
			}
			for _, w := range tc.want {
				if !strings.Contains(first, w) {
					t.Errorf("message %q lacks %q", first, w)
				}
			}
			if !strings.Contains(string(out), "mailboxd: hint: ") {
				t.Errorf("no hint:\n%s", out)
			}
			if strings.Contains(string(out), "listening") {
				t.Errorf("mailboxd listened:\n%s", out)
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the data folder exists after a refused start: %v", err)
			}
		})
	}
}
