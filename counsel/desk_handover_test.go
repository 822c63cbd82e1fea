package counsel

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDeskOrgsBrowser: in Chromium, a front-door admin creates an
// organisation and sees its setup token once; a fingerprint typed other
// than the server's is refused and pins nothing, the right one pins it;
// then a case's transfer dialog offers that organisation, and the offer
// shows on the case (testDeskOffer, once the document field exists).
func TestDeskOrgsBrowser(t *testing.T) {
	bctx, bcancel := browserContext(t)
	defer bcancel()
	tt := newTestTeam(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	enq := newCase(t, ctx, tt.srv.URL, "Ich suche eine Stelle in Leipzig.")
	id := enq.keys.MailboxID
	d, u := startDesk(t, tt.cfg, time.Minute)
	unlockDeskAt(t, bctx, u)
	base := strings.SplitN(u, "#", 2)[0]

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
	berta, err := Init(ctx, t.TempDir(), tt.srv.URL, token, "Berta", []byte(testPassphrase), opts)
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
	caseSel := `#case-list button[data-case="` + id + `"]`
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-inbox")),
		chromedp.WaitVisible(chromedp.CSS(caseSel)),
		chromedp.Click(chromedp.CSS(caseSel)),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.enquirer")),
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
	testDeskOffer(t, ctx, bctx, d, base, id, enq)

	// Deleting it (front-door admins) asks first and forgets the pin.
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.CSS(`button[data-delete-org="leipzig"]`)),
		chromedp.Click(chromedp.CSS(`button[data-delete-org="leipzig"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Click(chromedp.CSS("#confirm-yes")),
		chromedp.WaitNotPresent(chromedp.CSS(row)),
	); err != nil {
		shot(t, bctx, "orgs-delete")
		t.Fatalf("delete the organisation: %v", err)
	}
	if pins, err := readOrgPins(tt.cfg.Dir()); err != nil || len(pins) != 0 {
		t.Errorf("pins after deleting: %+v, %v", pins, err)
	}
	if st, m := deskCall(t, d, base, "GET", "/api/orgs", ""); st != http.StatusOK || len(m["orgs"].([]any)) != 1 {
		t.Errorf("orgs after deleting: %d %v", st, m)
	}
}
