package counsel

import "testing"

// TestLanguageLabel: an enquirer's language is named in the counsellor's
// language and in itself, with the tag; an unknown tag is shown as it is,
// without control characters.
func TestLanguageLabel(t *testing.T) {
	for _, c := range []struct{ lang, ui, want string }{
		{"ar", "de", "Arabisch (العربية, ar)"},
		{"ar", "en", "Arabic (العربية, ar)"},
		{"pt-BR", "en", "Portuguese (Português, pt-BR)"},
		{"de", "de", "Deutsch (de)"},
		{"aa", "en", "Afar (aa)"},
		{"qq-x", "de", "qq-x"},
		{"qq\x1b[2J", "en", "qq [2J"},
	} {
		if got := languageLabel(c.lang, c.ui); got != c.want {
			t.Errorf("languageLabel(%q, %s) = %q, want %q", c.lang, c.ui, got, c.want)
		}
	}
	for lang, want := range map[string]string{"": "de", "de-AT": "de", "ar": "ar", "zh-Hans": "zh", "tr": "en"} {
		if got := centreLang(lang); got != want {
			t.Errorf("centreLang(%q) = %q, want %q", lang, got, want)
		}
	}
}
