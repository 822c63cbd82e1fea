package counsel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Tests of the desk for a working day (issue 13): drafts across locks,
// room for the thread, a desk address good for one page, the inbox's
// order, unread markers, previews and notifications.

// newTab opens a fresh tab (its own sessionStorage) of w×h in bctx's
// browser, after starting the browser with bctx's own tab if need be.
func newTab(t *testing.T, bctx context.Context, w, h int64) (context.Context, context.CancelFunc) {
	t.Helper()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	tab, cancel := chromedp.NewContext(bctx)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(w, h)); err != nil {
		cancel()
		t.Fatalf("new tab: %v", err)
	}
	return tab, cancel
}

// clickLine clicks a line of the inbox in one step of the page: the list
// is drawn anew on every event, and a click in two steps (find the node,
// then press on it) can land between the two drawings.
func clickLine(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.WaitVisible(chromedp.CSS(sel))(ctx, tg); err != nil {
			return err
		}
		q, err := json.Marshal(sel)
		if err != nil {
			return err
		}
		_, err = chromedp.Evaluate[bool](`(() => { document.querySelector(`+string(q)+`).click(); return true; })()`)(ctx, tg)
		return err
	})
}

func evalIn[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// TestDeskDraftBrowser: nothing typed is lost. A draft survives the Lock
// button (and comes back with its case after the unlock), the auto-lock,
// a tab closed right after the last key, and a crashed tab; on disk it is
// encrypted to the counsellor, 0600. Also measures the room the thread
// gets at 1280×800 and 1024×700.
func TestDeskDraftBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	d, u, ctx := tt.d, tt.u, tt.ctx
	enq := tt.newCase(t, "Ich arbeite in einer Küche und bekomme seit Monaten keinen Lohn.")
	for i := range 7 {
		if err := enq.write(ctx, fmt.Sprintf("Nachricht %d: %s", i+2, strings.Repeat("Mein Chef hat meinen Pass. ", 8))); err != nil {
			t.Fatal(err)
		}
	}
	tab, closeTab := newTab(t, bctx, 1280, 800)
	caseSel := `#case-list button[data-case="` + enq.keys.MailboxID + `"]`
	unlockIn(t, tab, u, caseSel)
	if err := within(tab, 20*time.Second,
		clickLine(caseSel),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.enquirer")),
	); err != nil {
		t.Fatalf("open the case: %v", err)
	}

	// The thread has the room: at least half of the window's height.
	room := func(w, h int64) (thread, replyBottom float64) {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(w, h)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // one layout
		r := evalIn[[]float64](t, tab, `[document.getElementById("messages").getBoundingClientRect().height,
			document.getElementById("reply-send").getBoundingClientRect().bottom]`)
		return r[0], r[1]
	}
	th, send := room(1280, 800)
	shot(t, tab, "room-1280x800")
	t.Logf("thread at 1280×800: %.0f px of 800", th)
	if th < 400 || send > 800 {
		t.Errorf("at 1280×800 the thread has %.0f px (want at least 400), the send button ends at %.0f", th, send)
	}
	th, send = room(1024, 700)
	shot(t, tab, "room-1024x700")
	t.Logf("thread at 1024×700: %.0f px of 700", th)
	if th < 250 || send > 700 {
		t.Errorf("at 1024×700 the thread has %.0f px (want at least 250), the send button ends at %.0f", th, send)
	}
	room(1280, 800)

	// Type, lock with the button, unlock: the case is open again with the
	// draft in the editor.
	const draft = "Guten Tag, danke für Ihre Nachricht. Wir"
	if err := within(tab, 20*time.Second,
		chromedp.SendKeys(chromedp.CSS("#reply-text"), draft),
		chromedp.Click(chromedp.CSS("#lock")),
		chromedp.WaitVisible(chromedp.CSS("#passphrase")),
	); err != nil {
		t.Fatalf("type and lock: %v", err)
	}
	if deskUnlocked(d) {
		t.Fatal("the desk is not locked")
	}
	if v := evalIn[string](t, tab, `document.getElementById("reply-text").value`); v != "" {
		t.Errorf("the locked page still holds the draft: %q", v)
	}
	checkWorkFile(t, tt.dir, draft)
	if err := within(tab, 30*time.Second,
		chromedp.SendKeys(chromedp.CSS("#passphrase"), testPassphrase),
		chromedp.Click(chromedp.CSS("#unlock-button")),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.enquirer")),
	); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if v := evalIn[string](t, tab, `document.getElementById("reply-text").value`); v != draft {
		t.Errorf("draft after the lock %q, want %q", v, draft)
	}
	if title, _ := text(tab, "#thread-title"); !strings.Contains(title, enq.keys.MailboxID[:8]) {
		t.Errorf("open case after the lock %q, want %s", title, enq.keys.MailboxID[:8])
	}

	// Type on; the desk locks by itself (as after 15 minutes unused) a
	// moment later: the draft is back after the unlock too.
	const more1 = " können"
	if err := within(tab, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#reply-text"), more1)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the page saves a moment after the last key
	d.lock()
	if err := within(tab, 30*time.Second,
		chromedp.WaitVisible(chromedp.CSS("#passphrase")),
		chromedp.SendKeys(chromedp.CSS("#passphrase"), testPassphrase),
		chromedp.Click(chromedp.CSS("#unlock-button")),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.enquirer")),
	); err != nil {
		t.Fatalf("auto-lock and unlock: %v", err)
	}
	if v := evalIn[string](t, tab, `document.getElementById("reply-text").value`); v != draft+more1 {
		t.Errorf("draft after the auto-lock %q, want %q", v, draft+more1)
	}

	// Type on, close the tab a moment later; a new address in a new tab
	// shows the case and the whole draft.
	const more = " Ihnen helfen."
	if err := within(tab, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#reply-text"), more)); err != nil {
		t.Fatal(err)
	}
	// Closed at once, before the page's pause after the last key: the
	// page sends the draft as it goes (pagehide, keepalive).
	closeTab()
	waitDraft(t, d, enq.keys.MailboxID, draft+more1+more)
	tab2, closeTab2 := newTab(t, bctx, 1280, 800)
	if err := within(tab2, 30*time.Second,
		chromedp.Navigate(d.OpenURL()),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.enquirer")),
	); err != nil {
		shot(t, tab2, "reopen-failed")
		t.Fatalf("open the desk again: %v", err)
	}
	if v := evalIn[string](t, tab2, `document.getElementById("reply-text").value`); v != draft+more1+more {
		t.Errorf("draft in a new tab %q, want %q", v, draft+more1+more)
	}
	checkWorkFile(t, tt.dir, more)

	// The tab crashes (no goodbye from the page) a moment after the last
	// key: the draft saved while typing is there in the next tab.
	const more2 = " Bis bald."
	if err := within(tab2, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#reply-text"), more2)); err != nil {
		t.Fatal(err)
	}
	waitDraft(t, d, enq.keys.MailboxID, draft+more1+more+more2) // saved while typing
	crash, ccrash := context.WithTimeout(tab2, 5*time.Second)
	chromedp.Call(crash, page.Crash, cdp.Empty{}) // answers nothing: the tab is gone
	ccrash()
	closeTab2()
	tab3, closeTab3 := newTab(t, bctx, 1280, 800)
	defer closeTab3()
	if err := within(tab3, 30*time.Second,
		chromedp.Navigate(d.OpenURL()),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.enquirer")),
	); err != nil {
		shot(t, tab3, "after-crash-failed")
		t.Fatalf("open the desk after a crash: %v", err)
	}
	if v := evalIn[string](t, tab3, `document.getElementById("reply-text").value`); v != draft+more1+more+more2 {
		t.Errorf("draft after a crash %q, want %q", v, draft+more1+more+more2)
	}

	// Sent, the draft is gone, here and in counsel.
	if err := within(tab3, 20*time.Second,
		chromedp.Click(chromedp.CSS("#reply-send")),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.counsellor")),
	); err != nil {
		t.Fatalf("send: %v", err)
	}
	if snap, _ := d.work.snapshot(); len(snap.Drafts) != 0 {
		t.Errorf("drafts after sending: %q", snap.Drafts)
	}
}

// waitDraft waits until counsel holds want as the draft of case id.
func waitDraft(t *testing.T, d *Desk, id, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		snap, _ := d.work.snapshot()
		if snap.Drafts[id] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("counsel holds the draft %q, want %q", snap.Drafts[id], want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkWorkFile: the drafts file exists, is 0600 and does not hold text.
func checkWorkFile(t *testing.T, dir, text string) {
	t.Helper()
	p := filepath.Join(dir, draftsFile)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatalf("drafts file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("drafts file mode %v", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(p)
	if !strings.HasPrefix(string(b), "age-encryption.org/v1\n") || strings.Contains(string(b), text) {
		t.Error("the drafts file is not age ciphertext, or holds the draft in clear")
	}
}

// TestDeskAddressBrowser: the desk's address opens one page. It leaves
// the address bar and the history at once; the same address in another
// tab (or browser) opens nothing; the desk locks when its last page has
// been gone for pageGrace, and not while a page is open.
func TestDeskAddressBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	d, u := tt.d, tt.u
	const grace = 5 * time.Second // longer than a reload on a busy machine
	d.mu.Lock()
	d.pageGrace = grace
	d.mu.Unlock()
	tok := strings.SplitN(u, "#o=", 2)[1]

	tab, closeTab := newTab(t, bctx, 1280, 800)
	unlockIn(t, tab, u, "#view-inbox")
	loc, err := chromedp.Run(tab, chromedp.Location())
	if err != nil || strings.Contains(loc, tok) || strings.Contains(loc, "#") {
		t.Errorf("address bar %q, %v", loc, err)
	}
	hist, err := chromedp.Call(tab, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range hist.Entries {
		if strings.Contains(e.URL, tok) {
			t.Errorf("the history holds the token: %s", e.URL)
		}
	}

	// The same address again: over HTTP, and in a new tab.
	if st, secret := openPageHTTP(t, u); st != http.StatusUnauthorized || secret != "" {
		t.Errorf("replayed address: %d %q", st, secret)
	}
	tab2, closeTab2 := newTab(t, bctx, 1280, 800)
	if err := within(tab2, 20*time.Second,
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#view-token")),
	); err != nil {
		shot(t, tab2, "replay-failed")
		t.Fatalf("the replayed address: %v", err)
	}
	if n := evalIn[int](t, tab2, `document.querySelectorAll("#case-list li").length + (document.getElementById("view-inbox").hidden ? 0 : 1)`); n != 0 {
		t.Error("the replayed address shows the inbox")
	}
	closeTab2()

	// The first page stays: no lock however long it is open.
	time.Sleep(grace + time.Second)
	if !deskUnlocked(d) {
		t.Fatal("the desk locked while its page was open")
	}
	// A reload is the same page: the tab keeps its session.
	if err := within(tab, 20*time.Second,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#view-inbox")),
	); err != nil {
		t.Fatalf("reload: %v", err)
	}
	closeTab()
	deadline := time.Now().Add(grace + 10*time.Second)
	for deskUnlocked(d) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if deskUnlocked(d) {
		t.Fatal("the desk is still unlocked with its last page gone")
	}
}

// TestDeskInboxBrowser: the inbox puts the cases awaiting a reply first,
// marks what this counsellor has not read (also after a reload and after
// a new message), shows the first line of the newest message, and a new
// enquiry raises a desktop notification that names nothing of the case.
func TestDeskInboxBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	u, ctx := tt.u, tt.ctx

	long := "Meine Schwester ist in einem Haushalt in München und darf das Haus nicht allein verlassen, seit zwei Jahren."
	var enqs []*enquirer
	for i := range 3 {
		enqs = append(enqs, tt.newCase(t, fmt.Sprintf("Fall %d. %s", i+1, long)))
	}
	slices.SortFunc(enqs, func(a, b *enquirer) int { return strings.Compare(a.keys.MailboxID, b.keys.MailboxID) })
	// The case first by id (and by activity, after the reply) has its
	// answer: it goes to the end.
	answered := enqs[0].keys.MailboxID
	s := unlockT(t, ctx, tt.cfg)
	th, err := s.ReadCase(ctx, answered)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reply(ctx, th, "Wir melden uns morgen.", ""); err != nil {
		t.Fatal(err)
	}
	s.Wipe()

	// Notifications allowed for the desk's origin; the page's calls are
	// recorded as they reach the browser's Notification.
	tab, closeTab := newTab(t, bctx, 1280, 800)
	defer closeTab()
	if _, err := chromedp.CallBrowser(bctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted, Origin: strings.TrimSuffix(tt.base, "/")}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.__notes = [];
		const N = window.Notification;
		window.Notification = class extends N {
			constructor(title, opts) { super(title, opts); window.__notes.push({ title, body: (opts && opts.body) || "" }); }
		};`}); err != nil {
		t.Fatal(err)
	}
	unlockIn(t, tab, u, `#case-list button[data-case="`+answered+`"]`)
	if p := evalIn[string](t, tab, `Notification.permission`); p != "granted" {
		t.Fatalf("notification permission %q", p)
	}

	order := func() []string {
		return evalIn[[]string](t, tab, `[...document.querySelectorAll("#case-list button[data-case]")].map(b => b.dataset.case + (b.classList.contains("unread") ? "*" : ""))`)
	}
	got := order()
	if len(got) != 3 || strings.TrimSuffix(got[2], "*") != answered {
		t.Errorf("inbox order %v: want the answered case %s last", got, answered)
	}
	for _, c := range got[:2] {
		if !strings.HasSuffix(c, "*") {
			t.Errorf("case %s is not marked unread: %v", c, got)
		}
	}

	// A preview: the first 80 characters of the newest message, as text.
	b := enqs[1].keys.MailboxID
	bSel := `#case-list button[data-case="` + b + `"]`
	if err := within(tab, 20*time.Second, chromedp.WaitVisible(chromedp.CSS(bSel+" .preview:not(:empty)"))); err != nil {
		t.Fatalf("no preview: %v", err)
	}
	pv, _ := text(tab, bSel+" .preview")
	if !strings.HasPrefix(pv, "Fall ") || !strings.HasSuffix(pv, "…") || len([]rune(pv)) != previewRunes+1 {
		t.Errorf("preview %q", pv)
	}

	// Read: the marker goes, and stays gone after a reload.
	if err := within(tab, 20*time.Second,
		clickLine(bSel),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.enquirer")),
		chromedp.WaitNotPresent(chromedp.CSS(bSel+".unread")),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(bSel)),
	); err != nil {
		t.Fatalf("read and reload: %v", err)
	}
	got = order()
	if !slices.Contains(got, b) || !slices.Contains(got, enqs[2].keys.MailboxID+"*") {
		t.Errorf("after reading %s and a reload: %v", b[:8], got)
	}

	// A new message makes it unread again, live, while another case is
	// open (the open case shows a new message at once: it is read).
	cSel := `#case-list button[data-case="` + enqs[2].keys.MailboxID + `"]`
	if err := within(tab, 20*time.Second,
		clickLine(cSel),
		chromedp.WaitNotPresent(chromedp.CSS(cSel+".unread")),
	); err != nil {
		t.Fatal(err)
	}
	if err := enqs[1].write(ctx, "Noch eine Frage."); err != nil {
		t.Fatal(err)
	}
	if err := within(tab, 20*time.Second, chromedp.WaitVisible(chromedp.CSS(bSel+".unread"))); err != nil {
		t.Fatalf("not unread after a new message: %v", err)
	}
	time.Sleep(time.Second)
	if n := evalIn[int](t, tab, `document.querySelectorAll('`+bSel+`.unread').length`); n != 1 {
		t.Error("the unread marker went by itself")
	}
	if pv, _ := text(tab, bSel+" .preview"); pv != "Noch eine Frage." {
		t.Errorf("preview after a new message %q", pv)
	}
	if n := evalIn[int](t, tab, `window.__notes.length`); n != 0 {
		t.Errorf("%d notifications for a message in a known case", n)
	}

	// A new enquiry: one notification, with nothing of the case in it.
	const secret = "Bitte helfen Sie mir, ich werde festgehalten."
	enq := newCase(t, ctx, tt.srv.URL, secret)
	if err := within(tab, 20*time.Second, chromedp.WaitVisible(chromedp.CSS(`#case-list button[data-case="`+enq.keys.MailboxID+`"]`))); err != nil {
		t.Fatalf("the new case does not appear: %v", err)
	}
	notes := evalIn[[]map[string]string](t, tab, `window.__notes`)
	if len(notes) != 1 {
		t.Fatalf("notifications %v, want one", notes)
	}
	n := notes[0]["title"] + " " + notes[0]["body"]
	if !strings.Contains(n, "neue Anfrage") || strings.Contains(n, enq.keys.MailboxID[:8]) || strings.Contains(n, "festgehalten") {
		t.Errorf("notification %q", n)
	}
	shot(t, tab, "inbox")
}

// openPage trades a one-time address for a page secret over HTTP, as the
// page does; it returns the status and the secret.
func openPageHTTP(t *testing.T, u string) (int, string) {
	t.Helper()
	base, tok, _ := strings.Cut(u, "#o=")
	req, _ := http.NewRequest("POST", base+"api/open", strings.NewReader(`{"open":"`+tok+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Secret string `json:"secret"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Secret
}

// TestDeskCommandAddresses: `counsel desk` prints its one-time address
// even when it opens none itself, and a fresh one for each Enter; each
// opens one page.
func TestDeskCommandAddresses(t *testing.T) {
	tt := newTestTeam(t)
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte(testPassphrase+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"desk", "--no-browser", "--config", tt.dir, "--passphrase-file", pass},
			IO{Stdin: inR, Stdout: outW, Stderr: io.Discard, Getenv: func(string) string { return "" }, Lang: "en"}, testOptions)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	next := func() string {
		t.Helper()
		for lines.Scan() {
			if l := lines.Text(); strings.HasPrefix(l, "http://127.0.0.1:") {
				return l
			}
		}
		t.Fatal("counsel desk printed no address")
		return ""
	}
	first := next()
	inW.Write([]byte("\n"))
	second := next()
	if first == second || !strings.Contains(second, "/#o=") {
		t.Errorf("addresses %q and %q", first, second)
	}
	for _, u := range []string{first, second} {
		if st, secret := openPageHTTP(t, u); st != http.StatusOK || len(secret) != 43 {
			t.Errorf("%s: %d %q", u, st, secret)
		}
		if st, _ := openPageHTTP(t, u); st != http.StatusUnauthorized {
			t.Errorf("%s opened twice: %d", u, st)
		}
	}
	cancel()
	inW.Close()
	go io.Copy(io.Discard, outR)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestDeskShiftBadInput: the new requests refuse bad input with a stable
// code and change nothing, the drafts file included.
func TestDeskShiftBadInput(t *testing.T) {
	tt := newDeskTest(t)
	tt.unlock(t)
	d, base, ctx := tt.d, tt.base, tt.ctx
	id := tt.newCase(t, "Hallo").keys.MailboxID
	if st, b := deskDo(t, d, base, "PUT", "api/drafts/"+id, `{"body":"Entwurf"}`); st != 200 {
		t.Fatalf("save a draft: %d %s", st, b)
	}
	before, err := os.ReadFile(filepath.Join(tt.dir, draftsFile))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, body string
		want                     int
		code                     string
	}{
		{"draft of no case", "PUT", "api/drafts/nocase", `{"body":"x"}`, 400, "bad_request"},
		{"draft too long", "PUT", "api/drafts/" + id, `{"body":"` + strings.Repeat("x", maxBody+1) + `"}`, 400, "bad_request"},
		{"draft unknown field", "PUT", "api/drafts/" + id, `{"text":"x"}`, 400, "bad_request"},
		{"draft not JSON", "PUT", "api/drafts/" + id, `body=x`, 400, "bad_request"},
		{"preview of no case", "GET", "api/previews?ids=nocase", "", 400, "bad_request"},
		{"too many previews", "GET", "api/previews?ids=" + strings.Repeat(id+",", maxPreviewIDs) + id, "", 400, "bad_request"},
		{"unknown order", "GET", "api/cases?limit=10&order=random", "", 400, "bad_request"},
		{"prefs not a bool", "PUT", "api/prefs", `{"sound":"yes"}`, 400, "bad_request"},
		{"open, short token", "POST", "api/open", `{"open":"abc"}`, 400, "bad_request"},
		{"open, unknown token", "POST", "api/open", `{"open":"` + strings.Repeat("A", 43) + `"}`, 401, "token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, b := deskDo(t, d, base, tc.method, tc.path, tc.body)
			var e apiReply
			json.Unmarshal(b, &e)
			if st != tc.want || e.Error != tc.code {
				t.Errorf("%d %s, want %d %s", st, e.Error, tc.want, tc.code)
			}
		})
	}
	d.lock()
	if st, b := deskDo(t, d, base, "PUT", "api/drafts/"+id, `{"body":"gesperrt"}`); st != http.StatusLocked {
		t.Errorf("draft while locked: %d %s", st, b)
	}
	if st, _ := deskDo(t, d, base, "GET", "api/work", ""); st != http.StatusLocked {
		t.Errorf("work while locked: %d", st)
	}
	after, _ := os.ReadFile(filepath.Join(tt.dir, draftsFile))
	if !bytes.Equal(before, after) {
		t.Error("bad input changed the drafts file")
	}
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	st, b := deskDo(t, d, base, "GET", "api/work", "")
	var w workDrafts
	if err := json.Unmarshal(b, &w); st != 200 || err != nil || w.Drafts[id] != "Entwurf" {
		t.Errorf("work after a lock: %d %s", st, b)
	}
}

func TestPreviewOf(t *testing.T) {
	long := strings.Repeat("ä", previewRunes+5)
	tests := []struct {
		name string
		msgs []Message
		want string
	}{
		{"none", nil, ""},
		{"newest", []Message{{Body: "erste"}, {Body: "zweite"}}, "zweite"},
		{"one line", []Message{{Body: " Zeile eins\n\nZeile\tzwei\u2028drei "}}, "Zeile eins Zeile zwei drei"},
		{"controls", []Message{{Body: "a\x1b[2Jb\x00c"}}, "a [2Jb c"},
		{"cut at runes", []Message{{Body: long}}, strings.Repeat("ä", previewRunes) + "…"},
		{"skips warnings", []Message{{Body: "lesbar"}, {Warning: "cannot be read"}}, "lesbar"},
		{"skips duplicates", []Message{{Body: "echt"}, {Body: "echt", Duplicate: true}}, "echt"},
		{"skips empty", []Message{{Body: "Text"}, {Body: " \n "}}, "Text"},
	}
	for _, tc := range tests {
		if got := previewOf(tc.msgs); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// BenchmarkDesk measures what the shift's features cost the desk process:
// the previews of 8 cases of 4 messages, decrypted afresh ("previews-cold")
// and from the threads the desk holds ("previews-warm", one request per
// case to the server for news), and one draft saved while typing
// (encrypted to the counsellor and written with fsync).
func BenchmarkDesk(b *testing.B) {
	tt := newTestTeam(b)
	d := NewDesk(tt.cfg, Options{LockAfter: 15 * time.Minute})
	u, err := d.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	base := strings.SplitN(u, "#", 2)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		b.Fatal(err)
	}
	// New mailboxes are limited per address (10 in 10 minutes): 8 cases of
	// 4 messages each.
	var ids []string
	for i := range 8 {
		enq := newCase(b, ctx, tt.srv.URL, fmt.Sprintf("Anfrage %d: %s", i, strings.Repeat("Ich brauche Hilfe. ", 20)))
		for range 3 {
			if err := enq.write(ctx, strings.Repeat("Noch etwas. ", 30)); err != nil {
				b.Fatal(err)
			}
		}
		ids = append(ids, enq.keys.MailboxID)
	}
	secret := pageSecret(d)
	do := func(method, path, body string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("X-Lotse-Desk", secret)
		if method != "GET" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	previews := "api/previews?ids=" + strings.Join(ids, ",")
	b.Run("previews-cold", func(b *testing.B) {
		for b.Loop() {
			d.threadMu.Lock()
			d.mu.Lock()
			for id, t := range d.threads {
				t.wipe()
				delete(d.threads, id)
			}
			d.mu.Unlock()
			d.threadMu.Unlock()
			do("GET", previews, "")
		}
	})
	b.Run("previews-warm", func(b *testing.B) {
		for b.Loop() {
			do("GET", previews, "")
		}
	})
	draft := `{"body":"` + strings.Repeat("Guten Tag, wir helfen Ihnen. ", 40) + `"}`
	b.Run("save-draft", func(b *testing.B) {
		for b.Loop() {
			do("PUT", "api/drafts/"+ids[0], draft)
		}
	})
}
