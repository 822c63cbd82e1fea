package counsel

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDeskDeleteBrowser: a counsellor deletes a case from the desk in
// Chromium; after the confirmation the case is gone from the list and from
// the server.
func TestDeskDeleteBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	ctx := tt.ctx
	id := tt.newCase(t, "Bitte löschen Sie das wieder.").keys.MailboxID
	if err := openCaseInDesk(t, bctx, tt.u, id, "#act-delete"); err != nil {
		t.Fatalf("open the case: %v", err)
	}
	caseSel := `#case-list button[data-case="` + id + `"]`
	if err := within(bctx, 30*time.Second,
		clickAndConfirm("#act-delete"),
		chromedp.WaitNotPresent(chromedp.CSS(caseSel)),
	); err != nil {
		t.Fatalf("delete from the desk: %v", err)
	}
	s := unlockT(t, ctx, tt.cfg)
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
