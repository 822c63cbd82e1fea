package desk

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestTranslations: both languages have the same keys and no empty text,
// and every key the page names literally (data-t, data-t-placeholder,
// t("…")) exists.
func TestTranslations(t *testing.T) {
	files := Static()
	langs := map[string]map[string]string{}
	for _, l := range []string{"de", "en"} {
		b, err := fs.ReadFile(files, "i18n/"+l+".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("i18n/%s.json: %v", l, err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("i18n/%s.json: %q is empty", l, k)
			}
		}
		langs[l] = m
	}
	for k := range langs["de"] {
		if _, ok := langs["en"][k]; !ok {
			t.Errorf("%q is German only", k)
		}
	}
	for k := range langs["en"] {
		if _, ok := langs["de"][k]; !ok {
			t.Errorf("%q is English only", k)
		}
	}

	used := map[string]string{} // key → file
	html, err := fs.ReadFile(files, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`data-t(?:-placeholder)?="([^"]+)"`).FindAllSubmatch(html, -1) {
		used[string(m[1])] = "index.html"
	}
	js, err := fs.Glob(files, "js/*.js")
	if err != nil || len(js) == 0 {
		t.Fatalf("js: %v %v", js, err)
	}
	callRE := regexp.MustCompile(`\bt\("([^"]+)"`)
	for _, f := range js {
		b, err := fs.ReadFile(files, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range callRE.FindAllSubmatch(b, -1) {
			used[string(m[1])] = f
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use; is the pattern still right?", len(used))
	}
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, ok := langs["de"][k]; !ok {
			t.Errorf("%s uses %q, which the translations lack", used[k], k)
		}
	}
}
