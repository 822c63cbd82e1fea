package content

import (
	"encoding/json"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lotse/internal/mailboxdtest"
)

// TestDirectoryEndonyms: every language the label catalogues name (the
// languages centres offer most, Tigrinya and Yoruba as much as French) is
// offered in the directory's filter by its name in itself, in every page
// language, with the page language's name after it where that differs:
// a person finds their language without reading the page's. Names in
// themselves are recorded, not the English name standing in.
func TestDirectoryEndonyms(t *testing.T) {
	var codes []string
	for _, code := range directoryLabelCodes() {
		if _, isLang := findLabel(isoLanguages, code); isLang {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	if len(codes) < 26 {
		t.Fatalf("the label catalogues name %d languages, want at least 26", len(codes))
	}
	for _, code := range codes {
		if endonyms[code] == "" {
			t.Errorf("%s: no name in itself recorded (endonyms)", code)
		}
	}
	all, _ := json.Marshal(codes)
	dir := mailboxdtest.ContentDir(t, map[string]string{"centres.json": `{"centres": [{"id": "a", "name": "Beratung A", "organisation": "Verein A",
  "state": "DE-BE", "city": "Berlin", "languages": ` + string(all) + `, "target_groups": ["women"],
  "services": {"de": "Beratung", "en": "Counselling"}, "contact": {"phone": "+49 30 1234567"}}]}`})
	site, err := Load(dir, Options{RetentionDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	option := regexp.MustCompile(`<option value="([a-z]{2})">([^<]*)</option>`)
	for _, lang := range Languages {
		b, _ := site.Page(lang, centresSlug)
		sel := regexp.MustCompile(`(?s)<select id="filter-language".*?</select>`).Find(b)
		got := map[string]string{}
		for _, m := range option.FindAllSubmatch(sel, -1) {
			got[string(m[1])] = html.UnescapeString(string(m[2]))
		}
		for _, code := range codes {
			l, _ := findLabel(isoLanguages, code)
			self, here := endonyms[code], l.In(lang)
			want := self
			if here != self {
				want = self + " (" + here + ")"
			}
			if got[code] != want {
				t.Errorf("/info/%s/centres: the filter offers %s as %q, want %q", lang, code, got[code], want)
			}
			if !strings.HasPrefix(got[code], self) {
				t.Errorf("/info/%s/centres: %s does not begin with its own name %q", lang, code, self)
			}
		}
	}
}
