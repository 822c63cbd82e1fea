package content

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCentresJSONRoundTrip: what the server publishes is what the desktop
// reads back, and both give the same search results and blocks.
func TestCentresJSONRoundTrip(t *testing.T) {
	s := loadDefaults(t)
	b := s.CentresJSON()
	if len(b) == 0 || len(b) > MaxCentresJSON {
		t.Fatalf("CentresJSON: %d bytes", len(b))
	}
	d, err := ParseCentres(b)
	if err != nil {
		t.Fatalf("ParseCentres(CentresJSON()): %v", err)
	}
	if !reflect.DeepEqual(d.Centres(), s.Centres()) {
		t.Errorf("round trip changed the directory:\n%+v\n%+v", d.Centres(), s.Centres())
	}
	if d.Len() != len(s.Centres()) {
		t.Errorf("Len %d, want %d", d.Len(), len(s.Centres()))
	}
	for _, q := range []string{"", "munchen", "rumänisch", "hamburg labour", "nirgendwo"} {
		if got, want := ids(d.SearchCentres(q)), ids(s.SearchCentres(q)); got != want {
			t.Errorf("SearchCentres(%q) = %q, the site's %q", q, got, want)
		}
	}
	for _, c := range s.Centres() {
		for _, lang := range Languages {
			if got, want := d.CentreBlock(c, lang), s.CentreBlock(c, lang); got != want {
				t.Errorf("CentreBlock(%s, %s) = %q, the site's %q", c.ID, lang, got, want)
			}
		}
	}
	c, ok := d.Centre("example-berlin")
	if !ok || c.City != "Berlin" {
		t.Errorf("Centre(example-berlin) = %+v, %v", c, ok)
	}
	if _, ok := d.Centre("nope"); ok {
		t.Error("Centre(nope) found")
	}
	// The copy handed out is not the directory's own.
	c.Languages[0] = "xx"
	if again, _ := d.Centre("example-berlin"); again.Languages[0] == "xx" {
		t.Error("Centre hands out the directory's own slices")
	}
}

// TestCentresJSONOperator: an operator's directory is published, not the
// examples.
func TestCentresJSONOperator(t *testing.T) {
	dir := t.TempDir()
	file := `{"centres": [{"id": "nord", "name": "Stelle Nord", "organisation": "Träger <Nord> & Co", "state": "DE-SH", "city": "Kiel",
		"languages": ["de"], "target_groups": ["men"], "services": {"de": "Beratung"}, "contact": {"phone": "+49 431 000 000"}}]}`
	if err := os.WriteFile(filepath.Join(dir, "centres.json"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir, Options{RetentionDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	b := s.CentresJSON()
	if bytes.Contains(b, []byte("example")) || !bytes.Contains(b, []byte("Träger <Nord> & Co")) {
		t.Errorf("CentresJSON = %s", b)
	}
	d, err := ParseCentres(b)
	if err != nil || d.Len() != 1 {
		t.Fatalf("ParseCentres: %v", err)
	}
	if block := d.CentreBlock(d.Centres()[0], "de"); !strings.Contains(block, "Kiel (Schleswig-Holstein)\nTelefon: +49 431 000 000") {
		t.Errorf("block %q", block)
	}
}

// TestParseCentresRefuses: JSON from a server that is not a valid
// directory is refused with an error, whatever it holds.
func TestParseCentresRefuses(t *testing.T) {
	const entry = `{"id": "x", "name": "Stelle X", "organisation": "Träger", "state": "DE-BE", "city": "Berlin",
		"languages": ["de"], "target_groups": ["women"], "services": {"de": "Beratung"}, "contact": {"email": "x@example.org"}}`
	valid := func(edit func(string) string) []byte {
		return []byte(`{"centres": [` + edit(entry) + `]}`)
	}
	if _, err := ParseCentres(valid(func(s string) string { return s })); err != nil {
		t.Fatalf("the valid base entry: %v", err)
	}
	big := append([]byte(`{"centres": [], "x": "`), bytes.Repeat([]byte("a"), MaxCentresJSON)...)
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "EOF"},
		{"not JSON", []byte("<html>hello</html>"), "invalid character"},
		{"a list", []byte(`[{"id": "x"}]`), "cannot unmarshal"},
		{"null", []byte(`null`), `want {"centres"`},
		{"no centres", []byte(`{}`), `want {"centres"`},
		{"centres null", []byte(`{"centres": null}`), `want {"centres"`},
		{"unknown top-level field", []byte(`{"centres": [], "script": "x"}`), "unknown field"},
		{"trailing data", []byte(`{"centres": []} {"centres": []}`), "trailing data"},
		{"too large", big, "larger than"},
		{"deep nesting", []byte(`{"centres": [` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `]}`), "exceeded max depth"},
		{"no name", valid(func(s string) string { return strings.Replace(s, `"Stelle X"`, `""`, 1) }), "name: missing"},
		{"unknown state", valid(func(s string) string { return strings.Replace(s, `"DE-BE"`, `"DE-XX"`, 1) }), "unknown federal state"},
		{"unknown field", valid(func(s string) string { return strings.Replace(s, `"id"`, `"onclick": "x", "id"`, 1) }), `unknown field "onclick"`},
		{"control character", valid(func(s string) string { return strings.Replace(s, `Stelle X`, `Stelle\u001b[2JX`, 1) }), "control characters"},
		{"javascript website", valid(func(s string) string {
			return strings.Replace(s, `"email": "x@example.org"`, `"website": "javascript:alert(1)"`, 1)
		}), "want an https:// address"},
		{"duplicate id", valid(func(s string) string { return s + "," + s }), "already used"},
		{"wrong type", valid(func(s string) string { return strings.Replace(s, `["de"]`, `"de"`, 1) }), "wrong type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseCentres(tc.in)
			if err == nil {
				t.Fatalf("accepted: %d centres", d.Len())
			}
			if d != nil {
				t.Error("a directory with the error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "content: centres: ") {
				t.Errorf("error %q, want it to say %q", err, tc.want)
			}
		})
	}
}
