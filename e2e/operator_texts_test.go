package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/internal/mailboxdtest"
)

// operatorTextsDir is an operator's content folder that changes one text
// of the web client in German (inside the bundle) and one in French (a
// catalogue file of its own).
func operatorTextsDir(t *testing.T) string {
	t.Helper()
	return mailboxdtest.ContentDir(t, map[string]string{
		"de/webclient.json": `{"start.heading": "Willkommen bei der Testberatung"}`,
		"fr/webclient.json": `{"write.heading": "Écrivez-nous ici, en toute sécurité"}`,
	})
}

// TestLanguagesOperatorTexts: with texts of the web client in
// LOTSE_CONTENT_DIR, mailbox-audit web still passes for the published files
// and names the operator's catalogues and the texts they change; in
// Chromium the page shows the operator's German text from the first view
// and the French one after the switch, the others as built.
func TestLanguagesOperatorTexts(t *testing.T) {
	sums := filepath.Join("..", "webclient", "dist", "SHA256SUMS")
	if _, err := os.Stat(sums); err != nil {
		t.Skip("the web client is not built (make web)")
	}
	// A team, so that the page's status line has one to ask about.
	srv, _, _ := startTeam(t, 3*time.Minute, "LOTSE_CONTENT_DIR="+operatorTextsDir(t))

	t.Run("audit", func(t *testing.T) {
		code, out := auditText("web", "--expect", sums, srv.URL)
		for _, want := range []string{"web client texts in de, fr", "(the operator's de texts)", "(the operator's fr texts)",
			"changed 1 of the published", "start.heading", "write.heading", "PASS: "} {
			if !strings.Contains(out, want) {
				t.Errorf("the audit lacks %q", want)
			}
		}
		if code != 0 {
			t.Errorf("web: exit %d\n%s", code, out)
		}
	})

	t.Run("browser", func(t *testing.T) {
		requireBrowser(t)
		b, w, stop := openTab(t, srv, "de-DE")
		defer stop()
		de, fr := catalogueOf(t, "de"), catalogueOf(t, "fr")
		b.do("open the page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("b-start-write")))
		checkLangView(b, langCase{lang: "de"}, "start", "Willkommen bei der Testberatung")
		b.do("write", chromedp.Click(chromedp.ID("b-start-write")), chromedp.WaitVisible(chromedp.ID("body")))
		checkLangView(b, langCase{lang: "de"}, "write in German", de["write.heading"])
		b.do("to French", chooseLang("fr"))
		checkLangView(b, langCase{lang: "fr"}, "write in French", "Écrivez-nous ici, en toute sécurité")
		if got := b.text("#exit"); !strings.Contains(got, fr["exit"]) {
			t.Errorf("the French exit reads %q, want the built %q", got, fr["exit"])
		}
		_, problems := w.snapshot()
		for _, p := range problems {
			t.Errorf("browser: %s", p)
		}
	})
}
