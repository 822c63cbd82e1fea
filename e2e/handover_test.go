package e2e

import (
	"testing"
	"time"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// TestHandoverEndToEnd: consented handover (PROTOCOL.md §9) between two
// organisations of a real mailboxd, with real documents: the front door
// offers a case, an upload in flight does not survive a restart, the
// enquirer's device re-seals the conversation for organisation b, and b's
// key then reads every document by the reader rules while the front door
// no longer sees the case. The log names nothing secret.
func TestHandoverEndToEnd(t *testing.T) {
	srv, ctx, a := startTeam(t, 3*time.Minute, "LOTSE_POW_DIFFICULTY=0")
	created, err := a.Admin.CreateOrg(ctx, "b", "Fachberatung B")
	if err != nil {
		t.Fatal(err)
	}
	b, err := mailboxdtest.SetUpOrgTeam(ctx, a.Client, "b", created.Setup, "Admin B")
	if err != nil {
		t.Fatal(err)
	}

	// An enquirer writes to the front door, which answers.
	keys := mailboxdtest.NewEnquirer(t).Keys
	own := keys.Identity.Recipient()
	first := enquirerDoc(t, keys, "Ich brauche Hilfe in meiner Stadt.")
	first.Role = "affected"
	first.Recipient = own.String()
	if _, err := a.Client.CreateMailbox(ctx, client.NewMailbox{ID: keys.MailboxID, Verifier: keys.Verifier[:], Epoch: 1,
		Message: seal(t, first, a.Key.Recipient(), own)}); err != nil {
		t.Fatal(err)
	}
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

	// The device re-seals and commits.
	org, err := mailboxdtest.Handover(ctx, enq, keys.Identity, "b", 1, b.Key.Recipient())
	if err != nil || org != "b" {
		t.Fatalf("handover: %q, %v", org, err)
	}
	adminA, _ := login(t, ctx, a.Client, a.AdminID, a.AdminKey)
	if _, err := adminA.Case(ctx, keys.MailboxID, 0); client.Code(err) != "not_found" {
		t.Fatalf("the front door reads the case after the handover: %v", err)
	}
	hs, err := adminA.Handovers(ctx)
	if err != nil || len(hs) != 1 || hs[0].State != "completed" || hs[0].Org != "b" || hs[0].Case != keys.MailboxID {
		t.Fatalf("the front door's handovers: %+v, %v", hs, err)
	}
	adminB, _ := login(t, ctx, a.Client, b.AdminID, b.AdminKey)
	cd, err := adminB.Case(ctx, keys.MailboxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cd.Forwarded == nil || cd.Forwarded.Count != 2 || cd.Status != "new" {
		t.Fatalf("b's case: status %q, forwarded %+v", cd.Status, cd.Forwarded)
	}
	stored := make([]crypto.StoredMessage, len(cd.Messages))
	for i, msg := range cd.Messages {
		stored[i] = crypto.StoredMessage{Seq: msg.Seq, From: msg.From, Ciphertext: msg.Ciphertext}
	}
	entries, _ := crypto.ReadThread(keys.MailboxID, nil, stored, b.Key)
	if len(entries) != 2 || entries[0].Err != nil || entries[1].Err != nil ||
		entries[0].Doc.Body != first.Body || entries[1].Doc.Body != reply.Body {
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
