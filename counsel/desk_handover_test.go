package counsel

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// TestDeskOrgsBrowser: in Chromium, a front-door admin creates an
// organisation and sees its setup token once; a fingerprint typed other
// than the server's is refused and pins nothing, the right one pins it;
// then a case's transfer dialog offers that organisation, the offer shows
// on the case and can be withdrawn; once the enquirer agreed, the other
// organisation's desk marks the forwarded messages.
func TestDeskOrgsBrowser(t *testing.T) {
	bctx := chromium(t)
	dt := newDeskTest(t)
	tt, d, base, ctx := dt.testTeam, dt.d, dt.base, dt.ctx
	enq := dt.newCase(t, "Ich suche eine Stelle in Leipzig.")
	id := enq.keys.MailboxID
	unlockDeskAt(t, bctx, dt.u)

	// Create: the setup token is shown once, with how to hand it over.
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.CSS("#org-create")),
		chromedp.SendKeys(chromedp.CSS("#org-slug"), "leipzig"),
		chromedp.SendKeys(chromedp.CSS("#org-name"), "Fachberatung Leipzig"),
		chromedp.Click(chromedp.CSS("#org-create")),
		chromedp.WaitVisible(chromedp.CSS("#org-token-out")),
	); err != nil {
		shot(t, bctx, "orgs-create")
		t.Fatalf("create an organisation: %v", err)
	}
	token, _ := text(bctx, "#org-token")
	help, _ := text(bctx, "#org-token-help")
	if len(token) < 40 || !strings.Contains(help, "nie per E-Mail") || !strings.Contains(help, "counsel init --org leipzig") {
		t.Fatalf("setup token %q, help %q", token, help)
	}
	// Its first admin sets it up with the token from the page.
	opts := testOptions
	opts.Org = "leipzig"
	bertaDir := t.TempDir()
	berta, err := Init(ctx, bertaDir, tt.srv.URL, token, "Berta", []byte(testPassphrase), opts)
	if err != nil {
		t.Fatalf("init with the token the desk showed: %v", err)
	}
	bteam, err := berta.Team(ctx)
	berta.Wipe()
	if err != nil {
		t.Fatal(err)
	}

	// Pin: a wrong fingerprint is refused and pins nothing.
	row := `#orgs-body tr[data-org="leipzig"]`
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-inbox")),
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.CSS(row+` td[data-state="unpinned"]`)),
		chromedp.Click(chromedp.CSS(row+` button[data-pin="leipzig"]`)),
		chromedp.WaitVisible(chromedp.CSS("#orgs-pin-form")),
		chromedp.SendKeys(chromedp.CSS("#orgs-pin-fp"), "11111 22222 33333 44444 55555"),
		chromedp.Click(chromedp.CSS("#orgs-pin-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#orgs-pin-error:not(:empty)")),
	); err != nil {
		shot(t, bctx, "orgs-pin-wrong")
		t.Fatalf("pin with a wrong fingerprint: %v", err)
	}
	if got, _ := text(bctx, "#orgs-pin-error"); !strings.Contains(got, "stimmt nicht") {
		t.Errorf("after a wrong fingerprint: %q", got)
	}
	if pins, err := readOrgPins(tt.cfg.Dir()); err != nil || len(pins) != 0 {
		t.Fatalf("a wrong fingerprint pinned: %+v, %v", pins, err)
	}
	if got, _ := text(bctx, "#orgs-pin-expected"); got != bteam.Fingerprint {
		t.Errorf("the page asks to compare %q, the organisation's is %q", got, bteam.Fingerprint)
	}
	if err := within(bctx, 30*time.Second,
		clearInput("orgs-pin-fp"),
		chromedp.SendKeys(chromedp.CSS("#orgs-pin-fp"), bteam.Fingerprint),
		chromedp.Click(chromedp.CSS("#orgs-pin-confirm")),
		chromedp.WaitVisible(chromedp.CSS(row+` td[data-state="pinned"]`)),
	); err != nil {
		shot(t, bctx, "orgs-pin")
		t.Fatalf("pin: %v", err)
	}
	if pins, err := readOrgPins(tt.cfg.Dir()); err != nil || len(pins) != 1 || pins[0].Slug != "leipzig" || pins[0].Recipient != bteam.Recipient {
		t.Fatalf("pins after confirming: %+v, %v", pins, err)
	}
	shot(t, bctx, "orgs")

	// The case's transfer dialog offers the pinned organisation.
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-inbox")),
		openCase(id),
		chromedp.WaitVisible(chromedp.CSS("#act-transfer")),
	); err != nil {
		shot(t, bctx, "transfer-button")
		t.Fatalf("open the case: %v", err)
	}
	// With another organisation the case has one more action; the thread
	// keeps its room at 1280×800 all the same (as TestDeskDraftBrowser
	// measures it on a server of one organisation).
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // one layout
	if th := evalIn[float64](t, bctx, `document.getElementById("messages").getBoundingClientRect().height`); th < 400 {
		shot(t, bctx, "transfer-room")
		t.Errorf("with a transfer button the thread has %.0f px of 800 (want at least 400)", th)
	} else {
		t.Logf("thread at 1280×800 with a transfer button: %.0f px", th)
	}
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#act-transfer")),
		chromedp.WaitVisible(chromedp.CSS("#transfer-dialog")),
	); err != nil {
		shot(t, bctx, "transfer-open")
		t.Fatalf("open the transfer dialog: %v", err)
	}
	chosen, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("transfer-org").value`))
	if err != nil || chosen != "leipzig" {
		t.Fatalf("the dialog's organisation %q, %v", chosen, err)
	}
	shot(t, bctx, "transfer-dialog")

	// Send: the offer shows on the case and in the inbox, and reaches
	// the enquirer with the pinned key.
	const note = "Die Fachberatung in Leipzig kann Ihnen vor Ort helfen."
	if err := within(bctx, 30*time.Second,
		chromedp.SendKeys(chromedp.CSS("#transfer-note"), note),
		clickAndConfirm("#transfer-send"),
		chromedp.WaitVisible(chromedp.CSS(`#transfer-state[data-state="offered"]`)),
		chromedp.WaitVisible(chromedp.CSS(caseLine(id)+" .tag.transfer")),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.counsellor .tag.transfer")),
	); err != nil {
		shot(t, bctx, "transfer-send")
		t.Fatalf("offer the transfer: %v", err)
	}
	shot(t, bctx, "transfer-offered")
	if got, _ := text(bctx, "#transfer-state"); !strings.Contains(got, "Übergabe an leipzig angeboten") {
		t.Errorf("the case's offer: %q", got)
	}
	if offer := enquirerOffer(t, ctx, enq, "leipzig"); offer.Recipient != bteam.Recipient || offer.Note != note {
		t.Fatalf("the offer the enquirer reads: %+v", offer)
	}

	// Withdraw: asked first, then gone from the case.
	if err := within(bctx, 30*time.Second,
		clickAndConfirm("#transfer-withdraw"),
		chromedp.WaitNotPresent(chromedp.CSS("#transfer-state")),
	); err != nil {
		shot(t, bctx, "transfer-withdraw")
		t.Fatalf("withdraw the offer: %v", err)
	}
	if st, m := deskCall(t, d, base, "GET", "/api/cases/"+id+"/summary", ""); st != http.StatusOK || m["handover"] != nil {
		t.Fatalf("case after withdrawing: %d %v", st, m)
	}

	// Deleting one (front-door admins) asks first and forgets its pin.
	st, m := deskCall(t, d, base, "POST", "/api/orgs", `{"slug":"rostock","name":"Fachberatung Rostock"}`)
	setup, _ := m["setup"].(string)
	if st != http.StatusOK || setup == "" {
		t.Fatalf("create through the desk's API: %d %v", st, m)
	}
	opts.Org = "rostock"
	carla, err := Init(ctx, t.TempDir(), tt.srv.URL, setup, "Carla", []byte(testPassphrase), opts)
	if err != nil {
		t.Fatal(err)
	}
	cteam, err := carla.Team(ctx)
	carla.Wipe()
	if err != nil {
		t.Fatal(err)
	}
	if st, m := deskCall(t, d, base, "POST", "/api/orgs/pin", `{"slug":"rostock","fingerprint":"`+cteam.Fingerprint+`"}`); st != http.StatusOK || m["pin"] != "pinned" {
		t.Fatalf("pin rostock: %d %v", st, m)
	}
	if st, m := deskCall(t, d, base, "DELETE", "/api/orgs/main", "{}"); st != http.StatusConflict || m["error"] != "front_door" {
		t.Errorf("delete the front door: %d %v", st, m)
	}
	rrow := `#orgs-body tr[data-org="rostock"]`
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-team")),
		clickAndConfirm(rrow+` button[data-delete-org="rostock"]`),
		chromedp.WaitNotPresent(chromedp.CSS(rrow)),
	); err != nil {
		shot(t, bctx, "orgs-delete")
		t.Fatalf("delete an organisation: %v", err)
	}
	if st, m := deskCall(t, d, base, "GET", "/api/orgs", ""); st != http.StatusOK || len(m["orgs"].([]any)) != 2 {
		t.Errorf("orgs after deleting: %d %v", st, m)
	}
	if pins := mustPins(t, tt.cfg); len(pins) != 1 || pins[0].Slug != "leipzig" {
		t.Errorf("pins after deleting rostock: %+v", pins)
	}

	// Offered again and accepted, the case is Leipzig's: its desk marks
	// the messages the enquirer's device forwarded.
	if st, m := deskCall(t, d, base, "POST", "/api/cases/"+id+"/handover", `{"org":"leipzig","note":"`+note+`"}`); st != http.StatusOK {
		t.Fatalf("offer through the desk's API: %d %v", st, m)
	}
	offerRow := `#orgs-offers li[data-offer="` + id + `"]`
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-inbox")),
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.CSS(offerRow+`[data-state="offered"]`)),
	); err != nil {
		shot(t, bctx, "orgs-offers")
		t.Fatalf("the team's offers: %v", err)
	}
	offer := enquirerOffer(t, ctx, enq, "leipzig")
	bkey, err := crypto.ParseRecipient(offer.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mailboxdtest.Handover(ctx, enq.c.WithToken(enq.keys.Bearer()), enq.keys.Identity, offer.Org, offer.Epoch, bkey); err != nil {
		t.Fatal(err)
	}
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-inbox")),
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.CSS(offerRow+`[data-state="completed"]`)),
	); err != nil {
		shot(t, bctx, "orgs-offers")
		t.Fatalf("the team's completed offer: %v", err)
	}
	if err := within(bctx, 30*time.Second, chromedp.Click(chromedp.CSS("#tab-inbox")), chromedp.WaitNotPresent(chromedp.CSS(caseLine(id)))); err != nil {
		t.Fatalf("the case stays in the inbox of the organisation that handed it over: %v", err)
	}
	bcfg, err := LoadConfig(bertaDir)
	if err != nil {
		t.Fatal(err)
	}
	_, bu := startDesk(t, bcfg, time.Minute)
	if err := openCaseInDesk(t, bctx, bu, id, "#thread-forwarded"); err != nil {
		shot(t, bctx, "forwarded")
		t.Fatalf("B opens the case: %v", err)
	}
	shot(t, bctx, "forwarded")
	if got, _ := text(bctx, "#thread-forwarded"); !strings.Contains(got, "Nachrichten 1 bis 3") || !strings.Contains(got, "lässt sich nicht prüfen") {
		t.Errorf("B's notice: %q", got)
	}
	if got, _ := text(bctx, caseLine(id)+" .tag.forwarded"); !strings.HasPrefix(got, "übernommen am ") {
		t.Errorf("B's inbox marks the case %q", got)
	}
	marked, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#messages .msg .tag.forwarded").length`))
	if err != nil || marked != 3 {
		t.Errorf("forwarded marks: %d, %v; want 3", marked, err)
	}
}

func mustPins(t *testing.T, cfg *Config) []OrgPin {
	t.Helper()
	pins, err := readOrgPins(cfg.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return pins
}
