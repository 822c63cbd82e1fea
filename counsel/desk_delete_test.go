package counsel

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDeskDeleteBrowser: a counsellor deletes a case from the desk in
// Chromium; after the confirmation the case is gone from the list and from
// the server.
func TestDeskDeleteBrowser(t *testing.T) {
	bctx, cancel := browserContext(t)
	defer cancel()
	tt := newTestTeam(t)
	ctx, stop := context.WithTimeout(context.Background(), 2*time.Minute)
	defer stop()
	enq := newCase(t, ctx, tt.srv.URL, "Bitte löschen Sie das wieder.")
	id := enq.keys.MailboxID
	_, u := startDesk(t, tt.cfg, time.Minute)
	if err := openCaseInDesk(t, bctx, u, id, "#act-delete"); err != nil {
		t.Fatalf("open the case: %v", err)
	}
	caseSel := `#case-list button[data-case="` + id + `"]`
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.ID("act-delete")),
		chromedp.WaitVisible(chromedp.ID("confirm-yes")),
		chromedp.Click(chromedp.ID("confirm-yes")),
		chromedp.WaitNotPresent(chromedp.CSS(caseSel)),
	); err != nil {
		t.Fatalf("delete from the desk: %v", err)
	}
	s, err := Unlock(ctx, tt.cfg, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Wipe()
	cases, err := s.Cases(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.ID == id {
			t.Fatalf("the case is still on the server: %+v", c)
		}
	}
}
