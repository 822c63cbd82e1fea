package counsel

import (
	"strings"
	"testing"
	_ "time/tzdata" // TZ in the scripts names a zone on any machine

	"lotse/api/client"
	"lotse/domain"
)

// TestResolveRef: a prefix names the one case it begins; several cases
// are an error that lists each by the shortest prefix (at least the
// desk's 8 digits) that tells it apart, ten at most; none is an error too.
func TestResolveRef(t *testing.T) {
	id := func(s string) domain.MailboxID {
		t.Helper()
		v, err := domain.ParseMailboxID(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a := id("abcd1234000000000000000000000000")
	b := id("abcd1234500000000000000000000000")
	c := id("abcd9999000000000000000000000000")
	d := id("f0000000000000000000000000000000")
	ids := []domain.MailboxID{a, b, c, d}
	for _, tc := range []struct {
		ref, want, err string
	}{
		{"f000", d.String(), ""},
		{"abcd9", c.String(), ""},
		{"abcd12345", b.String(), ""},
		{"abcd", "", "abcd matches more than one case: abcd12340, abcd12345, abcd9999"},
		{"abcd1234", "", "abcd1234 matches more than one case: abcd12340, abcd12345"},
		{"0000", "", "no case begins with 0000"},
	} {
		r, err := domain.ParseCaseRef(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		got, err := resolveRef(r, ids)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("%s: %q, %v; want %q, %q", tc.ref, got, err, tc.want, tc.err)
		}
	}
	many := make([]domain.MailboxID, 12)
	for i := range many {
		many[i] = id("beef" + strings.Repeat("0", 26) + string("0123456789ab"[i]) + "0")
	}
	r, _ := domain.ParseCaseRef("beef")
	if _, err := resolveRef(r, many); err == nil || strings.Count(err.Error(), ", ") != 10 || !strings.HasSuffix(err.Error(), ", …") {
		t.Errorf("twelve matches: %v", err)
	}
}

// TestCaseRefs: the list shows each case by the desk's 8 digits, more
// where two cases share them.
func TestCaseRefs(t *testing.T) {
	cs := []client.Case{
		{ID: "abcd1234000000000000000000000000"}, {ID: "abcd1234500000000000000000000000"},
		{ID: "abcd9999000000000000000000000000"}, {ID: "not an id"},
	}
	got := caseRefs(cs)
	want := map[string]string{cs[0].ID: "abcd12340", cs[1].ID: "abcd12345", cs[2].ID: "abcd9999"}
	if len(got) != len(want) {
		t.Errorf("caseRefs: %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("caseRefs[%s] = %q, want %q", k, got[k], v)
		}
	}
}

// TestResolveCounsellor: an id in any state, else a name among the given
// states, exactly before ignoring case; a shared name lists the ids.
func TestResolveCounsellor(t *testing.T) {
	roster := []client.Counsellor{
		{ID: "anna0001", Name: "Anna", State: "active"},
		{ID: "ben00001", Name: "Ben", State: "active"},
		{ID: "ben00002", Name: "Ben", State: "pending"},
		{ID: "carl0001", Name: "carl", State: "active"},
		{ID: "carl0002", Name: "Carl", State: "active"},
		{ID: "dora0001", Name: "Dora", State: "removed"},
	}
	for _, tc := range []struct {
		arg, want, err string
		states         []string
	}{
		{"Anna", "anna0001", "", []string{"active"}},
		{"anna", "anna0001", "", []string{"active"}},
		{"ben00002", "ben00002", "", []string{"active"}},
		{"Ben", "ben00001", "", []string{"active"}},
		{"Ben", "ben00002", "", []string{"pending"}},
		{"Ben", "", `more than one counsellor is called "Ben": Ben (ben00001), Ben (ben00002)`, []string{"active", "pending"}},
		{"Carl", "carl0002", "", []string{"active"}},
		{"CARL", "", `more than one counsellor is called "CARL": carl (carl0001), Carl (carl0002)`, []string{"active"}},
		{"Dora", "", `no counsellor has the id or name "Dora"`, []string{"active"}},
	} {
		got, err := resolveCounsellor(roster, tc.arg, tc.states...)
		if got.ID != tc.want || (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("%s in %v: %q, %v; want %q, %q", tc.arg, tc.states, got.ID, err, tc.want, tc.err)
		}
	}
}
