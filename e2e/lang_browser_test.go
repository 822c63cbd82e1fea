package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"lotse/internal/mailboxdtest"
)

// langCase is a language the browser test walks the enquirer's flow in.
type langCase struct {
	lang    string // the page's language, as the catalogue names it
	browser string // the browser's preferred language
	rtl     bool
	// native writes ASCII digits in the script a person of this language
	// may type them in; the page must accept them.
	native func(string) string
	// texts are the web client's texts in lang; nil reads the built
	// catalogue. added is the number of languages the operator added.
	texts map[string]string
	added int
}

// arabicIndic writes ASCII digits as Arabic-Indic ones (٠–٩).
func arabicIndic(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, s)
}

// TestLanguagesBrowser walks the whole enquirer flow in Arabic (right to
// left, digits typed in Arabic-Indic script) and in French on a 320 px
// screen: the browser's preferred language chosen at the first visit and
// only its catalogue fetched, every view in that language with the right
// lang and dir, the pickup code and passphrase left to right in their
// groups and typed back before anything is sent, the language in the
// message document the counsellor reads, a reply, coming back by code,
// deleting. A third tab starts in German and
// switches through the picker.
func TestLanguagesBrowser(t *testing.T) {
	requireBrowser(t)
	srv := startServer(t, "LOTSE_POW_DIFFICULTY=4", "LOTSE_EXIT_URL="+exitURL)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	team := newTeam(t, ctx, srv)
	for _, c := range []langCase{
		{lang: "ar", browser: "ar-EG", rtl: true, native: arabicIndic},
		{lang: "fr", browser: "fr-FR", native: func(s string) string { return s }},
	} {
		t.Run(c.lang, func(t *testing.T) { walkLanguage(t, ctx, srv, team, c) })
	}
	t.Run("picker", func(t *testing.T) { pickLanguages(t, srv) })
	t.Run("info pages", func(t *testing.T) { checkInfoLanguages(t, srv) })
	t.Run("centres in Arabic", func(t *testing.T) { checkCentresRTL(t, srv) })
	t.Run("first visit size", func(t *testing.T) { checkFirstVisit(t, srv) })
}

// checkFirstVisit measures a first visit as the server sends it, gzipped:
// the page (with the texts the server puts in), script, style, worker and,
// beyond German and English, the language's catalogue; each language must
// stay under 80 KB.
func checkFirstVisit(t *testing.T, srv *server) {
	get := func(path string) (body []byte, wire int) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" {
			return raw, len(raw)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		return plain, len(raw)
	}
	page, total := get("/")
	var app []byte
	for _, m := range regexp.MustCompile(`(?:src|href|data-worker)="(/[a-z]+-[A-Z0-9]{8}\.(?:js|css))"`).FindAllSubmatch(page, -1) {
		b, n := get(string(m[1]))
		total += n
		if strings.HasPrefix(string(m[1]), "/app-") {
			app = b
		}
	}
	if app == nil {
		t.Fatal("the page names no app script")
	}
	for _, lang := range []string{"de", "en", "fr", "es", "ro", "bg", "uk", "ru", "ar", "zh", "vi", "th"} {
		visit := total
		if lang != "de" && lang != "en" {
			m := regexp.MustCompile(`/lang-` + lang + `-[A-Z0-9]{8}\.json`).Find(app)
			if m == nil {
				t.Errorf("the app names no catalogue for %s", lang)
				continue
			}
			_, n := get(string(m))
			visit += n
		}
		t.Logf("first visit in %s: %.1f KB gzipped as served", lang, float64(visit)/1024)
		if visit >= 80*1024 {
			t.Errorf("first visit in %s: %d bytes gzipped, over 80 KB", lang, visit)
		}
	}
}

// catalogueOf reads the web client's texts in lang, so that the test
// checks the page against the catalogue rather than a copy of it.
func catalogueOf(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../webclient/src/lang/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// openTab starts Chromium preferring lang, at 320 px, watching requests,
// errors and CSP reports.
func openTab(t *testing.T, srv *server, lang string) (*tab, *browserWatch, context.CancelFunc) {
	t.Helper()
	bctx, stop := newBrowser(t, lang)
	t.Cleanup(stop) // also when the tab fails to start
	b := watchedTab(t, bctx, srv)
	call(b, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 320, Height: 720, DeviceScaleFactor: 1, Mobile: true})
	b.recordCSP()
	return b, b.w, stop
}

// checkLangView checks the view on screen: lang and dir on <html>, the
// heading from the catalogue, no missing text, no sideways scrolling at
// 320 px, the quick exit in view and the picker naming the language.
func checkLangView(b *tab, c langCase, name, heading string) {
	t := b.t
	t.Helper()
	dir := "ltr"
	if c.rtl {
		dir = "rtl"
	}
	if got := eval[string](b, `document.documentElement.lang + " " + document.documentElement.dir`); got != c.lang+" "+dir {
		t.Errorf("%s: <html> lang and dir %q, want %q", name, got, c.lang+" "+dir)
	}
	if got := eval[string](b, `getComputedStyle(document.body).direction`); got != dir {
		t.Errorf("%s: the body runs %s, want %s", name, got, dir)
	}
	text := b.text("body")
	if strings.Contains(text, "⟦") {
		t.Errorf("%s: a text is missing: %q", name, text)
	}
	if !strings.Contains(text, heading) {
		t.Errorf("%s: %q is not on the page: %.300q", name, heading, text)
	}
	if !eval[bool](b, `document.documentElement.scrollWidth <= document.documentElement.clientWidth`) {
		t.Errorf("%s: the page scrolls sideways at 320 px", name)
	}
	if !eval[bool](b, `(() => { const r = document.getElementById("exit").getBoundingClientRect(); return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight; })()`) {
		t.Errorf("%s: the quick exit is not in view", name)
	}
	if h := eval[float64](b, `document.querySelector(".bar").getBoundingClientRect().height`); h > 740*0.15 {
		t.Errorf("%s: the header takes %.0f px, more than 15 %% of 740", name, h)
	}
	if got := eval[string](b, `document.getElementById("lang").value`); got != c.lang {
		t.Errorf("%s: the picker shows %q", name, got)
	}
}

// checkDigits checks that the groups of a code read left to right in
// ASCII digits, whatever the page's direction.
func checkDigits(b *tab, sel string, groups int) string {
	t := b.t
	t.Helper()
	text := eval[string](b, `[...document.querySelectorAll("`+sel+` .group")].map(e => e.textContent).join(" ")`)
	if len(strings.Fields(text)) != groups || !regexp.MustCompile(`^[0-9 ]+$`).MatchString(text) {
		t.Errorf("%s shows %q: want %d groups of ASCII digits", sel, text, groups)
	}
	if !eval[bool](b, `(() => { const xs = [...document.querySelectorAll("`+sel+` .group")].map(e => e.getBoundingClientRect());
  return xs.every((r, i) => i === 0 || r.left > xs[i-1].left || r.top > xs[i-1].top); })()`) {
		t.Errorf("%s: the groups do not run left to right", sel)
	}
	if d := eval[string](b, `getComputedStyle(document.querySelector("`+sel+` .groups")).direction`); d != "ltr" {
		t.Errorf("%s runs %s", sel, d)
	}
	return text
}

func walkLanguage(t *testing.T, ctx context.Context, srv *server, team *mailboxdtest.Team, c langCase) {
	tx := c.texts
	if tx == nil {
		tx = catalogueOf(t, c.lang)
	}
	b, w, stop := openTab(t, srv, c.browser)
	defer stop()
	b.do("open the page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("b-start-write")))

	// The browser's language is the first guess; the page fetched its
	// catalogue and no other.
	checkLangView(b, c, "start", tx["start.heading"])
	if bad := eval[string](b, contrastAudit); bad != "" {
		t.Errorf("start: text below WCAG 2.2 AA contrast: %s", bad)
	}
	checkInfoLinks(b, c.lang, tx["start.moreCentres"])
	requests, _ := w.snapshot()
	var catalogues []string
	for _, u := range requests {
		if m := regexp.MustCompile(`/lang-([a-z]{2,3})-[A-Z0-9]{8}\.json$`).FindStringSubmatch(u); m != nil {
			catalogues = append(catalogues, m[1])
		}
	}
	if len(catalogues) != 1 || catalogues[0] != c.lang {
		t.Errorf("the first visit fetched the catalogues %v, want only %s", catalogues, c.lang)
	}
	if names := eval[string](b, `[...document.getElementById("lang").options].map(o => o.lang + ":" + o.textContent).join(" ")`); !strings.Contains(names, "ar:العربية") || !strings.Contains(names, "fr:Français") || strings.Count(names, ":") != 12+c.added {
		t.Errorf("the picker offers %q", names)
	}

	// A first message; the code and passphrase read left to right.
	b.do("write", chromedp.Click(chromedp.ID("b-start-write")), chromedp.WaitVisible(chromedp.ID("body")))
	checkLangView(b, c, "write", tx["write.heading"])
	body := tx["write.bodyLabel"] + " — test " + c.lang
	b.do("send the first message", chromedp.Click(chromedp.ID("role-affected")), chromedp.SendKeys(chromedp.ID("body"), body),
		chromedp.Click(chromedp.ID("b-write-send")), chromedp.WaitVisible(chromedp.CSS(".secrets")))
	checkLangView(b, c, "keep", tx["keep.heading"])
	code := checkDigits(b, ".secret.code", 2)
	pass := checkDigits(b, ".secret.pass", 4)
	keys, normCode, normPass := displayedKeys(t, code, pass)
	id := keys.MailboxID

	// Nothing is sent before the person has typed both back, here in
	// their own script; then the mailbox is created.
	b.do("written down", chromedp.Click(chromedp.ID("b-keep-written")), chromedp.WaitVisible(chromedp.ID("check-code")))
	checkLangView(b, c, "check", tx["check.heading"])
	if d := eval[string](b, `getComputedStyle(document.getElementById("check-code")).direction + getComputedStyle(document.getElementById("check-pass")).direction`); d != "ltrltr" {
		t.Errorf("the check fields run %s", d)
	}
	b.do("check and send", chromedp.SendKeys(chromedp.ID("check-code"), c.native(code)), chromedp.SendKeys(chromedp.ID("check-pass"), c.native(pass)),
		chromedp.Click(chromedp.ID("b-check-submit")), chromedp.WaitVisible(chromedp.CSS(`#thread li.message.mine`)))
	checkLangView(b, c, "thread", tx["thread.heading"])

	// The counsellor sees the language the enquirer wrote in, and answers.
	kr := openKeyring(t, ctx, team.Admin, team.AdminKey)
	detail, err := team.Admin.Case(ctx, id, 0)
	if err != nil {
		t.Fatalf("fetch the case: %v", err)
	}
	first := readThread(t, "counsellor", id, nil, detail.Messages, kr, 1)[0].Doc
	if first.Lang != c.lang || first.Body != body {
		t.Fatalf("the first document: lang %q, body %q; want %q, %q", first.Lang, first.Body, c.lang, body)
	}
	reply := counsellorDoc(t, id, first.MK, "Amira", "Bonjour / مرحبا 12345 67890")
	reply.Lang = c.lang
	replyAs(t, ctx, team, first, reply)
	b.do("live reply", chromedp.WaitVisible(chromedp.CSS(`#thread li.message.theirs`)))
	if who := b.text(`#thread li.message.theirs .who`); !strings.Contains(who, "Amira") {
		t.Errorf("the reply is from %q", who)
	}
	b.do("answer", chromedp.SendKeys(chromedp.ID("reply"), "merci / شكرا"), chromedp.Click(chromedp.ID("b-thread-send")),
		chromedp.WaitVisible(chromedp.CSS(`#thread li.message.mine[data-seq="3"]`)))

	// Close and come back by code and passphrase, typed in the person's
	// script, with the separators people use.
	b.do("close", chromedp.Click(chromedp.ID("b-thread-close")), chromedp.WaitVisible(chromedp.ID("b-start-return")))
	b.do("return", chromedp.Click(chromedp.ID("b-start-return")), chromedp.WaitVisible(chromedp.ID("code")))
	checkLangView(b, c, "login", tx["login.heading"])
	if d := eval[string](b, `getComputedStyle(document.getElementById("code")).direction`); d != "ltr" {
		t.Errorf("the pickup code field runs %s", d)
	}
	b.do("log in", chromedp.SendKeys(chromedp.ID("code"), c.native(strings.ReplaceAll(code, " ", "-"))),
		chromedp.SendKeys(chromedp.ID("pass"), c.native(pass)),
		chromedp.Click(chromedp.ID("b-login-submit")), chromedp.WaitVisible(chromedp.CSS(`#thread li[data-seq="3"]`)))
	checkLangView(b, c, "thread again", tx["thread.heading"])
	if n := eval[int](b, `document.querySelectorAll("#thread li.message").length`); n != 3 {
		t.Errorf("after coming back: %d messages, want 3", n)
	}

	b.do("delete", chromedp.Click(chromedp.ID("b-thread-delete")), chromedp.WaitVisible(chromedp.ID("b-delete-confirm")))
	checkLangView(b, c, "delete", tx["delete.heading"])
	b.do("confirm delete", chromedp.Click(chromedp.ID("b-delete-confirm")), chromedp.WaitVisible(chromedp.ID("b-home")))
	checkLangView(b, c, "deleted", tx["deleted.heading"])
	_, err = team.Admin.Case(ctx, id, 0)
	wantAPIError(t, "the case after deletion", err, 404, "not_found")

	requests, problems := ownOriginOnly(t, srv, w)
	if csp := eval[[]string](b, `window.__csp`); len(csp) > 0 {
		t.Errorf("CSP violations: %v", csp)
	}
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
	checkNoStorage(b)
	srv.checkLog(t, map[string]string{"pickup code": normCode, "passphrase": normPass, "mailbox id": id, "first message": body})
}

// pickLanguages starts in German and switches through the picker: Arabic
// turns the page right to left and keeps what was typed, German turns it
// back; nothing is stored.
func pickLanguages(t *testing.T, srv *server) {
	b, w, stop := openTab(t, srv, "de-DE")
	defer stop()
	de, ar, zh := catalogueOf(t, "de"), catalogueOf(t, "ar"), catalogueOf(t, "zh")
	b.do("open the page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("b-start-write")))
	checkLangView(b, langCase{lang: "de"}, "start", de["start.heading"])
	b.do("write", chromedp.Click(chromedp.ID("b-start-write")), chromedp.WaitVisible(chromedp.ID("body")),
		chromedp.SendKeys(chromedp.ID("body"), "Hallo"))
	b.do("to Arabic", chooseLang("ar"))
	checkLangView(b, langCase{lang: "ar", rtl: true}, "write in Arabic", ar["write.heading"])
	if v := eval[string](b, `document.getElementById("body").value`); v != "Hallo" {
		t.Errorf("the switch lost the text: %q", v)
	}
	if eval[bool](b, `document.getElementById("lang") !== document.activeElement`) {
		t.Error("the picker lost the focus")
	}
	b.do("to Chinese", chooseLang("zh"))
	checkLangView(b, langCase{lang: "zh"}, "write in Chinese", zh["write.heading"])
	b.do("back to German", chooseLang("de"))
	checkLangView(b, langCase{lang: "de"}, "write in German", de["write.heading"])
	requests, problems := w.snapshot()
	n := 0
	for _, u := range requests {
		if strings.Contains(u, "/lang-") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d catalogue requests for two languages", n)
	}
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
	checkNoStorage(b)
}

// checkInfoLanguages checks /info/<lang>/ for every language: its lang,
// dir for Arabic, and the language switch naming every language in itself.
func checkInfoLanguages(t *testing.T, srv *server) {
	names := map[string]string{"de": "Deutsch", "en": "English", "fr": "Français", "es": "Español", "ro": "Română", "bg": "Български",
		"uk": "Українська", "ru": "Русский", "ar": "العربية", "zh": "中文", "vi": "Tiếng Việt", "th": "ไทย"}
	for lang := range names {
		resp, err := http.Get(srv.URL + "/info/" + lang + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		html := string(b)
		open := `<html lang="` + lang + `">`
		if lang == "ar" {
			open = `<html lang="ar" dir="rtl">`
		}
		if resp.StatusCode != 200 || !strings.Contains(html, open) {
			t.Errorf("/info/%s/: %d, want 200 and %s", lang, resp.StatusCode, open)
		}
		for l, name := range names {
			if !strings.Contains(html, `hreflang="`+l+`" lang="`+l+`"`) || !strings.Contains(html, ">"+name+"</a>") {
				t.Errorf("/info/%s/: the language switch lacks %s", lang, name)
			}
		}
	}
}

// checkCentresRTL opens the Arabic directory at 320 px: right to left, no
// sideways scrolling, the quick exit and the language link in view, and
// the language filter, naming each language in itself, finds the centre
// that counsels in Arabic.
func checkCentresRTL(t *testing.T, srv *server) {
	b, w, stop := openTab(t, srv, "ar")
	defer stop()
	b.do("open the centres", chromedp.Navigate(srv.URL+"/info/ar/centres"), chromedp.WaitVisible(chromedp.ID("centre-filter")))
	if got := eval[string](b, `document.documentElement.dir + " " + getComputedStyle(document.body).direction`); got != "rtl rtl" {
		t.Errorf("/info/ar/centres runs %q", got)
	}
	if !eval[bool](b, `document.documentElement.scrollWidth <= document.documentElement.clientWidth`) {
		t.Error("/info/ar/centres scrolls sideways at 320 px")
	}
	for _, id := range []string{"quick-exit"} {
		if !eval[bool](b, `(() => { const r = document.getElementById("`+id+`").getBoundingClientRect(); return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight; })()`) {
			t.Errorf("#%s is not in view", id)
		}
	}
	if !eval[bool](b, `(() => { const r = document.querySelector(".lang-link").getBoundingClientRect(); return r.width > 0 && r.bottom <= innerHeight; })()`) {
		t.Error("the link to the languages is not on the first screen")
	}
	opts := eval[string](b, `[...document.querySelectorAll("#filter-language option")].map(o => o.value + "=" + o.textContent).join("|")`)
	if !strings.Contains(opts, "ar=العربية") || !strings.Contains(opts, "ro=Română") {
		t.Errorf("the language filter offers %q", opts)
	}
	eval[bool](b, `(() => { const s = document.getElementById("filter-language"); s.value = "ar";
  return s.dispatchEvent(new Event("change", { bubbles: true })); })()`)
	shown := eval[int](b, `[...document.querySelectorAll("li.centre")].filter(li => li.offsetParent !== null).length`)
	withAr := eval[int](b, `document.querySelectorAll('li.centre[data-languages~="ar"]').length`)
	if shown != withAr || shown == 0 {
		t.Errorf("the filter by Arabic shows %d centres; %d counsel in Arabic", shown, withAr)
	}
	_, problems := w.snapshot()
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
}
