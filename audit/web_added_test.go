package audit

import (
	"html"
	"strings"
	"testing"
)

// TestWebAddedLanguage: a language the operator added (data-languages on
// #service) has no published catalogue; its catalogue passes only with
// exactly the keys and placeholders of the published English one, and the
// report names it as the operator's, with every text to read. A catalogue
// of a language the page does not declare as added is still refused.
func TestWebAddedLanguage(t *testing.T) {
	published := publishedPage
	en := `{"title":"Welcome","count":"{n} messages"}`
	name := catalogueFile
	sums := sumsFile(t, map[string]string{"index.html": published, name("en", en): en})
	declared := ` data-languages="` + html.EscapeString(`[{"code":"ti","name":"ትግርኛ","rtl":false}]`) + `"`
	run := func(languages, lang, body string) (int, WebReport, string) {
		page := strings.Replace(published, `<div id="service" hidden></div>`,
			`<div id="service" hidden`+languages+` data-name-`+lang+`="ምኽሪ" data-catalogue-`+lang+`="/`+name(lang, body)+`"></div>`, 1)
		page = strings.Replace(page, `<title></title>`, `<title>Beratung</title>`, 1)
		page = strings.Replace(page, `<p class="brand" id="brand"></p>`, `<p class="brand" id="brand">Beratung</p>`, 1)
		page = strings.Replace(page, `<noscript></noscript>`, `<noscript><div class="noscript"></div></noscript>`, 1)
		return webFiles(t, sums, map[string]string{"/": page, "/" + name("en", en): en, "/" + name(lang, body): body})
	}

	ti := `{"title":"እንቋዕ ብደሓን መጻእኩም","count":"{n} መልእኽትታት"}`
	code, rep, out := run(declared, "ti", ti)
	if code != 0 || !rep.OK || len(rep.Files) != 3 {
		t.Fatalf("added language: exit %d\n%s", code, out)
	}
	f := rep.Files[2]
	for _, want := range []string{`the operator's added language ti "ትግርኛ": its texts`, "all 2 texts are the operator's"} {
		if !strings.Contains(f.Path+" "+f.Note, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}

	for _, tc := range []struct{ name, languages, lang, body string }{
		{"missing key", declared, "ti", `{"title":"እንቋዕ ብደሓን መጻእኩም"}`},
		{"unknown key", declared, "ti", `{"title":"x","count":"{n} x","more":"y"}`},
		{"placeholder", declared, "ti", `{"title":"x","count":"x"}`},
		{"not declared", "", "ti", ti},
		{"declared as another", ` data-languages="` + html.EscapeString(`[{"code":"pcm","name":"Naijá","rtl":false}]`) + `"`, "ti", ti},
	} {
		if code, rep, out := run(tc.languages, tc.lang, tc.body); code == 0 || rep.OK {
			t.Errorf("%s: exit %d\n%s", tc.name, code, out)
		}
	}
}
