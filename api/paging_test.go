package api

import (
	"net/url"
	"testing"
	"time"

	"lotse/mailbox"
)

// Paging the case list along its cursors gives the unpaged list, in
// order; without a limit the answer is version 1's, with no cursor.
func TestCasesPaging(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{CreateLimit: Rate{N: -1}}})
	tm := e.setUpTeam()
	for i := range 12 {
		e.want(e.createMailbox(tm, newEnquirer(t)), 201, "")
		if i%5 == 0 {
			e.clock.Advance(time.Hour)
		}
	}
	token := e.login(tm.adminID, tm.adminKey) // the clock ran past the idle limit
	type list struct {
		Cases []struct{ ID string }
		Next  *string
	}
	r := e.do(request{method: "GET", path: "/api/v1/cases", auth: token})
	e.want(r, 200, "")
	var all list
	r.decode(t, &all)
	if len(all.Cases) != 12 || all.Next != nil {
		t.Fatalf("unpaged: %d cases, next %v", len(all.Cases), all.Next)
	}
	var got []string
	cursor := ""
	for pages := 1; ; pages++ {
		q := url.Values{"limit": {"5"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := e.do(request{method: "GET", path: "/api/v1/cases?" + q.Encode(), auth: token})
		e.want(r, 200, "")
		var p list
		r.decode(t, &p)
		for _, c := range p.Cases {
			got = append(got, c.ID)
		}
		if p.Next == nil {
			if pages != 3 {
				t.Errorf("%d pages of 5 for 12 cases", pages)
			}
			break
		}
		if pages > 3 || *p.Next == "" {
			t.Fatalf("page %d: next %q", pages, *p.Next)
		}
		cursor = *p.Next
	}
	if len(got) != len(all.Cases) {
		t.Fatalf("paged %d cases, unpaged %d", len(got), len(all.Cases))
	}
	for i, c := range all.Cases {
		if got[i] != c.ID {
			t.Fatalf("case %d: paged %s, unpaged %s", i, got[i], c.ID)
		}
	}
	for _, q := range []string{
		"limit=0", "limit=1001", "limit=x", "limit=-1", "limit=%2B5", "cursor=1.0f",
		"limit=5&cursor=", "limit=5&cursor=abc", "limit=5&cursor=3601." + all.Cases[0].ID,
		"limit=5&cursor=3600.XYZ", "limit=5&cursor=3600." + all.Cases[0].ID + "x",
	} {
		before := e.contentHash()
		r := e.do(request{method: "GET", path: "/api/v1/cases?" + q, auth: token})
		if r.status != 400 || r.errorCode() != "bad_request" {
			t.Errorf("%s: %d %q", q, r.status, r.errorCode())
		}
		if e.contentHash() != before {
			t.Errorf("%s changed the database", q)
		}
	}
	// A cursor is checked before the session, like every query.
	e.want(e.do(request{method: "GET", path: "/api/v1/cases?limit=5"}), 401, "unauthorized")
}

// A cursor the server accepts is one it could have written: parsing and
// formatting give back the same bytes.
func FuzzParseCursor(f *testing.F) {
	f.Add("1764644400.0123456789abcdef0123456789abcdef")
	f.Add("3601.0123456789abcdef0123456789abcdef")
	f.Add(".")
	f.Fuzz(func(t *testing.T, s string) {
		cur, ok := parseCursor(s)
		if !ok {
			return
		}
		if got := formatCursor(mailbox.Mailbox{ID: cur.ID, LastActivity: cur.LastActivity}); got != s {
			t.Errorf("%q parsed and formatted is %q", s, got)
		}
	})
}
