package e2e

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// startTwoOrgs is startTeam, for 3 minutes, with a second organisation b
// set up.
func startTwoOrgs(t *testing.T, env ...string) (*server, context.Context, *mailboxdtest.Team, *mailboxdtest.Team) {
	t.Helper()
	srv, ctx, a := startTeam(t, 3*time.Minute, env...)
	created, err := a.Admin.CreateOrg(ctx, "b", "Fachberatung B")
	if err != nil {
		t.Fatal(err)
	}
	b, err := mailboxdtest.SetUpOrgTeam(ctx, a.Client, "b", created.Setup, "Admin B")
	if err != nil {
		t.Fatal(err)
	}
	return srv, ctx, a, b
}

// writeToFrontDoor creates a mailbox at a's front door with an enquirer's
// first document, and returns the enquirer's keys and the document.
func writeToFrontDoor(t *testing.T, ctx context.Context, a *mailboxdtest.Team) (*crypto.EnquirerKeys, *crypto.Document) {
	t.Helper()
	keys := mailboxdtest.NewEnquirer(t).Keys
	own := keys.Identity.Recipient()
	first := enquirerDoc(t, keys, "Ich brauche Hilfe in meiner Stadt.")
	first.Role = "affected"
	first.Recipient = own.String()
	if _, err := a.Client.CreateMailbox(ctx, client.NewMailbox{ID: keys.MailboxID, Verifier: keys.Verifier[:], Epoch: 1,
		Message: seal(t, first, a.Key.Recipient(), own)}); err != nil {
		t.Fatal(err)
	}
	return keys, first
}

// TestHandoverEndToEnd: consented handover (PROTOCOL.md §9) between two
// organisations of a real mailboxd, with real documents: the front door
// offers a case, an upload in flight does not survive a restart, a reply
// arriving during the upload makes the commit 409 and the device starts
// again, an upload is refused to another mailbox's bearer and replayed
// after its commit (404, nothing moved), the enquirer's device re-seals
// the conversation for organisation b, and b's key then reads every
// document by the reader rules while the front door no longer sees the
// case. The log names nothing secret.
func TestHandoverEndToEnd(t *testing.T) {
	srv, ctx, a, b := startTwoOrgs(t, "LOTSE_POW_DIFFICULTY=0")

	// An enquirer writes to the front door, which answers.
	keys, first := writeToFrontDoor(t, ctx, a)
	own := keys.Identity.Recipient()
	mk := first.MK
	reply := counsellorDoc(t, keys.MailboxID, mk, "Anna", "Eine Beratungsstelle in Ihrer Nähe kann Ihnen helfen.")
	if _, err := a.Admin.Reply(ctx, keys.MailboxID, client.NewMessage{Epoch: 1, Ciphertext: seal(t, reply, a.Key.Recipient(), own)}); err != nil {
		t.Fatal(err)
	}
	if err := a.Admin.OfferHandover(ctx, keys.MailboxID, "b"); err != nil {
		t.Fatal(err)
	}
	enq := a.Client.WithToken(keys.Bearer())
	m, err := enq.Mailbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Org != "main" || m.Handover == nil || m.Handover.Org != "b" {
		t.Fatalf("the mailbox: org %q, handover %+v", m.Org, m.Handover)
	}

	// An upload in flight is gone after a restart.
	upload, err := enq.StartHandover(ctx, client.HandoverStart{Org: "b", Epoch: 1, Count: uint64(len(m.Messages))})
	if err != nil {
		t.Fatal(err)
	}
	srv.restart()
	if _, err := enq.CommitHandover(ctx, upload); client.Code(err) != "not_found" {
		t.Fatalf("commit after a restart: %v", err)
	}

	adminA, _ := login(t, ctx, a.Client, a.AdminID, a.AdminKey)
	stillAtA := func(what string) {
		t.Helper()
		if m, err := enq.Mailbox(ctx, 0); err != nil || m.Org != "main" {
			t.Fatalf("%s: the mailbox is at %q (%v), want still at the front door", what, m.Org, err)
		}
		if _, err := adminA.Case(ctx, keys.MailboxID, 0); err != nil {
			t.Fatalf("%s: the front door no longer reads the case: %v", what, err)
		}
	}

	// stage re-seals the conversation for b, starts an upload and sends
	// all of it, everything but the commit.
	stage := func() (*mailboxdtest.Resealed, string) {
		t.Helper()
		r, err := mailboxdtest.Reseal(ctx, enq, keys.Identity, b.Key.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		id, err := enq.StartHandover(ctx, client.HandoverStart{Org: "b", Epoch: 1, Count: uint64(len(r.Messages))})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Upload(ctx, enq, id); err != nil {
			t.Fatal(err)
		}
		return r, id
	}

	// A reply arrives while the device uploads: the commit is 409 and
	// drops the upload, whose requests are then 404; nothing moved.
	r, upload := stage()
	meanwhile := counsellorDoc(t, keys.MailboxID, mk, "Anna", "Die Beratungsstelle heißt Fachberatung B.")
	if _, err := adminA.Reply(ctx, keys.MailboxID, client.NewMessage{Epoch: 1, Ciphertext: seal(t, meanwhile, a.Key.Recipient(), own)}); err != nil {
		t.Fatal(err)
	}
	if _, err := enq.CommitHandover(ctx, upload); client.Code(err) != "handover_conflict" {
		t.Fatalf("commit after a reply arrived during the upload: %v, want 409 handover_conflict", err)
	}
	if err := enq.PutHandoverMessage(ctx, upload, 1, r.Messages[0]); client.Code(err) != "not_found" {
		t.Fatalf("a put to the dropped upload: %v, want 404", err)
	}
	if _, err := enq.CommitHandover(ctx, upload); client.Code(err) != "not_found" {
		t.Fatalf("the dropped upload committed again: %v, want 404", err)
	}
	stillAtA("after the conflict")

	// Another enquirer, offered to b as well, cannot put to or commit
	// this mailbox's upload: an upload id is no credential. Nor can this
	// enquirer use an upload a newer start replaced.
	other, _ := writeToFrontDoor(t, ctx, a)
	if err := adminA.OfferHandover(ctx, other.MailboxID, "b"); err != nil {
		t.Fatal(err)
	}
	otherEnq := a.Client.WithToken(other.Bearer())
	_, older := stage()
	r, upload = stage()
	// The upload a newer start replaced is gone, whole as it was.
	if err := r.Upload(ctx, enq, older); client.Code(err) != "not_found" {
		t.Fatalf("puts replayed to a replaced upload: %v, want 404", err)
	}
	if _, err := enq.CommitHandover(ctx, older); client.Code(err) != "not_found" {
		t.Fatalf("a replaced upload committed: %v, want 404", err)
	}
	stillAtA("after the replaced upload's commit")
	if err := otherEnq.PutHandoverMessage(ctx, upload, 1, r.Messages[0]); client.Code(err) != "not_found" {
		t.Fatalf("another mailbox puts to this upload: %v, want 404", err)
	}
	if _, err := otherEnq.CommitHandover(ctx, upload); client.Code(err) != "not_found" {
		t.Fatalf("another mailbox commits this upload: %v, want 404", err)
	}
	if m, err := otherEnq.Mailbox(ctx, 0); err != nil || m.Org != "main" || m.Handover == nil {
		t.Fatalf("the other mailbox after its refused commit: %+v, %v", m, err)
	}
	stillAtA("after another mailbox's commit")

	// The device commits its upload.
	if org, err := enq.CommitHandover(ctx, upload); err != nil || org != "b" {
		t.Fatalf("commit: %q, %v", org, err)
	}

	// Replayed after the commit, its puts and commit are 404, and what b
	// holds stays as it was.
	adminB, _ := login(t, ctx, a.Client, b.AdminID, b.AdminKey)
	before, err := adminB.Case(ctx, keys.MailboxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Upload(ctx, enq, upload); client.Code(err) != "not_found" {
		t.Fatalf("the upload's puts replayed after its commit: %v, want 404", err)
	}
	if _, err := enq.CommitHandover(ctx, upload); client.Code(err) != "not_found" {
		t.Fatalf("the upload's commit replayed: %v, want 404", err)
	}
	if _, err := enq.StartHandover(ctx, client.HandoverStart{Org: "b", Epoch: 1, Count: uint64(len(r.Messages))}); client.Code(err) != "not_found" {
		t.Fatalf("a start replayed after the commit: %v, want 404", err)
	}
	after, err := adminB.Case(ctx, keys.MailboxID, 0)
	if err != nil || len(after.Messages) != len(before.Messages) {
		t.Fatalf("b's case after the replay: %v", err)
	}
	for i := range after.Messages {
		if !bytes.Equal(after.Messages[i].Ciphertext, before.Messages[i].Ciphertext) {
			t.Fatalf("message %d changed by the replay", after.Messages[i].Seq)
		}
	}
	if _, err := adminA.Case(ctx, keys.MailboxID, 0); client.Code(err) != "not_found" {
		t.Fatalf("the front door reads the case after the handover: %v", err)
	}
	hs, err := adminA.Handovers(ctx)
	if err != nil || len(hs) != 2 {
		t.Fatalf("the front door's handovers: %+v, %v", hs, err)
	}
	for _, h := range hs {
		if want := map[string]string{keys.MailboxID: "completed", other.MailboxID: "offered"}[h.Case]; h.State != want || h.Org != "b" {
			t.Errorf("the front door's handover of %s: %+v, want %s to b", h.Case[:8], h, want)
		}
	}
	cd, err := adminB.Case(ctx, keys.MailboxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cd.Forwarded == nil || cd.Forwarded.Count != 3 || cd.Status != "new" {
		t.Fatalf("b's case: status %q, forwarded %+v", cd.Status, cd.Forwarded)
	}
	stored := make([]crypto.StoredMessage, len(cd.Messages))
	for i, msg := range cd.Messages {
		stored[i] = crypto.StoredMessage{Seq: msg.Seq, From: msg.From, Ciphertext: msg.Ciphertext}
	}
	entries, _ := crypto.ReadThread(keys.MailboxID, nil, stored, b.Key)
	if len(entries) != 3 || entries[0].Err != nil || entries[1].Err != nil || entries[2].Err != nil ||
		entries[0].Doc.Body != first.Body || entries[1].Doc.Body != reply.Body || entries[2].Doc.Body != meanwhile.Body {
		t.Fatalf("b reads the thread: %+v", entries)
	}
	if entries, _ := crypto.ReadThread(keys.MailboxID, nil, stored, a.Key); entries[0].Err == nil {
		t.Fatal("the front door's key still reads the thread")
	}

	// The enquirer goes on with b.
	next := enquirerDoc(t, keys, "Danke, ich schreibe der Beratungsstelle.")
	if _, err := enq.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: seal(t, next, b.Key.Recipient(), own)}); err != nil {
		t.Fatal(err)
	}
	srv.checkLog(t, map[string]string{"enquirer bearer": keys.Bearer(), "mailbox id": keys.MailboxID, "upload id": upload})
}

// TestHandoverLongConversation: a conversation of more messages than the
// per-address enquirer limit, with an attachment, is handed over through
// mailboxdtest.Handover without a 429 (PROTOCOL.md §9.5): the first PUT
// of each seq and attachment into a live upload does not count. Every
// other enquirer request still does, and so do a repeated PUT of a seq
// and a PUT with a wrong bearer: after the handover exactly the tokens
// these left remain.
func TestHandoverLongConversation(t *testing.T) {
	const limit = 20 // per day: no token comes back while the test runs
	_, ctx, a, b := startTwoOrgs(t, "LOTSE_POW_DIFFICULTY=0", fmt.Sprintf("LOTSE_ENQUIRER_LIMIT=%d/24h", limit))

	// The enquirer's first message, then limit replies of the front door
	// (counsellors' requests do not count), the first with an attachment.
	keys, first := writeToFrontDoor(t, ctx, a)
	own := keys.Identity.Recipient()
	file, err := crypto.SealAttachment([]byte("Adressen der Beratungsstellen"), a.Key.Recipient(), own)
	if err != nil {
		t.Fatal(err)
	}
	attachment, err := a.Admin.UploadAttachment(ctx, keys.MailboxID, file)
	if err != nil {
		t.Fatal(err)
	}
	for i := range limit {
		reply := counsellorDoc(t, keys.MailboxID, first.MK, "Anna", fmt.Sprintf("Antwort %d", i+1))
		m := client.NewMessage{Epoch: 1, Ciphertext: seal(t, reply, a.Key.Recipient(), own)}
		if i == 0 {
			m.Attachments = []string{attachment}
		}
		if _, err := a.Admin.Reply(ctx, keys.MailboxID, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Admin.OfferHandover(ctx, keys.MailboxID, "b"); err != nil {
		t.Fatal(err)
	}
	enq := a.Client.WithToken(keys.Bearer())
	used := 0

	// An upload whose seq 1 is sent three times: the first is free, the
	// repeats count; a wrong bearer counts too.
	r, err := mailboxdtest.Reseal(ctx, enq, keys.Identity, b.Key.Recipient(), attachment)
	if err != nil {
		t.Fatal(err)
	}
	upload, err := enq.StartHandover(ctx, client.HandoverStart{Org: "b", Epoch: 1, Count: uint64(len(r.Messages))})
	if err != nil {
		t.Fatal(err)
	}
	used += 3 // the mailbox, the attachment and the start
	for range 3 {
		if err := enq.PutHandoverMessage(ctx, upload, 1, r.Messages[0]); err != nil {
			t.Fatal(err)
		}
	}
	used += 2
	wrong := mailboxdtest.RandomMailbox()
	wrong.ID = keys.MailboxID
	if err := enq.WithToken(wrong.Bearer()).PutHandoverMessage(ctx, upload, 2, r.Messages[1]); client.Code(err) != "unauthorized" {
		t.Fatalf("a PUT with a wrong bearer: %v", err)
	}
	used++

	// The whole handover: the GETs of the mailbox and the attachment, the
	// start and the commit count, the limit+1 messages and the attachment
	// do not.
	org, err := mailboxdtest.Handover(ctx, enq, keys.Identity, "b", 1, b.Key.Recipient(), attachment)
	if err != nil || org != "b" {
		t.Fatalf("handover of %d messages at a limit of %d: %q, %v", len(r.Messages), limit, org, err)
	}
	used += 4
	adminB, _ := login(t, ctx, a.Client, b.AdminID, b.AdminKey)
	cd, err := adminB.Case(ctx, keys.MailboxID, 0)
	if err != nil || cd.Forwarded == nil || cd.Forwarded.Count != limit+1 {
		t.Fatalf("b's case: %+v, %v", cd, err)
	}

	for i := used; i < limit; i++ {
		if _, err := enq.Mailbox(ctx, 0); err != nil {
			t.Fatalf("enquirer request %d of %d: %v", i+1, limit, err)
		}
	}
	if _, err := enq.Mailbox(ctx, 0); client.Code(err) != "rate_limited" {
		t.Fatalf("enquirer request %d at a limit of %d: %v", limit+1, limit, err)
	}
}
