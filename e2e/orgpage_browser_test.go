package e2e

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// TestOrgPageBrowser: an enquirer writes to organisation B at /o/b/ on a
// 320 px phone (PROTOCOL.md §8). The page carries B's name where the front
// door's stands; the mailbox is B's, read by B's counsellor with B's key
// and unknown to the front door's; the enquirer comes back through /o/b/
// with the code and reads B's reply. /o/<unknown>/ is 404.
func TestOrgPageBrowser(t *testing.T) {
	requireBrowser(t)
	srv, ctx, front := startTeam(t, 5*time.Minute, "LOTSE_POW_DIFFICULTY=4", "LOTSE_EXIT_URL="+exitURL)
	const nameB = "Fachberatung Nord"
	created, err := front.Admin.CreateOrg(ctx, "b", nameB)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	teamB, err := mailboxdtest.SetUpOrgTeam(ctx, c, "b", created.Setup, "Admin B")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/o/zz/", "/o/main/"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
		}
	}

	bctx := startBrowser(t, "de-DE")
	b := openFlowTab(t, bctx, srv, 320)
	defer b.cancel()
	b.do("open /o/b/", chromedp.Navigate(srv.URL+"/o/b/"), chromedp.WaitVisible(chromedp.ID("b-start-write")))
	root, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	rootPage, err := io.ReadAll(root.Body)
	root.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	frontName := regexpFind(string(rootPage), `<p class="brand" id="brand">([^<]*)</p>`)
	if frontName == "" || frontName == nameB {
		t.Fatalf("the front door's page is named %q", frontName)
	}
	if brand, title := b.text("#brand"), eval[string](b.tab, `document.title`); brand != nameB || title != nameB {
		t.Errorf("/o/b/ shows %q in its header and %q as its title, want %q", brand, title, nameB)
	}
	if strings.Contains(b.text("body"), frontName) {
		t.Errorf("/o/b/ shows the front door's name %q", frontName)
	}
	if w := eval[int](b.tab, `document.documentElement.scrollWidth`); w > 320 {
		t.Errorf("/o/b/ is %d px wide at 320 px", w)
	}

	b.do("write", chromedp.Click(chromedp.ID("b-start-write")), chromedp.SendKeys(chromedp.ID("body"), "Hallo Nord."),
		chromedp.Click(chromedp.ID("b-write-send")), chromedp.WaitVisible(chromedp.CSS(".secrets")))
	code, pass := shownSecrets(b.tab)
	b.do("check and send", chromedp.Click(chromedp.ID("b-keep-written")), chromedp.WaitVisible(chromedp.ID("check-code")),
		chromedp.SendKeys(chromedp.ID("check-code"), code), chromedp.SendKeys(chromedp.ID("check-pass"), pass),
		chromedp.Click(chromedp.ID("b-check-submit")), chromedp.WaitVisible(chromedp.CSS(`#thread li.message.mine`)))
	if brand := b.text("#brand"); brand != nameB {
		t.Errorf("the thread at /o/b/ shows %q in its header", brand)
	}

	// The mailbox is B's: B's counsellor reads it with B's keyring, the
	// front door's does not know it.
	keys, err := crypto.DeriveEnquirerKeys(code, pass)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := teamB.Admin.Cases(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 || cases[0].ID != keys.MailboxID {
		t.Fatalf("B's cases %+v, want the one of the shown code", cases)
	}
	detail, err := teamB.Admin.Case(ctx, keys.MailboxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	first := readThread(t, "B's counsellor", keys.MailboxID, nil, detail.Messages, openKeyring(t, ctx, teamB.Admin, teamB.AdminKey), 1)[0].Doc
	if first.Body != "Hallo Nord." {
		t.Errorf("B's counsellor reads %q", first.Body)
	}
	var apiErr *client.Error
	if _, err := front.Admin.Case(ctx, keys.MailboxID, 0); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("the front door's counsellor opens B's case: %v", err)
	}
	if cs := countCases(t, ctx, front); len(cs) != 0 {
		t.Errorf("the front door lists %d cases, want none", len(cs))
	}

	// B replies; the enquirer comes back through /o/b/ with the code.
	replyAs(t, ctx, teamB, first, counsellorDoc(t, keys.MailboxID, first.MK, "Nord", "Hier ist die Fachberatung Nord."))
	b.cancel()
	back := openFlowTab(t, bctx, srv, 320)
	defer back.cancel()
	back.do("come back", chromedp.Navigate(srv.URL+"/o/b/"), chromedp.WaitVisible(chromedp.ID("b-start-return")),
		chromedp.Click(chromedp.ID("b-start-return")), chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), code), chromedp.SendKeys(chromedp.ID("pass"), pass),
		chromedp.Click(chromedp.ID("b-login-submit")), chromedp.WaitVisible(chromedp.CSS(`#thread li.message.theirs`)))
	if got := back.text("#thread li.message.theirs .body"); got != "Hier ist die Fachberatung Nord." {
		t.Errorf("the enquirer reads %q, want B's reply", got)
	}
	if got := back.text("#thread li.message.mine .body"); got != "Hallo Nord." {
		t.Errorf("the enquirer's own message reads %q", got)
	}
	if brand := back.text("#brand"); brand != nameB {
		t.Errorf("coming back, /o/b/ shows %q in its header", brand)
	}
}
