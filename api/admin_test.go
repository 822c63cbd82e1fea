package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lotse/api/wire"
)

func TestCompact(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()
	counsellorID, counsellorKey := e.addCounsellor(tm, "Ben", true)
	counsellorToken := e.login(counsellorID, counsellorKey)

	// Mailboxes with large messages, most of them deleted: the file shrinks.
	var kept *enquirer
	for i := range 6 {
		q := newEnquirer(t)
		body := e.createBody(tm, q)
		body["message"] = b64s(seal(t, 65536, tm.recipient(), q.identity.Recipient()))
		e.want(e.do(request{method: "POST", path: "/api/v1/mailboxes", body: body}), 201, "")
		if i == 0 {
			kept = q
			continue
		}
		e.want(e.do(request{method: "DELETE", path: "/api/v1/mailbox", auth: q.bearer()}), 204, "")
	}

	e.refuses(t, []refusal{
		{"no credential", request{method: "POST", path: "/api/v1/admin/compact"}, 401, "unauthorized"},
		{"an enquirer", request{method: "POST", path: "/api/v1/admin/compact", auth: kept.bearer()}, 401, "unauthorized"},
		{"not an admin", request{method: "POST", path: "/api/v1/admin/compact", auth: counsellorToken}, 403, "forbidden"},
		{"unknown field", request{method: "POST", path: "/api/v1/admin/compact", auth: tm.adminToken, body: `{"now":true}`}, 400, "bad_request"},
		{"not JSON", request{method: "POST", path: "/api/v1/admin/compact", auth: tm.adminToken, body: `please`}, 400, "bad_request"},
		{"wrong method", request{method: "GET", path: "/api/v1/admin/compact", auth: tm.adminToken}, 404, "not_found"},
	})

	before := e.logicalHash()
	for _, body := range []any{nil, `{}`} {
		r := e.do(request{method: "POST", path: "/api/v1/admin/compact", auth: tm.adminToken, body: body})
		e.want(r, 200, "")
		wantKeys(t, r.body, "purged", "bytes_before", "bytes_after", "duration_ms")
		var rep wire.Compaction
		r.decode(t, &rep)
		if rep.Purged != 0 || rep.BytesAfter <= 0 || rep.DurationMS < 0 {
			t.Errorf("report %+v", rep)
		}
		if body == nil && rep.BytesAfter >= rep.BytesBefore {
			t.Errorf("deleting 5 of 6 mailboxes of 64 KiB did not shrink the file: %+v", rep)
		}
	}
	if e.logicalHash() != before {
		t.Error("compaction changed the content")
	}
	if !strings.Contains(e.log.String(), "mailboxd: POST /api/v1/admin/compact 200 ") {
		t.Errorf("no log line for the compaction:\n%s", e.log.String())
	}

	// Expired mailboxes are purged first.
	e.clock.Advance(100 * 24 * time.Hour)
	r := e.do(request{method: "POST", path: "/api/v1/admin/compact", auth: e.login(tm.adminID, tm.adminKey)})
	e.want(r, 200, "")
	var rep map[string]json.Number
	r.decode(t, &rep)
	if rep["purged"] != "1" {
		t.Errorf("after the retention: %v", rep)
	}
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: kept.bearer()}), 401, "unauthorized")
}
