package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/internal/mailboxdtest"
)

// addedTigrinya is an operator's content folder that adds Tigrinya (ti),
// a language the service does not ship: its name in itself, every
// interface string, label and web client text (the English ones marked
// "ትግ", standing in for a translation), and a start page. It returns the
// folder and the web client texts.
func addedTigrinya(t *testing.T) (string, map[string]string) {
	t.Helper()
	read := func(file string) map[string]string {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			m[k] = "ትግ " + v
		}
		return m
	}
	web := read("../webclient/src/lang/en.json")
	strs := read("../content/defaults/en/strings.json")
	strs["lang_name"] = "ትግርኛ"
	enc := func(m map[string]string) string {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return mailboxdtest.ContentDir(t, map[string]string{
		"ti/language.json":  `{"name": "ትግርኛ", "dir": "ltr"}`,
		"ti/strings.json":   enc(strs),
		"ti/labels.json":    enc(read("../content/labels/fr.json")),
		"ti/webclient.json": enc(web),
		"ti/index.md":       "---\ntitle: ሓበሬታ\n---\n\nትግ: ብዛዕባ እዚ ኣገልግሎት.\n",
	}), web
}

// TestLanguagesAdded: an operator adds Tigrinya through LOTSE_CONTENT_DIR
// alone. mailbox-audit web still passes and lists its catalogue as the
// operator's; /info/ti/ speaks it and /info/ leads a Tigrinya browser
// there; and in Chromium at 320 px a browser preferring Tigrinya gets the
// page in it from the first view, the picker offers it by its own name,
// and the whole enquirer flow runs in it (walkLanguage: first message,
// code and passphrase, reply, coming back, deleting); a German browser
// switches to it through the picker.
func TestLanguagesAdded(t *testing.T) {
	sums := filepath.Join("..", "webclient", "dist", "SHA256SUMS")
	if _, err := os.Stat(sums); err != nil {
		t.Skip("the web client is not built (make web)")
	}
	dir, web := addedTigrinya(t)
	srv := startServer(t, "LOTSE_POW_DIFFICULTY=4", "LOTSE_EXIT_URL="+exitURL, "LOTSE_CONTENT_DIR="+dir)

	t.Run("audit", func(t *testing.T) {
		code, out := auditText("web", "--expect", sums, srv.URL)
		for _, want := range []string{`(the operator's added language ti "ትግርኛ": its texts)`, "none published; read them all", "PASS: "} {
			if !strings.Contains(out, want) {
				t.Errorf("the audit lacks %q", want)
			}
		}
		if code != 0 {
			t.Errorf("web: exit %d\n%s", code, out)
		}
	})

	t.Run("info pages", func(t *testing.T) {
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, _ := http.NewRequest("GET", srv.URL+"/info/", nil)
		req.Header.Set("Accept-Language", "ti-ER, en;q=0.5")
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "/info/ti/" {
			t.Errorf("/info/ for a Tigrinya browser leads to %q", loc)
		}
		for _, c := range []struct{ path, want string }{
			{"/info/ti/", `<html lang="ti">`},
			{"/info/ti/", "ብዛዕባ እዚ ኣገልግሎት"},
			{"/info/ti/centres", `<html lang="ti">`},
			{"/info/de/", `hreflang="ti" lang="ti" dir="ltr">ትግርኛ</a>`},
		} {
			resp, err := http.Get(srv.URL + c.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), c.want) {
				t.Errorf("%s: %d, lacks %q", c.path, resp.StatusCode, c.want)
			}
		}
	})

	t.Run("browser", func(t *testing.T) {
		requireBrowser(t)
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		team := newTeam(t, ctx, srv)
		walkLanguage(t, ctx, srv, team, langCase{lang: "ti", browser: "ti-ER", native: func(s string) string { return s }, texts: web, added: 1})
	})

	// What a first visit in Tigrinya adds to the page and bundle that
	// checkFirstVisit measures: its catalogue, gzipped as served.
	t.Run("first visit", func(t *testing.T) {
		page, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(page.Body)
		page.Body.Close()
		m := regexp.MustCompile(`data-catalogue-ti="(/lang-ti-[A-Z0-9]{8}\.json)"`).FindSubmatch(b)
		if m == nil {
			t.Fatal("the page names no Tigrinya catalogue")
		}
		req, _ := http.NewRequest("GET", srv.URL+string(m[1]), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d, %q", m[1], resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		t.Logf("the added language's catalogue: %.1f KB gzipped as served", float64(len(raw))/1024)
	})

	// A German browser finds it in the picker, by its own name, last.
	t.Run("picker", func(t *testing.T) {
		requireBrowser(t)
		b, w, stop := openTab(t, srv, "de-DE")
		defer stop()
		b.do("open the page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("b-start-write")))
		if last := eval[string](b, `(() => { const o = [...document.getElementById("lang").options].at(-1); return o.value + " " + o.lang + " " + o.dir + " " + o.textContent; })()`); last != "ti ti ltr ትግርኛ" {
			t.Errorf("the picker's last language is %q", last)
		}
		b.do("to Tigrinya", chooseLang("ti"))
		checkLangView(b, langCase{lang: "ti"}, "start in Tigrinya", web["start.heading"])
		_, problems := w.snapshot()
		for _, p := range problems {
			t.Errorf("browser: %s", p)
		}
		checkNoStorage(b)
	})
}
