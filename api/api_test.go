package api

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"lotse/crypto"
	"lotse/internal/httpsec"
	"lotse/mailbox"
)

var (
	dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	hourRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$`)
	timeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
)

// keysOf returns the sorted keys of a JSON object.
func keysOf(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func wantKeys(t *testing.T, raw json.RawMessage, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := keysOf(t, raw); !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
}

func TestTeamNotReady(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.want(e.do(request{method: "GET", path: "/api/v1/team"}), 503, "team_not_ready")
	q := newEnquirer(t)
	before := e.contentHash()
	r := e.do(request{method: "POST", path: "/api/v1/mailboxes", body: map[string]any{
		"id": q.id, "verifier": b64s(q.verifier[:]), "epoch": 1,
		"message": b64s(seal(t, 1024, newIdentity(t).Recipient(), q.identity.Recipient())),
	}})
	e.want(r, 503, "team_not_ready")
	if e.contentHash() != before {
		t.Error("database changed")
	}

	// Set up, but no keyring yet.
	if err := e.store.SetSetupToken(setupToken); err != nil {
		t.Fatal(err)
	}
	key := newIdentity(t)
	wrong := map[string]any{"setup": "wrong-token", "name": "Admin", "recipient": key.Recipient().String()}
	before = e.contentHash()
	e.want(e.do(request{method: "POST", path: "/api/v1/counsellors", body: wrong}), 403, "setup_invalid")
	if e.contentHash() != before {
		t.Error("database changed by a wrong setup token")
	}
	r = e.do(request{method: "POST", path: "/api/v1/counsellors", body: map[string]any{
		"setup": setupToken, "name": "Admin", "recipient": key.Recipient().String()}})
	e.want(r, 201, "")
	wantKeys(t, r.body, "id", "state")
	var reg struct{ ID, State string }
	r.decode(t, &reg)
	e.want(e.do(request{method: "POST", path: "/api/v1/counsellors", body: map[string]any{
		"setup": setupToken, "name": "Again", "recipient": newIdentity(t).Recipient().String()}}), 409, "already_set_up")
	token := e.login(reg.ID, key)
	e.want(e.do(request{method: "GET", path: "/api/v1/keyring", auth: token}), 404, "not_found")
	e.want(e.do(request{method: "GET", path: "/api/v1/team"}), 503, "team_not_ready")
}

func TestEnquirerFlow(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()

	r := e.do(request{method: "GET", path: "/api/v1/team"})
	e.want(r, 200, "")
	wantKeys(t, r.body, "epoch", "recipient", "fingerprint", "online")
	var team struct {
		Epoch                  int
		Recipient, Fingerprint string
	}
	r.decode(t, &team)
	if team.Epoch != 1 || team.Recipient != tm.recipient().String() || team.Fingerprint != crypto.Fingerprint(team.Recipient) {
		t.Errorf("team %+v", team)
	}

	q := newEnquirer(t)
	first := tm.message(t, q)
	body := e.createBody(tm, q)
	body["message"] = b64s(first)
	r = e.do(request{method: "POST", path: "/api/v1/mailboxes", body: body})
	e.want(r, 201, "")
	wantKeys(t, r.body, "seq", "expires")
	var created struct {
		Seq     int
		Expires string
	}
	r.decode(t, &created)
	if want := e.clock.Now().AddDate(0, 0, 90).Format("2006-01-02"); created.Seq != 1 || created.Expires != want {
		t.Errorf("created %+v, want seq 1 and expiry %s", created, want)
	}

	second := tm.message(t, q)
	r = e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(),
		body: map[string]any{"epoch": 1, "ciphertext": b64s(second)}})
	e.want(r, 201, "")
	wantKeys(t, r.body, "seq")
	if !bytes.Equal(bytes.TrimSpace(r.body), []byte(`{"seq":2}`)) {
		t.Errorf("post answer %s", r.body)
	}

	r = e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer()})
	e.want(r, 200, "")
	wantKeys(t, r.body, "id", "status", "created", "expires", "messages", "org", "handover") // org and handover: §9.3
	var mb struct {
		ID, Status, Created, Expires string
		Messages                     []json.RawMessage
	}
	r.decode(t, &mb)
	if mb.ID != q.id || mb.Status != "new" || !dateRE.MatchString(mb.Created) || mb.Expires != created.Expires || len(mb.Messages) != 2 {
		t.Fatalf("mailbox %s", r.body)
	}
	for i, raw := range mb.Messages {
		wantKeys(t, raw, "seq", "from", "ciphertext")
		var m struct {
			Seq        int
			From       string
			Ciphertext []byte
		}
		json.Unmarshal(raw, &m)
		want := [][]byte{first, second}[i]
		if m.Seq != i+1 || m.From != "enquirer" || !bytes.Equal(m.Ciphertext, want) {
			t.Errorf("message %d: seq %d from %q", i, m.Seq, m.From)
		}
	}

	r = e.do(request{method: "GET", path: "/api/v1/mailbox?after=1", auth: q.bearer()})
	e.want(r, 200, "")
	r.decode(t, &mb)
	if len(mb.Messages) != 1 {
		t.Errorf("after=1: %d messages", len(mb.Messages))
	}
	r = e.do(request{method: "GET", path: "/api/v1/mailbox?after=2", auth: q.bearer()})
	e.want(r, 200, "")
	if !strings.Contains(string(r.body), `"messages":[]`) {
		t.Errorf("after=2: %s", r.body)
	}

	r = e.do(request{method: "DELETE", path: "/api/v1/mailbox", auth: q.bearer()})
	e.want(r, 204, "")
	if len(r.body) != 0 {
		t.Errorf("204 with body %q", r.body)
	}
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer()}), 401, "unauthorized")
	e.want(e.do(request{method: "GET", path: "/api/v1/cases/" + q.id, auth: tm.adminToken}), 404, "not_found")
}

// TestDerivedKeys runs the enquirer side with keys derived from a pickup
// code and passphrase (64 MiB Argon2id) and real documents.
func TestDerivedKeys(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()
	code, _ := crypto.GeneratePickupCode(rand.Reader)
	pass, _ := crypto.GeneratePassphrase(rand.Reader)
	k, err := crypto.DeriveEnquirerKeys(code, pass)
	if err != nil {
		t.Fatal(err)
	}
	docID, _ := crypto.NewDocumentID(rand.Reader)
	doc := &crypto.Document{
		V: 1, Type: "message", Mailbox: k.MailboxID, ID: docID, MK: b64s(k.MailboxKey[:]),
		From: "enquirer", Sent: e.clock.Now().Format(time.RFC3339), Lang: "de", Body: "Hallo",
		Recipient: k.Identity.Recipient().String(),
	}
	ct, err := crypto.SealDocument(doc, tm.recipient(), k.Identity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	r := e.do(request{method: "POST", path: "/api/v1/mailboxes", body: map[string]any{
		"id": k.MailboxID, "verifier": b64s(k.Verifier[:]), "epoch": 1, "message": b64s(ct)}})
	e.want(r, 201, "")
	r = e.do(request{method: "GET", path: "/api/v1/mailbox", auth: k.Bearer()})
	e.want(r, 200, "")
	var mb struct {
		Messages []struct {
			Seq        uint64
			From       string
			Ciphertext []byte
		}
	}
	r.decode(t, &mb)
	var stored []crypto.StoredMessage
	for _, m := range mb.Messages {
		stored = append(stored, crypto.StoredMessage{Seq: m.Seq, From: m.From, Ciphertext: m.Ciphertext})
	}
	thread, _ := crypto.ReadThread(k.MailboxID, k.MailboxKey[:], stored, k.Identity)
	if len(thread) != 1 || thread[0].Err != nil || thread[0].Doc.Body != "Hallo" {
		t.Fatalf("thread %+v", thread)
	}
}

func TestCases(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()
	memberID, _ := e.addCounsellor(tm, "Member", true)
	q := newEnquirer(t)
	e.want(e.createMailbox(tm, q), 201, "")
	q2 := newEnquirer(t)
	e.want(e.createMailbox(tm, q2), 201, "")

	r := e.do(request{method: "GET", path: "/api/v1/cases", auth: tm.adminToken})
	e.want(r, 200, "")
	wantKeys(t, r.body, "cases")
	var list struct{ Cases []json.RawMessage }
	r.decode(t, &list)
	if len(list.Cases) != 2 {
		t.Fatalf("%d cases", len(list.Cases))
	}
	for _, c := range list.Cases {
		wantKeys(t, c, "id", "status", "assignee", "created", "last_activity", "expires", "message_count", "awaiting_reply")
		if !strings.Contains(string(c), `"assignee":null`) {
			t.Errorf("assignee not null: %s", c)
		}
	}
	type caseT struct {
		ID            string  `json:"id"`
		Status        string  `json:"status"`
		Assignee      *string `json:"assignee"`
		Created       string  `json:"created"`
		LastActivity  string  `json:"last_activity"`
		Expires       string  `json:"expires"`
		MessageCount  int     `json:"message_count"`
		AwaitingReply bool    `json:"awaiting_reply"`
	}
	var c0 caseT
	json.Unmarshal(list.Cases[0], &c0)
	if c0.Status != "new" || !dateRE.MatchString(c0.Created) || !hourRE.MatchString(c0.LastActivity) ||
		!dateRE.MatchString(c0.Expires) || c0.MessageCount != 1 || !c0.AwaitingReply {
		t.Errorf("case %s", list.Cases[0])
	}

	// A counsellor's reply opens the case.
	reply := tm.message(t, q)
	r = e.do(request{method: "POST", path: "/api/v1/cases/" + q.id + "/messages", auth: tm.adminToken,
		body: map[string]any{"epoch": 1, "ciphertext": b64s(reply)}})
	e.want(r, 201, "")
	if !bytes.Equal(bytes.TrimSpace(r.body), []byte(`{"seq":2}`)) {
		t.Errorf("reply answer %s", r.body)
	}
	r = e.do(request{method: "GET", path: "/api/v1/cases/" + q.id, auth: tm.adminToken})
	e.want(r, 200, "")
	wantKeys(t, r.body, "id", "status", "assignee", "created", "last_activity", "expires", "message_count", "awaiting_reply", "messages", "actions")
	var detail struct {
		Status        string
		MessageCount  int  `json:"message_count"`
		AwaitingReply bool `json:"awaiting_reply"`
		Messages      []json.RawMessage
	}
	r.decode(t, &detail)
	if detail.Status != "open" || detail.MessageCount != 2 || detail.AwaitingReply || len(detail.Messages) != 2 {
		t.Errorf("case after reply %s", truncate(r.body))
	}
	wantKeys(t, detail.Messages[1], "seq", "from", "ciphertext")
	if !strings.Contains(string(detail.Messages[1]), `"from":"counsellor"`) {
		t.Errorf("reply %s", truncate(detail.Messages[1]))
	}
	r = e.do(request{method: "GET", path: "/api/v1/cases/" + q.id + "?after=1", auth: tm.adminToken})
	r.decode(t, &detail)
	if len(detail.Messages) != 1 {
		t.Errorf("after=1: %d messages", len(detail.Messages))
	}

	// Status filter.
	for status, want := range map[string]int{"new": 1, "open": 1, "closed": 0} {
		r = e.do(request{method: "GET", path: "/api/v1/cases?status=" + status, auth: tm.adminToken})
		e.want(r, 200, "")
		r.decode(t, &list)
		if len(list.Cases) != want {
			t.Errorf("status=%s: %d cases, want %d", status, len(list.Cases), want)
		}
	}

	// PATCH: assign, unassign, close; an enquirer's message reopens.
	patch := func(body string) caseT {
		t.Helper()
		r := e.do(request{method: "PATCH", path: "/api/v1/cases/" + q.id, auth: tm.adminToken, body: body})
		e.want(r, 200, "")
		wantKeys(t, r.body, "id", "status", "assignee", "created", "last_activity", "expires", "message_count", "awaiting_reply")
		var c caseT
		r.decode(t, &c)
		return c
	}
	if c := patch(`{"assignee":"` + memberID + `"}`); c.Assignee == nil || *c.Assignee != memberID {
		t.Errorf("assignee %v", c.Assignee)
	}
	if c := patch(`{"assignee":null}`); c.Assignee != nil {
		t.Errorf("assignee %v after null", *c.Assignee)
	}
	if c := patch(`{"status":"closed"}`); c.Status != "closed" {
		t.Errorf("status %q", c.Status)
	}
	if c := patch(`{}`); c.Status != "closed" {
		t.Errorf("empty patch changed status to %q", c.Status)
	}
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(),
		body: map[string]any{"epoch": 1, "ciphertext": b64s(tm.message(t, q))}}), 201, "")
	r = e.do(request{method: "GET", path: "/api/v1/cases?status=open", auth: tm.adminToken})
	r.decode(t, &list)
	if len(list.Cases) != 1 || !strings.Contains(string(list.Cases[0]), q.id) {
		t.Errorf("closed case not reopened: %s", truncate(r.body))
	}

	// Any active counsellor may delete.
	e.want(e.do(request{method: "DELETE", path: "/api/v1/cases/" + q2.id, auth: tm.adminToken}), 204, "")
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q2.bearer()}), 401, "unauthorized")

	// Roster.
	r = e.do(request{method: "GET", path: "/api/v1/counsellors", auth: tm.adminToken})
	e.want(r, 200, "")
	var roster struct{ Counsellors []json.RawMessage }
	r.decode(t, &roster)
	if len(roster.Counsellors) != 2 {
		t.Fatalf("%d counsellors", len(roster.Counsellors))
	}
	for _, c := range roster.Counsellors {
		wantKeys(t, c, "id", "name", "role", "state", "recipient", "fingerprint")
		var co struct{ Recipient, Fingerprint string }
		json.Unmarshal(c, &co)
		if co.Fingerprint != crypto.Fingerprint(co.Recipient) {
			t.Errorf("fingerprint %q", co.Fingerprint)
		}
	}

	// Keyring GET matches what was put, and replaces works from it.
	r = e.do(request{method: "GET", path: "/api/v1/keyring", auth: tm.adminToken})
	e.want(r, 200, "")
	wantKeys(t, r.body, "epoch", "recipient", "envelope", "members")
	var kr struct {
		Epoch     int
		Recipient string
		Envelope  []byte
		Members   []string
	}
	r.decode(t, &kr)
	if kr.Epoch != 1 || kr.Recipient != tm.recipient().String() || !slices.Equal(kr.Members, []string{tm.adminID, memberID}) {
		t.Errorf("keyring %+v", kr)
	}
	if _, err := crypto.OpenKeyring(kr.Envelope, tm.adminKey); err != nil {
		t.Errorf("served envelope: %v", err)
	}
}

func TestPendingCounsellor(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()
	id, key := e.addCounsellor(tm, "Newcomer", false)
	token := e.login(id, key)
	for _, path := range []string{"/api/v1/cases", "/api/v1/keyring", "/api/v1/events", "/api/v1/admin/backup"} {
		e.want(e.do(request{method: "GET", path: path, auth: token}), 403, "forbidden")
	}
	r := e.do(request{method: "GET", path: "/api/v1/counsellors", auth: token})
	e.want(r, 200, "")
	if !strings.Contains(string(r.body), `"id":"`+id+`","name":"Newcomer","role":"counsellor","state":"pending"`) {
		t.Errorf("roster %s", truncate(r.body))
	}
	// Listed in the keyring, the same session may read cases at once.
	cur := e.currentEnvelope()
	tm.members = append(tm.members, crypto.Member{ID: id, Name: "Newcomer", Recipient: key.Recipient().String()})
	e.want(e.putKeyring(tm, tm.adminToken, cur), 200, "")
	e.want(e.do(request{method: "GET", path: "/api/v1/cases", auth: token}), 200, "")
	// Still not an admin.
	e.want(e.do(request{method: "POST", path: "/api/v1/invites", auth: token, body: `{"role":"admin"}`}), 403, "forbidden")
	e.want(e.do(request{method: "DELETE", path: "/api/v1/auth/session", auth: token}), 204, "")
	e.want(e.do(request{method: "GET", path: "/api/v1/cases", auth: token}), 401, "unauthorized")
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{KeepAlive: 50 * time.Millisecond}})
	tm, q := e.setUpMailbox()
	_, sr := e.stream("/api/v1/mailbox/events", q.bearer())
	if ct := sr.header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("stream Content-Type %q", ct)
	}
	responses := map[string]*response{
		"200":          e.do(request{method: "GET", path: "/api/v1/team"}),
		"201":          e.createMailbox(tm, newEnquirer(t)),
		"204":          e.do(request{method: "DELETE", path: "/api/v1/auth/session", auth: e.login(tm.adminID, tm.adminKey)}),
		"400":          e.do(request{method: "POST", path: "/api/v1/mailboxes", body: `{`}),
		"401":          e.do(request{method: "GET", path: "/api/v1/mailbox"}),
		"404":          e.do(request{method: "GET", path: "/nothing"}),
		"405":          e.do(request{method: "POST", path: "/api/v1/team", body: `{}`}),
		"unknown verb": e.do(request{method: "BREW", path: "/api/v1/team"}),
		"413":          e.do(request{method: "POST", path: "/api/v1/mailboxes", claimLength: 2 << 20}),
		"415":          e.do(request{method: "POST", path: "/api/v1/mailboxes", body: `{}`, header: map[string]string{"Content-Type": "text/plain"}}),
		"431":          e.do(request{method: "GET", path: "/api/v1/team", header: map[string]string{"X-Big": strings.Repeat("b", 9<<10)}}),
		"backup":       e.do(request{method: "GET", path: "/api/v1/admin/backup", auth: tm.adminToken}),
		"stream":       sr,
	}
	// Every answer carries the one list (httpsec's test spells it out),
	// with the API's CSP.
	want := map[string]string{}
	httpsec.Set(func(k, v string) { want[k] = v }, "default-src 'none'")
	if len(want) < 7 {
		t.Fatalf("httpsec sets %d headers", len(want))
	}
	for name, r := range responses {
		for h, v := range want {
			if got := r.header.Get(h); got != v {
				t.Errorf("%s: %s %q, want %q", name, h, got, v)
			}
		}
		// Plain HTTP: HSTS there is ignored by browsers and wrong to send.
		for _, h := range []string{"Server", "Access-Control-Allow-Origin", "X-Powered-By", "Strict-Transport-Security"} {
			if got := r.header.Get(h); got != "" {
				t.Errorf("%s: %s: %q", name, h, got)
			}
		}
		if name != "stream" && name != "backup" && name != "204" && r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", name, r.header.Get("Content-Type"))
		}
	}
	if c := responses["unknown verb"].errorCode(); c != "not_found" {
		t.Errorf("unknown verb: %q", c)
	}
	if c := responses["405"].errorCode(); c != "not_found" || responses["405"].status != 404 {
		t.Errorf("405: %d %q", responses["405"].status, c)
	}
	if responses["431"].status != 431 || responses["413"].status != 413 {
		t.Errorf("431: %d, 413: %d", responses["431"].status, responses["413"].status)
	}
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{ProxyHeader: "X-Forwarded-For"}})
	tm := e.setUpTeam()
	q := newEnquirer(t)
	const ua, ip = "PlantedAgent/7.7 (secret-device)", "203.0.113.77"
	hdr := map[string]string{"User-Agent": ua, "X-Forwarded-For": ip}
	body := e.createBody(tm, q)
	e.want(e.do(request{method: "POST", path: "/api/v1/mailboxes", body: body, header: hdr}), 201, "")
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox?after=0", auth: q.bearer(), header: hdr}), 200, "")
	e.want(e.do(request{method: "GET", path: "/api/v1/cases/" + q.id + "?after=0", auth: tm.adminToken, header: hdr}), 200, "")
	e.want(e.do(request{method: "GET", path: "/api/v1/cases/" + q.id + "/nothing", auth: tm.adminToken, header: hdr}), 404, "not_found")
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.id + ".wrong", header: hdr}), 401, "unauthorized")
	e.want(e.do(request{method: "GET", path: "/api/v1/team", header: map[string]string{"X-Big": strings.Repeat("b", 9<<10), "User-Agent": ua}}), 431, "too_large")

	log := e.log.String()
	for _, want := range []string{
		"POST /api/v1/mailboxes 201 ",
		"GET /api/v1/mailbox 200 ",
		"GET /api/v1/cases/:id 200 ",
		"GET - 404 ",
		"GET /api/v1/mailbox 401 ",
		"- - 431 ",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	var auth [32]byte = q.auth
	for _, secret := range []string{
		q.id, q.bearer(), b64s(auth[:]), tm.adminToken, tm.adminID, ua, "PlantedAgent", ip, "127.0.0.1", "after=", "nothing",
		body["verifier"].(string), setupToken,
	} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q:\n%s", secret, log)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if !regexp.MustCompile(`^mailboxd: [A-Z-]+ [/a-z0-9:_-]+ \d{3} \S+$`).MatchString(line) {
			t.Errorf("log line %q", line)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{ChallengeLimit: Rate{N: 1000, Per: time.Minute}, KeepAlive: 50 * time.Millisecond}})
	tm := e.setUpTeam()
	cases := func(token string) *response {
		return e.do(request{method: "GET", path: "/api/v1/cases", auth: token})
	}

	t.Run("idle", func(t *testing.T) {
		token := e.login(tm.adminID, tm.adminKey)
		for range 3 {
			e.clock.Advance(sessionIdle - time.Minute)
			e.want(cases(token), 200, "") // each request refreshes
		}
		e.clock.Advance(sessionIdle)
		e.want(cases(token), 401, "unauthorized")
	})
	t.Run("stream does not refresh", func(t *testing.T) {
		token := e.login(tm.adminID, tm.adminKey)
		e.clock.Advance(sessionIdle - time.Minute)
		s, _ := e.stream("/api/v1/events", token)
		s.waitFor(t, ": keep-alive", 2*time.Second)
		e.clock.Advance(2 * time.Minute)
		// The stream ends with its session, at the next keep-alive.
		s.waitEnd(t, 2*time.Second)
		e.want(cases(token), 401, "unauthorized")
	})
	t.Run("absolute", func(t *testing.T) {
		var r struct{ Token, Expires string }
		ct, nonce, _ := e.challenge(tm.adminID)
		resp, _ := crypto.AnswerChallenge(ct, tm.adminKey, tm.adminID)
		res := e.sessionRequest(tm.adminID, nonce, resp)
		e.want(res, 200, "")
		res.decode(t, &r)
		exp, err := time.Parse(time.RFC3339, r.Expires)
		if err != nil || !timeRE.MatchString(r.Expires) || exp.Sub(e.clock.Now()) > sessionMax || sessionMax-exp.Sub(e.clock.Now()) > time.Second {
			t.Errorf("session expires %q, want 12 h from now", r.Expires)
		}
		for elapsed := time.Duration(0); elapsed < sessionMax-20*time.Minute; elapsed += 20 * time.Minute {
			e.clock.Advance(20 * time.Minute)
			e.want(cases(r.Token), 200, "")
		}
		e.clock.Advance(20 * time.Minute)
		e.want(cases(r.Token), 401, "unauthorized")
	})
	t.Run("logout", func(t *testing.T) {
		token := e.login(tm.adminID, tm.adminKey)
		e.want(e.do(request{method: "DELETE", path: "/api/v1/auth/session", auth: token}), 204, "")
		e.want(cases(token), 401, "unauthorized")
		e.want(e.do(request{method: "DELETE", path: "/api/v1/auth/session", auth: token}), 401, "unauthorized")
	})
}

func TestRemovedCounsellor(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{KeepAlive: time.Hour}})
	tm := e.setUpTeam()
	id, key := e.addCounsellor(tm, "Leaver", true)
	token := e.login(id, key)
	s, r := e.stream("/api/v1/events", token)
	e.want(e.do(request{method: "GET", path: "/api/v1/cases", auth: token}), 200, "")

	cur := e.currentEnvelope()
	tm.members = tm.members[:1]
	tm.keys = append(tm.keys, newIdentity(t))
	r = e.putKeyring(tm, tm.adminToken, cur)
	e.want(r, 200, "")
	// The keepalive is an hour away: only the removal can end the stream.
	s.waitEnd(t, 3*time.Second)
	e.want(e.do(request{method: "GET", path: "/api/v1/cases", auth: token}), 401, "unauthorized")
	e.want(e.do(request{method: "GET", path: "/api/v1/counsellors", auth: token}), 401, "unauthorized")

	// No way back in: the challenge is a decoy and the session refused.
	ct, nonce, _ := e.challenge(id)
	if _, err := crypto.AnswerChallenge(ct, key, id); err == nil {
		t.Fatal("a removed counsellor could open the login challenge")
	}
	e.want(e.sessionRequest(id, nonce, [32]byte{}), 401, "unauthorized")

	// The team moved on: the old epoch is stale.
	r = e.do(request{method: "GET", path: "/api/v1/team"})
	if !strings.Contains(string(r.body), `"epoch":2`) {
		t.Errorf("team %s", truncate(r.body))
	}
}

func TestDecoyChallenge(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()
	realCT, realNonce, realExp := e.challenge(tm.adminID)
	for _, id := range []string{"nosuchcounsellor", "a", strings.Repeat("z", 32)} {
		ct, nonce, exp := e.challenge(id)
		if len(ct) != len(realCT) || len(nonce) != len(realNonce) || len(exp) != len(realExp) {
			t.Errorf("%s: decoy lengths %d/%d/%d, real %d/%d/%d", id, len(ct), len(nonce), len(exp), len(realCT), len(realNonce), len(realExp))
		}
		info, err := crypto.ParseCiphertext(ct)
		if err != nil || info.Stanzas != 1 {
			t.Errorf("%s: decoy is not a one-stanza hybrid ciphertext: %v", id, err)
		}
		if _, err := crypto.AnswerChallenge(ct, tm.adminKey, id); err == nil {
			t.Errorf("%s: decoy opened with a real key", id)
		}
		e.want(e.sessionRequest(id, nonce, [32]byte{}), 401, "unauthorized")
	}
	if !timeRE.MatchString(realExp) {
		t.Errorf("expires %q", realExp)
	}
	if exp, _ := time.Parse(time.RFC3339, realExp); exp.Sub(e.clock.Now()) > loginLifetime || exp.Sub(e.clock.Now()) < loginLifetime-time.Second {
		t.Errorf("challenge expires %q, want in 60 s", realExp)
	}
}

func TestEventStreams(t *testing.T) {
	// A write timeout shorter than the gaps between events: streams must
	// outlive it.
	e := newEnv(t, envOptions{cfg: Config{KeepAlive: 100 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}})
	tm, q := e.setUpMailbox()

	es, r := e.stream("/api/v1/mailbox/events", q.bearer())
	cs, r := e.stream("/api/v1/events", tm.adminToken)
	if ct := r.header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	es.waitFor(t, ": keep-alive", 2*time.Second)
	cs.waitFor(t, ": keep-alive", 2*time.Second)
	time.Sleep(time.Second)

	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(),
		body: map[string]any{"epoch": 1, "ciphertext": b64s(tm.message(t, q))}}), 201, "")
	es.waitFor(t, "event: message", 2*time.Second)
	if l, _ := es.next(t, time.Second); l != `data: {"seq":2}` {
		t.Errorf("enquirer data %q", l)
	}
	cs.waitFor(t, "event: case", 2*time.Second)
	if l, _ := cs.next(t, time.Second); l != `data: {"id":"`+q.id+`","seq":2}` {
		t.Errorf("counsellor data %q", l)
	}

	// A reply reaches the enquirer.
	e.want(e.do(request{method: "POST", path: "/api/v1/cases/" + q.id + "/messages", auth: tm.adminToken,
		body: map[string]any{"epoch": 1, "ciphertext": b64s(tm.message(t, q))}}), 201, "")
	es.waitFor(t, `data: {"seq":3}`, 2*time.Second)

	// A new mailbox reaches the team.
	q2 := newEnquirer(t)
	e.want(e.createMailbox(tm, q2), 201, "")
	cs.waitFor(t, `data: {"id":"`+q2.id+`","seq":1}`, 2*time.Second)

	// At most two streams per mailbox and per session: a third ends the
	// oldest, because a reloading client cannot close its old one.
	es2, _ := e.openStream("/api/v1/mailbox/events", q.bearer())
	es3, _ := e.openStream("/api/v1/mailbox/events", q.bearer())
	if es2 == nil || es3 == nil {
		t.Fatal("second or third enquirer stream refused")
	}
	es.waitEnd(t, 2*time.Second)
	cs2, _ := e.openStream("/api/v1/events", tm.adminToken)
	cs3, _ := e.openStream("/api/v1/events", tm.adminToken)
	if cs2 == nil || cs3 == nil {
		t.Fatal("second or third counsellor stream refused")
	}
	cs.waitEnd(t, 2*time.Second)
	// The two newest still get events.
	q3 := newEnquirer(t)
	e.want(e.createMailbox(tm, q3), 201, "")
	cs2.waitFor(t, `data: {"id":"`+q3.id+`","seq":1}`, 2*time.Second)
	cs3.waitFor(t, `data: {"id":"`+q3.id+`","seq":1}`, 2*time.Second)
	// Another session has its own two; opening them ends none of these.
	other := e.login(tm.adminID, tm.adminKey)
	os1, _ := e.openStream("/api/v1/events", other)
	os2, _ := e.openStream("/api/v1/events", other)
	if os1 == nil || os2 == nil {
		t.Fatal("another session's streams refused")
	}

	// Deleting the mailbox ends its streams; ending a session ends its.
	e.want(e.do(request{method: "DELETE", path: "/api/v1/mailbox", auth: q.bearer()}), 204, "")
	es2.waitEnd(t, 2*time.Second)
	es3.waitEnd(t, 2*time.Second)
	cs2.waitFor(t, `data: {"id":"`+q.id+`","seq":0}`, 2*time.Second)
	cs3.waitFor(t, `data: {"id":"`+q.id+`","seq":0}`, 2*time.Second)
	e.want(e.do(request{method: "DELETE", path: "/api/v1/auth/session", auth: other}), 204, "")
	os1.waitEnd(t, 2*time.Second)
	os2.waitEnd(t, 2*time.Second)
}

func TestShutdownEndsStreams(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{KeepAlive: time.Hour}})
	tm, q := e.setUpMailbox()
	es, _ := e.openStream("/api/v1/mailbox/events", q.bearer())
	cs, _ := e.openStream("/api/v1/events", tm.adminToken)
	if es == nil || cs == nil {
		t.Fatal("streams refused")
	}
	start := time.Now()
	if err := e.srv.Shutdown(10 * time.Second); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v with open streams", d)
	}
	es.waitEnd(t, 2*time.Second)
	cs.waitEnd(t, 2*time.Second)
}

func TestAddressLimits(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{
		CreateLimit:    Rate{N: 2, Per: 10 * time.Minute},
		ChallengeLimit: Rate{N: 3, Per: time.Minute},
		ProxyHeader:    "X-Forwarded-For",
	}})
	tm := e.setUpTeam() // one challenge
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": "10.0.0.1, " + ip} }

	for i := range 3 {
		q := newEnquirer(t)
		before := e.contentHash()
		r := e.do(request{method: "POST", path: "/api/v1/mailboxes", body: e.createBody(tm, q), header: from("192.0.2.1")})
		if i < 2 {
			e.want(r, 201, "")
			continue
		}
		e.want(r, 429, "rate_limited")
		if ra := r.header.Get("Retry-After"); ra != "300" {
			t.Errorf("Retry-After %q, want 300", ra)
		}
		if e.contentHash() != before {
			t.Error("database changed")
		}
	}
	// Another address has its own bucket; time refills.
	e.want(e.do(request{method: "POST", path: "/api/v1/mailboxes", body: e.createBody(tm, newEnquirer(t)), header: from("192.0.2.2")}), 201, "")
	e.clock.Advance(5 * time.Minute)
	e.want(e.do(request{method: "POST", path: "/api/v1/mailboxes", body: e.createBody(tm, newEnquirer(t)), header: from("192.0.2.1")}), 201, "")

	// Login challenges and proof-of-work challenges are limited apart.
	for i := range 4 {
		r := e.do(request{method: "POST", path: "/api/v1/auth/challenge", body: `{"counsellor":"abc"}`, header: from("192.0.2.3")})
		if i < 3 {
			e.want(r, 200, "")
		} else {
			e.want(r, 429, "rate_limited")
		}
	}
	for i := range 4 {
		r := e.do(request{method: "GET", path: "/api/v1/pow", header: from("192.0.2.3")})
		if i < 3 {
			e.want(r, 200, "")
		} else {
			e.want(r, 429, "rate_limited")
		}
	}
}

func TestPow(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{PowDifficulty: 3}})
	tm := e.setUpTeam()
	r := e.do(request{method: "GET", path: "/api/v1/pow"})
	e.want(r, 200, "")
	wantKeys(t, r.body, "challenge", "difficulty", "expires")
	var p struct {
		Challenge  []byte
		Difficulty int
		Expires    string
	}
	r.decode(t, &p)
	exp, err := time.Parse(time.RFC3339, p.Expires)
	if len(p.Challenge) != powChallengeLen || p.Difficulty != 3 || err != nil || !timeRE.MatchString(p.Expires) ||
		exp.Sub(e.clock.Now()) > powLifetime || exp.Sub(e.clock.Now()) < powLifetime-time.Second {
		t.Errorf("pow %+v", p)
	}
	e.want(e.createMailbox(tm, newEnquirer(t)), 201, "")
	if _, err := New(e.store, Config{PowDifficulty: 25}); err == nil {
		t.Error("difficulty 25 accepted")
	}
}

func TestBackup(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm, q := e.setUpMailbox()
	r := e.do(request{method: "GET", path: "/api/v1/admin/backup", auth: tm.adminToken})
	e.want(r, 200, "")
	if ct := r.header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("Content-Disposition %q", cd)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	copyStore, err := mailbox.Open(mailbox.Options{Path: path})
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer copyStore.Close()
	if _, err := copyStore.GetMailbox(q.id); err != nil {
		t.Errorf("backup lacks the mailbox: %v", err)
	}
	if _, err := e.srv.store.GetMailbox(q.id); err != nil {
		t.Fatal(err)
	}
}

func TestServeAfterShutdown(t *testing.T) {
	e := newEnv(t, envOptions{})
	if err := e.srv.Shutdown(time.Second); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- e.srv.Serve(ln) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Serve after Shutdown did not return")
	}
}

// TestDisplayNameRule: the API and the store apply one rule, so a name
// of 64 characters that are two bytes each in UTF-8 registers (it used to
// pass the API and fail the store) and comes back unchanged.
func TestDisplayNameRule(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()
	name := strings.Repeat("ä", 64)
	id, _ := e.addCounsellor(tm, name, false)
	r := e.do(request{method: "GET", path: "/api/v1/counsellors", auth: tm.adminToken})
	e.want(r, 200, "")
	var roster struct{ Counsellors []struct{ ID, Name string } }
	r.decode(t, &roster)
	found := false
	for _, c := range roster.Counsellors {
		if c.ID == id {
			found = c.Name == name
		}
	}
	if !found {
		t.Fatalf("roster does not show %q under %s: %s", name, id, truncate(r.body))
	}
}
