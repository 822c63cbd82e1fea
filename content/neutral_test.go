package content

import (
	"regexp"
	"strings"
	"testing"
)

var titleRE = regexp.MustCompile(`<title>([^<]*)</title>`)

// TestNeutralTitles: every page's title is the service name and nothing
// else, by default and with the operator's name, so that neither the
// history nor the tab switcher tells the topic.
func TestNeutralTitles(t *testing.T) {
	for _, name := range []string{"", "Hilfe & Rat online"} {
		s, err := Load("", Options{RetentionDays: 90, ServiceName: name})
		if err != nil {
			t.Fatalf("Load with service name %q: %v", name, err)
		}
		for _, lang := range Languages {
			want := name
			if want == "" {
				want = s.Text(lang, "service_name")
			}
			if want == "" {
				t.Fatalf("%s: no service name", lang)
			}
			for _, slug := range append(s.Slugs(lang), "\x00notfound") {
				var html string
				if slug == "\x00notfound" {
					html = string(s.NotFound(lang))
				} else {
					html = renderPage(t, s, lang, slug)
				}
				m := titleRE.FindStringSubmatch(html)
				if m == nil {
					t.Fatalf("%s/%s: no title", lang, slug)
				}
				if got := strings.ReplaceAll(m[1], "&amp;", "&"); got != want {
					t.Errorf("%s/%s: title %q, want %q", lang, slug, got, want)
				}
				if strings.Contains(strings.ToLower(m[1]), "menschenhandel") || strings.Contains(strings.ToLower(m[1]), "trafficking") {
					t.Errorf("%s/%s: the title names the topic: %q", lang, slug, m[1])
				}
			}
			if !strings.Contains(renderPage(t, s, lang, ""), `class="brand" href="/info/`+lang+`/">`+strings.ReplaceAll(want, "&", "&amp;")+`</a>`) {
				t.Errorf("%s: the header does not carry the service name %q", lang, want)
			}
		}
	}
}

// TestServiceNameRule: a name that is empty, too long or carries a
// control or bidi character stops Load.
func TestServiceNameRule(t *testing.T) {
	for _, bad := range []string{" ", strings.Repeat("ä", 65), "Rat\u202eonline", "Rat\nonline", "\xff"} {
		if _, err := Load("", Options{RetentionDays: 90, ServiceName: bad}); err == nil {
			t.Errorf("service name %q accepted", bad)
		}
	}
	if _, err := Load("", Options{RetentionDays: 90, ServiceName: strings.Repeat("ä", 64)}); err != nil {
		t.Errorf("64 runes refused: %v", err)
	}
}

// TestAppTexts: the texts the web client's page takes from here exist,
// not blank, in every language.
func TestAppTexts(t *testing.T) {
	s := loadDefaults(t)
	for _, lang := range Languages {
		for _, key := range AppTextKeys {
			if strings.TrimSpace(s.Text(lang, key)) == "" {
				t.Errorf("%s: %s is empty", lang, key)
			}
		}
	}
	if s.Text("xx", "service_name") != "" || s.Text("de", "no_such_key") != "" {
		t.Error("Text answers an unknown language or key")
	}
}
