package content

import (
	"bytes"
	"strings"
	"testing"

	"lotse/internal/mailboxdtest"
)

// A directory of three centres: two name organisations on the server.
const orgCentres = `{"centres": [
{"id": "a", "name": "Stelle A", "organisation": "Träger A", "state": "DE-SN", "city": "Leipzig", "languages": ["de"], "target_groups": ["women"],
 "services": {"de": "Beratung"}, "contact": {"email": "a@example.org"}, "anonymous": true, "org": "nord"},
{"id": "b", "name": "Stelle B", "organisation": "Träger B", "state": "DE-BE", "city": "Berlin", "languages": ["de"], "target_groups": ["women"],
 "services": {"de": "Beratung"}, "contact": {"email": "b@example.org"}, "anonymous": true, "org": "sued"},
{"id": "c", "name": "Stelle C", "organisation": "Träger C", "state": "DE-HH", "city": "Hamburg", "languages": ["de"], "target_groups": ["women"],
 "services": {"de": "Beratung"}, "contact": {"email": "c@example.org"}, "anonymous": true}]}`

// TestPageWith: the directory offers "write to this centre here" for an
// entry whose organisation the caller gives an address, in every
// language, and nowhere else; the page rendered in advance offers none.
func TestPageWith(t *testing.T) {
	s, err := Load(mailboxdtest.ContentDir(t, map[string]string{"centres.json": orgCentres}), Options{RetentionDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CentreOrgs(); len(got) != 2 || got[0] != "nord" || got[1] != "sued" {
		t.Fatalf("CentreOrgs() = %v", got)
	}
	asked := map[string]int{}
	open := func(org string) string {
		asked[org]++
		if org == "nord" {
			return "/o/nord/"
		}
		return ""
	}
	for _, l := range s.Languages() {
		lang := l.Code
		link := `<p class="write-here"><a href="/o/nord/">` + s.strings[lang]["dir_write_here"] + `</a></p>`
		b, ok := s.PageWith(lang, centresSlug, open)
		if !ok {
			t.Fatalf("%s: no directory page", lang)
		}
		page := string(b)
		if strings.Count(page, link) != 1 || strings.Count(page, `class="write-here"`) != 1 {
			t.Errorf("%s: want one link to write to nord:\n%s", lang, page)
		}
		// The link stands in Stelle A's entry.
		if a, b := strings.Index(page, "Stelle A"), strings.Index(page, link); b < a || strings.Contains(page[a:b], `<li class="centre"`) {
			t.Errorf("%s: the link is not in the entry that names nord", lang)
		}
		if plain, _ := s.Page(lang, centresSlug); bytes.Contains(plain, []byte("write-here")) {
			t.Errorf("%s: the page rendered in advance offers to write", lang)
		}
		if again, _ := s.PageWith(lang, centresSlug, open); !bytes.Equal(again, b) {
			t.Errorf("%s: the same addresses render another page", lang)
		}
		if other, _ := s.PageWith(lang, "faq", open); bytes.Contains(other, []byte("write-here")) {
			t.Errorf("%s: another page offers to write", lang)
		}
	}
	if asked["nord"] == 0 || asked["sued"] == 0 || len(asked) != 2 {
		t.Errorf("asked for %v, want the two organisations named", asked)
	}
	if b, _ := s.PageWith("de", centresSlug, func(string) string { return "" }); !bytes.Equal(b, s.pages["de"][centresSlug]) {
		t.Error("without an organisation that takes enquiries, the page is not the one rendered in advance")
	}
	// The field reads back from the published JSON.
	d, err := ParseCentres(s.CentresJSON())
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := d.Centre("a"); c.Org != "nord" {
		t.Errorf("centre a's org after the round trip: %q", c.Org)
	}
	if c, _ := d.Centre("c"); c.Org != "" || bytes.Contains(s.CentresJSON(), []byte(`"org":""`)) {
		t.Errorf("centre c has an org: %q", c.Org)
	}
}
