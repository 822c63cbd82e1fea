package api

import (
	"encoding/json"
	"testing"
)

// codes are the error codes of PROTOCOL.md §6, plus the internal error a
// fuzz run must never see.
var codes = map[string]bool{
	"bad_request": true, "unauthorized": true, "forbidden": true, "pow_invalid": true,
	"setup_invalid": true, "invite_invalid": true, "not_found": true, "mailbox_exists": true,
	"stale_epoch": true, "keyring_conflict": true, "already_set_up": true, "recipient_exists": true,
	"too_large": true, "mailbox_full": true, "unsupported_media_type": true, "ciphertext_policy": true,
	"rate_limited": true, "team_not_ready": true, "attachment_refused": true,
}

// fuzzBody sends req(body) and checks that the answer is a success or one
// of the protocol's errors, never a 5xx, and that a refused body changed
// nothing.
func fuzzBody(f *testing.F, e *env, req func(body []byte) request, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	parent := e.t
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		defer func() { e.t = parent }()
		before := e.contentHash()
		r := e.do(req(body))
		if r.status >= 500 {
			t.Fatalf("status %d: %s", r.status, truncate(r.body))
		}
		if r.status < 300 {
			return
		}
		checkRefusal(t, e, r, before)
	})
}

func FuzzCreateMailbox(f *testing.F) {
	e := newEnv(f, envOptions{cfg: Config{CreateLimit: Rate{N: -1}}})
	tm := e.setUpTeam()
	valid, _ := json.Marshal(e.createBody(tm, newEnquirer(f)))
	wrongEpoch := e.createBody(tm, newEnquirer(f))
	wrongEpoch["epoch"] = 9
	stale, _ := json.Marshal(wrongEpoch)
	fuzzBody(f, e, func(body []byte) request { return request{method: "POST", path: "/api/v1/mailboxes", body: body} },
		valid, stale,
		[]byte(`{}`), []byte(`null`), []byte(`[]`), []byte(`"x"`), []byte(`{"id":1}`),
		[]byte(`{"id":"00000000000000000000000000000000","verifier":"AAAA","epoch":1,"message":"AAAA"}`),
		[]byte(`{"id":"x","pow":{"challenge":"","nonce":""}}`),
		[]byte(`{"epoch":1e400}`), []byte(`{"epoch":-1}`), []byte("{\"message\":\"\\u0000\"}"),
		[]byte(`{"id":"a"} {"id":"b"}`), []byte("\xff\xfe"),
	)
}

func FuzzPutKeyring(f *testing.F) {
	e := newEnv(f, envOptions{})
	tm := e.setUpTeam()
	token := tm.adminToken
	next := e.keyringBody(tm, e.currentEnvelope())
	valid, _ := json.Marshal(next)
	noReplaces := e.keyringBody(tm, nil)
	first, _ := json.Marshal(noReplaces)
	fuzzBody(f, e, func(body []byte) request {
		return request{method: "PUT", path: "/api/v1/keyring", auth: token, body: body}
	},
		valid, first,
		[]byte(`{}`), []byte(`null`), []byte(`{"epoch":1,"recipient":"age1pq1","envelope":"","members":[]}`),
		[]byte(`{"epoch":1,"members":["a","a"],"replaces":"AAAA"}`),
		[]byte(`{"members":[1,2]}`), []byte(`{"members":null,"replaces":null}`),
		[]byte(`{"epoch":2,"envelope":"YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0tLSBBQUFBCg=="}`),
	)
}

// FuzzCounsellorBodies covers the smaller bodies with one input each: the
// first byte picks the route.
func FuzzCounsellorBodies(f *testing.F) {
	e := newEnv(f, envOptions{cfg: Config{ChallengeLimit: Rate{N: -1}, EnquirerLimit: Rate{N: -1}, PostLimit: Rate{N: -1}}})
	tm, q := e.setUpMailbox()
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/auth/challenge"},
		{"POST", "/api/v1/auth/session"},
		{"PATCH", "/api/v1/cases/" + q.id},
		{"POST", "/api/v1/counsellors"},
		{"POST", "/api/v1/invites"},
		{"POST", "/api/v1/mailbox/messages"},
	}
	seeds := [][]byte{
		[]byte("\x00{\"counsellor\":\"" + tm.adminID + "\"}"),
		[]byte("\x01{\"counsellor\":\"abc\",\"nonce\":\"AAAA\",\"response\":\"AAAA\"}"),
		[]byte("\x02{\"status\":\"closed\",\"assignee\":null}"),
		[]byte("\x02{\"assignee\":\"" + tm.adminID + "\"}"),
		[]byte("\x03{\"invite\":\"x\",\"name\":\"N\",\"recipient\":\"" + newIdentity(f).Recipient().String() + "\"}"),
		[]byte("\x04{\"role\":\"admin\"}"),
		[]byte("\x05{\"epoch\":1,\"ciphertext\":\"AAAA\"}"),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	parent := e.t
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		e.t = t
		defer func() { e.t = parent }()
		rt := routes[int(in[0])%len(routes)]
		auth := tm.adminToken
		if rt.path == "/api/v1/mailbox/messages" {
			auth = q.bearer()
		}
		before := e.contentHash()
		r := e.do(request{method: rt.method, path: rt.path, auth: auth, body: in[1:]})
		if r.status >= 500 {
			t.Fatalf("%s %s: status %d: %s", rt.method, rt.path, r.status, truncate(r.body))
		}
		if r.status < 300 {
			return
		}
		checkRefusal(t, e, r, before)
	})
}

// checkRefusal requires a refused request's answer to be a protocol
// error (a known code and a message) that left the database unchanged.
func checkRefusal(t *testing.T, e *env, r *response, before [32]byte) {
	t.Helper()
	var eb struct{ Error, Message string }
	if err := json.Unmarshal(r.body, &eb); err != nil || !codes[eb.Error] || eb.Message == "" {
		t.Fatalf("error body %s", truncate(r.body))
	}
	if e.contentHash() != before {
		t.Fatalf("%d %s changed the database", r.status, eb.Error)
	}
}
