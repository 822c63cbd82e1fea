package content

import (
	"slices"
	"strings"
	"testing"

	"lotse/internal/catalogue"
	"lotse/internal/mailboxdtest"
)

// TestLabels: every language beyond German and English has a label
// catalogue naming every state and target group, and only codes the
// directory knows, and labels/review.json vouches for each; the code lists
// share no code, since one catalogue holds all three.
func TestLabels(t *testing.T) {
	known := map[string]string{}
	for kind, list := range map[string][]Label{"state": States, "target group": TargetGroups, "language": isoLanguages} {
		for _, l := range list {
			if other, dup := known[l.Code]; dup {
				t.Errorf("code %q is both a %s and a %s", l.Code, other, kind)
			}
			known[l.Code] = kind
		}
	}
	review, err := catalogue.ReadReview("labels/review.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		texts, has := labelTexts[lang]
		if lang == "de" || lang == "en" {
			if has {
				t.Errorf("labels/%s.json: German and English labels live in centres.go and languages.go", lang)
			}
			continue
		}
		if !has {
			t.Errorf("labels/%s.json is missing", lang)
			continue
		}
		for _, list := range [][]Label{States, TargetGroups} {
			for _, l := range list {
				if strings.TrimSpace(texts[l.Code]) == "" {
					t.Errorf("labels/%s.json: no name for %s %q", lang, known[l.Code], l.Code)
				}
			}
		}
		for k, v := range texts {
			if known[k] == "" {
				t.Errorf("labels/%s.json: unknown code %q", lang, k)
			}
			if len(catalogue.Placeholders(v)) > 0 || strings.TrimSpace(v) != v || v == "" {
				t.Errorf("labels/%s.json: %q: %q is not a plain label", lang, k, v)
			}
		}
		r, ok := review[lang]
		if !ok {
			t.Errorf("labels/review.json has no entry for %s", lang)
			continue
		}
		if r.Status == catalogue.Source {
			t.Errorf("labels/review.json: %s is not the source; German is", lang)
		}
		for _, p := range catalogue.CheckReview(r, texts) {
			t.Errorf("labels/review.json: %s: %s", lang, p)
		}
		if n := catalogue.Unreviewed(r, texts); n > 0 {
			t.Logf("%s: %d of %d labels machine-drafted, not yet reviewed", lang, n, len(texts))
		}
	}
	for lang := range labelTexts {
		if !slices.Contains(Languages, lang) {
			t.Errorf("labels/%s.json: not a language of the service", lang)
		}
	}
	for lang := range review {
		if _, ok := labelTexts[lang]; !ok {
			t.Errorf("labels/review.json names %s, which has no label catalogue", lang)
		}
	}
}

// TestLabelsOnPages: the directory page of a language beyond German and
// English names states, target groups and languages in that language, and
// falls back to English only where no label is drafted.
func TestLabelsOnPages(t *testing.T) {
	dir := mailboxdtest.ContentDir(t, map[string]string{"centres.json": oneCentre})
	s, err := Load(dir, Options{RetentionDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lang      string
		want, not []string
	}{
		{"fr", []string{"Saxe", "Femmes", "Deutsch (Allemand)", "Čeština"}, []string{"Saxony", ">Women", "Deutsch (German)"}},
		{"ru", []string{"Саксония", "Женщины", "Deutsch (Немецкий)"}, []string{"Saxony", ">Women"}},
		{"ar", []string{"ساكسونيا", "النساء"}, []string{"Saxony", ">Women"}},
		{"en", []string{"Saxony", "Women", "Deutsch (German)"}, []string{"Sachsen<"}},
	} {
		html := renderPage(t, s, c.lang, "centres")
		for _, w := range c.want {
			if !strings.Contains(html, w) {
				t.Errorf("%s/centres lacks %q", c.lang, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(html, n) {
				t.Errorf("%s/centres has %q", c.lang, n)
			}
		}
	}
	// No drafted label: English stands in, and the name in itself is not
	// followed by a copy of the English one.
	if got := LanguageName("cs", "fr"); got != "Czech" {
		t.Errorf(`LanguageName("cs", "fr") = %q, want the English "Czech"`, got)
	}
	if got := StateName("DE-BY", "zh"); got != "巴伐利亚州" {
		t.Errorf(`StateName("DE-BY", "zh") = %q`, got)
	}
}
