package content

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"testing"

	"lotse/internal/mailboxdtest"
)

// addedFiles is a complete folder that adds lang to a content directory:
// every string and label, each marked "[lang]" so that a test sees whose
// text it reads.
func addedFiles(t *testing.T, lang, name, dir string) map[string]string {
	t.Helper()
	sub, _ := fs.Sub(defaultsFS, "defaults")
	b, err := fs.ReadFile(sub, path.Join("en", stringsFile))
	if err != nil {
		t.Fatal(err)
	}
	strs := map[string]string{}
	if err := json.Unmarshal(b, &strs); err != nil {
		t.Fatal(err)
	}
	for k, v := range strs {
		strs[k] = "[" + lang + "] " + v
	}
	strs["lang_name"] = name
	labels := map[string]string{}
	for _, code := range directoryLabelCodes() {
		labels[code] = "[" + lang + "] " + code
	}
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return map[string]string{
		lang + "/language.json":  enc(map[string]string{"name": name, "dir": dir}),
		lang + "/strings.json":   enc(strs),
		lang + "/labels.json":    enc(labels),
		lang + "/webclient.json": `{"start.heading": "x"}`,
		lang + "/index.md":       "---\ntitle: " + name + "\n---\n\n[" + lang + "] the start page.\n",
	}
}

// TestAddedLanguage: a language the operator adds gets its pages at
// /info/<code>/ with its lang and dir, its own name in every page's
// language switch, its directory labels, the English page where it has
// none (with its own note), and the browser's preference selects it.
func TestAddedLanguage(t *testing.T) {
	files := addedFiles(t, "ti", "ትግርኛ", "ltr")
	for k, v := range addedFiles(t, "pcm", "Naijá", "rtl") { // rtl: to see dir follow the declaration
		files[k] = v
	}
	files["centres.json"] = `{"centres": [{"id": "a", "name": "Beratung A", "organisation": "Verein A", "state": "DE-BE", "city": "Berlin",
  "languages": ["de", "ti", "ig"], "target_groups": ["women"], "services": {"de": "Beratung", "en": "Counselling"},
  "contact": {"phone": "+49 30 1234567"}}]}`
	site, err := Load(mailboxdtest.ContentDir(t, files), Options{RetentionDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, l := range site.Languages() {
		codes = append(codes, l.Code)
	}
	if got := strings.Join(codes, " "); got != strings.Join(Languages, " ")+" pcm ti" {
		t.Errorf("Languages: %s", got)
	}
	if !site.Added("ti") || site.Added("fr") || site.Added("xx") {
		t.Error("Added: want ti alone of ti, fr, xx")
	}
	page := func(lang, slug string) string {
		t.Helper()
		b, ok := site.Page(lang, slug)
		if !ok {
			t.Fatalf("no page %s/%s", lang, slug)
		}
		return string(b)
	}
	for _, c := range []struct{ lang, slug, want string }{
		{"ti", "", `<html lang="ti">`},
		{"ti", "", "[ti] the start page."},
		{"ti", "", "[ti] " + builtinText(t, "en", "exit")},
		{"pcm", "", `<html lang="pcm" dir="rtl">`},
		// A page ti lacks reads in English, with ti's own note.
		{"ti", "safety", `<article lang="en" dir="ltr">`},
		{"ti", "safety", "[ti] " + builtinText(t, "en", "fallback_note")},
		// Its directory: its labels, the languages in themselves.
		{"ti", "centres", "[ti] DE-BE"},
		{"ti", "centres", `<option value="ti">ትግርኛ ([ti] ti)</option>`},
		{"ti", "centres", `<option value="ig">Igbo ([ti] ig)</option>`},
		// Every language's switch names it in itself.
		{"de", "", `hreflang="ti" lang="ti" dir="ltr">ትግርኛ</a>`},
		{"ar", "faq", `hreflang="ti" lang="ti" dir="ltr">ትግርኛ</a>`},
		{"ti", "", `hreflang="pcm" lang="pcm" dir="rtl">Naijá</a>`},
	} {
		if p := page(c.lang, c.slug); !strings.Contains(p, c.want) {
			t.Errorf("/info/%s/%s lacks %q", c.lang, c.slug, c.want)
		}
	}
	if got := site.Language("ti-ER,de;q=0.5"); got != "ti" {
		t.Errorf("Language(ti-ER): %s", got)
	}
	if got := Language("ti-ER,de;q=0.5"); got != "de" {
		t.Errorf("the package's Language, built-in only: %s", got)
	}
	if w, ok := site.WebClient("ti"); !ok || w.Texts["start.heading"] != "x" {
		t.Errorf("WebClient(ti): %v %v", w, ok)
	}
}

func builtinText(t *testing.T, lang, key string) string {
	t.Helper()
	strs, err := builtinStrings()
	if err != nil {
		t.Fatal(err)
	}
	return strs[lang][key]
}

// TestAddedLanguageBroken: an incomplete or malformed added language stops
// the start with an error naming the file and, where one is at fault, the
// key.
func TestAddedLanguageBroken(t *testing.T) {
	change := func(edit func(files map[string]string)) map[string]string {
		files := addedFiles(t, "ti", "ትግርኛ", "ltr")
		edit(files)
		return files
	}
	dropKey := func(file, key string) func(map[string]string) {
		return func(files map[string]string) {
			m := map[string]string{}
			if err := json.Unmarshal([]byte(files[file]), &m); err != nil {
				t.Fatal(err)
			}
			delete(m, key)
			b, _ := json.Marshal(m)
			files[file] = string(b)
		}
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"no language.json", change(func(f map[string]string) { delete(f, "ti/language.json") }), []string{"ti: unknown folder", "language.json"}},
		{"no direction", change(func(f map[string]string) { f["ti/language.json"] = `{"name": "ትግርኛ"}` }), []string{"ti/language.json", `dir ""`}},
		{"unknown field", change(func(f map[string]string) {
			f["ti/language.json"] = `{"name": "ትግርኛ", "dir": "ltr", "font": "x"}`
		}), []string{"ti/language.json"}},
		{"bidi in the name", change(func(f map[string]string) { f["ti/language.json"] = `{"name": "ትግ\u202eርኛ", "dir": "ltr"}` }), []string{"ti/language.json", "name"}},
		{"missing string", change(dropKey("ti/strings.json", "dir_filter_language")), []string{"ti/strings.json", `missing key "dir_filter_language"`}},
		{"no strings", change(func(f map[string]string) { delete(f, "ti/strings.json") }), []string{"ti/strings.json", "missing"}},
		{"other name", change(func(f map[string]string) {
			f["ti/strings.json"] = strings.Replace(f["ti/strings.json"], `"lang_name":"ትግርኛ"`, `"lang_name":"Tigrinya"`, 1)
		}), []string{"ti/strings.json", `"lang_name"`, "Tigrinya"}},
		{"missing label", change(dropKey("ti/labels.json", "DE-HB")), []string{"ti/labels.json", `missing key "DE-HB"`}},
		{"missing language label", change(dropKey("ti/labels.json", "yo")), []string{"ti/labels.json", `"yo"`}},
		{"unknown label", change(func(f map[string]string) {
			f["ti/labels.json"] = strings.Replace(f["ti/labels.json"], "{", `{"DE-XX":"x",`, 1)
		}), []string{"ti/labels.json", `unknown key "DE-XX"`}},
		{"no labels", change(func(f map[string]string) { delete(f, "ti/labels.json") }), []string{"ti/labels.json", "missing"}},
		{"many missing", change(func(f map[string]string) { f["ti/labels.json"] = `{"DE": "x"}` }), []string{"ti/labels.json", `missing key "DE-BB", "DE-BE", "DE-BW", "DE-BY", "DE-HB" and `}},
		{"no web client texts", change(func(f map[string]string) { delete(f, "ti/webclient.json") }), []string{"ti/webclient.json", "missing"}},
		{"a code too long", map[string]string{"tigr/language.json": `{"name": "ትግርኛ", "dir": "ltr"}`}, []string{"tigr: unknown folder"}},
	} {
		_, err := Load(mailboxdtest.ContentDir(t, c.files), Options{RetentionDays: 90})
		for _, want := range c.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %v lacks %q", c.name, err, want)
			}
		}
	}
}
