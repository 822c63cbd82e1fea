package api

import (
	"net/url"
	"slices"
	"strings"
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
	f.Add("w1764644400.0123456789abcdef0123456789abcdef")
	f.Add("r1764644400.0123456789abcdef0123456789abcdef")
	f.Add(".")
	f.Fuzz(func(t *testing.T, s string) {
		for _, order := range []mailbox.CaseOrder{mailbox.OrderActivity, mailbox.OrderWaiting} {
			cur, ok := parseCursor(order, s)
			if !ok {
				continue
			}
			if got := formatCursor(order, *cur); got != s {
				t.Errorf("order %d: %q parsed and formatted is %q", order, s, got)
			}
		}
	})
}

// order=waiting lists the cases waiting for the team first, longest
// waiting first, each with its waiting_since hour; then the others by
// newest activity. Paged along its cursors it gives the same list. A
// client that does not ask gets the activity order.
func TestCasesWaitingOrder(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{CreateLimit: Rate{N: -1}}})
	tm := e.setUpTeam()
	qs := make([]*enquirer, 4)
	for i := range qs {
		qs[i] = newEnquirer(t)
		e.want(e.createMailbox(tm, qs[i]), 201, "")
		e.clock.Advance(time.Hour)
	}
	token := e.login(tm.adminID, tm.adminKey)
	// 0 is answered, 1 waits since its first message although it wrote
	// again, 2 is closed, 3 waits since it was created.
	e.want(e.do(request{method: "POST", path: "/api/v1/cases/" + qs[0].id + "/messages", auth: token,
		body: map[string]any{"epoch": 1, "ciphertext": b64s(tm.message(t, qs[0]))}}), 201, "")
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: qs[1].bearer(), body: postBody(tm, t, qs[1])}), 201, "")
	e.want(e.do(request{method: "PATCH", path: "/api/v1/cases/" + qs[2].id, auth: token, body: `{"status":"closed"}`}), 200, "")

	type item struct {
		ID            string  `json:"id"`
		AwaitingReply bool    `json:"awaiting_reply"`
		LastActivity  string  `json:"last_activity"`
		WaitingSince  *string `json:"waiting_since"`
	}
	type list struct {
		Cases []item
		Next  *string
	}
	get := func(q string) list {
		t.Helper()
		r := e.do(request{method: "GET", path: "/api/v1/cases?" + q, auth: token})
		e.want(r, 200, "")
		var l list
		r.decode(t, &l)
		return l
	}
	ids := func(cs []item) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	all := get("order=waiting")
	want := []string{qs[1].id, qs[3].id, qs[0].id, qs[2].id}
	if got := ids(all.Cases); !slices.Equal(got, want) {
		t.Fatalf("order=waiting: %v, want %v", got, want)
	}
	for _, c := range all.Cases {
		if (c.WaitingSince != nil) != c.AwaitingReply {
			t.Errorf("%s: awaiting %v, waiting_since %v", c.ID, c.AwaitingReply, c.WaitingSince)
		}
		if c.WaitingSince != nil && (*c.WaitingSince > c.LastActivity || !strings.HasSuffix(*c.WaitingSince, ":00:00Z")) {
			t.Errorf("%s: waiting since %q, last activity %q", c.ID, *c.WaitingSince, c.LastActivity)
		}
	}
	if w := all.Cases[0].WaitingSince; w == nil || *w == all.Cases[0].LastActivity {
		t.Errorf("case 1 wrote again: waiting since %v should stay before its last activity %s", w, all.Cases[0].LastActivity)
	}
	for _, q := range []string{"order=waiting&status=new", "order=waiting&status=open", "order=waiting&status=closed"} {
		if l := get(q); len(l.Cases) == 0 || l.Cases[0].ID == "" {
			t.Errorf("%s: %v", q, ids(l.Cases))
		}
	}
	for _, limit := range []string{"1", "3"} {
		var got []string
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			q := "order=waiting&limit=" + limit
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			l := get(q)
			got = append(got, ids(l.Cases)...)
			if l.Next == nil {
				break
			}
			cursor = *l.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("paged by %s: %v, want %v", limit, got, want)
		}
	}
	for _, c := range get("").Cases {
		if c.WaitingSince != nil {
			t.Errorf("waiting_since in the version-1 answer: %s", c.ID)
		}
	}
	byActivity := ids(get("").Cases)
	if explicit := ids(get("order=activity").Cases); !slices.Equal(byActivity, explicit) || slices.Equal(byActivity, want) {
		t.Errorf("default order %v, order=activity %v, waiting %v", byActivity, explicit, want)
	}
}
