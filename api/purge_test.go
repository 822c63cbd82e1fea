package api

import (
	"testing"
	"time"
)

// TestPurgeCases purges a day of a flood: the unanswered case goes, with
// the event a single delete sends; the answered one of the same day and the
// unanswered one of the next stay.
func TestPurgeCases(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()
	day0 := e.clock.Now().UTC().Format(time.DateOnly)
	fake, answered := newEnquirer(t), newEnquirer(t)
	e.want(e.createMailbox(tm, fake), 201, "")
	e.want(e.createMailbox(tm, answered), 201, "")
	e.want(e.do(request{method: "POST", path: "/api/v1/cases/" + answered.id + "/messages", auth: tm.adminToken,
		body: map[string]any{"epoch": 1, "ciphertext": b64s(tm.message(t, answered))}}), 201, "")
	e.clock.Advance(24 * time.Hour)
	day1 := e.clock.Now().UTC().Format(time.DateOnly)
	later := newEnquirer(t)
	e.want(e.createMailbox(tm, later), 201, "")
	admin := e.login(tm.adminID, tm.adminKey)

	purge := func(body string) (matched, deleted int) {
		t.Helper()
		r := e.do(request{method: "POST", path: "/api/v1/cases/purge", auth: admin, body: body})
		e.want(r, 200, "")
		wantKeys(t, r.body, "matched", "deleted")
		var res struct{ Matched, Deleted int }
		r.decode(t, &res)
		return res.Matched, res.Deleted
	}
	window := `"from":"` + day0 + `","to":"` + day1 + `"`

	before := e.contentHash()
	if m, d := purge(`{` + window + `,"dry_run":true}`); m != 1 || d != 0 {
		t.Fatalf("dry run: matched %d, deleted %d; want 1, 0", m, d)
	}
	if e.contentHash() != before {
		t.Fatal("a dry run changed the database")
	}

	s, _ := e.stream("/api/v1/events", admin)
	if m, d := purge(`{` + window + `}`); m != 1 || d != 1 {
		t.Fatalf("purge: matched %d, deleted %d; want 1, 1", m, d)
	}
	s.waitFor(t, `data: {"id":"`+fake.id+`","seq":0}`, 2*time.Second)
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: fake.bearer()}), 401, "unauthorized")
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: answered.bearer()}), 200, "")
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: later.bearer()}), 200, "")

	// Again: nothing left to match.
	if m, d := purge(`{` + window + `}`); m != 0 || d != 0 {
		t.Fatalf("second purge: matched %d, deleted %d", m, d)
	}
}
