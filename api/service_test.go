package api

import (
	"strings"
	"testing"
	"testing/fstest"

	"lotse/content"
	"lotse/internal/mailboxdtest"
)

// serviceIndex has the marks of webclient/src/index.html that withSite fills.
const serviceIndex = `<!doctype html><html><head><title>Beratung</title></head><body>` +
	`<p class="brand" id="brand"></p><a id="exit" class="exit" href="` + DefaultExitURL + `">x</a>` +
	`<div id="service" hidden></div><main id="app"><noscript><p>build text</p></noscript></main></body></html>`

// TestPageServiceTexts: the page carries the operator's service name in
// its title and header, escaped; the availability texts by language; and
// a no-JavaScript part that links to the information pages.
func TestPageServiceTexts(t *testing.T) {
	site, err := content.Load("", content.Options{RetentionDays: 30, ServiceName: `Rat <&> "Hilfe"`})
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"index.html": {Data: []byte(serviceIndex)}, "SHA256SUMS": {Data: nil}}
	w, err := loadWeb(fsys, "", site)
	if err != nil {
		t.Fatal(err)
	}
	page := string(w.files["/"].body)
	esc := `Rat &lt;&amp;&gt; &#34;Hilfe&#34;`
	for _, want := range []string{
		`<title>` + esc + `</title>`,
		`<p class="brand" id="brand">` + esc + `</p>`,
		`data-name-de="` + esc + `"`, `data-name-en="` + esc + `"`,
		`data-hours-de="` + site.Text("de", "office_hours") + `"`,
		`data-answer-en="` + site.Text("en", "answer_time") + `"`,
		`<a href="/info/de/centres">`, `<a href="/info/en/safety">`,
		`<section lang="en"><h1>` + site.Text("en", "app_noscript_title") + `</h1>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "build text") || strings.Contains(page, "Beratung</title>") || strings.Contains(page, `"Hilfe"`) {
		t.Errorf("a mark was left or a text not escaped:\n%s", page)
	}

	// A page with some marks but not all is a broken build.
	broken := fstest.MapFS{"index.html": {Data: []byte(strings.Replace(serviceIndex, `<div id="service" hidden></div>`, "", 1))}, "SHA256SUMS": {Data: nil}}
	if _, err := loadWeb(broken, "", site); err == nil {
		t.Error("a page without the service mark loaded")
	}
}

// TestOrgPageName: /o/<slug>/ is the page with the organisation's name,
// escaped, where the service name stands, in every language; / keeps the
// service's, and the operator's catalogues are named on both.
func TestOrgPageName(t *testing.T) {
	dir := mailboxdtest.ContentDir(t, map[string]string{"fr/webclient.json": `{"exit": "Partir"}`})
	site, err := content.Load(dir, content.Options{RetentionDays: 30, ServiceName: "Lotse"})
	if err != nil {
		t.Fatal(err)
	}
	fr := `{"exit":"Quitter la page"}`
	e := newEnv(t, envOptions{cfg: Config{Content: site, Web: webFS(map[string]string{"index.html": serviceIndex, builtCatalogue("fr", fr): fr})}})
	front := e.setUpTeam()
	e.setUpOrg(front, "b", `Stelle <B> & "C"`)

	root := e.do(request{method: "GET", path: "/"})
	e.want(root, 200, "")
	page := e.do(request{method: "GET", path: "/o/b/"})
	e.want(page, 200, "")
	esc := `Stelle &lt;B&gt; &amp; &#34;C&#34;`
	for _, lang := range site.Languages() {
		if !strings.Contains(string(page.body), `data-name-`+lang.Code+`="`+esc+`"`) {
			t.Errorf("b's page lacks its name in %s", lang.Code)
		}
	}
	for _, want := range []string{`<title>` + esc + `</title>`, `<p class="brand" id="brand">` + esc + `</p>`, ` data-catalogue-fr="/lang-fr-`} {
		if !strings.Contains(string(page.body), want) {
			t.Errorf("b's page lacks %s", want)
		}
	}
	if strings.Contains(string(page.body), `data-name-de="Lotse"`) || !strings.Contains(string(root.body), `data-name-de="Lotse"`) ||
		strings.Contains(string(root.body), "Stelle") {
		t.Error("a page carries the other's name")
	}
	if page.header.Get("Cache-Control") != "no-store" || page.header.Get("Content-Security-Policy") != PageCSP {
		t.Errorf("b's page has headers %v", page.header)
	}
	if again := e.do(request{method: "GET", path: "/o/b/"}); string(again.body) != string(page.body) {
		t.Error("b's page differs the second time")
	}
}
