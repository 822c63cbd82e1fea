package content

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"lotse/internal/catalogue"
	"lotse/internal/mailboxdtest"
)

// TestStringsCatalogues: every language folder of the defaults is a
// language of the service, its strings.json has exactly the German keys
// with the same placeholders, and review.json says whether a native
// speaker has checked its strings and pages ("<slug>.md"). A language of
// the service without a folder is listed, not failed: its pages show the
// English ones until its translation arrives.
func TestStringsCatalogues(t *testing.T) {
	sub, err := fs.Sub(defaultsFS, "defaults")
	if err != nil {
		t.Fatal(err)
	}
	read := func(lang string) map[string]string {
		b, err := fs.ReadFile(sub, path.Join(lang, stringsFile))
		if err != nil {
			t.Fatalf("%s/%s: %v", lang, stringsFile, err)
		}
		m, err := catalogue.Parse(b)
		if err != nil {
			t.Fatalf("%s/%s: %v", lang, stringsFile, err)
		}
		return m
	}
	src := read(Languages[0])
	review, err := catalogue.ReadReview("review.json")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		lang := e.Name()
		found = append(found, lang)
		if !slices.Contains(Languages, lang) {
			t.Errorf("defaults/%s: not a language of ServiceLanguages", lang)
			continue
		}
		if _, err := fs.Stat(sub, path.Join(lang, stringsFile)); errors.Is(err, fs.ErrNotExist) {
			t.Errorf("defaults/%s has pages but no %s", lang, stringsFile)
			continue
		}
		texts := read(lang)
		for _, p := range catalogue.Compare(src, texts) {
			t.Errorf("defaults/%s/%s: %s", lang, stringsFile, p)
		}
		units := map[string]string{}
		for k, v := range texts {
			units[k] = v
		}
		pages, _ := fs.Glob(sub, lang+"/*.md")
		for _, p := range pages {
			units[path.Base(p)] = p
		}
		r, ok := review[lang]
		if !ok {
			t.Errorf("review.json has no entry for %s", lang)
			continue
		}
		if (r.Status == catalogue.Source) != (lang == Languages[0]) {
			t.Errorf("review.json: %s has status %q; German alone is the source", lang, r.Status)
		}
		for _, p := range catalogue.CheckReview(r, units) {
			t.Errorf("review.json: %s: %s", lang, p)
		}
		if n := catalogue.Unreviewed(r, units); n > 0 {
			t.Logf("%s: %d of %d strings and pages machine-drafted, not yet reviewed", lang, n, len(units))
		}
	}
	var waiting []string
	for _, lang := range Languages {
		if !slices.Contains(found, lang) {
			waiting = append(waiting, lang)
		}
		if _, ok := review[lang]; !ok {
			t.Errorf("review.json has no entry for %s", lang)
		}
	}
	if len(waiting) > 0 {
		t.Logf("no built-in pages yet (they show the English ones): %s", strings.Join(waiting, ", "))
	}
	for lang := range review {
		if !slices.Contains(Languages, lang) {
			t.Errorf("review.json names %s, not a language of the service", lang)
		}
	}
}

// TestLanguagePages: every language has its pages with its lang and, for
// Arabic, dir="rtl"; a language without its own files reads the English
// page, marked as English, without a note it has no words for; the
// switch names every language in itself.
func TestLanguagePages(t *testing.T) {
	s := loadDefaults(t)
	for _, l := range ServiceLanguages {
		html := renderPage(t, s, l.Code, "")
		open := `<html lang="` + l.Code + `">`
		if l.RTL {
			open = `<html lang="` + l.Code + `" dir="rtl">`
		}
		if !strings.Contains(html, open) {
			t.Errorf("%s: no %s", l.Code, open)
		}
		for _, other := range ServiceLanguages {
			link := `href="/info/` + other.Code + `/" hreflang="` + other.Code + `" lang="` + other.Code + `"`
			if !strings.Contains(html, link) || !strings.Contains(html, ">"+other.Name+"</a>") {
				t.Errorf("%s: the language switch lacks %s named %s", l.Code, other.Code, other.Name)
			}
		}
		if !strings.Contains(html, `class="lang-link" href="#languages"`) {
			t.Errorf("%s: no link to the language switch at the top", l.Code)
		}
	}
}

// TestOperatorAddsLanguage: an operator's content directory can give a
// language of the service its own strings and pages, key by key and page
// by page; a page only English has shows in English, marked as such, with
// the note in the reader's language; a key the source lacks is an error.
func TestOperatorAddsLanguage(t *testing.T) {
	dir := mailboxdtest.ContentDir(t, map[string]string{
		"ar/strings.json":    `{"exit": "مغادرة فورية", "fallback_note": "ملاحظة من المشغل: هذه الصفحة بالإنجليزية."}`,
		"ar/index.md":        "---\ntitle: استشارة\nnav: 1\n---\nنص المشغل هنا.\n",
		"en/only-english.md": "---\ntitle: Only in English\nnav: 95\n---\nEnglish text of the operator.\n",
	})
	s, err := Load(dir, Options{RetentionDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	home := renderPage(t, s, "ar", "")
	for _, want := range []string{`<html lang="ar" dir="rtl">`, "مغادرة فورية", "نص المشغل هنا."} {
		if !strings.Contains(home, want) {
			t.Errorf("ar start page lacks %q", want)
		}
	}
	if strings.Contains(home, "<article lang=") {
		t.Error("the operator's Arabic start page is marked as another language")
	}
	only := renderPage(t, s, "ar", "only-english")
	for _, want := range []string{`<html lang="ar" dir="rtl">`, `<article lang="en" dir="ltr">`, "English text of the operator.", "ملاحظة من المشغل: هذه الصفحة بالإنجليزية."} {
		if !strings.Contains(only, want) {
			t.Errorf("ar/only-english (English stands in) lacks %q", want)
		}
	}

	bad := mailboxdtest.ContentDir(t, map[string]string{"fr/strings.json": `{"exit": "Quitter", "no_such_key": "x"}`})
	if _, err := Load(bad, Options{RetentionDays: 90}); err == nil || !strings.Contains(err.Error(), "no_such_key") {
		t.Errorf("Load with an unknown key in fr/strings.json: %v", err)
	}
}

// TestFillStrings: a key a language does not set reads in English (English
// ones in German), and a language without a name of its own gets the one
// ServiceLanguages gives.
func TestFillStrings(t *testing.T) {
	src := &sources{strings: map[string]map[string]string{}, ownStrings: map[string]map[string]bool{}}
	set := func(lang string, kv map[string]string) {
		src.strings[lang], src.ownStrings[lang] = map[string]string{}, map[string]bool{}
		for k, v := range kv {
			src.strings[lang][k], src.ownStrings[lang][k] = v, true
		}
	}
	set("de", map[string]string{"a": "A-de", "b": "B-de", "c": "C-de", "lang_name": "Deutsch"})
	set("en", map[string]string{"a": "A-en", "b": "B-en", "lang_name": "English"})
	set("fr", map[string]string{"a": "A-fr"})
	src.fillStrings()
	for _, c := range []struct{ lang, key, want string }{
		{"fr", "a", "A-fr"}, {"fr", "b", "B-en"}, {"fr", "c", "C-de"}, {"fr", "lang_name", "Français"},
		{"en", "c", "C-de"}, {"th", "a", "A-en"}, {"th", "lang_name", "ไทย"}, {"ar", "c", "C-de"},
	} {
		if got := src.strings[c.lang][c.key]; got != c.want {
			t.Errorf("%s %s = %q, want %q", c.lang, c.key, got, c.want)
		}
	}
	if src.ownStrings["fr"]["b"] || !src.ownStrings["fr"]["a"] {
		t.Error("fillStrings marked a filled key as the language's own")
	}
}

// TestDirectoryLanguageNames: the directory's language filter names each
// language in itself, with its name in the page's language beside it
// where that is drafted (labels/<lang>.json).
func TestDirectoryLanguageNames(t *testing.T) {
	s := loadDefaults(t)
	for lang, want := range map[string][]string{
		"de": {`<option value="ro">Română (Rumänisch)</option>`, `<option value="de">Deutsch</option>`},
		"en": {`<option value="bg">Български (Bulgarian)</option>`, `<option value="en">English</option>`},
		"ar": {`<option value="ro">Română (الرومانية)</option>`, `<option value="de">Deutsch (الألمانية)</option>`},
		"zh": {`<option value="ar">العربية (阿拉伯语)</option>`, `<option value="zh">中文</option>`},
	} {
		html := renderPage(t, s, lang, "centres")
		for _, w := range want {
			if !strings.Contains(html, w) {
				t.Errorf("%s/centres lacks %s", lang, w)
			}
		}
	}
	if SelfName("ar") != "العربية" || SelfName("aa") != "Afar" || SelfName("xx") != "" {
		t.Errorf("SelfName: ar %q, aa %q, xx %q", SelfName("ar"), SelfName("aa"), SelfName("xx"))
	}
}
