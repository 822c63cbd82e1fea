package counsel

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
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

// TestHandoverNeedsPin: no offer goes to an organisation whose team key
// nobody confirmed, nor to one whose key differs from the pin (an alarm);
// in both cases nothing is sent to the enquirer (PROTOCOL.md §9.1).
func TestHandoverNeedsPin(t *testing.T) {
	tt := newTestTeam(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	anna, err := Unlock(ctx, tt.cfg, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	defer anna.Wipe()
	if err := anna.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	setUpOrg(t, ctx, tt, anna, "b", "Fachberatung B")
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
	if _, err := anna.OfferHandover(ctx, th, "b", " \n", ""); !isMsg(err, mErrNoteEmpty) {
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
	testOffer(t, ctx, anna, th, b)
}
