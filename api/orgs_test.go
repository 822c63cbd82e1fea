package api

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
	"lotse/mailbox"
	"lotse/mailbox/snapshot"
)

// setUpOrg creates organisation slug as the front door's admin and sets
// up its first admin and keyring through the API, as counsel would.
func (e *env) setUpOrg(front *team, slug, name string) *team {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/v1/orgs", auth: front.adminToken, body: map[string]string{"slug": slug, "name": name}})
	e.want(r, 201, "")
	var created struct{ Slug, Setup, Expires string }
	r.decode(e.t, &created)
	if created.Slug != slug || created.Setup == "" {
		e.t.Fatalf("created %+v", created)
	}
	if exp, err := time.Parse(time.RFC3339, created.Expires); err != nil || exp.Sub(e.clock.Now()) < 71*time.Hour || exp.Sub(e.clock.Now()) > 73*time.Hour {
		e.t.Fatalf("setup token expires %q, want in 72 h", created.Expires)
	}
	c, err := client.New(e.base, client.WithHTTPClient(e.client))
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	boot, err := mailboxdtest.SetUpOrgTeam(ctx, c, slug, created.Setup, "Admin "+slug)
	if err != nil {
		e.t.Fatal(err)
	}
	return &team{adminID: boot.AdminID, adminKey: boot.AdminKey, adminToken: boot.Session,
		keys: []*age.HybridIdentity{boot.Key}, members: []crypto.Member{boot.Member()}}
}

// orgsFixture is the front door (A) with a member, a pending counsellor,
// an open invite and a case holding an attachment and a case record, and
// organisation "b" with its admin and a case of its own.
type orgsFixture struct {
	e                    *env
	a, b                 *team
	memberA, pendingA    string
	memberKeyA           *age.HybridIdentity
	inviteA              string
	caseA, caseB         *enquirer
	attachmentA          string
	attachmentB, inviteB string
}

func newOrgsFixture(t *testing.T) *orgsFixture {
	e := newEnv(t, envOptions{})
	f := &orgsFixture{e: e, a: e.setUpTeam()}
	f.memberA, f.memberKeyA = e.addCounsellor(f.a, "Member A", true)
	f.pendingA, _ = e.addCounsellor(f.a, "Pending A", false)
	f.caseA = newEnquirer(t)
	e.want(e.createMailbox(f.a, f.caseA), 201, "")
	f.attachmentA = e.uploadIDOf(f.a, f.caseA)
	e.want(e.do(request{method: "POST", path: "/api/v1/cases/" + f.caseA.id + "/records", auth: f.a.adminToken,
		body: map[string]any{"kind": "note", "ciphertext": b64s(seal(t, crypto.CaseRecordBuckets[0], f.a.recipient()))}}), 201, "")
	f.inviteA = f.openInvite(f.a)

	f.b = e.setUpOrg(f.a, "b", "Fachberatung B")
	f.caseB = newEnquirer(t)
	body := e.createBody(f.b, f.caseB)
	body["org"] = "b"
	e.want(e.do(request{method: "POST", path: "/api/v1/mailboxes", body: body}), 201, "")
	f.attachmentB = e.uploadIDOf(f.b, f.caseB)
	f.inviteB = f.openInvite(f.b)
	return f
}

// openInvite creates an invite of tm's organisation and returns its id.
func (f *orgsFixture) openInvite(tm *team) string {
	e := f.e
	e.want(e.do(request{method: "POST", path: "/api/v1/invites", auth: tm.adminToken, body: map[string]string{"role": "counsellor"}}), 200, "")
	r := e.do(request{method: "GET", path: "/api/v1/invites", auth: tm.adminToken})
	e.want(r, 200, "")
	var l struct{ Invites []struct{ ID string } }
	r.decode(e.t, &l)
	if len(l.Invites) != 1 {
		e.t.Fatalf("%d open invites, want 1", len(l.Invites))
	}
	return l.Invites[0].ID
}

// TestOrgIsolation sends every counsellor request that names an object
// (a case, its messages, attachments and records, an invite, a
// counsellor) as one organisation's admin for the other's object: each is
// 404, as an unknown one, and changes nothing.
func TestOrgIsolation(t *testing.T) {
	f := newOrgsFixture(t)
	e := f.e
	type row struct {
		name string
		by   *team
		rq   func(tok string) request
	}
	caseRows := func(by *team, q *enquirer, attachment string) []row {
		id := q.id
		own := "main"
		if by == f.b {
			own = "b"
		}
		return []row{
			// Handover (PROTOCOL.md §9): an offer to the session's own
			// organisation would be valid for the case's.
			{"PUT handover", by, func(tok string) request {
				return request{method: "PUT", path: "/api/v1/cases/" + id + "/handover", auth: tok, body: map[string]string{"org": own}}
			}},
			{"DELETE handover", by, func(tok string) request {
				return request{method: "DELETE", path: "/api/v1/cases/" + id + "/handover", auth: tok}
			}},
			{"GET case", by, func(tok string) request { return request{method: "GET", path: "/api/v1/cases/" + id, auth: tok} }},
			{"GET case after", by, func(tok string) request {
				return request{method: "GET", path: "/api/v1/cases/" + id + "?after=0", auth: tok}
			}},
			{"POST message", by, func(tok string) request {
				return request{method: "POST", path: "/api/v1/cases/" + id + "/messages", auth: tok,
					body: map[string]any{"epoch": by.epoch(), "ciphertext": b64s(seal(t, 1024, by.recipient(), q.identity.Recipient()))}}
			}},
			{"PATCH case status", by, func(tok string) request {
				return request{method: "PATCH", path: "/api/v1/cases/" + id, auth: tok, body: map[string]any{"status": "closed"}}
			}},
			{"PATCH case assignee", by, func(tok string) request {
				return request{method: "PATCH", path: "/api/v1/cases/" + id, auth: tok, body: map[string]any{"assignee": by.adminID}}
			}},
			{"DELETE case", by, func(tok string) request { return request{method: "DELETE", path: "/api/v1/cases/" + id, auth: tok} }},
			{"POST attachment", by, func(tok string) request {
				ct, err := crypto.SealAttachment(nil, by.recipient(), q.identity.Recipient())
				if err != nil {
					t.Fatal(err)
				}
				return upload("/api/v1/cases/"+id+"/attachments", tok, ct)
			}},
			{"GET attachment", by, func(tok string) request {
				return request{method: "GET", path: "/api/v1/cases/" + id + "/attachments/" + attachment, auth: tok}
			}},
			{"GET records", by, func(tok string) request {
				return request{method: "GET", path: "/api/v1/cases/" + id + "/records", auth: tok}
			}},
			{"POST record", by, func(tok string) request {
				return request{method: "POST", path: "/api/v1/cases/" + id + "/records", auth: tok,
					body: map[string]any{"kind": "note", "ciphertext": b64s(seal(t, crypto.CaseRecordBuckets[0], by.recipient()))}}
			}},
		}
	}
	// Open offers, so that withdrawing one is no 404 of its own.
	e.want(e.do(request{method: "PUT", path: "/api/v1/cases/" + f.caseA.id + "/handover", auth: f.a.adminToken, body: map[string]string{"org": "b"}}), 204, "")
	e.want(e.do(request{method: "PUT", path: "/api/v1/cases/" + f.caseB.id + "/handover", auth: f.b.adminToken, body: map[string]string{"org": "main"}}), 204, "")
	rows := caseRows(f.b, f.caseA, f.attachmentA)
	rows = append(rows,
		row{"DELETE invite", f.b, func(tok string) request {
			return request{method: "DELETE", path: "/api/v1/invites/" + f.inviteA, auth: tok}
		}},
		row{"DELETE pending counsellor", f.b, func(tok string) request {
			return request{method: "DELETE", path: "/api/v1/counsellors/" + f.pendingA, auth: tok}
		}},
	)
	for _, r := range caseRows(f.a, f.caseB, f.attachmentB) {
		r.name = "front door: " + r.name
		rows = append(rows, r)
	}
	rows = append(rows, row{"front door: DELETE invite", f.a, func(tok string) request {
		return request{method: "DELETE", path: "/api/v1/invites/" + f.inviteB, auth: tok}
	}})
	var refusals []refusal
	for _, r := range rows {
		refusals = append(refusals, refusal{r.name, r.rq(r.by.adminToken), 404, "not_found"})
	}
	e.refuses(t, refusals)

	// The lists are each organisation's own.
	list := func(tok, path string, v any) {
		t.Helper()
		r := e.do(request{method: "GET", path: path, auth: tok})
		e.want(r, 200, "")
		r.decode(t, v)
	}
	var cases struct{ Cases []struct{ ID string } }
	list(f.b.adminToken, "/api/v1/cases", &cases)
	if len(cases.Cases) != 1 || cases.Cases[0].ID != f.caseB.id {
		t.Errorf("b's cases: %+v", cases.Cases)
	}
	list(f.b.adminToken, "/api/v1/cases?limit=10", &cases)
	if len(cases.Cases) != 1 || cases.Cases[0].ID != f.caseB.id {
		t.Errorf("b's first page: %+v", cases.Cases)
	}
	list(f.a.adminToken, "/api/v1/cases", &cases)
	if len(cases.Cases) != 1 || cases.Cases[0].ID != f.caseA.id {
		t.Errorf("the front door's cases: %+v", cases.Cases)
	}
	var handovers struct{ Handovers []struct{ Case string } }
	list(f.b.adminToken, "/api/v1/handovers", &handovers)
	if len(handovers.Handovers) != 1 || handovers.Handovers[0].Case != f.caseB.id {
		t.Errorf("b's handovers: %+v", handovers.Handovers)
	}
	var roster struct{ Counsellors []struct{ ID string } }
	list(f.b.adminToken, "/api/v1/counsellors", &roster)
	if len(roster.Counsellors) != 1 || roster.Counsellors[0].ID != f.b.adminID {
		t.Errorf("b's roster: %+v", roster.Counsellors)
	}
	list(f.a.adminToken, "/api/v1/counsellors", &roster)
	if len(roster.Counsellors) != 3 || slices.ContainsFunc(roster.Counsellors, func(c struct{ ID string }) bool { return c.ID == f.b.adminID }) {
		t.Errorf("the front door's roster: %+v", roster.Counsellors)
	}
	var kr struct{ Recipient string }
	list(f.b.adminToken, "/api/v1/keyring", &kr)
	if kr.Recipient != f.b.recipient().String() {
		t.Error("b's session reads another keyring than b's")
	}
	var invites struct{ Invites []struct{ ID string } }
	list(f.b.adminToken, "/api/v1/invites", &invites)
	if len(invites.Invites) != 1 || invites.Invites[0].ID != f.inviteB {
		t.Errorf("b's invites: %+v", invites.Invites)
	}

	// The team's records (§11) are each organisation's own: a write
	// lands in the writer's, a read and the team actions show only the
	// reader's, and the event of a write reaches only the writer's desks.
	sa, resp := e.stream("/api/v1/events", f.a.adminToken)
	e.want(resp, 200, "")
	sb, resp := e.stream("/api/v1/events", f.b.adminToken)
	e.want(resp, 200, "")
	put := func(tm *team, kind string) string {
		t.Helper()
		r := e.do(request{method: "PUT", path: "/api/v1/team/records/" + kind, auth: tm.adminToken,
			body: map[string]any{"ciphertext": b64s(seal(t, crypto.TeamRecordBuckets[0], tm.recipient()))}})
		e.want(r, 201, "")
		var created struct{ ID string }
		r.decode(t, &created)
		return created.ID
	}
	blocksA := put(f.a, "blocks")
	caseEvent(t, sa, `"kind":"blocks"`, "")
	dirB := put(f.b, "directory")
	caseEvent(t, sb, `"kind":"directory"`, `"kind":"blocks"`)
	// The front door's next record is the next event its stream carries:
	// b's did not reach it.
	put(f.a, "blocks")
	caseEvent(t, sa, `"kind":"blocks"`, "directory")
	e.want(e.do(request{method: "POST", path: "/api/v1/cases/" + f.caseB.id + "/records", auth: f.b.adminToken,
		body: map[string]any{"kind": "note", "ciphertext": b64s(seal(t, crypto.CaseRecordBuckets[0], f.b.recipient()))}}), 201, "")
	caseEvent(t, sb, f.caseB.id, "")
	blocksA = put(f.a, "blocks") // the newest two are kept
	caseEvent(t, sa, `"kind":"blocks"`, f.caseB.id)

	// A case each deletes leaves a tombstone for its own admins only.
	goneA := newEnquirer(t)
	e.want(e.createMailbox(f.a, goneA), 201, "")
	e.want(e.do(request{method: "DELETE", path: "/api/v1/cases/" + goneA.id, auth: f.a.adminToken}), 204, "")
	e.want(e.do(request{method: "DELETE", path: "/api/v1/cases/" + f.caseB.id, auth: f.b.adminToken}), 204, "")
	for _, row := range []struct {
		name       string
		by         *team
		path       string
		has, lacks []string
	}{
		{"b's team records", f.b, "/api/v1/team/records", []string{dirB}, []string{blocksA, f.a.adminID}},
		{"the front door's team records", f.a, "/api/v1/team/records", []string{blocksA}, []string{dirB, f.b.adminID}},
		{"b's team actions", f.b, "/api/v1/team/actions", []string{f.caseB.id}, []string{goneA.id, f.a.adminID}},
		{"the front door's team actions", f.a, "/api/v1/team/actions", []string{goneA.id}, []string{f.caseB.id, f.b.adminID}},
	} {
		t.Run(row.name, func(t *testing.T) {
			r := e.do(request{method: "GET", path: row.path, auth: row.by.adminToken})
			e.want(r, 200, "")
			for _, s := range row.has {
				if !bytes.Contains(r.body, []byte(s)) {
					t.Errorf("lacks %s", s)
				}
			}
			for _, s := range row.lacks {
				if bytes.Contains(r.body, []byte(s)) {
					t.Errorf("names %s of the other organisation", s)
				}
			}
		})
	}

	// b's admin may not act for the whole server.
	var serverWide []refusal
	for _, rq := range []request{
		{method: "GET", path: "/api/v1/admin/backup"},
		{method: "POST", path: "/api/v1/admin/compact"},
		{method: "POST", path: "/api/v1/cases/purge", body: map[string]any{"from": "2020-01-01", "to": "2030-01-01", "dry_run": true}},
		{method: "POST", path: "/api/v1/orgs", body: map[string]string{"slug": "c", "name": "C"}},
		{method: "DELETE", path: "/api/v1/orgs/b"},
	} {
		rq.auth = f.b.adminToken
		serverWide = append(serverWide, refusal{rq.method + " " + rq.path, rq, 403, "forbidden"})
	}
	e.refuses(t, serverWide)
}

// TestOrgsAPI: the list, the team of an organisation, creation and
// deletion, and event streams that carry only the organisation's cases.
func TestOrgsAPI(t *testing.T) {
	f := newOrgsFixture(t)
	e := f.e

	r := e.do(request{method: "GET", path: "/api/v1/orgs"})
	e.want(r, 200, "")
	var l struct {
		Orgs []struct {
			Slug, Name, Recipient, Fingerprint string
			Epoch                              int
			FrontDoor                          bool `json:"front_door"`
		}
	}
	r.decode(t, &l)
	if len(l.Orgs) != 2 || l.Orgs[0].Slug != "main" || !l.Orgs[0].FrontDoor || l.Orgs[1].Slug != "b" || l.Orgs[1].FrontDoor ||
		l.Orgs[1].Name != "Fachberatung B" || l.Orgs[1].Recipient != f.b.recipient().String() || l.Orgs[1].Epoch != 1 ||
		l.Orgs[1].Fingerprint != crypto.Fingerprint(f.b.recipient().String()) {
		t.Fatalf("orgs: %+v", l.Orgs)
	}
	// One without a keyring is not listed.
	e.want(e.do(request{method: "POST", path: "/api/v1/orgs", auth: f.a.adminToken, body: map[string]string{"slug": "c", "name": "Zentrum C"}}), 201, "")
	r = e.do(request{method: "GET", path: "/api/v1/orgs"})
	r.decode(t, &l)
	if len(l.Orgs) != 2 {
		t.Fatalf("an organisation without a keyring is listed: %+v", l.Orgs)
	}

	var team struct{ Recipient string }
	r = e.do(request{method: "GET", path: "/api/v1/team?org=b"})
	e.want(r, 200, "")
	r.decode(t, &team)
	if team.Recipient != f.b.recipient().String() {
		t.Fatal("GET /team?org=b is not b's team")
	}
	r = e.do(request{method: "GET", path: "/api/v1/team?org=main"})
	e.want(r, 200, "")
	r.decode(t, &team)
	if team.Recipient != f.a.recipient().String() {
		t.Fatal("GET /team?org=main is not the front door's team")
	}
	e.want(e.do(request{method: "GET", path: "/api/v1/team?org=c"}), 503, "team_not_ready")

	e.refuses(t, []refusal{
		{"team of no organisation", request{method: "GET", path: "/api/v1/team?org=zz"}, 404, "not_found"},
		{"team of a malformed slug", request{method: "GET", path: "/api/v1/team?org=" + strings.Repeat("a", 33)}, 404, "not_found"},
		{"create: slug taken", request{method: "POST", path: "/api/v1/orgs", auth: f.a.adminToken, body: map[string]string{"slug": "b", "name": "B"}}, 409, "org_exists"},
		{"create: the front door's slug", request{method: "POST", path: "/api/v1/orgs", auth: f.a.adminToken, body: map[string]string{"slug": "main", "name": "M"}}, 409, "org_exists"},
		{"create: by a member", request{method: "POST", path: "/api/v1/orgs", auth: e.login(f.memberA, f.memberKeyA), body: map[string]string{"slug": "d", "name": "D"}}, 403, "forbidden"},
		{"delete: the front door", request{method: "DELETE", path: "/api/v1/orgs/main", auth: f.a.adminToken}, 409, "front_door"},
		{"delete: unknown", request{method: "DELETE", path: "/api/v1/orgs/zz", auth: f.a.adminToken}, 404, "not_found"},
		{"mailbox of no organisation", request{method: "POST", path: "/api/v1/mailboxes", body: func() map[string]any {
			b := e.createBody(f.b, newEnquirer(t))
			b["org"] = "zz"
			return b
		}()}, 404, "not_found"},
		{"mailbox with the front door's epoch key for b", request{method: "POST", path: "/api/v1/mailboxes", body: func() map[string]any {
			q := newEnquirer(t)
			b := e.createBody(f.a, q)
			b["org"] = "b"
			b["epoch"] = 2
			return b
		}()}, 409, "stale_epoch"},
		{"register with b's setup token again", request{method: "POST", path: "/api/v1/counsellors", body: map[string]string{
			"setup": "x", "org": "b", "name": "X", "recipient": newIdentity(t).Recipient().String()}}, 403, "setup_invalid"},
	})

	// /o/b/ serves the front door's web client for b; an unknown
	// organisation and the front door have none there.
	root := e.do(request{method: "GET", path: "/"})
	for _, p := range []string{"/o/b/", "/o/c/"} {
		if r := e.do(request{method: "GET", path: p}); r.status != root.status || !bytes.Equal(r.body, root.body) {
			t.Errorf("GET %s: %d, not the page / serves (%d)", p, r.status, root.status)
		}
	}
	for _, p := range []string{"/o/zz/", "/o/main/", "/o/B/", "/o/b/nothing.js"} {
		e.want(e.do(request{method: "GET", path: p}), 404, "not_found")
	}

	// Event streams: b's desk hears of b's cases only.
	sb, resp := e.stream("/api/v1/events", f.b.adminToken)
	e.want(resp, 200, "")
	sa, resp := e.stream("/api/v1/events", f.a.adminToken)
	e.want(resp, 200, "")
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: f.caseA.bearer(),
		body: map[string]any{"epoch": f.a.epoch(), "ciphertext": b64s(f.a.message(t, f.caseA))}}), 201, "")
	caseEvent(t, sa, f.caseA.id, "")
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: f.caseB.bearer(),
		body: map[string]any{"epoch": f.b.epoch(), "ciphertext": b64s(f.b.message(t, f.caseB))}}), 201, "")
	caseEvent(t, sb, f.caseB.id, f.caseA.id)

	// The auditor, with the real ciphertext policy, passes a file with
	// two organisations.
	if r := auditBackup(t, e); len(r.Violations) != 0 || r.Counts["orgs/{organisation slug}/keyring/envelope"] != 1 || r.Stray != 0 {
		t.Fatalf("audit of two organisations: %v, counts %v", r.Violations, r.Counts)
	}

	// Deleting b ends its sessions and takes its cases.
	e.want(e.do(request{method: "DELETE", path: "/api/v1/orgs/b", auth: f.a.adminToken}), 204, "")
	e.want(e.do(request{method: "GET", path: "/api/v1/cases", auth: f.b.adminToken}), 401, "unauthorized")
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: f.caseB.bearer()}), 401, "unauthorized")
	e.want(e.do(request{method: "GET", path: "/api/v1/team?org=b"}), 404, "not_found")
	var cases struct{ Cases []struct{ ID string } }
	r = e.do(request{method: "GET", path: "/api/v1/cases", auth: f.a.adminToken})
	r.decode(t, &cases)
	if len(cases.Cases) != 1 || cases.Cases[0].ID != f.caseA.id {
		t.Fatalf("the front door's cases after deleting b: %+v", cases.Cases)
	}
	e.want(e.do(request{method: "POST", path: "/api/v1/admin/compact", auth: f.a.adminToken}), 200, "")
	if r := auditBackup(t, e); len(r.Violations) != 0 || r.Counts["orgs/{organisation slug}/keyring/envelope"] != 0 || r.Counts["orgs/{organisation slug}"] != 1 {
		t.Fatalf("audit after deleting b: %v, counts %v", r.Violations, r.Counts)
	}
}

// backupFile writes a backup of e's store and returns its path.
func backupFile(t *testing.T, e *env) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	err = e.store.Backup(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// auditBackup runs mailbox-audit's check on a backup of e's store.
func auditBackup(t *testing.T, e *env) snapshot.AuditReport {
	t.Helper()
	r, err := snapshot.AuditFile(backupFile(t, e), mailbox.Policy{Message: crypto.CheckMessage, Keyring: crypto.CheckKeyring,
		CaseRecord: crypto.CheckCaseRecord, TeamRecord: crypto.CheckTeamRecord, Attachment: crypto.CheckAttachment})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// caseEvent reads st until a line names case want, failing on one that
// names case never first.
func caseEvent(t *testing.T, st *sseReader, want, never string) {
	t.Helper()
	for {
		line, ok := st.next(t, 5*time.Second)
		switch {
		case !ok:
			t.Fatalf("stream ended before an event of case %s", want)
		case never != "" && strings.Contains(line, never):
			t.Fatalf("the stream carried case %s: %s", never, line)
		case strings.Contains(line, want):
			return
		}
	}
}

// orgsBadInput are the organisation rows of TestBadInput: each must
// answer its code and leave the database as it was.
func orgsBadInput(t *testing.T, f *fixture) []badRow {
	org := func(token func() string, body string) func() request {
		return func() request {
			tok := ""
			if token != nil {
				tok = token()
			}
			return request{method: "POST", path: "/api/v1/orgs", auth: tok, body: body}
		}
	}
	del := func(token func() string, slug string) func() request {
		return func() request { return request{method: "DELETE", path: "/api/v1/orgs/" + slug, auth: token()} }
	}
	create := func(org any) func() request {
		return func() request {
			return f.createRequest(func(q *enquirer, b map[string]any) { b["org"] = org })
		}
	}
	register := func(org any) func() request {
		return func() request {
			return request{method: "POST", path: "/api/v1/counsellors", body: map[string]any{
				"setup": setupToken, "org": org, "name": "N", "recipient": newIdentity(t).Recipient().String()}}
		}
	}
	return []badRow{
		{"orgs: malformed JSON", org(f.admin, `{"slug":`), 400, "bad_request"},
		{"orgs: unknown field", org(f.admin, `{"slug":"c","name":"C","key":"x"}`), 400, "bad_request"},
		{"orgs: slug with capitals", org(f.admin, `{"slug":"Zentrum","name":"C"}`), 400, "bad_request"},
		{"orgs: slug with a slash", org(f.admin, `{"slug":"a/b","name":"C"}`), 400, "bad_request"},
		{"orgs: slug too long", org(f.admin, `{"slug":"`+strings.Repeat("a", 33)+`","name":"C"}`), 400, "bad_request"},
		{"orgs: empty slug", org(f.admin, `{"slug":"","name":"C"}`), 400, "bad_request"},
		{"orgs: slug not a string", org(f.admin, `{"slug":5,"name":"C"}`), 400, "bad_request"},
		{"orgs: empty name", org(f.admin, `{"slug":"c","name":""}`), 400, "bad_request"},
		{"orgs: name with a control character", org(f.admin, `{"slug":"c","name":"C\u0007"}`), 400, "bad_request"},
		{"orgs: name too long", org(f.admin, `{"slug":"c","name":"`+strings.Repeat("n", 65)+`"}`), 400, "bad_request"},
		{"orgs: no session", org(nil, `{"slug":"c","name":"C"}`), 401, "unauthorized"},
		{"orgs: not an admin", org(f.member, `{"slug":"c","name":"C"}`), 403, "forbidden"},
		{"orgs: the front door's slug", org(f.admin, `{"slug":"main","name":"C"}`), 409, "org_exists"},
		{"orgs delete: unknown", del(f.admin, "zz"), 404, "not_found"},
		{"orgs delete: malformed", del(f.admin, "ZZ"), 404, "not_found"},
		{"orgs delete: the front door", del(f.admin, "main"), 409, "front_door"},
		{"orgs delete: not an admin", del(f.member, "main"), 403, "forbidden"},
		{"team: unknown organisation", func() request { return request{method: "GET", path: "/api/v1/team?org=zz"} }, 404, "not_found"},
		{"team: malformed organisation", func() request { return request{method: "GET", path: "/api/v1/team?org=Z%2FZ"} }, 404, "not_found"},
		{"create: org not a string", create(5), 400, "bad_request"},
		{"create: unknown org", create("zz"), 404, "not_found"},
		{"create: malformed org", create("../main"), 404, "not_found"},
		{"register: org not a string", register(true), 400, "bad_request"},
		{"register: unknown org", register("zz"), 404, "not_found"},
	}
}
