package content

import (
	"strings"
	"testing"
)

func ids(cs []Centre) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return strings.Join(out, " ")
}

func TestSearchCentres(t *testing.T) {
	s := loadDefaults(t)
	for _, tc := range []struct{ query, want string }{
		{"", "example-nationwide example-berlin example-hamburg example-frankfurt example-koeln example-muenchen"},
		{"   ", "example-nationwide example-berlin example-hamburg example-frankfurt example-koeln example-muenchen"},
		{"munchen", "example-muenchen"},
		{"MÜNCHEN", "example-muenchen"},
		{"Bayern", "example-muenchen"},
		{"bavaria", "example-muenchen"},
		{"köln", "example-koeln"},
		{"rumänisch", "example-berlin example-muenchen"},
		{"romanian", "example-berlin example-muenchen"},
		{"hamburg arbeit", "example-hamburg"},
		{"hamburg, labour", "example-hamburg"},
		{"sexuelle ausbeutung berlin", "example-berlin"},
		{"DE-NW", "example-koeln"},
		{"bundesweit", "example-nationwide"},
		{"vietnamesisch frauen", "example-hamburg"},
		{"nirgendwo", ""},
		{"berlin hamburg", ""}, // every word must match
	} {
		if got := ids(s.SearchCentres(tc.query)); got != tc.want {
			t.Errorf("SearchCentres(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
	if got := s.SearchCentres("nirgendwo"); got == nil {
		t.Error("no match is nil, want an empty list")
	}
	// A long query is cut, not refused.
	if got := s.SearchCentres(strings.Repeat("berlin ", 1000)); ids(got) != "example-berlin" {
		t.Errorf("long query: %q", ids(got))
	}
	// Results are copies: changing one does not change the directory.
	got := s.SearchCentres("berlin")
	got[0].Languages[0] = "xx"
	got[0].Services["de"] = "changed"
	if again := s.SearchCentres("berlin"); again[0].Languages[0] != "de" || again[0].Services["de"] == "changed" {
		t.Error("SearchCentres hands out the directory's own slices")
	}
}

func TestCentreBlock(t *testing.T) {
	s := loadDefaults(t)
	berlin := s.SearchCentres("example-berlin")[0]
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"de", []string{
			"Beispiel-Beratungsstelle Berlin (Beispieleintrag)\n",
			"Telefon: +49 30 23125 001\n",
			"E-Mail: berlin@example.org\n",
			"Website: https://berlin.example.org/\n",
			"Erreichbar: Beispiel: Mo–Do 10–16 Uhr\n",
			"Sprachen: Deutsch, Englisch, Rumänisch, Bulgarisch, Polnisch\n",
			"Angebot: BEISPIEL: Beratung,",
			"Die Beratung kann anonym sein.",
		}},
		{"en", []string{
			"Phone: +49 30 23125 001\n",
			"E-mail: berlin@example.org\n",
			"Opening hours: Example: Mon–Thu 10 am–4 pm\n",
			"Languages: German, English, Romanian, Bulgarian, Polish\n",
			"Services: EXAMPLE: counselling,",
			"Counselling can be anonymous.",
		}},
		{"tr", []string{"Telefon: +49 30 23125 001\n"}}, // unknown: German
	} {
		block := s.CentreBlock(berlin, tc.lang)
		for _, w := range tc.want {
			if !strings.Contains(block, w) {
				t.Errorf("CentreBlock(%s) lacks %q:\n%s", tc.lang, w, block)
			}
		}
		if strings.ContainsAny(block, "<>") || strings.HasSuffix(block, "\n") {
			t.Errorf("CentreBlock(%s) is not plain trimmed text:\n%s", tc.lang, block)
		}
	}

	// Missing fields are left out; text only in the other language is used;
	// line breaks in a field do not break the block's shape.
	c := Centre{
		ID: "x", Name: "Stelle X\nzweite Zeile", Organisation: "Träger", State: "DE-TH", City: "Erfurt",
		Languages: []string{"de"}, TargetGroups: []string{"men"},
		Services: Text{"de": "Nur deutsch"}, Contact: Contact{Email: "x@example.org"},
	}
	block := s.CentreBlock(c, "en")
	want := "Stelle X zweite Zeile\nTräger\nErfurt (Thuringia)\nE-mail: x@example.org\nLanguages: German\nServices: Nur deutsch"
	if block != want {
		t.Errorf("CentreBlock = %q, want %q", block, want)
	}
}
