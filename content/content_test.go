package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lotse/internal/mailboxdtest"
)

// defaultSlugs are the pages every language must have.
var defaultSlugs = []string{"index", "affected", "centres", "data", "faq", "how-it-works", "imprint", "professionals", "relatives", "safety"}

func loadDefaults(t *testing.T) *Site {
	t.Helper()
	s, err := Load("", Options{RetentionDays: 90})
	if err != nil {
		t.Fatalf("Load defaults: %v", err)
	}
	return s
}

func renderPage(t *testing.T, s *Site, lang, slug string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Render(&buf, lang, slug); err != nil {
		t.Fatalf("Render(%s, %s): %v", lang, slug, err)
	}
	return buf.String()
}

func TestDefaultsRenderEveryPage(t *testing.T) {
	s := loadDefaults(t)
	for _, lang := range Languages {
		if got := s.Slugs(lang); !slices.Equal(got, defaultSlugs) {
			t.Errorf("Slugs(%s) = %v, want %v", lang, got, defaultSlugs)
		}
		for _, slug := range defaultSlugs {
			html := renderPage(t, s, lang, slug)
			for _, want := range []string{
				`<html lang="` + lang + `"` + map[bool]string{true: ` dir="rtl">`, false: `>`}[isRTL(lang)],
				`<a class="button" href="/">`,                                       // write to us
				`<a class="exit" id="quick-exit" href="https://www.wikipedia.org/"`, // quick exit, no script needed
				`href="/info/de/` + strings.TrimPrefix(slug, "index"),               // language switch
				`href="/info/en/` + strings.TrimPrefix(slug, "index"),
				`<link rel="stylesheet" href="/info/assets/pages.css">`,
				`<script src="/info/assets/pages.js" defer></script>`,
			} {
				if !strings.Contains(html, want) {
					t.Errorf("%s/%s lacks %s", lang, slug, want)
				}
			}
			for _, bad := range []string{"{{", "}}", "missing text", "style=", "<script>", "raw HTML omitted", `class="note" role="note">` + s.strings[lang]["fallback_note"]} {
				if strings.Contains(html, bad) {
					t.Errorf("%s/%s contains %q", lang, slug, bad)
				}
			}
		}
		if b := s.NotFound(lang); !bytes.Contains(b, []byte(s.strings[lang]["notfound_title"])) {
			t.Errorf("NotFound(%s) lacks its title", lang)
		}
	}
	if err := s.Render(new(bytes.Buffer), "tr", "faq"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Render(tr) = %v, want ErrNotFound", err)
	}
	if err := s.Render(new(bytes.Buffer), "de", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Render(de, nope) = %v, want ErrNotFound", err)
	}
	if imprint := renderPage(t, s, "de", "imprint"); !strings.Contains(imprint, "Sie müssen sie ausfüllen") {
		t.Error("the default imprint does not say that the operator must fill it in")
	}
}

// TestTranslationKeys checks that every key the layout and the code use
// exists in both languages, and that both define the same keys.
func TestTranslationKeys(t *testing.T) {
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\.T "([a-z_]+)"`).FindAllStringSubmatch(layoutSource, -1) {
		used[m[1]] = true
	}
	src, err := os.ReadFile("render.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`t\(d\.strs, "([a-z_]+)"\)`).FindAllStringSubmatch(string(src), -1) {
		used[m[1]] = true
	}
	desk, err := os.ReadFile("desk.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`"((?:dir|block)_[a-z_]+)"`).FindAllStringSubmatch(string(desk), -1) {
		used[m[1]] = true
	}
	for _, a := range audiences {
		used["audience_"+a] = true
	}
	used["lang_name"] = true
	if len(used) < 30 {
		t.Fatalf("found only %d keys in the layout; the pattern is broken", len(used))
	}
	s := loadDefaults(t)
	for key := range used {
		for _, lang := range Languages {
			if s.strings[lang][key] == "" {
				t.Errorf("key %q is used but missing in %s/strings.json", key, lang)
			}
		}
	}
	for _, lang := range Languages {
		for key := range s.strings[lang] {
			if s.strings[fallback(lang)][key] == "" {
				t.Errorf("key %q is in %s/strings.json but not in %s", key, lang, fallback(lang))
			}
		}
	}
}

func TestRetentionIsRendered(t *testing.T) {
	s, err := Load("", Options{RetentionDays: 37})
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"de": "<strong>37 Tage</strong>", "en": "<strong>37 days</strong>"} {
		if html := renderPage(t, s, lang, "data"); !strings.Contains(html, want) {
			t.Errorf("%s/data lacks %q", lang, want)
		}
	}
	if _, err := Load("", Options{}); err == nil {
		t.Error("Load without a retention: no error")
	}
}

func TestExitURL(t *testing.T) {
	s, err := Load("", Options{RetentionDays: 1, ExitURL: "https://wetter.example/heute?a=1&b=2"})
	if err != nil {
		t.Fatal(err)
	}
	if html := renderPage(t, s, "de", "faq"); !strings.Contains(html, `href="https://wetter.example/heute?a=1&amp;b=2"`) {
		t.Error("the quick exit does not lead to the configured address")
	}
	for _, bad := range []string{"javascript:alert(1)", "/relative", "ftp://x.example/", "https://", "http://plain.example/"} {
		if _, err := Load("", Options{RetentionDays: 1, ExitURL: bad}); err == nil {
			t.Errorf("exit URL %q accepted", bad)
		}
	}
}

const oneCentre = `{"centres": [{"id": "a", "name": "Stelle A", "organisation": "Träger A", "state": "DE-SN", "city": "Leipzig",
	"languages": ["de", "cs"], "target_groups": ["women"], "services": {"de": "Beratung"}, "contact": {"email": "a@example.org"}, "anonymous": true}]}`

func TestOverrides(t *testing.T) {
	dir := mailboxdtest.ContentDir(t, map[string]string{
		"de/faq.md":          "---\ntitle: Unsere Fragen\nnav: 70\n---\nEigener Text.\n",
		"de/nur-deutsch.md":  "---\ntitle: Nur auf Deutsch\nnav: 90\n---\nText in deutscher Sprache.\n",
		"en/imprint.md":      "---\ntitle: Imprint\nfooter: true\n---\nExample e. V., Example Street 1\n",
		"de/strings.json":    `{"service_name": "Beispiel-Beratung"}`,
		"centres.json":       oneCentre,
		"README.md":          "notes of the operator",
		".hidden/ignored.md": "anything",
	})
	s, err := Load(dir, Options{RetentionDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	if html := renderPage(t, s, "de", "faq"); !strings.Contains(html, "Eigener Text.") || !strings.Contains(html, "<title>Beispiel-Beratung</title>") {
		t.Errorf("de/faq is not the operator's:\n%s", html)
	}
	if html := renderPage(t, s, "en", "faq"); !strings.Contains(html, "Frequently asked questions") {
		t.Error("en/faq lost its default")
	}
	if html := renderPage(t, s, "en", "imprint"); strings.Contains(html, "template") || !strings.Contains(html, "Example Street 1") {
		t.Error("en/imprint is not the operator's")
	}
	// A page in one language only: the other shows it with a note.
	en := renderPage(t, s, "en", "nur-deutsch")
	for _, want := range []string{`<html lang="en">`, s.strings["en"]["fallback_note"], `<article lang="de" dir="ltr">`, "Text in deutscher Sprache.", `href="/info/en/nur-deutsch"`} {
		if !strings.Contains(en, want) {
			t.Errorf("en/nur-deutsch lacks %q", want)
		}
	}
	if de := renderPage(t, s, "de", "nur-deutsch"); strings.Contains(de, s.strings["de"]["fallback_note"]) {
		t.Error("de/nur-deutsch shows the fallback note")
	}
	if got := s.Centres(); len(got) != 1 || got[0].ID != "a" {
		t.Errorf("Centres() = %v, want the operator's one entry", got)
	}
	if html := renderPage(t, s, "de", "centres"); strings.Contains(html, s.strings["de"]["dir_example_note"]) || !strings.Contains(html, "Stelle A") {
		t.Error("the operator's directory is shown as the example, or not at all")
	}
	if html := renderPage(t, loadDefaults(t), "de", "centres"); !strings.Contains(html, s.strings["de"]["dir_example_note"]) {
		t.Error("the built-in example directory is not labelled as an example")
	}
}

func TestBrokenContent(t *testing.T) {
	centre := func(edit func(m map[string]any)) string {
		var f struct {
			Centres []map[string]any `json:"centres"`
		}
		if err := json.Unmarshal([]byte(oneCentre), &f); err != nil {
			t.Fatal(err)
		}
		second := map[string]any{}
		for k, v := range f.Centres[0] {
			second[k] = v
		}
		second["id"], second["name"] = "b", "Stelle B"
		edit(second)
		f.Centres = append(f.Centres, second)
		b, _ := json.Marshal(f)
		return string(b)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // all must appear in the error
	}{
		{"no front matter", map[string]string{"de/faq.md": "# Fragen\n"}, []string{"de/faq.md", "front matter", `"---"`}},
		{"unclosed front matter", map[string]string{"de/faq.md": "---\ntitle: x\n"}, []string{"de/faq.md", "no closing line"}},
		{"unknown key", map[string]string{"en/faq.md": "---\ntitel: FAQ\n---\n"}, []string{"en/faq.md", "line 2", `unknown key "titel"`}},
		{"no title", map[string]string{"de/faq.md": "---\nnav: 3\n---\ntext\n"}, []string{"de/faq.md", "title is missing"}},
		{"bad nav", map[string]string{"de/faq.md": "---\ntitle: x\nnav: zwei\n---\n"}, []string{"de/faq.md", "line 3", "nav"}},
		{"bad audience", map[string]string{"de/faq.md": "---\ntitle: x\naudience: all\n---\n"}, []string{"de/faq.md", "audience"}},
		{"not a key value", map[string]string{"de/faq.md": "---\ntitle x\n---\n"}, []string{"de/faq.md", "line 2", "key: value"}},
		{"unknown placeholder", map[string]string{"de/data.md": "---\ntitle: x\n---\n{{retention}} Tage\n"}, []string{"de/data.md", "{{retention}}"}},
		{"raw HTML", map[string]string{"de/faq.md": "---\ntitle: x\n---\nText\n\n<script>alert(1)</script>\n"}, []string{"de/faq.md", "line 6", "raw HTML"}},
		{"inline HTML", map[string]string{"de/faq.md": "---\ntitle: x\n---\nA <b onclick=\"x()\">b</b>\n"}, []string{"de/faq.md", "raw HTML"}},
		{"javascript link", map[string]string{"de/faq.md": "---\ntitle: x\n---\n[klick](javascript:alert(1))\n"}, []string{"de/faq.md", "link"}},
		{"http link", map[string]string{"en/faq.md": "---\ntitle: x\n---\n\nsee [this](http://example.org/)\n"}, []string{"en/faq.md", "line 5", "https"}},
		{"image", map[string]string{"de/faq.md": "---\ntitle: x\n---\n![Bild](https://example.org/a.png)\n"}, []string{"de/faq.md", "images"}},
		{"bad page name", map[string]string{"de/Fragen.md": "---\ntitle: x\n---\n"}, []string{"de/Fragen.md", "page name"}},
		{"not a page", map[string]string{"de/faq.markdown": "x"}, []string{"de/faq.markdown", "unknown file"}},
		{"unknown language", map[string]string{"tr/faq.md": "---\ntitle: x\n---\n"}, []string{"tr", "unknown folder"}},
		{"stray file", map[string]string{"centers.json": "{}"}, []string{"centers.json", "unknown file"}},
		{"unknown string key", map[string]string{"de/strings.json": `{"servic_name": "x"}`}, []string{"de/strings.json", `unknown key "servic_name"`}},
		{"empty string", map[string]string{"en/strings.json": `{"exit": " "}`}, []string{"en/strings.json", `"exit"`, "empty"}},
		{"strings not JSON", map[string]string{"en/strings.json": `{"exit": }`}, []string{"en/strings.json", "JSON"}},
		{"centres syntax", map[string]string{"centres.json": "{\"centres\": [\n{\"id\": }]}"}, []string{"centres.json", "line 2"}},
		{"centres not an object", map[string]string{"centres.json": `[]`}, []string{"centres.json"}},
		{"centres unknown field", map[string]string{"centres.json": centre(func(m map[string]any) { m["fax"] = "1" })}, []string{"centres.json", `entry 1 ("Stelle B")`, `unknown field "fax"`}},
		{"no name", map[string]string{"centres.json": centre(func(m map[string]any) { m["name"] = "" })}, []string{"centres.json", "entry 1 (no name)", "name: missing"}},
		{"unknown state", map[string]string{"centres.json": centre(func(m map[string]any) { m["state"] = "DE-XX" })}, []string{"centres.json", `entry 1 ("Stelle B")`, "state", `"DE-XX"`}},
		{"state by name", map[string]string{"centres.json": centre(func(m map[string]any) { m["state"] = "Berlin" })}, []string{`entry 1 ("Stelle B")`, "state"}},
		{"bad email", map[string]string{"centres.json": centre(func(m map[string]any) { m["contact"] = map[string]any{"email": "beratung at example.org"} })}, []string{`entry 1 ("Stelle B")`, "contact.email"}},
		{"email with name", map[string]string{"centres.json": centre(func(m map[string]any) { m["contact"] = map[string]any{"email": "B <b@example.org>"} })}, []string{"contact.email"}},
		{"http website", map[string]string{"centres.json": centre(func(m map[string]any) { m["contact"] = map[string]any{"website": "http://b.example.org/"} })}, []string{`entry 1 ("Stelle B")`, "contact.website"}},
		{"javascript website", map[string]string{"centres.json": centre(func(m map[string]any) { m["contact"] = map[string]any{"website": "javascript:alert(1)"} })}, []string{"contact.website"}},
		{"bad phone", map[string]string{"centres.json": centre(func(m map[string]any) { m["contact"] = map[string]any{"phone": "030 1234"} })}, []string{`entry 1 ("Stelle B")`, "contact.phone"}},
		{"no contact", map[string]string{"centres.json": centre(func(m map[string]any) { m["contact"] = map[string]any{} })}, []string{"contact: give at least one"}},
		{"unknown language code", map[string]string{"centres.json": centre(func(m map[string]any) { m["languages"] = []string{"de", "xx"} })}, []string{`entry 1 ("Stelle B")`, "languages[1]", `"xx"`}},
		{"no language", map[string]string{"centres.json": centre(func(m map[string]any) { m["languages"] = []string{} })}, []string{"languages"}},
		{"unknown group", map[string]string{"centres.json": centre(func(m map[string]any) { m["target_groups"] = []string{"kids"} })}, []string{"target_groups[0]", `"kids"`}},
		{"duplicate id", map[string]string{"centres.json": centre(func(m map[string]any) { m["id"] = "a" })}, []string{`entry 1 ("Stelle B")`, "id", "entry 0"}},
		{"bad id", map[string]string{"centres.json": centre(func(m map[string]any) { m["id"] = "B B" })}, []string{"id"}},
		{"no city", map[string]string{"centres.json": centre(func(m map[string]any) { m["city"] = "" })}, []string{"city: missing"}},
		{"org with capitals", map[string]string{"centres.json": centre(func(m map[string]any) { m["org"] = "Nord" })}, []string{`entry 1 ("Stelle B")`, "org", `"Nord"`}},
		{"org with a slash", map[string]string{"centres.json": centre(func(m map[string]any) { m["org"] = "../main" })}, []string{`entry 1 ("Stelle B")`, "org"}},
		{"org too long", map[string]string{"centres.json": centre(func(m map[string]any) { m["org"] = strings.Repeat("a", 33) })}, []string{"org"}},
		{"org not a string", map[string]string{"centres.json": centre(func(m map[string]any) { m["org"] = 5 })}, []string{"org", "wrong type"}},
		{"no services", map[string]string{"centres.json": centre(func(m map[string]any) { delete(m, "services") })}, []string{"services: missing"}},
		{"services in turkish", map[string]string{"centres.json": centre(func(m map[string]any) { m["services"] = map[string]string{"tr": "danışmanlık"} })}, []string{"services", `"tr"`}},
		{"control character", map[string]string{"centres.json": centre(func(m map[string]any) { m["organisation"] = "Träger\u0007" })}, []string{"organisation", "control"}},
		{"wrong type", map[string]string{"centres.json": centre(func(m map[string]any) { m["anonymous"] = "ja" })}, []string{"centres.json", `entry 1 ("Stelle B")`, "anonymous: wrong type"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := mailboxdtest.ContentDir(t, tc.files)
			s, err := Load(dir, Options{RetentionDays: 90})
			if err == nil {
				t.Fatalf("Load accepted it")
			}
			t.Log(err)
			if s != nil {
				t.Error("Load returned a site with an error")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if !strings.HasPrefix(err.Error(), "content: ") {
				t.Errorf("error %q does not start with the package", err)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing"), Options{RetentionDays: 90}); err == nil {
		t.Error("a missing content directory is accepted")
	}
}

// TestEscaping: nothing from a content file reaches a page as markup.
func TestEscaping(t *testing.T) {
	// The renderer itself drops raw HTML and dangerous links, even though
	// Load refuses them before.
	var buf bytes.Buffer
	md := "<script>alert(1)</script>\n\nA <img src=x onerror=alert(1)> b\n\n[x](javascript:alert(1)) [y](vbscript:x)\n"
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "onerror", "javascript:", "vbscript:"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("goldmark passes %q through: %s", bad, buf.String())
		}
	}

	evil := `<script>alert(1)</script>`
	centres := strings.NewReplacer(`"Stelle A"`, `"`+strings.ReplaceAll(evil, `"`, `\"`)+`"`, `"Leipzig"`, `"\"><b>x</b>"`).Replace(oneCentre)
	dir := mailboxdtest.ContentDir(t, map[string]string{
		"de/faq.md":       "---\ntitle: " + evil + "\ndescription: \"><script>x</script>\n---\nText mit `<script>` als Code und 1 < 2 > 0 & so.\n",
		"de/strings.json": `{"service_name": "` + strings.ReplaceAll(evil, `"`, `\"`) + `"}`,
		"centres.json":    centres,
	})
	s, err := Load(dir, Options{RetentionDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"faq", "centres"} {
		html := renderPage(t, s, "de", slug)
		if strings.Contains(html, "<script>") || strings.Contains(html, "<b>x</b>") {
			t.Errorf("de/%s has unescaped markup:\n%s", slug, html)
		}
		if !strings.Contains(html, "&lt;script&gt;") {
			t.Errorf("de/%s does not show the text escaped", slug)
		}
	}
}

func TestLanguage(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"", "de"},
		{"en", "en"},
		{"en-GB,en;q=0.9", "en"},
		{"de-DE,de;q=0.9,en;q=0.8", "de"},
		{"tr-TR,tr;q=0.9,en;q=0.8,de;q=0.7", "en"},
		{"tr", "de"},
		{"fr-FR,fr;q=0.9,en;q=0.8", "fr"},
		{"ar-EG", "ar"},
		{"zh-CN,zh;q=0.9", "zh"},
		{"en;q=0.1,de;q=0.5", "de"},
		{"en;q=0", "de"},
		{strings.Repeat("x,", 1000) + "en", "de"},
	} {
		if got := Language(tc.header); got != tc.want {
			t.Errorf("Language(%.40q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}
