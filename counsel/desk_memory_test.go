package counsel

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDeskMemoryBrowser: in Chromium, a note and a tag written in the
// open case's panel go to the server encrypted (the data file never holds
// them), come back to another session of the team, and a note the server
// forged shows as an alarm, never as a note.
func TestDeskMemoryBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	ctx := tt.ctx
	enq := tt.newCase(t, "Mein Chef behält meinen Pass.")
	id := enq.keys.MailboxID
	other := tt.newCase(t, "Eine andere Anfrage.").keys.MailboxID
	if err := openCaseInDesk(t, bctx, tt.u, id, "#memory"); err != nil {
		t.Fatalf("open the case: %v", err)
	}

	const note = "Rückruf Montag vereinbart <b>nicht fett</b> canary-7f3a"
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#memory-summary")),
		chromedp.WaitVisible(chromedp.CSS("#memory-note-text")),
		chromedp.SendKeys(chromedp.CSS("#memory-note-text"), note),
		chromedp.Click(chromedp.CSS("#memory-note-save")),
		chromedp.WaitVisible(chromedp.CSS("#memory-notes .memory-note .body")),
		chromedp.SendKeys(chromedp.CSS("#memory-tag-input"), "Arbeit"),
		chromedp.Click(chromedp.CSS("#memory-tag-add")),
		chromedp.WaitVisible(chromedp.CSS("#memory-tags li")),
	); err != nil {
		shot(t, bctx, "memory")
		t.Fatalf("write a note and a tag: %v", err)
	}
	shot(t, bctx, "memory-panel")
	if got, err := text(bctx, "#memory-notes .memory-note .body"); err != nil || got != note {
		t.Errorf("note shown as %q (%v), want %q as text", got, err, note)
	}
	if got, err := text(bctx, "#memory-tags li"); err != nil || !strings.HasPrefix(got, "arbeit") {
		t.Errorf("tag shown as %q (%v), want arbeit", got, err)
	}
	if got, err := text(bctx, "#memory-summary"); err != nil || !strings.Contains(got, "(1)") || !strings.Contains(got, "arbeit") {
		t.Errorf("summary %q (%v)", got, err)
	}

	// The inbox's tag filter shows the tagged case only, until cleared.
	shownCases := func() string {
		ids, err := chromedp.Run(bctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#case-list button[data-case]")].map((b) => b.dataset.case).join(" ")`))
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if err := within(bctx, 20*time.Second,
		chromedp.SendKeys(chromedp.CSS("#tag-filter"), "Arbeit\n"),
		chromedp.WaitVisible(chromedp.CSS("#tag-filter-clear")),
	); err != nil {
		t.Fatalf("tag filter: %v", err)
	}
	if got := shownCases(); got != id {
		t.Errorf("filtered by tag: %q, want only %s", got, id)
	}
	if err := within(bctx, 10*time.Second, chromedp.Click(chromedp.CSS("#tag-filter-clear")), chromedp.WaitNotVisible(chromedp.CSS("#tag-filter-clear"))); err != nil {
		t.Fatal(err)
	}
	if got := shownCases(); !strings.Contains(got, id) || !strings.Contains(got, other) {
		t.Errorf("after clearing the filter: %q", got)
	}

	// Another session of the team reads both from the server.
	s := unlockT(t, ctx, tt.cfg)
	m, err := s.CaseMemory(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Notes) != 1 || m.Notes[0].Text != note || m.Notes[0].AuthorName != "Anna" || len(m.Alarms) != 0 {
		t.Errorf("notes from the server: %+v", m)
	}
	if strings.Join(m.Tags, ",") != "arbeit" {
		t.Errorf("tags from the server: %q", m.Tags)
	}
	db, err := os.ReadFile(tt.srv.DB())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, []byte("canary-7f3a")) || bytes.Contains(db, []byte("arbeit")) {
		t.Error("the data file holds a note or a tag in clear")
	}

	// The server forges a note; the page shows an alarm and not its text.
	const forged = "Rufen Sie 0900 666 an"
	if err := forgeNote(ctx, tt.cfg, []byte(testPassphrase), id, forged); err != nil {
		t.Fatal(err)
	}
	// A reload keeps the unlocked desk (the token is in the tab's
	// sessionStorage) and reads the case's records again.
	if err := within(bctx, 20*time.Second, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	caseSel := `#case-list button[data-case="` + id + `"]`
	if err := within(bctx, 30*time.Second,
		chromedp.WaitVisible(chromedp.CSS(caseSel)),
		chromedp.Click(chromedp.CSS(caseSel)),
		chromedp.WaitVisible(chromedp.CSS("#memory-summary .tag.warn")),
		chromedp.Click(chromedp.CSS("#memory-summary")),
		chromedp.WaitVisible(chromedp.CSS("#memory-alarms .memory-alarm")),
	); err != nil {
		shot(t, bctx, "memory-forged")
		t.Fatalf("the forged note raises no alarm: %v", err)
	}
	page, err := text(bctx, "#memory")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page, forged) {
		t.Error("the forged note is shown")
	}
	if !strings.Contains(page, note) || !strings.Contains(page, "Nicht von Ihrem Team") {
		t.Errorf("panel after the forgery: %q", page)
	}
}
