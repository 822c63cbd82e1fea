package counsel

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/audit"
)

// TestDeskTeamToolsBrowser: in Chromium, an admin confirms the referral
// directory for the team and saves the team's text blocks in the team
// tab (both land on the server as team records that verify), inserts a
// team block into a reply, sees the case's action record after claiming
// it, and exports the statistics, which hold counts and no names.
func TestDeskTeamToolsBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	d, u, ctx := tt.d, tt.u, tt.ctx
	id := tt.newCase(t, "Ich arbeite ohne Lohn.").keys.MailboxID
	unlockDeskAt(t, bctx, u)
	s := unlockT(t, ctx, tt.cfg)

	// The directory, confirmed for the team.
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-team")),
		clickAndConfirm("#directory-confirm"),
		chromedp.WaitVisible(chromedp.CSS("#directory-msg:not(:empty)")),
	); err != nil {
		shot(t, bctx, "directory")
		t.Fatalf("confirm the directory for the team: %v", err)
	}
	if hashes, _, err := s.teamDirectory(ctx); err != nil || hashes == nil {
		t.Errorf("the team's directory record after the desk confirmed: %v, %v", hashes, err)
	}
	if got, _ := text(bctx, "#directory-status"); !strings.Contains(got, "für das Team bestätigt") {
		t.Errorf("directory status %q", got)
	}

	// The team's text blocks.
	const body = "Sie können uns jederzeit wieder schreiben."
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#team-blocks-add")),
		chromedp.SendKeys(chromedp.CSS("#team-blocks-list li:last-child input"), "Abschied"),
		chromedp.SendKeys(chromedp.CSS("#team-blocks-list li:last-child textarea"), body),
		chromedp.Click(chromedp.CSS("#team-blocks-save")),
		chromedp.WaitVisible(chromedp.CSS("#team-blocks-msg:not(:empty)")),
	); err != nil {
		t.Fatalf("save the team's blocks: %v", err)
	}
	tb, err := s.TeamBlocks(ctx)
	if err != nil || len(tb.Blocks) != 1 || tb.Blocks[0].Body != body || len(tb.Alarms) != 0 {
		t.Fatalf("the team's blocks from the server: %+v, %v", tb, err)
	}

	// In the inbox: insert the team block; claim; the action record.
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-inbox")),
		openCase(id),
		choose("block-select", "t0"),
		chromedp.Click(chromedp.CSS("#act-claim")),
		chromedp.WaitVisible(chromedp.CSS("#thread-actions")),
	); err != nil {
		shot(t, bctx, "teamblock")
		t.Fatalf("insert a team block and claim: %v", err)
	}
	shot(t, bctx, "team-block-and-actions")
	reply, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("reply-text").value`))
	if err != nil || reply != body {
		t.Errorf("reply after inserting the team block: %q, %v", reply, err)
	}
	acts, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("thread-actions").textContent`))
	if err != nil || !strings.Contains(acts, "Anna hat ihn Anna zugewiesen") {
		t.Errorf("action record %q, %v", acts, err)
	}

	// Statistics: the button saves a file; its content has counts, no names.
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.CSS("#stats-export")),
		chromedp.Click(chromedp.CSS("#stats-export")),
		// The click disables the button until the export is done.
		chromedp.WaitVisible(chromedp.CSS("#stats-export:not([disabled])")),
	); err != nil {
		t.Fatalf("export: %v", err)
	}
	if got, _ := text(bctx, "#stats-msg"); got != "Die CSV-Datei wurde gespeichert." {
		t.Errorf("after the export: %q", got)
	}
	base := strings.SplitN(u, "#", 2)[0]
	st, csv := deskDo(t, d, base, "GET", "/api/stats.csv", "")
	if st != http.StatusOK || !strings.Contains(string(csv), ",enquiries,,1\n") || !strings.Contains(string(csv), ",audience,affected,1\n") {
		t.Errorf("stats.csv: %d %s", st, csv)
	}
	if strings.Contains(string(csv), "Anna") || strings.Contains(string(csv), id[:8]) {
		t.Errorf("stats.csv names a person or a case: %s", csv)
	}

	// The server holds the team's records as ciphertext the auditor
	// accepts: a backup passes mailbox-audit's check.
	if err := s.AddNote(ctx, id, "Notiz für die Prüfung"); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "lotse.backup")
	if _, err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Check(backup)
	if err != nil || !rep.OK {
		t.Fatalf("mailbox-audit check of a backup with team records: %+v, %v", rep, err)
	}
	records := 0
	for _, c := range rep.Counts {
		if strings.Contains(c.Entry, "record") {
			records += c.Count
		}
	}
	if records == 0 {
		t.Errorf("the auditor counted no team records: %+v", rep.Counts)
	}
}
