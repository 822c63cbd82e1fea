package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// handoverFixture is the orgs fixture's front door case (A's) with an
// enquirer message that references an attachment and a reply of A, so
// that the conversation has both senders, an attachment and a team
// record of A.
type handoverFixture struct {
	*orgsFixture
	q          *client.Client // the enquirer of caseA
	attachment string         // referenced by message 2
	ctx        context.Context
}

func newHandoverFixture(t *testing.T) *handoverFixture {
	f := &handoverFixture{orgsFixture: newOrgsFixture(t)}
	e := f.e
	file := bytes.Repeat([]byte("Lohnzettel "), 9000) // the 256 KiB bucket
	ct, err := crypto.SealAttachment(file, f.a.recipient(), f.caseA.identity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	f.attachment = e.uploadID("/api/v1/mailbox/attachments", f.caseA.bearer(), ct)
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: f.caseA.bearer(),
		body: map[string]any{"epoch": f.a.epoch(), "ciphertext": b64s(seal(t, 4096, f.a.recipient(), f.caseA.identity.Recipient())), "attachments": []string{f.attachment}}}), 201, "")
	e.want(e.do(request{method: "POST", path: "/api/v1/cases/" + f.caseA.id + "/messages", auth: f.a.adminToken,
		body: map[string]any{"epoch": f.a.epoch(), "ciphertext": b64s(seal(t, 1024, f.a.recipient(), f.caseA.identity.Recipient()))}}), 201, "")
	c, err := client.New(e.base, client.WithHTTPClient(e.client))
	if err != nil {
		t.Fatal(err)
	}
	f.q = c.WithToken(f.caseA.bearer())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f.ctx = ctx
	return f
}

// uploadedToB offers the case to b and uploads the whole conversation
// re-sealed for it, without the commit.
func (f *handoverFixture) uploadedToB() (*mailboxdtest.Resealed, string) {
	t := f.e.t
	f.e.want(f.offer("b"), 204, "")
	r, err := mailboxdtest.Reseal(f.ctx, f.q, f.caseA.identity, f.b.recipient(), f.attachment)
	if err != nil {
		t.Fatal(err)
	}
	upload, err := f.q.StartHandover(f.ctx, client.HandoverStart{Org: "b", Epoch: f.b.epoch(), Count: uint64(len(r.Messages))})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Upload(f.ctx, f.q, upload); err != nil {
		t.Fatal(err)
	}
	return r, upload
}

func (f *handoverFixture) offer(to string) *response {
	return f.e.do(request{method: "PUT", path: "/api/v1/cases/" + f.caseA.id + "/handover", auth: f.a.adminToken, body: map[string]string{"org": to}})
}

// caseAnswer is a case as a test reads its handover fields.
type caseAnswer struct {
	ID, Status string
	Assignee   *string
	Handover   *struct{ Org, State, Since string }
	Forwarded  *struct {
		Date  string
		Count uint64
	}
}

func (f *handoverFixture) caseAt(token string) caseAnswer {
	f.e.t.Helper()
	r := f.e.do(request{method: "GET", path: "/api/v1/cases/" + f.caseA.id, auth: token})
	f.e.want(r, 200, "")
	var d caseAnswer
	r.decode(f.e.t, &d)
	return d
}

func (f *handoverFixture) mailbox() (org string, handover *client.MailboxHandover) {
	f.e.t.Helper()
	r := f.e.do(request{method: "GET", path: "/api/v1/mailbox", auth: f.caseA.bearer()})
	f.e.want(r, 200, "")
	var m struct {
		Org      string
		Handover *client.MailboxHandover
	}
	r.decode(f.e.t, &m)
	return m.Org, m.Handover
}

func (f *handoverFixture) handovers(token string) []client.Handover {
	f.e.t.Helper()
	r := f.e.do(request{method: "GET", path: "/api/v1/handovers", auth: token})
	f.e.want(r, 200, "")
	var l struct{ Handovers []client.Handover }
	r.decode(f.e.t, &l)
	return l.Handovers
}

// TestHandover: an offer the enquirer sees and declines, a second one it
// accepts; the conversation is then B's, readable with B's key only, A
// no longer sees the case and has it as completed, and after compaction
// none of A's ciphertexts is left in a backup.
func TestHandover(t *testing.T) {
	f := newHandoverFixture(t)
	e := f.e
	hour := e.clock.Now().UTC().Truncate(time.Hour).Format(time.RFC3339)

	if org, h := f.mailbox(); org != "main" || h != nil {
		t.Fatalf("mailbox before an offer: org %q, handover %+v", org, h)
	}
	e.want(f.offer("b"), 204, "")
	if org, h := f.mailbox(); org != "main" || h == nil || h.Org != "b" {
		t.Fatalf("mailbox with an offer: org %q, handover %+v", org, h)
	}
	if c := f.caseAt(f.a.adminToken); c.Handover == nil || c.Handover.Org != "b" || c.Handover.State != "offered" || c.Handover.Since != hour {
		t.Fatalf("case with an offer: %+v", c.Handover)
	}
	if l := f.handovers(f.a.adminToken); len(l) != 1 || l[0] != (client.Handover{Case: f.caseA.id, Org: "b", State: "offered", Since: hour}) {
		t.Fatalf("A's handovers: %+v", l)
	}
	if l := f.handovers(f.b.adminToken); len(l) != 0 {
		t.Fatalf("B lists A's offer: %+v", l)
	}

	// The enquirer says no.
	if err := f.q.DeclineHandover(f.ctx); err != nil {
		t.Fatal(err)
	}
	if c := f.caseAt(f.a.adminToken); c.Handover == nil || c.Handover.State != "declined" {
		t.Fatalf("case after declining: %+v", c.Handover)
	}
	if _, h := f.mailbox(); h != nil {
		t.Fatalf("mailbox after declining: %+v", h)
	}
	e.want(e.do(request{method: "DELETE", path: "/api/v1/mailbox/handover", auth: f.caseA.bearer()}), 404, "not_found")
	e.want(e.do(request{method: "DELETE", path: "/api/v1/cases/" + f.caseA.id + "/handover", auth: f.a.adminToken}), 404, "not_found")

	// Offered again, and accepted.
	e.want(f.offer("b"), 204, "")
	orig, err := f.q.Mailbox(f.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	origAttachment, err := f.q.MailboxAttachment(f.ctx, f.attachment)
	if err != nil {
		t.Fatal(err)
	}
	sa, resp := e.stream("/api/v1/events", f.a.adminToken)
	e.want(resp, 200, "")
	sb, resp := e.stream("/api/v1/events", f.b.adminToken)
	e.want(resp, 200, "")
	sq, resp := e.stream("/api/v1/mailbox/events", f.caseA.bearer())
	e.want(resp, 200, "")

	org, err := mailboxdtest.Handover(f.ctx, f.q, f.caseA.identity, "b", f.b.epoch(), f.b.recipient(), f.attachment)
	if err != nil || org != "b" {
		t.Fatalf("handover: %q, %v", org, err)
	}
	sa.waitFor(t, fmt.Sprintf(`data: {"id":%q,"seq":0}`, f.caseA.id), 10*time.Second)
	sb.waitFor(t, fmt.Sprintf(`data: {"id":%q,"seq":%d}`, f.caseA.id, len(orig.Messages)), 10*time.Second)

	// A: gone, and completed in its list.
	e.want(e.do(request{method: "GET", path: "/api/v1/cases/" + f.caseA.id, auth: f.a.adminToken}), 404, "not_found")
	e.want(e.do(request{method: "GET", path: "/api/v1/cases/" + f.caseA.id + "/attachments/" + f.attachment, auth: f.a.adminToken}), 404, "not_found")
	if l := f.handovers(f.a.adminToken); len(l) != 1 || l[0] != (client.Handover{Case: f.caseA.id, Org: "b", State: "completed", Since: hour}) {
		t.Fatalf("A's handovers after the commit: %+v", l)
	}
	var cases struct{ Cases []struct{ ID string } }
	r := e.do(request{method: "GET", path: "/api/v1/cases?limit=50", auth: f.a.adminToken})
	r.decode(t, &cases)
	if len(cases.Cases) != 0 {
		t.Fatalf("A still lists %+v", cases.Cases)
	}

	// B: a new case, forwarded today, every message readable with B's key
	// and the same plaintext as before.
	c := f.caseAt(f.b.adminToken)
	if c.Status != "new" || c.Assignee != nil || c.Handover != nil || c.Forwarded == nil ||
		c.Forwarded.Date != e.clock.Now().UTC().Format("2006-01-02") || c.Forwarded.Count != uint64(len(orig.Messages)) {
		t.Fatalf("B's case: %+v, forwarded %+v", c, c.Forwarded)
	}
	r = e.do(request{method: "GET", path: "/api/v1/cases?limit=50", auth: f.b.adminToken})
	r.decode(t, &cases)
	if len(cases.Cases) != 2 {
		t.Fatalf("B lists %+v, want its own case and the handed over one", cases.Cases)
	}
	bc, err := client.New(e.base, client.WithHTTPClient(e.client))
	if err != nil {
		t.Fatal(err)
	}
	detail, err := bc.WithToken(f.b.adminToken).Case(f.ctx, f.caseA.id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(detail.Messages) != len(orig.Messages) {
		t.Fatalf("B reads %d messages, want %d", len(detail.Messages), len(orig.Messages))
	}
	for i, m := range detail.Messages {
		want := open(t, orig.Messages[i].Ciphertext, f.caseA.identity)
		if got := open(t, m.Ciphertext, f.b.keys[0]); !bytes.Equal(got, want) || len(m.Ciphertext) != len(orig.Messages[i].Ciphertext) {
			t.Fatalf("message %d: B reads another plaintext or length", m.Seq)
		}
		if _, err := age.Decrypt(bytes.NewReader(m.Ciphertext), f.a.keys[0]); err == nil {
			t.Fatalf("message %d: A's key still reads it", m.Seq)
		}
	}
	r = e.do(request{method: "GET", path: "/api/v1/cases/" + f.caseA.id + "/attachments/" + f.attachment, auth: f.b.adminToken})
	e.want(r, 200, "")
	if !bytes.Equal(open(t, r.body, f.b.keys[0]), open(t, origAttachment, f.caseA.identity)) {
		t.Fatal("B reads another attachment")
	}
	r = e.do(request{method: "GET", path: "/api/v1/cases/" + f.caseA.id + "/records", auth: f.b.adminToken})
	e.want(r, 200, "")
	if bytes.Contains(r.body, []byte(`"ciphertext"`)) {
		t.Fatalf("A's team records went to B: %s", r.body)
	}

	// The enquirer goes on under the same credential, with B's epoch.
	if org, h := f.mailbox(); org != "b" || h != nil {
		t.Fatalf("mailbox after the handover: org %q, handover %+v", org, h)
	}
	seq, err := f.q.PostMessage(f.ctx, client.NewMessage{Epoch: f.b.epoch(), Ciphertext: seal(t, 1024, f.b.recipient(), f.caseA.identity.Recipient())})
	if err != nil {
		t.Fatal(err)
	}
	sq.waitFor(t, fmt.Sprintf(`data: {"seq":%d}`, seq), 10*time.Second)
	sb.waitFor(t, fmt.Sprintf(`data: {"id":%q,"seq":%d}`, f.caseA.id, seq), 10*time.Second)

	// The auditor passes a store with a completed handover, an offer and
	// an upload in flight: b offers its own case to the front door.
	e.want(e.do(request{method: "PUT", path: "/api/v1/cases/" + f.caseB.id + "/handover", auth: f.b.adminToken, body: map[string]string{"org": "main"}}), 204, "")
	qb := f.q.WithToken(f.caseB.bearer())
	rb, err := mailboxdtest.Reseal(f.ctx, qb, f.caseB.identity, f.a.recipient())
	if err != nil {
		t.Fatal(err)
	}
	ub, err := qb.StartHandover(f.ctx, client.HandoverStart{Org: "main", Epoch: f.a.epoch(), Count: uint64(len(rb.Messages))})
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Upload(f.ctx, qb, ub); err != nil {
		t.Fatal(err)
	}
	if rep := auditBackup(t, e); len(rep.Violations) != 0 || rep.Stray != 0 || rep.Counts["handover_done/{hour, mailbox id and number}"] != 1 ||
		rep.Counts["handover_offers/{mailbox id}"] != 1 || rep.Counts["handover_uploads/{mailbox id}/messages/{seq}"] != len(rb.Messages) {
		t.Fatalf("audit with a completed handover, an offer and an upload: %v, counts %v", rep.Violations, rep.Counts)
	}

	// After compaction none of A's ciphertexts is in a backup, and the
	// auditor passes it.
	e.want(e.do(request{method: "POST", path: "/api/v1/admin/compact", auth: f.a.adminToken}), 200, "")
	backup := backupBytes(t, e)
	for _, m := range orig.Messages {
		if bytes.Contains(backup, m.Ciphertext[len(m.Ciphertext)-64:]) {
			t.Fatalf("message %d as A had it is still in the backup", m.Seq)
		}
	}
	if bytes.Contains(backup, origAttachment[len(origAttachment)-64:]) {
		t.Fatal("the attachment as A had it is still in the backup")
	}
	if rep := auditBackup(t, e); len(rep.Violations) != 0 || rep.Stray != 0 {
		t.Fatalf("audit after a handover: %v", rep.Violations)
	}
}

// TestHandoverOrgDeleted: deleting the organisation a case is offered to
// ends the offer and drops the upload to it in the same transaction: the
// case and the enquirer see no offer, A's list is empty, A's desks hear
// of the case, the upload is gone and the file passes the audit.
func TestHandoverOrgDeleted(t *testing.T) {
	f := newHandoverFixture(t)
	e := f.e
	r, upload := f.uploadedToB()
	sa, resp := e.stream("/api/v1/events", f.a.adminToken)
	e.want(resp, 200, "")

	e.want(e.do(request{method: "DELETE", path: "/api/v1/orgs/b", auth: f.a.adminToken}), 204, "")
	sa.waitFor(t, fmt.Sprintf(`data: {"id":%q,"seq":%d}`, f.caseA.id, len(r.Messages)), 10*time.Second)
	if c := f.caseAt(f.a.adminToken); c.Handover != nil {
		t.Fatalf("the case after its receiver was deleted: %+v", c.Handover)
	}
	if org, h := f.mailbox(); org != "main" || h != nil {
		t.Fatalf("the mailbox after its receiver was deleted: org %q, handover %+v", org, h)
	}
	if l := f.handovers(f.a.adminToken); len(l) != 0 {
		t.Fatalf("A's handovers after b was deleted: %+v", l)
	}
	if _, err := f.q.CommitHandover(f.ctx, upload); client.Code(err) != "not_found" {
		t.Fatalf("commit to a deleted organisation: %v", err)
	}
	if rep := auditBackup(t, e); len(rep.Violations) != 0 || rep.Counts["handover_offers/{mailbox id}"] != 0 ||
		rep.Counts["handover_uploads/{mailbox id}"] != 0 || rep.Counts["handover_uploads/{mailbox id}/messages/{seq}"] != 0 {
		t.Fatalf("audit after b was deleted: %v, counts %v", rep.Violations, rep.Counts)
	}
	// The case is A's as before: A may offer it elsewhere.
	e.want(e.do(request{method: "GET", path: "/api/v1/cases/" + f.caseA.id, auth: f.a.adminToken}), 200, "")
	e.want(f.offer("b"), 404, "not_found")
}

// TestHandoverTwiceInAnHour: a case that goes from A to B and on to C
// within one hour (the test's clock stands still) is listed as completed
// by A and by B, and the auditor counts both records.
func TestHandoverTwiceInAnHour(t *testing.T) {
	f := newHandoverFixture(t)
	e := f.e
	c := e.setUpOrg(f.a, "c", "Fachberatung C")
	_, upload := f.uploadedToB()
	if org, err := f.q.CommitHandover(f.ctx, upload); err != nil || org != "b" {
		t.Fatalf("commit to b: %q, %v", org, err)
	}
	e.want(e.do(request{method: "PUT", path: "/api/v1/cases/" + f.caseA.id + "/handover", auth: f.b.adminToken, body: map[string]string{"org": "c"}}), 204, "")
	r, err := mailboxdtest.Reseal(f.ctx, f.q, f.caseA.identity, c.recipient(), f.attachment)
	if err != nil {
		t.Fatal(err)
	}
	upload, err = f.q.StartHandover(f.ctx, client.HandoverStart{Org: "c", Epoch: c.epoch(), Count: uint64(len(r.Messages))})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Upload(f.ctx, f.q, upload); err != nil {
		t.Fatal(err)
	}
	if org, err := f.q.CommitHandover(f.ctx, upload); err != nil || org != "c" {
		t.Fatalf("commit to c: %q, %v", org, err)
	}
	for _, tc := range []struct {
		by *team
		to string
	}{{f.a, "b"}, {f.b, "c"}} {
		l := f.handovers(tc.by.adminToken)
		if len(l) != 1 || l[0].Case != f.caseA.id || l[0].State != "completed" || l[0].Org != tc.to {
			t.Errorf("handovers of the organisation that gave the case to %s: %+v", tc.to, l)
		}
	}
	if rep := auditBackup(t, e); len(rep.Violations) != 0 || rep.Counts["handover_done/{hour, mailbox id and number}"] != 2 {
		t.Fatalf("audit after two handovers: %v, counts %v", rep.Violations, rep.Counts)
	}
}

// TestHandoverStaleAtCommit: when the receiving organisation puts a new
// keyring between the start and the commit, the upload is sealed to a
// key it retired: the commit is 409 stale_epoch and drops the upload,
// the case stays A's with its offer open, and a start at the new epoch
// goes through.
func TestHandoverStaleAtCommit(t *testing.T) {
	f := newHandoverFixture(t)
	e := f.e
	_, upload := f.uploadedToB()
	kr, err := e.store.KeyringIn("b")
	if err != nil {
		t.Fatal(err)
	}
	f.b.keys = append(f.b.keys, newIdentity(t))
	e.want(e.putKeyring(f.b, f.b.adminToken, kr.Envelope), 200, "")

	if _, err := f.q.CommitHandover(f.ctx, upload); client.Code(err) != "stale_epoch" {
		t.Fatalf("commit after b's new epoch: %v", err)
	}
	if _, err := f.q.CommitHandover(f.ctx, upload); client.Code(err) != "not_found" {
		t.Fatalf("commit of the dropped upload: %v", err)
	}
	if c := f.caseAt(f.a.adminToken); c.Forwarded != nil || c.Handover == nil || c.Handover.State != "offered" {
		t.Fatalf("A's case after a stale commit: %+v", c)
	}
	if org, err := mailboxdtest.Handover(f.ctx, f.q, f.caseA.identity, "b", f.b.epoch(), f.b.recipient(), f.attachment); err != nil || org != "b" {
		t.Fatalf("handover at b's new epoch: %q, %v", org, err)
	}
}

// open decrypts an age ciphertext or fails the test.
func open(t *testing.T, ct []byte, id age.Identity) []byte {
	t.Helper()
	r, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

func backupBytes(t *testing.T, e *env) []byte {
	t.Helper()
	b, err := os.ReadFile(backupFile(t, e))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHandoverRefused: what the server refuses on the way, each with its
// code and, where it changes nothing, without a change to the store.
func TestHandoverRefused(t *testing.T) {
	f := newHandoverFixture(t)
	e := f.e
	start := func(org string, epoch int, count uint64) *response {
		return e.do(request{method: "POST", path: "/api/v1/mailbox/handover", auth: f.caseA.bearer(),
			body: client.HandoverStart{Org: org, Epoch: epoch, Count: count}})
	}
	refuse := func(name string, rq func() *response, status int, code string) {
		t.Helper()
		before := e.contentHash()
		e.want(rq(), status, code)
		if e.contentHash() != before {
			t.Fatalf("%s: refused but the store changed", name)
		}
	}
	n := uint64(3) // the fixture's messages

	refuse("offer to an unknown organisation", func() *response { return f.offer("zz") }, 404, "not_found")
	e.want(e.do(request{method: "POST", path: "/api/v1/orgs", auth: f.a.adminToken, body: map[string]string{"slug": "c", "name": "C"}}), 201, "")
	refuse("offer to an organisation without a keyring", func() *response { return f.offer("c") }, 404, "not_found")
	refuse("offer to its own organisation", func() *response { return f.offer("main") }, 400, "bad_request")
	refuse("offer of another organisation's case", func() *response {
		return e.do(request{method: "PUT", path: "/api/v1/cases/" + f.caseB.id + "/handover", auth: f.a.adminToken, body: map[string]string{"org": "b"}})
	}, 404, "not_found")
	refuse("start without an offer", func() *response { return start("b", f.b.epoch(), n) }, 404, "not_found")

	e.want(f.offer("b"), 204, "")
	refuse("start for another organisation", func() *response { return start("main", f.a.epoch(), n) }, 404, "not_found")
	refuse("start at a stale epoch", func() *response { return start("b", f.b.epoch()+1, n) }, 409, "stale_epoch")
	refuse("start with the wrong count", func() *response { return start("b", f.b.epoch(), n-1) }, 409, "handover_conflict")

	r, err := mailboxdtest.Reseal(f.ctx, f.q, f.caseA.identity, f.b.recipient(), f.attachment)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Messages) != int(n) {
		t.Fatalf("%d messages, want %d", len(r.Messages), n)
	}
	upload, err := f.q.StartHandover(f.ctx, client.HandoverStart{Org: "b", Epoch: f.b.epoch(), Count: n})
	if err != nil {
		t.Fatal(err)
	}
	put := func(seq uint64, ct []byte) func() *response {
		return func() *response {
			return e.do(request{method: "PUT", path: fmt.Sprintf("/api/v1/mailbox/handover/%s/%d", upload, seq), auth: f.caseA.bearer(),
				body: map[string]string{"ciphertext": b64s(ct)}})
		}
	}
	three := func() []byte {
		var out bytes.Buffer
		w, err := age.Encrypt(&out, f.b.recipient(), f.caseA.identity.Recipient(), newIdentity(t).Recipient())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(make([]byte, 4096))
		w.Close()
		return out.Bytes()
	}()
	refuse("a ciphertext of three stanzas", put(1, three), 422, "ciphertext_policy")
	refuse("a ciphertext of another length", put(1, seal(t, 4096, f.b.recipient(), f.caseA.identity.Recipient())), 422, "ciphertext_policy")
	refuse("a seq beyond the count", put(n+1, r.Messages[0]), 404, "not_found")
	refuse("seq 0", put(0, r.Messages[0]), 404, "not_found")
	refuse("an unknown upload", func() *response {
		return e.do(request{method: "PUT", path: "/api/v1/mailbox/handover/AAAAAAAAAAAAAAAAAAAAAA/1", auth: f.caseA.bearer(),
			body: map[string]string{"ciphertext": b64s(r.Messages[0])}})
	}, 404, "not_found")
	refuse("an attachment of another length", func() *response {
		ct, err := crypto.SealAttachment(nil, f.b.recipient(), f.caseA.identity.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		return e.do(request{method: "PUT", path: "/api/v1/mailbox/handover/" + upload + "/attachments/" + f.attachment, auth: f.caseA.bearer(),
			body: ct, header: map[string]string{"Content-Type": octetStream}})
	}, 422, "ciphertext_policy")
	refuse("an attachment the mailbox does not have", func() *response {
		return e.do(request{method: "PUT", path: "/api/v1/mailbox/handover/" + upload + "/attachments/AAAAAAAAAAAAAAAAAAAAAA", auth: f.caseA.bearer(),
			body: r.Attachments[f.attachment], header: map[string]string{"Content-Type": octetStream}})
	}, 404, "not_found")
	refuse("another organisation's counsellor reads the upload's case", func() *response {
		return e.do(request{method: "GET", path: "/api/v1/cases/" + f.caseA.id, auth: f.b.adminToken})
	}, 404, "not_found")

	// Everything but the last message and the attachment: the commit
	// wants them, and the upload stays for them.
	for seq := uint64(1); seq < n; seq++ {
		if err := f.q.PutHandoverMessage(f.ctx, upload, seq, r.Messages[seq-1]); err != nil {
			t.Fatal(err)
		}
	}
	commit := func() error { _, err := f.q.CommitHandover(f.ctx, upload); return err }
	if err := commit(); client.Code(err) != "handover_conflict" {
		t.Fatalf("commit without seq %d: %v", n, err)
	}
	if err := f.q.PutHandoverMessage(f.ctx, upload, n, r.Messages[n-1]); err != nil {
		t.Fatal(err)
	}
	if err := commit(); client.Code(err) != "handover_conflict" {
		t.Fatalf("commit without the attachment: %v", err)
	}
	if err := f.q.PutHandoverAttachment(f.ctx, upload, f.attachment, r.Attachments[f.attachment]); err != nil {
		t.Fatal(err)
	}

	// The auditor passes a store with an offer and an upload in flight.
	if rep := auditBackup(t, e); len(rep.Violations) != 0 || rep.Counts["handover_uploads/{mailbox id}/messages/{seq}"] != int(n) ||
		rep.Counts["handover_offers/{mailbox id}"] != 1 {
		t.Fatalf("audit with an upload in flight: %v, counts %v", rep.Violations, rep.Counts)
	}

	// A message between the start and the commit: 409, and the upload is
	// gone.
	e.want(e.do(request{method: "POST", path: "/api/v1/cases/" + f.caseA.id + "/messages", auth: f.a.adminToken,
		body: map[string]any{"epoch": f.a.epoch(), "ciphertext": b64s(seal(t, 1024, f.a.recipient(), f.caseA.identity.Recipient()))}}), 201, "")
	if err := commit(); client.Code(err) != "handover_conflict" {
		t.Fatalf("commit after a new message: %v", err)
	}
	if err := commit(); client.Code(err) != "not_found" {
		t.Fatalf("commit of a dropped upload: %v", err)
	}

	// An upload expires after 10 minutes.
	n++
	r, err = mailboxdtest.Reseal(f.ctx, f.q, f.caseA.identity, f.b.recipient(), f.attachment)
	if err != nil {
		t.Fatal(err)
	}
	upload, err = f.q.StartHandover(f.ctx, client.HandoverStart{Org: "b", Epoch: f.b.epoch(), Count: n})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Upload(f.ctx, f.q, upload); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10*time.Minute + time.Second)
	if err := commit(); client.Code(err) != "not_found" {
		t.Fatalf("commit of an expired upload: %v", err)
	}
	if err := f.q.PutHandoverMessage(f.ctx, upload, 1, r.Messages[0]); client.Code(err) != "not_found" {
		t.Fatalf("put to an expired upload: %v", err)
	}

	// A new start replaces it, and commits once.
	upload, err = f.q.StartHandover(f.ctx, client.HandoverStart{Org: "b", Epoch: f.b.epoch(), Count: n})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Upload(f.ctx, f.q, upload); err != nil {
		t.Fatal(err)
	}
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	if err := commit(); client.Code(err) != "not_found" {
		t.Fatalf("a second commit: %v", err)
	}
	if _, err := f.q.StartHandover(f.ctx, client.HandoverStart{Org: "b", Epoch: f.b.epoch(), Count: n}); client.Code(err) != "not_found" {
		t.Fatalf("a start after the commit: %v", err)
	}

	// The auditor passes a store with a completed handover; the purge
	// drops it after 30 days (and the expired upload's bucket with it).
	if rep := auditBackup(t, e); len(rep.Violations) != 0 || rep.Counts["handover_done/{hour, mailbox id and number}"] != 1 ||
		rep.Counts["handover_uploads/{mailbox id}"] != 0 {
		t.Fatalf("audit after the commit: %v, counts %v", rep.Violations, rep.Counts)
	}
	e.clock.Advance(31 * 24 * time.Hour)
	if _, err := e.store.Purge(); err != nil {
		t.Fatal(err)
	}
	if l := f.handovers(e.login(f.a.adminID, f.a.adminKey)); len(l) != 0 {
		t.Fatalf("A's handovers after 31 days: %+v", l)
	}
}

// handoverBadInput are the handover rows of TestBadInput: each must
// answer its code and leave the database as it was.
func handoverBadInput(t *testing.T, f *fixture) []badRow {
	e, tm := f.e, f.tm
	var b *team
	orgB := func() *team {
		if b == nil {
			front := *tm
			front.adminToken = f.admin()
			b = e.setUpOrg(&front, "b", "Beratung B")
		}
		return b
	}
	// live opens an upload of q0's case to b and returns its id.
	live := func() string {
		orgB()
		e.want(e.do(request{method: "PUT", path: "/api/v1/cases/" + f.q0.id + "/handover", auth: f.admin(), body: `{"org":"b"}`}), 204, "")
		r := e.do(request{method: "GET", path: "/api/v1/mailbox", auth: f.q0.bearer()})
		e.want(r, 200, "")
		var m struct{ Messages []json.RawMessage }
		r.decode(t, &m)
		r = e.do(request{method: "POST", path: "/api/v1/mailbox/handover", auth: f.q0.bearer(),
			body: map[string]any{"org": "b", "epoch": orgB().epoch(), "count": len(m.Messages)}})
		e.want(r, 200, "")
		var u struct{ Upload string }
		r.decode(t, &u)
		return u.Upload
	}
	offer := func(token func() string, id, body string) func() request {
		return func() request {
			return request{method: "PUT", path: "/api/v1/cases/" + id + "/handover", auth: token(), body: body}
		}
	}
	withdraw := func(token func() string, id string) func() request {
		return func() request {
			return request{method: "DELETE", path: "/api/v1/cases/" + id + "/handover", auth: token()}
		}
	}
	start := func(auth func() string, body string) func() request {
		return func() request {
			return request{method: "POST", path: "/api/v1/mailbox/handover", auth: auth(), body: body}
		}
	}
	q0 := func() string { return f.q0.bearer() }
	wrong := func() string {
		bad := *f.q0
		bad.auth[0] ^= 1
		return bad.bearer()
	}
	putMessage := func(auth func() string, upload func() string, seq string, body any) func() request {
		return func() request {
			return request{method: "PUT", path: "/api/v1/mailbox/handover/" + upload() + "/" + seq, auth: auth(), body: body}
		}
	}
	ct := func(size int) map[string]string {
		return map[string]string{"ciphertext": b64s(seal(t, size, orgB().recipient(), f.q0.identity.Recipient()))}
	}
	putAttachment := func(auth func() string, upload func() string, id string, body []byte, mediaType string) func() request {
		return func() request {
			return request{method: "PUT", path: "/api/v1/mailbox/handover/" + upload() + "/attachments/" + id, auth: auth(), body: body,
				header: map[string]string{"Content-Type": mediaType}}
		}
	}
	attachment := func() []byte {
		a, err := crypto.SealAttachment([]byte("Vertrag"), tm.recipient(), f.q0.identity.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		return a
	}()
	unknown := func() string { return "AAAAAAAAAAAAAAAAAAAAAA" }
	commit := func(auth func() string, upload func() string) func() request {
		return func() request {
			return request{method: "POST", path: "/api/v1/mailbox/handover/" + upload() + "/commit", auth: auth()}
		}
	}
	const anAttachment = "BBBBBBBBBBBBBBBBBBBBBB"
	return []badRow{
		{"handover offer: malformed JSON", offer(f.admin, f.q0.id, `{"org":`), 400, "bad_request"},
		{"handover offer: unknown field", offer(f.admin, f.q0.id, `{"org":"b","name":"B"}`), 400, "bad_request"},
		{"handover offer: no org", offer(f.admin, f.q0.id, `{}`), 400, "bad_request"},
		{"handover offer: malformed org", offer(f.admin, f.q0.id, `{"org":"B/../main"}`), 400, "bad_request"},
		{"handover offer: org not a string", offer(f.admin, f.q0.id, `{"org":7}`), 400, "bad_request"},
		{"handover offer: no session", offer(func() string { return "" }, f.q0.id, `{"org":"b"}`), 401, "unauthorized"},
		{"handover offer: pending counsellor", offer(func() string { return e.login(f.pendingID, f.pendingKey) }, f.q0.id, `{"org":"b"}`), 403, "forbidden"},
		{"handover offer: unknown case", offer(f.admin, newEnquirer(t).id, `{"org":"b"}`), 404, "not_found"},
		{"handover offer: unknown organisation", offer(f.admin, f.q0.id, `{"org":"zz"}`), 404, "not_found"},
		{"handover offer: its own organisation", offer(f.admin, f.q0.id, `{"org":"main"}`), 400, "bad_request"},
		{"handover withdraw: none open", withdraw(f.admin, f.q0.id), 404, "not_found"},
		{"handover withdraw: unknown case", withdraw(f.admin, newEnquirer(t).id), 404, "not_found"},
		{"handover withdraw: no session", withdraw(func() string { return "" }, f.q0.id), 401, "unauthorized"},
		{"handovers: no session", func() request { return request{method: "GET", path: "/api/v1/handovers"} }, 401, "unauthorized"},
		{"handovers: enquirer credential", func() request { return request{method: "GET", path: "/api/v1/handovers", auth: q0()} }, 401, "unauthorized"},
		{"handovers: pending counsellor", func() request {
			return request{method: "GET", path: "/api/v1/handovers", auth: e.login(f.pendingID, f.pendingKey)}
		}, 403, "forbidden"},
		{"handover decline: wrong key", func() request { return request{method: "DELETE", path: "/api/v1/mailbox/handover", auth: wrong()} }, 401, "unauthorized"},
		{"handover decline: none open", func() request { return request{method: "DELETE", path: "/api/v1/mailbox/handover", auth: q0()} }, 404, "not_found"},
		{"handover start: malformed JSON", start(q0, `{"org":"b",`), 400, "bad_request"},
		{"handover start: unknown field", start(q0, `{"org":"b","epoch":1,"count":1,"to":"x"}`), 400, "bad_request"},
		{"handover start: malformed org", start(q0, `{"org":"","epoch":1,"count":1}`), 400, "bad_request"},
		{"handover start: epoch 0", start(q0, `{"org":"b","epoch":0,"count":1}`), 400, "bad_request"},
		{"handover start: count 0", start(q0, `{"org":"b","epoch":1,"count":0}`), 400, "bad_request"},
		{"handover start: negative count", start(q0, `{"org":"b","epoch":1,"count":-1}`), 400, "bad_request"},
		{"handover start: wrong key", start(wrong, `{"org":"b","epoch":1,"count":1}`), 401, "unauthorized"},
		{"handover start: no offer", start(q0, `{"org":"b","epoch":1,"count":1}`), 404, "not_found"},
		{"handover start: stale epoch", func() request {
			live()
			return start(q0, `{"org":"b","epoch":2,"count":1}`)()
		}, 409, "stale_epoch"},
		{"handover start: wrong count", func() request {
			live()
			return start(q0, `{"org":"b","epoch":1,"count":99}`)()
		}, 409, "handover_conflict"},
		{"handover message: malformed JSON", putMessage(q0, live, "1", `{"ciphertext":`), 400, "bad_request"},
		{"handover message: no ciphertext", putMessage(q0, live, "1", `{}`), 400, "bad_request"},
		{"handover message: unknown field", putMessage(q0, live, "1", `{"ciphertext":"AA==","seq":1}`), 400, "bad_request"},
		{"handover message: oversized", putMessage(q0, live, "1", map[string]string{"ciphertext": b64s(randomBytes(130 << 10))}), 413, "too_large"},
		{"handover message: wrong key", putMessage(wrong, live, "1", ct(1024)), 401, "unauthorized"},
		{"handover message: not age", putMessage(q0, live, "1", map[string]string{"ciphertext": b64s(randomBytes(4240))}), 422, "ciphertext_policy"},
		{"handover message: one stanza", putMessage(q0, live, "1", map[string]string{"ciphertext": b64s(seal(t, 1024, tm.recipient()))}), 422, "ciphertext_policy"},
		{"handover message: another bucket", putMessage(q0, live, "1", ct(2048)), 422, "ciphertext_policy"},
		{"handover message: unknown upload", putMessage(q0, unknown, "1", ct(1024)), 404, "not_found"},
		{"handover message: malformed upload", putMessage(q0, func() string { return "x" }, "1", ct(1024)), 404, "not_found"},
		{"handover message: seq not a number", putMessage(q0, live, "one", ct(1024)), 404, "not_found"},
		{"handover message: seq with a sign", putMessage(q0, live, "+1", ct(1024)), 404, "not_found"},
		{"handover message: seq beyond the mailbox", putMessage(q0, live, "99", ct(1024)), 404, "not_found"},
		{"handover attachment: text/plain", putAttachment(q0, live, anAttachment, attachment, "text/plain"), 415, "unsupported_media_type"},
		{"handover attachment: over the limit", func() request {
			return request{method: "PUT", path: "/api/v1/mailbox/handover/" + live() + "/attachments/" + anAttachment, auth: q0(), claimLength: maxAttachmentBody + 1}
		}, 413, "too_large"},
		{"handover attachment: wrong key", putAttachment(wrong, live, anAttachment, attachment, octetStream), 401, "unauthorized"},
		{"handover attachment: not an attachment", putAttachment(q0, live, anAttachment, seal(t, 1024, tm.recipient(), f.q0.identity.Recipient()), octetStream), 422, "ciphertext_policy"},
		{"handover attachment: unknown upload", putAttachment(q0, unknown, anAttachment, attachment, octetStream), 404, "not_found"},
		{"handover attachment: malformed id", putAttachment(q0, live, "x", attachment, octetStream), 404, "not_found"},
		{"handover attachment: unknown id", putAttachment(q0, live, anAttachment, attachment, octetStream), 404, "not_found"},
		{"handover commit: wrong key", commit(wrong, live), 401, "unauthorized"},
		{"handover commit: unknown upload", commit(q0, unknown), 404, "not_found"},
		{"handover commit: malformed upload", commit(q0, func() string { return "x" }), 404, "not_found"},
		{"handover commit: nothing uploaded", commit(q0, live), 409, "handover_conflict"},
	}
}
