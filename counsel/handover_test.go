package counsel

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// setUpOrg creates organisation slug with a first admin (Berta) whose
// desk is in a directory of its own, through a front-door admin's
// session.
func setUpOrg(t *testing.T, ctx context.Context, tt *testTeam, front *Session, slug, name string) *Config {
	t.Helper()
	created, err := front.CreateOrg(ctx, slug, name)
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions
	opts.Org = slug
	dir := filepath.Join(t.TempDir(), slug)
	s, err := Init(ctx, dir, tt.srv.URL, created.Setup, "Berta", []byte(testPassphrase), opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Wipe()
	cfg, err := LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestHandover: no offer goes to an organisation whose team key nobody
// confirmed, nor to one whose key differs from the pin (an alarm), and
// then nothing is sent to the enquirer (PROTOCOL.md §9.1). A pinned one
// gets an offer that names the pinned key; the enquirer declines, is
// offered again and agrees, the Go enquirer re-seals the conversation,
// and B reads it with the forwarded messages marked (§9.2 to §9.5).
func TestHandover(t *testing.T) {
	tt := newTestTeam(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	anna := unlockT(t, ctx, tt.cfg)
	if err := anna.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	bertaCfg := setUpOrg(t, ctx, tt, anna, "b", "Fachberatung B")
	enq := newCase(t, ctx, tt.srv.URL, "Ich möchte zu einer Stelle in meiner Nähe.")
	id := enq.keys.MailboxID
	th, err := anna.ReadCase(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer th.wipe()
	messages := func() int {
		t.Helper()
		c, err := anna.CaseSummary(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.MessageCount
	}

	if _, err := anna.OfferHandover(ctx, th, "b", "Eine Stelle in Ihrer Nähe kann helfen.", ""); !isMsg(err, mErrOrgNotPinned) {
		t.Fatalf("offer to an organisation not pinned: %v", err)
	}
	if _, err := anna.OfferHandover(ctx, th, "main", "Hier.", ""); !isMsg(err, mErrOwnOrg) {
		t.Fatalf("offer to the own organisation: %v", err)
	}
	if _, err := anna.OfferHandover(ctx, th, "b", " \n", ""); !isMsg(err, mErrOfferNoteEmpty) {
		t.Fatalf("offer without a note: %v", err)
	}

	orgs, err := anna.Orgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := findOrg(orgs, "b")
	if err != nil || b.Pin != OrgUnpinned {
		t.Fatalf("b before pinning: %+v, %v", b, err)
	}
	if _, err := anna.PinOrg(ctx, "b", "11111 22222 33333 44444 55555"); !isAlarmMsg(err, mAlarmOrgFingerprintDiffers) {
		t.Fatalf("pin with a fingerprint not the server's: %v", err)
	}
	if _, err := anna.PinOrg(ctx, "b", b.Fingerprint); err != nil {
		t.Fatal(err)
	}

	// The server now shows another key than the pin (here the pin is
	// what differs; to the desk it is the same): an alarm, no offer.
	genuine, err := readOrgPins(tt.cfg.Dir())
	if err != nil || len(genuine) != 1 {
		t.Fatalf("pins: %+v, %v", genuine, err)
	}
	other, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeOrgPins(tt.cfg.Dir(), []OrgPin{{Slug: "b", Epoch: 1, Recipient: other.Recipient().String()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := anna.OfferHandover(ctx, th, "b", "Eine Stelle in Ihrer Nähe kann helfen.", ""); !isAlarmMsg(err, mAlarmOrgKeyChanged) {
		t.Fatalf("offer to an organisation whose key changed: %v", err)
	}
	if n := messages(); n != 1 {
		t.Fatalf("a refused offer sent something: %d messages", n)
	}
	if err := writeOrgPins(tt.cfg.Dir(), genuine); err != nil {
		t.Fatal(err)
	}

	// The offer names the pinned key; the server records it.
	const note = "Die Fachberatung B in Leipzig kann Ihnen vor Ort helfen."
	if _, err := anna.OfferHandover(ctx, th, "b", note+"\r\n", ""); err != nil {
		t.Fatal(err)
	}
	offer := enquirerOffer(t, ctx, enq, "b")
	if offer.Recipient != genuine[0].Recipient || offer.Name != "Fachberatung B" || offer.Epoch != 1 || offer.Note != note {
		t.Fatalf("the offer the enquirer reads: %+v", offer)
	}
	state := func() string {
		t.Helper()
		c, err := anna.CaseSummary(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Handover == nil || c.Handover.Org != "b" {
			t.Fatalf("case's handover %+v", c.Handover)
		}
		return c.Handover.State
	}
	if got := state(); got != "offered" {
		t.Fatalf("state after the offer: %s", got)
	}
	ec := enq.c.WithToken(enq.keys.Bearer())
	if err := ec.DeclineHandover(ctx); err != nil {
		t.Fatal(err)
	}
	if got := state(); got != "declined" {
		t.Fatalf("state after the enquirer declined: %s", got)
	}
	if err := anna.WithdrawHandover(ctx, id); !isMsg(err, mErrNoOpenOffer) {
		t.Fatalf("withdraw a declined offer: %v", err)
	}

	// Offered again, the enquirer agrees: their device re-seals to the
	// recipient in the document, never to one the server serves.
	if _, err := anna.OfferHandover(ctx, th, "b", note, ""); err != nil {
		t.Fatal(err)
	}
	offer = enquirerOffer(t, ctx, enq, "b")
	bteam, err := crypto.ParseRecipient(offer.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	if org, err := mailboxdtest.Handover(ctx, ec, enq.keys.Identity, offer.Org, offer.Epoch, bteam); err != nil || org != "b" {
		t.Fatalf("the enquirer's handover: %q, %v", org, err)
	}
	if _, err := anna.CaseSummary(ctx, id); client.Code(err) != "not_found" {
		t.Fatalf("A still sees the case: %v", err)
	}
	hs, err := anna.Handovers(ctx)
	if err != nil || len(hs) != 1 || hs[0].Case != id || hs[0].State != "completed" {
		t.Fatalf("A's handovers: %+v, %v", hs, err)
	}
	st, err := anna.Stats(ctx, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	completed := 0
	for _, m := range st.Months {
		completed += m.HandoversCompleted
	}
	if completed != 1 {
		t.Errorf("A's statistics count %d completed handovers, want 1", completed)
	}

	// B reads every message with its key; those from before the
	// handover are marked as forwarded, a later one is not.
	berta := unlockT(t, ctx, bertaCfg)
	if err := berta.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	doc := enq.doc("Danke, ich schreibe jetzt Ihnen.")
	ct, err := crypto.SealDocument(doc, bteam, enq.keys.Identity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ec.PostMessage(ctx, client.NewMessage{Epoch: offer.Epoch, Ciphertext: ct}); err != nil {
		t.Fatal(err)
	}
	bt, err := berta.ReadCase(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer bt.wipe()
	if f := bt.Case.Forwarded; f == nil || f.Count != 3 {
		t.Fatalf("forwarded %+v, want 3 messages", f)
	}
	if len(bt.Messages) != 4 {
		t.Fatalf("B reads %d messages, want 4", len(bt.Messages))
	}
	for i, m := range bt.Messages {
		if m.Warning != "" || m.Forwarded != (i < 3) {
			t.Errorf("message %d at B: warning %q, forwarded %v", m.Seq, m.Warning, m.Forwarded)
		}
	}
	if bt.Messages[0].Body != "Ich möchte zu einer Stelle in meiner Nähe." || bt.Messages[2].Offer == nil || bt.Messages[2].Offer.Org != "b" {
		t.Errorf("B's thread: %+v", bt.Messages)
	}
	if !bt.CanReply() {
		t.Error("B cannot reply to the case it took over")
	}
}

// enquirerOffer is the newest document in the enquirer's mailbox that
// offers the case to org, while the server says an offer to org is open.
func enquirerOffer(t *testing.T, ctx context.Context, enq *enquirer, org string) *crypto.Handover {
	t.Helper()
	mb, err := enq.c.WithToken(enq.keys.Bearer()).Mailbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if mb.Handover == nil || mb.Handover.Org != org {
		t.Fatalf("the mailbox's open offer: %+v", mb.Handover)
	}
	entries, err := enq.read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if h := entries[i].Doc.Handover; h != nil && h.Org == org {
			if entries[i].Doc.Body != h.Note {
				t.Errorf("the offer's body %q is not its note %q", entries[i].Doc.Body, h.Note)
			}
			return h
		}
	}
	t.Fatal("no document offers the case")
	return nil
}

// TestDeskCentresOrg: a centre of the directory that names an
// organisation on the server ("org", PROTOCOL.md §6.14) is offered for a
// handover in the desk's search; one that names this desk's own
// organisation or one the server does not list is not.
func TestDeskCentresOrg(t *testing.T) {
	tt := setUpTeam(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	anna := unlockT(t, ctx, tt.cfg)
	setUpOrg(t, ctx, tt, anna, "b", "Fachberatung B")
	anna.Wipe()
	centre := func(id, org string) string {
		return `{"id":"` + id + `","name":"Stelle ` + id + `","organisation":"Träger","state":"DE-SN","city":"Leipzig",` +
			`"languages":["de"],"target_groups":["women"],"services":{"de":"Beratung"},"contact":{"phone":"+49 341 1234 000"}` + org + `}`
	}
	tt.proxy.serveCentres(`{"centres":[` + centre("x", `,"org":"b"`) + `,` + centre("y", `,"org":"main"`) + `,` +
		centre("z", `,"org":"nowhere"`) + `,` + centre("w", "") + `]}`)
	d, u := startDesk(t, tt.cfg, time.Minute)
	base := strings.SplitN(u, "#", 2)[0]
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	st, m := deskCall(t, d, base, "GET", "/api/centres?q=Leipzig&lang=de", "")
	hits, _ := m["centres"].([]any)
	if st != http.StatusOK || len(hits) != 4 {
		t.Fatalf("search: %d %v", st, m)
	}
	orgs := map[string]any{}
	for _, h := range hits {
		h := h.(map[string]any)
		orgs[h["id"].(string)] = h["org"]
	}
	if orgs["x"] != "b" || orgs["y"] != nil || orgs["z"] != nil || orgs["w"] != nil {
		t.Errorf("organisations offered for a handover: %v, want only x's b", orgs)
	}
}
