package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lotse/content"
	"lotse/internal/mailboxdtest"
)

// builtCatalogue names body as webclient/build.mjs does.
func builtCatalogue(lang, body string) string {
	h := sha256.Sum256([]byte(body))
	return "lang-" + lang + "-" + strings.ToUpper(hex.EncodeToString(h[:4])) + ".json"
}

// TestOperatorCatalogues: an operator's webclient.json is merged into the
// built catalogue of its language, served under the name of its own hash
// and named on the page; the built files stay as published; a key the
// built catalogue lacks or a changed placeholder stops the start, naming
// file and key.
func TestOperatorCatalogues(t *testing.T) {
	deBody := `{"title":"Hallo","count":"{n} Nachrichten","exit":"Seite verlassen"}`
	frBody := `{"title":"Bonjour","count":"{n} messages","exit":"Quitter la page"}`
	files := map[string]string{"index.html": serviceIndex, builtCatalogue("de", deBody): deBody, builtCatalogue("fr", frBody): frBody}
	load := func(over map[string]string) (*webFiles, error) {
		site, err := content.Load(mailboxdtest.ContentDir(t, over), content.Options{RetentionDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		return loadWeb(webFS(files), "", site)
	}

	w, err := load(map[string]string{
		"de/webclient.json": `{"title": "Willkommen bei der Beratung"}`,
		"fr/webclient.json": `{"count": "{n} messages reçus", "exit": "Partir"}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	page := string(w.files["/"].body)
	for lang, want := range map[string]map[string]string{
		"de": {"title": "Willkommen bei der Beratung", "count": "{n} Nachrichten", "exit": "Seite verlassen"},
		"fr": {"title": "Bonjour", "count": "{n} messages reçus", "exit": "Partir"},
	} {
		m := regexp.MustCompile(` data-catalogue-` + lang + `="(/lang-` + lang + `-[A-Z0-9]{8}\.json)"[^<]*></div>`).FindStringSubmatch(page)
		if m == nil {
			t.Errorf("the page names no catalogue for %s:\n%s", lang, page)
			continue
		}
		f := w.files[m[1]]
		if f == nil {
			t.Errorf("%s is named but not served", m[1])
			continue
		}
		if "/"+builtCatalogue(lang, string(f.body)) != m[1] {
			t.Errorf("%s is not named by its hash", m[1])
		}
		var got map[string]string
		if err := json.Unmarshal(f.body, &got); err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s = %q, want %q", lang, k, got[k], v)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d texts, want %d", lang, len(got), len(want))
		}
	}
	if strings.Contains(page, "data-catalogue-en") {
		t.Error("a language without an override got a catalogue")
	}
	if string(w.files["/"+builtCatalogue("de", deBody)].body) != deBody {
		t.Error("the built German catalogue changed")
	}

	// Texts that make the catalogue larger than the app loads.
	big, over := map[string]string{}, map[string]string{}
	for i := range 130 {
		k := fmt.Sprintf("k%d", i)
		big[k] = strings.Repeat("text ", 80)
		if i < 40 {
			over[k] = strings.Repeat("lang ", 199)
		}
	}
	bigBody, _ := json.Marshal(big)
	overBody, _ := json.Marshal(over)
	files[builtCatalogue("en", string(bigBody))] = string(bigBody)
	if _, err := load(map[string]string{"en/webclient.json": string(overBody)}); err == nil || !strings.Contains(err.Error(), "at most 65536") {
		t.Errorf("a catalogue too large for the app: %v", err)
	}

	for _, c := range []struct {
		name string
		over map[string]string
		want []string
	}{
		{"unknown key", map[string]string{"fr/webclient.json": `{"titel": "x"}`}, []string{filepath.Join("fr", "webclient.json"), `unknown key "titel"`}},
		{"lost placeholder", map[string]string{"de/webclient.json": `{"count": "Nachrichten"}`}, []string{filepath.Join("de", "webclient.json"), `key "count"`, "{n}"}},
		{"new placeholder", map[string]string{"fr/webclient.json": `{"title": "Bonjour {name}"}`}, []string{`key "title"`, "{name}"}},
		{"no built catalogue", map[string]string{"ru/webclient.json": `{"title": "Привет"}`}, []string{filepath.Join("ru", "webclient.json"), "no built catalogue"}},
	} {
		_, err := load(c.over)
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.name, err, w)
			}
		}
	}
}
