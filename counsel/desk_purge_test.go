package counsel

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/api/client"
)

// TestDeskPurgeBrowser: an admin deletes a flood of unanswered new cases
// from the desk; the page shows how many before asking, and a case a
// counsellor took on stays.
func TestDeskPurgeBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	ctx := tt.ctx
	fake1 := tt.newCase(t, "Spam 1").keys.MailboxID
	fake2 := tt.newCase(t, "Spam 2").keys.MailboxID
	kept := tt.newCase(t, "Ich brauche wirklich Hilfe.").keys.MailboxID
	s := unlockT(t, ctx, tt.cfg)
	me := s.Me().ID
	if _, err := s.PatchCase(ctx, kept, client.CasePatch{Assignee: &me}); err != nil {
		t.Fatal(err)
	}

	unlockDeskAt(t, bctx, tt.u)
	from := time.Now().UTC().Format("2006-01-02")
	to := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	setDate := func(id, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[string](`document.getElementById("`+id+`").value = "`+v+`"`)(ctx, tg)
			return err
		})
	}
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.ID("purge-form")),
		setDate("purge-from", from),
		setDate("purge-to", to),
		chromedp.Click(chromedp.ID("purge-start")),
		chromedp.WaitVisible(chromedp.ID("confirm-yes")),
	); err != nil {
		t.Fatalf("start the purge: %v", err)
	}
	question, err := text(bctx, "#confirm-text")
	if err != nil || !strings.HasPrefix(question, "2 ") {
		t.Fatalf("the confirmation %q does not show the count 2 (%v)", question, err)
	}
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.ID("confirm-yes")),
		chromedp.WaitNotPresent(chromedp.CSS(`#case-list button[data-case="`+fake1+`"]`)),
	); err != nil {
		t.Fatalf("purge: %v", err)
	}
	cases, err := s.Cases(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]bool{}
	for _, c := range cases {
		left[c.ID] = true
	}
	if left[fake1] || left[fake2] || !left[kept] {
		t.Errorf("after the purge: fake %v %v, the case taken on %v", left[fake1], left[fake2], left[kept])
	}
}
