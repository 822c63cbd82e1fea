package content

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneAdviceOnKeepingTheCode: the web client's advice on keeping the
// pickup code and passphrase (webclient/src/lang/*.json, keep.advice1-3)
// stands word for word on the safety page, so the two never contradict
// each other again (issue 12). A language whose safety page is another's
// (not translated yet) is skipped.
func TestOneAdviceOnKeepingTheCode(t *testing.T) {
	s := loadDefaults(t)
	for _, lang := range Languages {
		b, err := os.ReadFile(filepath.Join("..", "webclient", "src", "lang", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var cat map[string]string
		if err := json.Unmarshal(b, &cat); err != nil {
			t.Fatal(err)
		}
		page := renderPage(t, s, lang, "safety")
		if strings.Contains(page, "<article lang=") {
			// No safety page of its own yet: another language's stands in.
			t.Logf("%s: no safety page of its own", lang)
			continue
		}
		for _, key := range []string{"keep.advice1", "keep.advice2", "keep.advice3"} {
			advice := cat[key]
			if advice == "" {
				t.Fatalf("%s: the web client has no %s", lang, key)
			}
			if !strings.Contains(page, "<li>"+html.EscapeString(advice)+"</li>") {
				t.Errorf("%s: the safety page lacks the web client's %s: %q", lang, key, advice)
			}
		}
	}
}
