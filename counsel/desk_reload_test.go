package counsel

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Tests of the desk across a reload, the Back button and a second tab
// (issue 17): what a counsellor does in the middle of a shift must not
// cost a case that opens or a word typed.

// threadOf is the selector of case id's thread once it shows.
func threadOf(id string) string {
	return `#messages[data-case="` + id + `"] .msg.enquirer`
}

// caseLine is the selector of case id's line in the inbox.
func caseLine(id string) string {
	return `#case-list button[data-case="` + id + `"]`
}

// openByClick clicks case id's line as a person does (a mouse click at
// the line) and waits for its thread.
func openByClick(t *testing.T, tab context.Context, step, id string) {
	t.Helper()
	if err := within(tab, 30*time.Second,
		chromedp.WaitVisible(chromedp.CSS(caseLine(id))),
		chromedp.Click(chromedp.CSS(caseLine(id))),
		chromedp.WaitVisible(chromedp.CSS(threadOf(id))),
	); err != nil {
		shot(t, tab, "reload-"+step)
		t.Fatalf("%s: a click on the case does not open it: %v", step, err)
	}
}

// replyText is what the reply editor holds.
func replyText(t *testing.T, tab context.Context) string {
	t.Helper()
	return evalIn[string](t, tab, `document.getElementById("reply-text").value`)
}

// unlockAgain unlocks a page that asks for the passphrase and waits
// until wait shows.
func unlockAgain(wait string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS("#passphrase")),
		chromedp.SendKeys(chromedp.CSS("#passphrase"), testPassphrase),
		chromedp.Click(chromedp.CSS("#unlock-button")),
		chromedp.WaitVisible(chromedp.CSS(wait)),
	}
}

// TestDeskReloadBrowser: a reload of the unlocked desk keeps it unlocked
// and a click opens a case; a draft typed right before a reload is in the
// editor after it; locked, reloaded and unlocked again, the desk is back
// on the case with its draft and a click opens another case; Back and
// Forward at once after typing lose nothing either.
func TestDeskReloadBrowser(t *testing.T) {
	bctx := chromium(t)
	dt := newDeskTest(t)
	a := dt.newCase(t, "Ich arbeite auf dem Bau und bekomme keinen Lohn.").keys.MailboxID
	b := dt.newCase(t, "Meine Chefin hat meinen Pass genommen.").keys.MailboxID
	tab, closeTab := newTab(t, bctx, 1280, 800)
	defer closeTab()
	unlockIn(t, tab, dt.u, caseLine(a))

	// Unlocked, a reload asks nothing: the tab keeps its page secret.
	if err := within(tab, 30*time.Second,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(caseLine(b))),
	); err != nil {
		shot(t, tab, "reload-unlocked")
		t.Fatalf("reload: %v", err)
	}
	if evalIn[bool](t, tab, `!document.getElementById("view-unlock").hidden`) {
		t.Fatal("the reloaded desk asks for the passphrase")
	}
	openByClick(t, tab, "after a reload", b)

	// A reload right after the last key: the page sends the draft as it
	// goes (pagehide), and the reloaded page opens the case with it.
	const draft = "Guten Tag, Ihr Pass gehört Ihnen."
	if err := within(tab, 30*time.Second,
		chromedp.SendKeys(chromedp.CSS("#reply-text"), draft),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(threadOf(b))),
	); err != nil {
		shot(t, tab, "reload-draft")
		t.Fatalf("type and reload: %v", err)
	}
	if v := replyText(t, tab); v != draft {
		t.Errorf("draft after a reload %q, want %q", v, draft)
	}

	// Locked, reloaded, unlocked: the case and its draft are back, and a
	// click opens the other case.
	if err := within(tab, 30*time.Second,
		append([]chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS("#lock")),
			chromedp.WaitVisible(chromedp.CSS("#passphrase")),
			chromedp.Reload(),
		}, unlockAgain(threadOf(b))...)...,
	); err != nil {
		shot(t, tab, "reload-locked")
		t.Fatalf("lock, reload, unlock: %v", err)
	}
	if v := replyText(t, tab); v != draft {
		t.Errorf("draft after lock, reload and unlock %q, want %q", v, draft)
	}
	openByClick(t, tab, "after lock, reload and unlock", a)
	openByClick(t, tab, "back to the case with the draft", b)
	if v := replyText(t, tab); v != draft {
		t.Errorf("draft after opening another case and back %q, want %q", v, draft)
	}

	// Back (to the blank page the tab came from) right after the last
	// key, then Forward: the desk again, unlocked, with the whole draft.
	const more = " Sie müssen ihn nicht abgeben."
	if err := within(tab, 30*time.Second,
		chromedp.SendKeys(chromedp.CSS("#reply-text"), more),
		chromedp.NavigateBack(),
		chromedp.NavigateForward(),
		chromedp.WaitVisible(chromedp.CSS(threadOf(b))),
	); err != nil {
		shot(t, tab, "reload-back")
		t.Fatalf("type, Back, Forward: %v", err)
	}
	if v := replyText(t, tab); v != draft+more {
		t.Errorf("draft after Back and Forward %q, want %q", v, draft+more)
	}
	openByClick(t, tab, "after Back and Forward", a)
}

// TestDeskReloadTransferBrowser: with a second organisation on the
// server, a case opened straight after a reload and an unlock (the team
// tab, which lists the organisations, never opened in this page) shows
// "Weitergeben …" (117bce2; TestDeskOrgsBrowser reaches the case only
// through the team tab).
func TestDeskReloadTransferBrowser(t *testing.T) {
	bctx := chromium(t)
	dt := newDeskTest(t)
	anna, err := Unlock(dt.ctx, dt.cfg, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	setUpOrg(t, dt.ctx, dt.testTeam, anna, "leipzig", "Fachberatung Leipzig")
	anna.Wipe()
	id := dt.newCase(t, "Ich suche eine Stelle in Leipzig.").keys.MailboxID
	tab, closeTab := newTab(t, bctx, 1280, 800)
	defer closeTab()
	unlockIn(t, tab, dt.u, caseLine(id))
	if err := within(tab, 30*time.Second,
		append([]chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS("#lock")),
			chromedp.WaitVisible(chromedp.CSS("#passphrase")),
			chromedp.Reload(),
		}, unlockAgain(caseLine(id))...)...,
	); err != nil {
		shot(t, tab, "reload-transfer-unlock")
		t.Fatalf("lock, reload, unlock: %v", err)
	}
	openByClick(t, tab, "with two organisations", id)
	if err := within(tab, 20*time.Second, chromedp.WaitVisible(chromedp.CSS("#act-transfer"))); err != nil {
		shot(t, tab, "reload-transfer")
		t.Fatalf("no transfer button on the case: %v", err)
	}
	if got, _ := text(tab, "#act-transfer"); got != "Weitergeben …" {
		t.Errorf("transfer button %q, want %q", got, "Weitergeben …")
	}
	if n := evalIn[int](t, tab, `document.querySelectorAll("#orgs-body tr").length`); n == 0 {
		t.Error("the page holds no organisations")
	}
	if !evalIn[bool](t, tab, `document.getElementById("view-team").hidden`) {
		t.Error("the team tab is open: the test must reach the case without it")
	}
}
