package api

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lotse/content"
	"lotse/internal/mailboxdtest"
)

// addedLanguage is a content folder that adds Tigrinya, complete but for
// its web client texts, which the caller gives.
func addedLanguage(t *testing.T, webclient string) map[string]string {
	t.Helper()
	strs := map[string]string{}
	labels := map[string]string{}
	for file, into := range map[string]map[string]string{"../content/defaults/en/strings.json": strs, "../content/labels/fr.json": labels} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &into); err != nil {
			t.Fatal(err)
		}
		for k, v := range into {
			into[k] = "ti: " + v
		}
	}
	strs["lang_name"] = "ትግርኛ"
	s, _ := json.Marshal(strs)
	l, _ := json.Marshal(labels)
	return map[string]string{
		"ti/language.json":  `{"name": "ትግርኛ", "dir": "ltr"}`,
		"ti/strings.json":   string(s),
		"ti/labels.json":    string(l),
		"ti/webclient.json": webclient,
	}
}

// TestAddedLanguageCatalogue: a language the operator adds is named in the
// page (data-languages, its own name and direction), its web client texts
// are served under their hash like any operator catalogue, and they must
// hold every key of the built English catalogue with its placeholders: a
// missing key stops the start, naming file and key.
func TestAddedLanguageCatalogue(t *testing.T) {
	enBody := `{"title":"Hello","count":"{n} messages"}`
	files := map[string]string{"index.html": serviceIndex, builtCatalogue("en", enBody): enBody}
	load := func(webclient string) (*webFiles, error) {
		site, err := content.Load(mailboxdtest.ContentDir(t, addedLanguage(t, webclient)), content.Options{RetentionDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		return loadWeb(webFS(files), "", site)
	}

	ti := `{"title":"ሰላም","count":"{n} መልእኽትታት"}`
	w, err := load(ti)
	if err != nil {
		t.Fatal(err)
	}
	page := string(w.files["/"].body)
	want := ` data-languages="` + html.EscapeString(`[{"code":"ti","name":"ትግርኛ","rtl":false}]`) + `"`
	if !strings.Contains(page, `<div id="service" hidden`+want+` data-name-de=`) {
		t.Errorf("the page does not name the added language first on #service:\n%s", page)
	}
	for _, s := range []string{` data-name-ti="ti: `, `<section lang="ti">`, `href="/info/ti/safety"`} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	m := regexp.MustCompile(` data-catalogue-ti="(/lang-ti-[A-Z0-9]{8}\.json)"`).FindStringSubmatch(page)
	if m == nil || w.files[m[1]] == nil {
		t.Fatalf("the page names no served catalogue for ti:\n%s", page)
	}
	var got map[string]string
	if err := json.Unmarshal(w.files[m[1]].body, &got); err != nil || got["title"] != "ሰላም" || len(got) != 2 {
		t.Errorf("the ti catalogue: %v %v", got, err)
	}

	for _, c := range []struct {
		name, webclient string
		want            []string
	}{
		{"missing key", `{"title":"ሰላም"}`, []string{filepath.Join("ti", "webclient.json"), `missing key "count"`}},
		{"unknown key", `{"title":"ሰላም","count":"{n}","more":"x"}`, []string{`unknown key "more"`, "lang/en.json"}},
		{"lost placeholder", `{"title":"ሰላም","count":"መልእኽትታት"}`, []string{`key "count"`, "{n}"}},
	} {
		_, err := load(c.webclient)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %v lacks %q", c.name, err, w)
			}
		}
	}
}
