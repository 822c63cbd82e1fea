package api

import (
	"strings"
	"testing"

	"lotse/crypto"
)

// A pending counsellor sees only themselves; an admin lists and revokes
// open invites and rejects a pending counsellor, whose sessions end; an
// active counsellor cannot be rejected, and nobody but an admin may do
// any of it.
func TestRosterHygiene(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()
	activeID, activeKey := e.addCounsellor(tm, "Berta", true)
	pendingID, pendingKey := e.addCounsellor(tm, "Mallory", false)
	pending := e.login(pendingID, pendingKey)
	active := e.login(activeID, activeKey)

	type roster struct {
		Counsellors []struct{ ID, Name, State string }
	}
	var seen roster
	r := e.do(request{method: "GET", path: "/api/v1/counsellors", auth: pending})
	e.want(r, 200, "")
	r.decode(t, &seen)
	if len(seen.Counsellors) != 1 || seen.Counsellors[0].ID != pendingID || seen.Counsellors[0].State != "pending" {
		t.Errorf("a pending counsellor sees %+v", seen)
	}
	r = e.do(request{method: "GET", path: "/api/v1/counsellors", auth: active})
	e.want(r, 200, "")
	r.decode(t, &seen)
	if len(seen.Counsellors) != 3 {
		t.Errorf("an active counsellor sees %d counsellors, want 3", len(seen.Counsellors))
	}

	// Invites: listed without their codes, revoked by id.
	r = e.do(request{method: "POST", path: "/api/v1/invites", auth: tm.adminToken, body: map[string]string{"role": "admin"}})
	e.want(r, 200, "")
	var inv struct{ Invite, Expires string }
	r.decode(t, &inv)
	r = e.do(request{method: "GET", path: "/api/v1/invites", auth: tm.adminToken})
	e.want(r, 200, "")
	if strings.Contains(string(r.body), inv.Invite) {
		t.Error("the invite list shows a code")
	}
	var list struct {
		Invites []struct{ ID, Role, Expires string }
	}
	r.decode(t, &list)
	if len(list.Invites) != 1 || list.Invites[0].Role != "admin" || list.Invites[0].Expires != inv.Expires || len(list.Invites[0].ID) != 64 {
		t.Fatalf("invites %+v", list)
	}
	id := list.Invites[0].ID
	for _, tok := range []string{active, pending} {
		e.want(e.do(request{method: "GET", path: "/api/v1/invites", auth: tok}), 403, "forbidden")
		e.want(e.do(request{method: "DELETE", path: "/api/v1/invites/" + id, auth: tok}), 403, "forbidden")
		e.want(e.do(request{method: "DELETE", path: "/api/v1/counsellors/" + pendingID, auth: tok}), 403, "forbidden")
	}
	e.want(e.do(request{method: "DELETE", path: "/api/v1/invites/" + id}), 401, "unauthorized")
	e.want(e.do(request{method: "DELETE", path: "/api/v1/invites/" + id, auth: tm.adminToken}), 204, "")
	before := e.contentHash()
	e.want(e.do(request{method: "DELETE", path: "/api/v1/invites/" + id, auth: tm.adminToken}), 404, "not_found")
	e.want(e.do(request{method: "DELETE", path: "/api/v1/invites/nonsense", auth: tm.adminToken}), 404, "not_found")
	e.want(e.do(request{method: "POST", path: "/api/v1/counsellors", body: map[string]string{
		"invite": inv.Invite, "name": "Late", "recipient": newIdentity(t).Recipient().String(),
	}}), 403, "invite_invalid")
	if e.contentHash() != before {
		t.Error("refused requests changed the database")
	}

	// Rejecting: not an active counsellor, not the admin, not twice.
	e.want(e.do(request{method: "DELETE", path: "/api/v1/counsellors/" + activeID, auth: tm.adminToken}), 400, "bad_request")
	e.want(e.do(request{method: "DELETE", path: "/api/v1/counsellors/" + tm.adminID, auth: tm.adminToken}), 400, "bad_request")
	e.want(e.do(request{method: "DELETE", path: "/api/v1/counsellors/nobody", auth: tm.adminToken}), 404, "not_found")
	if e.contentHash() != before {
		t.Error("refused rejections changed the database")
	}
	e.want(e.do(request{method: "DELETE", path: "/api/v1/counsellors/" + pendingID, auth: tm.adminToken}), 204, "")
	e.want(e.do(request{method: "GET", path: "/api/v1/counsellors", auth: pending}), 401, "unauthorized")
	e.want(e.do(request{method: "DELETE", path: "/api/v1/counsellors/" + pendingID, auth: tm.adminToken}), 400, "bad_request")
	r = e.do(request{method: "GET", path: "/api/v1/counsellors", auth: tm.adminToken})
	e.want(r, 200, "")
	r.decode(t, &seen)
	for _, c := range seen.Counsellors {
		if c.ID == pendingID && c.State != "removed" {
			t.Errorf("the rejected counsellor is %s", c.State)
		}
	}
	// A rejected counsellor cannot log in again: the challenge is a decoy
	// their key does not open.
	ct, _, _ := e.challenge(pendingID)
	if _, err := crypto.AnswerChallenge(ct, pendingKey, pendingID); err == nil {
		t.Error("a rejected counsellor could answer a login challenge")
	}
}
