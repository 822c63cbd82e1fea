package client

import (
	"context"
	"strings"
	"testing"
)

// TestHostileRecordAnswers: the envelope of a team record, an action and
// a tombstone is checked like every answer (check.go); a break refuses the
// whole answer, and the error does not echo the value.
func TestHostileRecordAnswers(t *testing.T) {
	ctx := context.Background()
	const id = "0123456789abcdef0123456789abcdef"
	const rid = "AAAAAAAAAAAAAAAAAAAAAA"
	const esc = `\u001b[8m`
	rec := `"id":"` + rid + `","kind":"note","author":"anna","created":"2026-01-01T10:00:00Z","ciphertext":"AA=="`
	team := strings.Replace(rec, `"note"`, `"blocks"`, 1)
	good := `"id":"` + id + `","status":"open","created":"2026-01-01","expires":"2026-04-01","last_activity":"2026-01-01T10:00:00Z","message_count":1,"messages":[]`
	act := `"action":"assigned","by":"anna","to":"ben","at":"2026-01-01T10:00:00Z"`
	stone := `"case":"` + id + `","action":"deleted","by":"anna","at":"2026-01-01T10:00:00Z"`
	records := func(c *Client) error { _, err := c.CaseRecords(ctx, id); return err }
	teamRecords := func(c *Client) error { _, err := c.TeamRecords(ctx); return err }
	one := func(c *Client) error { _, err := c.Case(ctx, id, 0); return err }
	stones := func(c *Client) error { _, err := c.TeamActions(ctx); return err }
	runHostile(t, []hostileAnswer{
		{"records", `{"records":[{` + rec + `}]}`, records, true},
		{"no records", `{"records":[]}`, records, true},
		{"short record id", `{"records":[{` + strings.Replace(rec, rid, "AAAA", 1) + `}]}`, records, false},
		{"record id with padding", `{"records":[{` + strings.Replace(rec, rid, "AAAAAAAAAAAAAAAAAAAAA=", 1) + `}]}`, records, false},
		{"team kind in a case", `{"records":[{` + team + `}]}`, records, false},
		{"kind with an escape", `{"records":[{` + strings.Replace(rec, `"note"`, `"note`+esc+`"`, 1) + `}]}`, records, false},
		{"author with a newline", `{"records":[{` + strings.Replace(rec, `"anna"`, `"anna\n#2"`, 1) + `}]}`, records, false},
		{"created yesterday", `{"records":[{` + strings.Replace(rec, `2026-01-01T10:00:00Z`, `yesterday`, 1) + `}]}`, records, false},
		{"empty ciphertext", `{"records":[{` + strings.Replace(rec, `"AA=="`, `""`, 1) + `}]}`, records, false},
		{"team records", `{"records":[{` + team + `}]}`, teamRecords, true},
		{"case kind for the team", `{"records":[{` + rec + `}]}`, teamRecords, false},
		{"actions", `{` + good + `,"actions":[{` + act + `},{"action":"closed","by":"ben","at":"2026-01-01T11:00:00Z"}]}`, one, true},
		{"no actions (version 1)", `{` + good + `}`, one, true},
		{"unknown action", `{` + good + `,"actions":[{` + strings.Replace(act, `"assigned"`, `"archived"`, 1) + `}]}`, one, false},
		{"assigned to nobody", `{` + good + `,"actions":[{"action":"assigned","by":"anna","at":"2026-01-01T10:00:00Z"}]}`, one, false},
		{"closed to someone", `{` + good + `,"actions":[{"action":"closed","by":"anna","to":"ben","at":"2026-01-01T10:00:00Z"}]}`, one, false},
		{"action by an escape", `{` + good + `,"actions":[{` + strings.Replace(act, `"anna"`, `"`+esc+`"`, 1) + `}]}`, one, false},
		{"tombstones", `{"actions":[{` + stone + `}]}`, stones, true},
		{"tombstone of no case", `{"actions":[{` + strings.Replace(stone, id, "x", 1) + `}]}`, stones, false},
		{"tombstone closed", `{"actions":[{` + strings.Replace(stone, `"deleted"`, `"closed"`, 1) + `}]}`, stones, false},
	})
}

// TestRecordRequests: the client sends the bodies and paths of §11.3 and
// reads the record id the server made.
func TestRecordRequests(t *testing.T) {
	ctx := context.Background()
	const id = "0123456789abcdef0123456789abcdef"
	c, got := recorder(t, 201, `{"id":"AAAAAAAAAAAAAAAAAAAAAA"}`)
	rid, err := c.AddCaseRecord(ctx, id, "tags", []byte{1, 2})
	if err != nil || rid != "AAAAAAAAAAAAAAAAAAAAAA" {
		t.Fatalf("%q, %v", rid, err)
	}
	if r := got(); r.method != "POST" || r.path != "/api/v1/cases/"+id+"/records" || r.body["kind"] != "tags" || r.body["ciphertext"] != "AQI=" || len(r.body) != 2 {
		t.Errorf("request %+v", r)
	}
	if _, err := c.PutTeamRecord(ctx, "directory", []byte{3}); err != nil {
		t.Fatal(err)
	}
	if r := got(); r.method != "PUT" || r.path != "/api/v1/team/records/directory" || r.body["ciphertext"] != "Aw==" || len(r.body) != 1 {
		t.Errorf("request %+v", r)
	}
	c, _ = recorder(t, 201, `{"id":"forged\u001b"}`)
	if _, err := c.AddCaseRecord(ctx, id, "note", []byte{1}); err == nil {
		t.Error("accepted a malformed record id")
	}
}

// TestRecordEvents: "event: record" carries the case id and the kind; a
// kind the protocol does not have, or an id that is not a case's, is
// dropped, and a case event keeps no kind.
func TestRecordEvents(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	stream := "event: record\ndata: {\"id\":\"" + id + "\",\"kind\":\"note\"}\n\n" +
		"event: record\ndata: {\"kind\":\"blocks\"}\n\n" +
		"event: record\ndata: {\"id\":\"../x\",\"kind\":\"note\\u001b\"}\n\n" +
		"event: case\ndata: {\"id\":\"" + id + "\",\"seq\":3,\"kind\":\"note\"}\n\n"
	var got []Event
	if err := readEvents(strings.NewReader(stream), func(ev Event) bool { got = append(got, ev); return true }); err != nil {
		t.Fatal(err)
	}
	want := []struct{ typ, id, kind string }{{"record", id, "note"}, {"record", "", "blocks"}, {"record", "", ""}, {"case", id, ""}}
	if len(got) != len(want) {
		t.Fatalf("%d events", len(got))
	}
	for i, w := range want {
		if got[i].Type != w.typ || got[i].ID != w.id || got[i].Kind != w.kind {
			t.Errorf("event %d: %+v, want %+v", i, got[i], w)
		}
	}
}
