package webclient

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lotse/internal/catalogue"
)

// serviceLanguages are the languages the web client offers; i18n.ts lists
// the same codes with their names (TestLanguageList keeps the two together).
var serviceLanguages = []string{"de", "en", "fr", "es", "ro", "bg", "uk", "ru", "ar", "zh", "vi", "th"}

// TestCatalogues: every language's catalogue has exactly the German one's
// keys, no empty text and the same placeholders in every text, and
// review.json says for each whether a native speaker has checked it.
func TestCatalogues(t *testing.T) {
	dir := filepath.Join("src", "lang")
	src, err := catalogue.Read(filepath.Join(dir, "de.json"))
	if err != nil {
		t.Fatalf("de.json: %v", err)
	}
	review, err := catalogue.ReadReview(filepath.Join(dir, "review.json"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "??.json"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range files {
		lang := strings.TrimSuffix(filepath.Base(f), ".json")
		found = append(found, lang)
		texts, err := catalogue.Read(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, p := range catalogue.Compare(src, texts) {
			t.Errorf("%s: %s", f, p)
		}
		r, ok := review[lang]
		if !ok {
			t.Errorf("review.json has no entry for %s: add one (status %q until a native speaker has checked it)", lang, catalogue.MachineDrafted)
			continue
		}
		if (r.Status == catalogue.Source) != (lang == "de") {
			t.Errorf("review.json: %s has status %q; German alone is the source", lang, r.Status)
		}
		for _, p := range catalogue.CheckReview(r, texts) {
			t.Errorf("review.json: %s: %s", lang, p)
		}
		if n := catalogue.Unreviewed(r, texts); n > 0 {
			t.Logf("%s: %d of %d texts machine-drafted, not yet reviewed", lang, n, len(texts))
		}
	}
	slices.Sort(found)
	want := slices.Sorted(slices.Values(serviceLanguages))
	if !slices.Equal(found, want) {
		t.Errorf("catalogues %v, want %v", found, want)
	}
	for lang := range review {
		if !slices.Contains(found, lang) {
			t.Errorf("review.json names %s, which has no catalogue", lang)
		}
	}
}

// TestLanguageList: i18n.ts offers exactly the languages that have a
// catalogue, each once.
func TestLanguageList(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("src", "i18n.ts"))
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, line := range strings.Split(string(b), "\n") {
		_, rest, ok := strings.Cut(line, `{ code: "`)
		if !ok {
			continue
		}
		code, _, _ := strings.Cut(rest, `"`)
		codes = append(codes, code)
	}
	if !slices.Equal(codes, serviceLanguages) {
		t.Errorf("i18n.ts lists %v, want %v", codes, serviceLanguages)
	}
}
