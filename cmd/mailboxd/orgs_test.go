package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestOrgConfig(t *testing.T) {
	const nameErr = "LOTSE_ORG_NAME must be 1 to 64 characters without control characters or spaces at either end"
	db := filepath.Join(t.TempDir(), "lotse.db")
	for _, tc := range []struct{ slug, name, err, summary string }{
		{"", "", "", ""},
		{"main", "", "", ""},
		{"beratung-nord", "Beratung Nord", "", `front-door=beratung-nord("Beratung Nord")`},
		{"Beratung", "", `LOTSE_ORG_SLUG must be 1 to 32 characters of a-z, 0-9 and -, got "Beratung"`, ""},
		{strings.Repeat("a", 33), "", `LOTSE_ORG_SLUG must be 1 to 32 characters of a-z, 0-9 and -, got "` + strings.Repeat("a", 33) + `"`, ""},
		{"main", " Lotse", nameErr, ""},
		{"main", strings.Repeat("n", 65), nameErr, ""},
	} {
		c := parseOrRefuse(t, nil, map[string]string{"LOTSE_DB": db, "LOTSE_ORG_SLUG": tc.slug, "LOTSE_ORG_NAME": tc.name}, tc.err)
		if c == nil {
			continue
		}
		if c.Org.Slug != tc.slug {
			t.Errorf("%q: slug %q", tc.slug, c.Org.Slug)
		}
		if got := orgSummary(c.Org); got != tc.summary {
			t.Errorf("%q: summary %q, want %q", tc.slug, got, tc.summary)
		}
	}
}
