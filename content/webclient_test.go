package content

import (
	"path/filepath"
	"strings"
	"testing"

	"lotse/internal/mailboxdtest"
)

// TestWebClientOverride: <lang>/webclient.json of the operator's directory
// is read as a JSON object of non-empty strings (api checks the keys
// against the built catalogues); anything else, or a folder that is not a
// language, stops the start with the file named.
func TestWebClientOverride(t *testing.T) {
	s, err := Load(mailboxdtest.ContentDir(t, map[string]string{"fr/webclient.json": `{"title": "Bienvenue"}`}), Options{RetentionDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	fr, ok := s.WebClient("fr")
	if !ok || fr.Texts["title"] != "Bienvenue" || !strings.HasSuffix(fr.File, filepath.Join("fr", "webclient.json")) {
		t.Errorf("WebClient(fr) = %+v, %v", fr, ok)
	}
	if _, ok := s.WebClient("de"); ok {
		t.Error("WebClient(de) without a file")
	}
	if _, ok := loadDefaults(t).WebClient("fr"); ok {
		t.Error("the defaults carry a web client override")
	}
	for name, c := range map[string]struct {
		files map[string]string
		want  []string
	}{
		"not an object": {map[string]string{"fr/webclient.json": `["a"]`}, []string{filepath.Join("fr", "webclient.json"), "JSON object"}},
		"number":        {map[string]string{"de/webclient.json": `{"title": 1}`}, []string{filepath.Join("de", "webclient.json")}},
		"empty text":    {map[string]string{"en/webclient.json": `{"title": " "}`}, []string{filepath.Join("en", "webclient.json"), `"title"`, "empty"}},
		"trailing":      {map[string]string{"en/webclient.json": `{"title": "a"} {}`}, []string{"trailing"}},
		"bad language":  {map[string]string{"xx/webclient.json": `{"title": "a"}`}, []string{"xx", "unknown folder"}},
	} {
		_, err := Load(mailboxdtest.ContentDir(t, c.files), Options{RetentionDays: 90})
		if err == nil {
			t.Errorf("%s: loaded", name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", name, err, w)
			}
		}
	}
}
