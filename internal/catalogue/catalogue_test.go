package catalogue

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, in, err string
	}{
		{"ok", `{"a": "x", "b": "{n} y"}`, ""},
		{"duplicate", `{"a": "x", "a": "y"}`, "twice"},
		{"number", `{"a": 1}`, "want a string"},
		{"array", `["a"]`, "object"},
		{"trailing", `{"a": "x"} {}`, "trailing"},
		{"nested", `{"a": {"b": "c"}}`, "want a string"},
	} {
		m, err := Parse([]byte(c.in))
		if c.err == "" {
			if err != nil || m["a"] != "x" {
				t.Errorf("%s: %v, %v", c.name, m, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want one about %q", c.name, err, c.err)
		}
	}
}

func TestCompare(t *testing.T) {
	src := map[string]string{"a": "{n} of {all}", "b": "plain", "c": "x"}
	for _, c := range []struct {
		name   string
		target map[string]string
		want   []string // substrings, one problem each
	}{
		{"same", map[string]string{"a": "{all}: {n}", "b": "einfach", "c": "y"}, nil},
		{"missing", map[string]string{"a": "{n} {all}", "b": "z"}, []string{`"c" is missing`}},
		{"extra", map[string]string{"a": "{n} {all}", "b": "z", "c": "y", "d": "?"}, []string{`"d" is not in the source`}},
		{"empty", map[string]string{"a": "{n} {all}", "b": " ", "c": "y"}, []string{`"b" is empty`}},
		{"placeholder renamed", map[string]string{"a": "{n} von {alle}", "b": "z", "c": "y"}, []string{`"a" has placeholders`}},
		{"placeholder added", map[string]string{"a": "{n} {all}", "b": "{n}", "c": "y"}, []string{`"b" has placeholders`}},
		{"placeholder doubled", map[string]string{"a": "{n} {n} {all}", "b": "z", "c": "y"}, []string{`"a" has placeholders`}},
	} {
		got := Compare(src, c.target)
		if len(got) != len(c.want) {
			t.Errorf("%s: %q, want %d problems", c.name, got, len(c.want))
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], c.want[i]) {
				t.Errorf("%s: %q, want %q", c.name, got[i], c.want[i])
			}
		}
	}
}

func TestReview(t *testing.T) {
	texts := map[string]string{"a": "x", "b": "y", "c": "z"}
	md := Review{Status: MachineDrafted, Reviewed: []string{"a"}}
	if p := CheckReview(md, texts); p != nil {
		t.Errorf("CheckReview: %q", p)
	}
	if n := Unreviewed(md, texts); n != 2 {
		t.Errorf("Unreviewed = %d, want 2", n)
	}
	if n := Unreviewed(Review{Status: Reviewed}, texts); n != 0 {
		t.Errorf("Unreviewed(reviewed) = %d", n)
	}
	bad := CheckReview(Review{Status: MachineDrafted, Reviewed: []string{"a", "zz", "a"}}, texts)
	if !slices.ContainsFunc(bad, func(s string) bool { return strings.Contains(s, `"zz"`) }) ||
		!slices.ContainsFunc(bad, func(s string) bool { return strings.Contains(s, "twice") }) {
		t.Errorf("CheckReview of a bad list: %q", bad)
	}
	if p := CheckReview(Review{Status: Reviewed, Reviewed: []string{"a"}}, texts); len(p) != 1 {
		t.Errorf("a list beside status reviewed: %q", p)
	}
}
