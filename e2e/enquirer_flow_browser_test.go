package e2e

import (
	"context"
	"crypto/rand"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// Issue 12: the enquirer's way from the first visit to a kept
// conversation, in Chromium against the real mailboxd.

// flowTab is a tab that accepts every dialog and counts the "leave this
// page?" ones.
type flowTab struct {
	*tab
	asked  atomic.Int32
	cancel context.CancelFunc
}

func openFlowTab(t *testing.T, bctx context.Context, srv *server, width int64) *flowTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx)
	if err := chromedp.Do(ctx); err != nil { // opens the tab; no timeout here
		t.Fatalf("open a tab: %v", err)
	}
	ft := &flowTab{tab: &tab{t: t, ctx: ctx, srv: srv}, cancel: cancel}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			if ev.Type == page.DialogTypeBeforeunload {
				ft.asked.Add(1)
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	call(ft.tab, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: width, Height: 740, DeviceScaleFactor: 1, Mobile: true})
	return ft
}

// startBrowser starts Chromium preferring lang and returns its context.
func startBrowser(t *testing.T, lang string) context.Context {
	t.Helper()
	bctx, stop := newBrowser(t, lang)
	t.Cleanup(stop)
	if err := chromedp.Do(bctx); err != nil { // the first call starts the browser: no timeout
		t.Fatalf("start Chromium: %v", err)
	}
	return bctx
}

func countCases(t *testing.T, ctx context.Context, team *mailboxdtest.Team) []client.Case {
	t.Helper()
	cases, err := team.Admin.Cases(ctx, "")
	if err != nil {
		t.Fatalf("list the cases: %v", err)
	}
	return cases
}

// waitFor polls expr in the page for up to ten seconds.
func waitFor(b *tab, expr string) bool {
	b.t.Helper()
	for range 100 {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// shownSecrets reads the code and passphrase off the keep view.
func shownSecrets(b *tab) (code, pass string) {
	b.t.Helper()
	code = eval[string](b, `[...document.querySelectorAll(".secret.code .group")].map(e => e.textContent).join("")`)
	pass = eval[string](b, `[...document.querySelectorAll(".secret.pass .group")].map(e => e.textContent).join("")`)
	if _, err := crypto.ParsePickupCode(code); err != nil {
		b.t.Fatalf("the shown pickup code %q: %v", code, err)
	}
	if _, err := crypto.ParsePassphrase(pass); err != nil {
		b.t.Fatalf("the shown passphrase: %v", err)
	}
	return code, pass
}

// TestNoOrphanedConversation: at every step before the conversation
// exists, a reload, Back or a discarded tab leaves nothing on the server
// (and the page asks before leaving once there is something to lose);
// the mailbox is created only after the person has typed back both the
// code and the passphrase, so every conversation on the server is one its
// enquirer can open.
func TestNoOrphanedConversation(t *testing.T) {
	requireBrowser(t)
	srv, ctx, team := startTeam(t, 6*time.Minute, "LOTSE_POW_DIFFICULTY=4", "LOTSE_EXIT_URL="+exitURL)
	bctx := startBrowser(t, "de-DE")

	steps := []string{"start", "write", "keep", "check"}
	// walk opens the app after an information page (so that Back has
	// somewhere to go) and goes as far as step.
	walk := func(b *flowTab, step string) {
		b.do("open", chromedp.Navigate(srv.URL+"/info/de/"), chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("b-start-write")))
		if step == "start" {
			return
		}
		for _, s := range steps[1:] {
			switch s {
			case "write":
				b.do("write", chromedp.Click(chromedp.ID("b-start-write")), chromedp.SendKeys(chromedp.ID("body"), "Ein Entwurf."))
			case "keep":
				b.do("to the code", chromedp.Click(chromedp.ID("b-write-send")), chromedp.WaitVisible(chromedp.CSS(".secrets")))
			case "check":
				code, _ := shownSecrets(b.tab)
				b.do("to the check", chromedp.Click(chromedp.ID("b-keep-written")), chromedp.WaitVisible(chromedp.ID("check-code")),
					chromedp.SendKeys(chromedp.ID("check-code"), code))
			}
			if s == step {
				return
			}
		}
	}
	for _, step := range steps {
		// Something to lose from the first typed word on.
		wantAsk := step != "start"
		for _, leave := range []string{"reload", "back", "discard", "exit"} {
			b := openFlowTab(t, bctx, srv, 360)
			walk(b, step)
			switch leave {
			case "reload":
				b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("b-start-write")))
			case "back":
				// Not chromedp.NavigateBack: a page from the back/forward
				// cache fires no load event to wait for.
				h := call(b.tab, page.GetNavigationHistory, cdp.Empty{})
				call(b.tab, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: h.Entries[h.CurrentIndex-1].ID})
				if !waitFor(b.tab, `location.pathname === "/info/de/" && document.readyState === "complete"`) {
					t.Errorf("%s, back: still at %s", step, eval[string](b.tab, `location.pathname`))
				}
			case "discard":
				// A phone discarding a background tab kills its renderer
				// without asking; opening the tab again loads the URL.
				// The renderer dies before it can answer: no reply to wait for.
				cctx, ccancel := context.WithTimeout(b.ctx, 2*time.Second)
				chromedp.Call(cctx, page.Crash, cdp.Empty{})
				ccancel()
			case "exit":
				// The quick exit never stops to ask.
				b.do("exit", chromedp.Click(chromedp.ID("exit")))
				waitAway(b.tab)
			}
			if leave == "exit" {
				if b.asked.Load() != 0 {
					t.Errorf("%s: the quick exit asked before leaving", step)
				}
			} else if leave != "discard" {
				if asked := b.asked.Load() > 0; asked != wantAsk {
					t.Errorf("%s, %s: asked before leaving %v, want %v", step, leave, asked, wantAsk)
				}
			}
			b.cancel()
			if n := len(countCases(t, ctx, team)); n != 0 {
				t.Fatalf("%s, %s: %d conversations on the server, want none", step, leave, n)
			}
		}
	}
	if t.Failed() {
		return
	}

	// The whole way: both fields are checked, each on its own; an error
	// leaves as the field is corrected; "show them again" keeps the code.
	b := openFlowTab(t, bctx, srv, 360)
	defer b.cancel()
	walk(b, "write")
	start := time.Now()
	b.do("to the code", chromedp.Click(chromedp.ID("b-write-send")), chromedp.WaitVisible(chromedp.CSS(".secrets")))
	clickToCode := time.Since(start)
	code, pass := shownSecrets(b.tab)
	// The write view's progress line left with it.
	if !eval[bool](b.tab, `(() => { const s = document.getElementById("status"); return !s || s.hidden; })()`) {
		t.Errorf("the keep view shows the status line %q", b.text("#status"))
	}
	if text := b.text("main"); !strings.Contains(text, "noch nicht gesendet") {
		t.Errorf("the keep view does not say the message is not sent yet: %q", text)
	}
	b.do("check", chromedp.Click(chromedp.ID("b-keep-written")), chromedp.WaitVisible(chromedp.ID("check-code")))
	if eval[bool](b.tab, `!!document.querySelector(".secrets")`) {
		t.Error("the check view still shows the code and passphrase")
	}
	otherCode, _ := crypto.GeneratePickupCode(rand.Reader)
	otherPass, _ := crypto.GeneratePassphrase(rand.Reader)
	b.do("a wrong code", chromedp.SendKeys(chromedp.ID("check-code"), otherCode), chromedp.SendKeys(chromedp.ID("check-pass"), pass),
		chromedp.Click(chromedp.ID("b-check-submit")), chromedp.WaitVisible(chromedp.ID("check-code-error")))
	if !eval[bool](b.tab, `document.getElementById("check-pass-error").hidden`) {
		t.Error("a wrong pickup code marks the passphrase too")
	}
	b.do("correct the code", chromedp.SendKeys(chromedp.ID("check-code"), "1"))
	if !eval[bool](b.tab, `document.getElementById("check-code-error").hidden`) {
		t.Error("the error stays after the field changed")
	}
	clearInput(b.tab, "check-code")
	clearInput(b.tab, "check-pass")
	b.do("a wrong passphrase", chromedp.SendKeys(chromedp.ID("check-code"), code), chromedp.SendKeys(chromedp.ID("check-pass"), otherPass),
		chromedp.Click(chromedp.ID("b-check-submit")), chromedp.WaitVisible(chromedp.ID("check-pass-error")))
	if !eval[bool](b.tab, `document.getElementById("check-code-error").hidden`) {
		t.Error("a wrong passphrase marks the pickup code too")
	}
	if n := len(countCases(t, ctx, team)); n != 0 {
		t.Fatalf("%d conversations after a failed check, want none", n)
	}
	b.do("show again", chromedp.Click(chromedp.ID("b-check-show")), chromedp.WaitVisible(chromedp.CSS(".secrets")))
	if c2, p2 := shownSecrets(b.tab); c2 != code || p2 != pass {
		t.Error("showing them again shows another code or passphrase")
	}
	b.do("check again", chromedp.Click(chromedp.ID("b-keep-written")), chromedp.WaitVisible(chromedp.ID("check-code")),
		chromedp.SendKeys(chromedp.ID("check-code"), code[:5]+" "+code[5:]), chromedp.SendKeys(chromedp.ID("check-pass"), pass))
	start = time.Now()
	b.do("send", chromedp.Click(chromedp.ID("b-check-submit")), chromedp.WaitVisible(chromedp.CSS(`#thread li.message.mine`)))
	codeToThread := time.Since(start)
	t.Logf("measured at 360×740, proof of work 4 bits: click on send to the code on screen %v; check to the thread %v",
		clickToCode.Round(time.Millisecond), codeToThread.Round(time.Millisecond))

	// "Your message has arrived" once, in the status line of the thread,
	// and in the other language after a switch.
	if n := eval[int](b.tab, `document.body.innerText.split("Ihre Nachricht ist angekommen.").length - 1`); n != 1 {
		t.Errorf("the arrival is said %d times, want once", n)
	}
	b.do("switch", chooseLang("en"))
	if s := b.text("#status"); s != "Your message has arrived." {
		t.Errorf("after the switch the status line says %q", s)
	}
	b.do("switch back", chooseLang("de"))
	b.do("to delete and back", chromedp.Click(chromedp.ID("b-thread-delete")), chromedp.WaitVisible(chromedp.ID("b-delete-cancel")),
		chromedp.Click(chromedp.ID("b-delete-cancel")), chromedp.WaitVisible(chromedp.ID("thread")))
	if eval[bool](b.tab, `document.body.innerText.includes("Ihre Nachricht ist angekommen.")`) {
		t.Error("the status line outlived its view")
	}

	// The conversation on the server is the one the shown code opens;
	// leaving it now asks nothing.
	cases := countCases(t, ctx, team)
	keys, err := crypto.DeriveEnquirerKeys(code, pass)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 || cases[0].ID != keys.MailboxID {
		t.Fatalf("cases %+v, want the one of the shown code", cases)
	}
	// After the team's reply and the person's follow-up, no "no reply
	// yet"; leaving reads as leaving for now, not ending the counselling.
	kr := openKeyring(t, ctx, team.Admin, team.AdminKey)
	detail, err := team.Admin.Case(ctx, keys.MailboxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	first := readThread(t, "counsellor", keys.MailboxID, nil, detail.Messages, kr, 1)[0].Doc
	replyAs(t, ctx, team, first, counsellorDoc(t, keys.MailboxID, first.MK, "Anna", "Wir sind da."))
	b.do("the reply", chromedp.WaitVisible(chromedp.CSS(`#thread li.message.theirs`)),
		chromedp.SendKeys(chromedp.ID("reply"), "Danke."), chromedp.Click(chromedp.ID("b-thread-send")),
		chromedp.WaitVisible(chromedp.CSS(`#thread li.message.mine[data-seq="3"]`)))
	if text := b.text("#thread"); strings.Contains(text, "Noch keine Antwort") || !strings.Contains(text, "erscheinen hier von selbst") {
		t.Errorf("after a reply and a follow-up the thread says %q", text)
	}
	if label := b.text("#b-thread-close"); label != "Später weiterlesen" {
		t.Errorf("the leave button reads %q", label)
	}
	asked := b.asked.Load()
	b.do("reload the thread", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("b-start-return")))
	if b.asked.Load() != asked {
		t.Error("the page asks before leaving a conversation that exists")
	}
	b.do("come back", chromedp.Click(chromedp.ID("b-start-return")), chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), code), chromedp.SendKeys(chromedp.ID("pass"), pass),
		chromedp.Click(chromedp.ID("b-login-submit")), chromedp.WaitVisible(chromedp.CSS(`#thread li.message.mine`)))
	if got := b.text("#thread li.message.mine .body"); got != "Ein Entwurf." {
		t.Errorf("the conversation shows %q", got)
	}
}

// TestFirstMessageAnswerLost: the mailbox is stored but the answer to its
// creation never reaches the page. Trying again finds the mailbox is the
// person's own and opens it with the code they already checked, instead
// of showing a new code for a second conversation.
func TestFirstMessageAnswerLost(t *testing.T) {
	requireBrowser(t)
	srv, ctx, team := startTeam(t, 2*time.Minute, "LOTSE_POW_DIFFICULTY=1")
	b := openFlowTab(t, startBrowser(t, "de-DE"), srv, 360)
	defer b.cancel()

	// Only the first answer to POST /api/v1/mailboxes is dropped, after
	// the server has stored the mailbox.
	b.dropFirst("POST", "*/api/v1/mailboxes", fetch.RequestStageResponse)

	b.do("write", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("b-start-write")), chromedp.Click(chromedp.ID("b-start-write")),
		chromedp.SendKeys(chromedp.ID("body"), "Hallo."), chromedp.Click(chromedp.ID("b-write-send")), chromedp.WaitVisible(chromedp.CSS(".secrets")))
	code, pass := shownSecrets(b.tab)
	b.do("check", chromedp.Click(chromedp.ID("b-keep-written")), chromedp.WaitVisible(chromedp.ID("check-code")),
		chromedp.SendKeys(chromedp.ID("check-code"), code), chromedp.SendKeys(chromedp.ID("check-pass"), pass),
		chromedp.Click(chromedp.ID("b-check-submit")), chromedp.WaitVisible(chromedp.CSS(".form-error")))
	if text := b.text(".form-error"); !strings.Contains(text, "noch nicht gesendet") {
		t.Errorf("after the lost answer the page says %q", text)
	}
	if n := len(countCases(t, ctx, team)); n != 1 {
		t.Fatalf("%d conversations stored, want the one whose answer was lost", n)
	}
	b.do("try again", chromedp.Click(chromedp.ID("b-check-submit")), chromedp.WaitVisible(chromedp.CSS(`#thread li.message.mine`)))
	keys, err := crypto.DeriveEnquirerKeys(code, pass)
	if err != nil {
		t.Fatal(err)
	}
	if cases := countCases(t, ctx, team); len(cases) != 1 || cases[0].ID != keys.MailboxID {
		t.Errorf("cases %+v, want only the one of the checked code", cases)
	}
}
