package counsel

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/httpsec"
)

const testPassphrase = "correct horse battery staple"

// testTeam is a mailboxd with a first admin set up in dir; with a proxy,
// the admin was set up, and talks to the server, through it.
type testTeam struct {
	srv   *server
	proxy *hostileProxy
	dir   string
	cfg   *Config
}

func newTestTeam(t testing.TB) *testTeam { return setUpTeam(t, false) }

// teamBehindProxy is a first admin set up through a hostile proxy in
// front of a real mailboxd.
func teamBehindProxy(t testing.TB) (*server, *hostileProxy, *Config) {
	tt := setUpTeam(t, true)
	return tt.srv, tt.proxy, tt.cfg
}

func setUpTeam(t testing.TB, behindProxy bool) *testTeam {
	t.Helper()
	if testing.Short() {
		t.Skip("starts mailboxd")
	}
	srv, err := startMailboxd(buildMailboxd(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.stop)
	tt := &testTeam{srv: srv, dir: filepath.Join(t.TempDir(), "anna")}
	server := srv.URL
	if behindProxy {
		if tt.proxy, err = newHostileProxy(srv.URL); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tt.proxy.close)
		server = tt.proxy.srv.URL
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Init(ctx, tt.dir, server, srv.Setup, "Anna", []byte(testPassphrase), testOptions)
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	s.Wipe()
	if tt.cfg, err = LoadConfig(tt.dir); err != nil {
		t.Fatal(err)
	}
	return tt
}

// unlockT unlocks cfg's desk with the test passphrase; the session is
// wiped when the test ends.
func unlockT(t testing.TB, ctx context.Context, cfg *Config) *Session {
	t.Helper()
	s, err := Unlock(ctx, cfg, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Wipe)
	return s
}

func startDesk(t *testing.T, cfg *Config, lockAfter time.Duration) (*Desk, string) {
	t.Helper()
	d := NewDesk(cfg, Options{LockAfter: lockAfter, PendingPoll: time.Second})
	// One tab serves several desks in turn in some tests: a desk whose
	// page is away for a while must not lock (TestDeskPageGone shortens it).
	d.pageGrace = 5 * time.Minute
	u, err := d.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d, u
}

// deskTest is where a desk test starts: Anna's team on a real mailboxd,
// her desk (locked, locking after a minute) and a context for the
// test's own requests.
type deskTest struct {
	*testTeam
	d    *Desk
	u    string          // the desk's one-page address, its token in the fragment
	base string          // u without the fragment
	ctx  context.Context // ends with the test, after two minutes at the latest
}

func newDeskTest(t *testing.T) *deskTest {
	t.Helper()
	tt := newTestTeam(t)
	d, u := startDesk(t, tt.cfg, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &deskTest{testTeam: tt, d: d, u: u, base: strings.SplitN(u, "#", 2)[0], ctx: ctx}
}

// unlock unlocks the desk as its page's unlock does.
func (dt *deskTest) unlock(t *testing.T) {
	t.Helper()
	if err := dt.d.unlock(dt.ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
}

// newCase is a new case of an enquirer who wrote first.
func (dt *deskTest) newCase(t *testing.T, first string) *enquirer {
	t.Helper()
	return newCase(t, dt.ctx, dt.srv.URL, first)
}

// chromium is browserContext for the rest of the test.
func chromium(t *testing.T) context.Context {
	t.Helper()
	bctx, cancel := browserContext(t)
	t.Cleanup(cancel)
	return bctx
}

// deskDo is one request of the desk's page, with its token and, but for
// a GET, the JSON type and the page's own origin; it returns the status
// and the answer.
func deskDo(t *testing.T, d *Desk, base, method, path, body string) (int, []byte) {
	t.Helper()
	st, _, b := deskExchange(t, d, base, method, path, body)
	return st, b
}

// deskExchange is deskDo with the answer's headers.
func deskExchange(t *testing.T, d *Desk, base, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+strings.TrimPrefix(path, "/"), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Lotse-Desk", pageSecret(d))
	if method != "GET" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", strings.TrimSuffix(base, "/"))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// TestDeskGuards checks what keeps other local pages and sites out.
func TestDeskGuards(t *testing.T) {
	tt := newDeskTest(t)
	d, base := tt.d, tt.base
	host := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	port := host[strings.LastIndex(host, ":"):]
	token := pageSecret(d)

	tests := []struct {
		name   string
		method string
		path   string
		host   string
		header map[string]string
		body   string
		want   int
	}{
		{"page", "GET", "/", host, nil, "", 200},
		{"page via localhost", "GET", "/", "localhost" + port, nil, "", 200},
		{"rebinding host", "GET", "/", "evil.example" + port, nil, "", 421},
		{"rebinding host, api", "GET", "/api/state", "evil.example" + port, map[string]string{"X-Lotse-Desk": token}, "", 421},
		{"no token", "GET", "/api/state", host, nil, "", 401},
		{"wrong token", "GET", "/api/state", host, map[string]string{"X-Lotse-Desk": strings.Repeat("A", 43)}, "", 401},
		{"token", "GET", "/api/state", host, map[string]string{"X-Lotse-Desk": token}, "", 200},
		{"foreign origin", "POST", "/api/lock", host, map[string]string{"X-Lotse-Desk": token, "Origin": "http://evil.example", "Content-Type": "application/json"}, "{}", 403},
		{"other local port", "POST", "/api/lock", host, map[string]string{"X-Lotse-Desk": token, "Origin": "http://127.0.0.1:1", "Content-Type": "application/json"}, "{}", 403},
		{"form post", "POST", "/api/unlock", host, map[string]string{"X-Lotse-Desk": token, "Content-Type": "application/x-www-form-urlencoded"}, "passphrase=x", 415},
		{"locked", "GET", "/api/cases", host, map[string]string{"X-Lotse-Desk": token}, "", 423},
		{"wrong passphrase", "POST", "/api/unlock", host, map[string]string{"X-Lotse-Desk": token, "Content-Type": "application/json"}, `{"passphrase":"wrong wrong wrong"}`, 403},
		{"unknown field", "POST", "/api/unlock", host, map[string]string{"X-Lotse-Desk": token, "Content-Type": "application/json"}, `{"pass":"x"}`, 400},
		{"static post", "POST", "/index.html", host, nil, "", 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+strings.TrimPrefix(tc.path, "/"), strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tc.host
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP %q", csp)
			}
			// Even an answer refused before any route has mailboxd's headers.
			httpsec.Set(func(k, v string) {
				if got := resp.Header.Get(k); k != "Content-Security-Policy" && got != v {
					t.Errorf("%s %q, want %q", k, got, v)
				}
			}, "")
			if got := resp.Header.Get("Cross-Origin-Opener-Policy"); got != "same-origin" {
				t.Errorf("Cross-Origin-Opener-Policy %q", got)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Error("a CORS header")
			}
		})
	}
	if deskUnlocked(d) {
		t.Error("the desk unlocked with a wrong passphrase")
	}
}

// TestDeskRemovedCounsellor: a removed counsellor's desk cannot unlock,
// and says why.
func TestDeskRemovedCounsellor(t *testing.T) {
	tt := newTestTeam(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := unlockT(t, ctx, tt.cfg)
	inv, err := admin.Invite(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	team, err := admin.Team(ctx)
	if err != nil {
		t.Fatal(err)
	}
	benDir := filepath.Join(t.TempDir(), "ben")
	benCfg, err := Join(ctx, benDir, tt.srv.URL, inv.Invite, "Ben", []byte(testPassphrase),
		func(fp string) error {
			if !SameFingerprint(fp, team.Fingerprint) {
				t.Fatalf("team fingerprint %s, want %s", fp, team.Fingerprint)
			}
			return nil
		}, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Approve(ctx, benCfg.ID, crypto.Fingerprint(benCfg.Recipient)); err != nil {
		t.Fatal(err)
	}
	d, _ := startDesk(t, benCfg, time.Minute)
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatalf("ben unlocks: %v", err)
	}
	if err := admin.Remove(ctx, benCfg.ID); err != nil {
		t.Fatal(err)
	}
	d.lock()
	err = d.unlock(ctx, []byte(testPassphrase))
	if err == nil || !strings.Contains(err.Error(), "removed") {
		t.Fatalf("removed counsellor unlocks: %v", err)
	}
	if deskUnlocked(d) {
		t.Error("the desk holds a session")
	}
}

func browserContext(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("LOTSE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("LOTSE_REQUIRE_BROWSER=1 but %s: %v", chromium, err)
		}
		t.Skipf("no %s", chromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "de-DE"),
		chromedp.Flag("accept-lang", "de-DE,de"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, tcancel := context.WithTimeout(ctx, 3*time.Minute)
	return ctx, func() { tcancel(); cancel(); acancel() }
}

// within runs actions with a deadline of d.
// deskUnlocked reports whether the desk holds a session.
func deskUnlocked(d *Desk) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sess != nil
}

// openCaseInDesk opens the desk at u in Chromium, unlocks it, opens case
// id and waits until sel shows.
func openCaseInDesk(t *testing.T, bctx context.Context, u, id, sel string) error {
	t.Helper()
	caseSel := `#case-list button[data-case="` + id + `"]`
	unlockIn(t, bctx, u, caseSel)
	return within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS(caseSel)),
		chromedp.WaitVisible(chromedp.CSS(sel)),
	)
}

// unlockDeskAt opens the desk at u in bctx's own tab at 1280×800 and
// unlocks it.
func unlockDeskAt(t *testing.T, bctx context.Context, u string) {
	t.Helper()
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	unlockIn(t, bctx, u, "#view-inbox")
}

// unlockIn opens the desk at u in tab, unlocks it and waits until wait
// shows. The first actions run on tab itself: in a browser's first tab,
// a shorter context would close the tab when it ends.
func unlockIn(t *testing.T, tab context.Context, u, wait string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("#passphrase"))); err != nil {
		t.Fatalf("open the desk: %v", err)
	}
	if err := within(tab, 30*time.Second,
		chromedp.SendKeys(chromedp.CSS("#passphrase"), testPassphrase),
		chromedp.Click(chromedp.CSS("#unlock-button")),
		chromedp.WaitVisible(chromedp.CSS(wait)),
	); err != nil {
		shot(t, tab, "unlock-failed")
		t.Fatalf("unlock: %v", err)
	}
}

func within(ctx context.Context, d time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	c, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return chromedp.Do(c, actions...)
}

// clickAndConfirm clicks sel and answers the question the desk asks
// then yes.
func clickAndConfirm(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Click(chromedp.CSS(sel)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Click(chromedp.CSS("#confirm-yes")),
	)
}

// openCase clicks case id's line in the inbox and waits for its thread.
func openCase(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(caseLine(id))),
		chromedp.Click(chromedp.CSS(caseLine(id))),
		chromedp.WaitVisible(chromedp.CSS(threadOf(id))),
	)
}

// clearInput empties an input by its id.
func clearInput(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[string](`document.getElementById("`+id+`").value = ""`)(ctx, tg)
		return err
	})
}

// choose selects an option of a select by its id, as a person would.
func choose(id, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(() => { const s = document.getElementById("`+id+`"); s.value = "`+value+`"; return s.dispatchEvent(new Event("change")); })()`)(ctx, tg)
		return err
	})
}

// text reads an element's visible text.
func text(ctx context.Context, sel string) (string, error) {
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(c, chromedp.Text(chromedp.CSS(sel)))
}

// shot saves a screenshot to $LOTSE_DESK_SCREENSHOTS/name.png if set,
// for people to look at the desk.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("LOTSE_DESK_SCREENSHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
}

// TestDeskBrowser drives the desk in Chromium: unlock, a new case appears
// live, read, reply (which the enquirer decrypts), a forged message shown
// as a warning, auto-lock, unlock again, and the alarm banner.
func TestDeskBrowser(t *testing.T) {
	bctx, cancel := browserContext(t)
	defer cancel()
	tt := newTestTeam(t)
	const lockAfter = 3 * time.Second
	d, u := startDesk(t, tt.cfg, lockAfter)

	// Unlock, in German (the browser's language).
	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#passphrase")),
	); err != nil {
		t.Fatalf("open the desk: %v", err)
	}
	label, err := text(bctx, "#unlock-button")
	if err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if label != "Entsperren" {
		t.Errorf("unlock button %q, want German", label)
	}
	if strings.Contains(loc, "#") || strings.Contains(loc, strings.SplitN(u, "#", 2)[1]) {
		t.Errorf("the token stays in the address bar: %s", loc)
	}
	if err := within(bctx, 5*time.Second,
		chromedp.SendKeys(chromedp.CSS("#passphrase"), "wrong passphrase!"),
		chromedp.Click(chromedp.CSS("#unlock-button")),
		chromedp.WaitVisible(chromedp.CSS("#unlock-error:not(:empty)")),
	); err != nil {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if err := within(bctx, 20*time.Second,
		clearInput("passphrase"),
		chromedp.SendKeys(chromedp.CSS("#passphrase"), testPassphrase),
		chromedp.Click(chromedp.CSS("#unlock-button")),
		chromedp.WaitVisible(chromedp.CSS("#view-inbox")),
	); err != nil {
		t.Fatalf("unlock: %v", err)
	}

	// An enquirer writes; the case appears without a reload.
	ctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
	defer ccancel()
	const first = "Hallo, ich brauche Hilfe. <script>alert(1)</script>"
	enq := newCase(t, ctx, tt.srv.URL, first)
	caseSel := `#case-list button[data-case="` + enq.keys.MailboxID + `"]`
	if err := within(bctx, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(caseSel))); err != nil {
		t.Fatalf("the new case does not appear live: %v", err)
	}

	// Read it: the body is text, not markup.
	if err := within(bctx, 10*time.Second,
		chromedp.Click(chromedp.CSS(caseSel)),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.enquirer")),
	); err != nil {
		t.Fatalf("read: %v", err)
	}
	body, err := text(bctx, "#messages .msg.enquirer .body")
	if err != nil {
		t.Fatal(err)
	}
	if body != first {
		t.Errorf("shown body %q, want %q", body, first)
	}

	// Reply with Ctrl+Enter's button; the enquirer decrypts it.
	const reply = "Guten Tag, Sie sind hier richtig. Wir helfen Ihnen."
	if err := within(bctx, 20*time.Second,
		chromedp.SendKeys(chromedp.CSS("#reply-text"), reply),
		chromedp.Click(chromedp.CSS("#reply-send")),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.counsellor")),
	); err != nil {
		t.Fatalf("reply: %v", err)
	}
	shot(t, bctx, "thread")
	found, err := enq.expect(ctx, reply)
	if err != nil || !found {
		t.Fatalf("the enquirer does not read the reply: %v, %v", found, err)
	}

	// Claim, close and reopen the case.
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#act-claim")),
		chromedp.WaitNotVisible(chromedp.CSS("#act-claim")),
		chromedp.Click(chromedp.CSS("#act-close")),
		chromedp.WaitVisible(chromedp.CSS("#act-reopen")),
	); err != nil {
		t.Fatalf("claim and close: %v", err)
	}
	meta, err := text(bctx, "#thread-meta")
	if err != nil || !strings.Contains(meta, "geschlossen") || !strings.Contains(meta, "bei Anna") {
		t.Errorf("case after claim and close: %q, %v", meta, err)
	}
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#act-reopen")),
		chromedp.WaitVisible(chromedp.CSS("#act-close")),
	); err != nil {
		t.Fatalf("reopen: %v", err)
	}

	// A text block, kept encrypted on this desktop, goes into the reply.
	const block = "Die Beratungsstelle Nord erreichen Sie unter 0123 456789."
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#blocks-manage")),
		chromedp.Click(chromedp.CSS("#blocks-add")),
		chromedp.SendKeys(chromedp.CSS("#blocks-list li:last-child input"), "Nord"),
		chromedp.SendKeys(chromedp.CSS("#blocks-list li:last-child textarea"), block),
		chromedp.Click(chromedp.CSS(`#blocks-form button[type="submit"]`)),
		chromedp.WaitNotVisible(chromedp.CSS("#blocks-dialog")),
		choose("block-select", "0"),
	); err != nil {
		t.Fatalf("text blocks: %v", err)
	}
	typed, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS("#reply-text")))
	if err != nil || typed != block {
		t.Errorf("reply after inserting the block: %q, %v", typed, err)
	}
	if raw, err := os.ReadFile(filepath.Join(tt.dir, blocksFile)); err != nil || strings.Contains(string(raw), "Beratungsstelle") {
		t.Errorf("blocks.age: %v, or it holds plaintext", err)
	}

	// A counselling centre from the server's directory, searched beside
	// the editor and inserted at the cursor in the enquirer's language
	// (German), goes out with the reply; the enquirer decrypts it.
	const centreName = "Beispiel-Beratungsstelle München (Beispieleintrag)"
	centreSel := `#centre-list button[data-centre="example-muenchen"]`
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#centres-toggle")), // folded away: the thread needs the room
		chromedp.WaitVisible(chromedp.CSS(`#centre-list button[data-centre="example-berlin"]`)),
		chromedp.SendKeys(chromedp.CSS("#centre-search"), "münchen"),
		chromedp.WaitNotPresent(chromedp.CSS(`#centre-list button[data-centre="example-berlin"]`)),
		chromedp.WaitVisible(chromedp.CSS(centreSel)),
	); err != nil {
		shot(t, bctx, "centres-failed")
		t.Fatalf("search the centres: %v", err)
	}
	shot(t, bctx, "centres")
	listed, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#centre-list li").length`))
	if err != nil || listed != 1 {
		t.Errorf("search for münchen lists %d centres: %v", listed, err)
	}
	if cl, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS("#centre-lang"))); err != nil || cl != "de" {
		t.Errorf("centre language for a German enquirer %q, %v", cl, err)
	}
	if meta, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#thread-meta"))); err != nil || !strings.Contains(meta, "Sprache: Deutsch (de)") {
		t.Errorf("the case line does not name the enquirer's language: %q, %v", meta, err)
	}
	// Enter in the search field searches; it does not send the reply.
	if err := within(bctx, 10*time.Second,
		chromedp.SendKeys(chromedp.CSS("#centre-search"), "\r"),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.Click(chromedp.CSS(centreSel)),
		chromedp.WaitVisible(chromedp.CSS("#centre-status")),
	); err != nil {
		t.Fatalf("insert a centre: %v", err)
	}
	pctx, pcancel := context.WithTimeout(bctx, 10*time.Second)
	_, perr := chromedp.Run(pctx, chromedp.Poll[bool](`document.getElementById("reply-text").value.includes("`+centreName+`")`))
	pcancel()
	withCentre, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS("#reply-text")))
	if perr != nil || err != nil {
		t.Fatalf("the reply does not get the centre: %q, %v, %v", withCentre, perr, err)
	}
	if !strings.HasPrefix(withCentre, block+"\n"+centreName+"\n") || !strings.Contains(withCentre, "Telefon: ") || strings.Contains(withCentre, "Phone: ") {
		t.Errorf("reply with the centre, in German after the text block:\n%s", withCentre)
	}
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#messages .msg.counsellor").length`)); err != nil || n != 1 {
		t.Fatalf("Enter in the search sent the reply: %d counsellor messages, %v", n, err)
	}
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#reply-send")),
		chromedp.WaitVisible(chromedp.CSS("#messages .msg.counsellor:nth-of-type(3)")),
	); err != nil {
		t.Fatalf("send the reply with the centre: %v", err)
	}
	found, err = enq.expect(ctx, centreName)
	if err != nil || !found {
		t.Fatalf("the enquirer does not read the centre in the reply: %v, %v", found, err)
	}
	if found, err = enq.expect(ctx, "Telefon: +49 89"); err != nil || !found {
		t.Errorf("the enquirer's reply lacks the centre's phone: %v, %v", found, err)
	}

	// A message that fails the reader rules (the wrong mailbox key) is
	// shown as a warning, live.
	forged := enq.doc("Gefälschte Nachricht")
	forged.MK = base64.StdEncoding.EncodeToString(randomBytes(32))
	epoch, ct, err := enq.seal(ctx, forged)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enq.c.WithToken(enq.keys.Bearer()).PostMessage(ctx, client.NewMessage{Epoch: epoch, Ciphertext: ct}); err != nil {
		t.Fatal(err)
	}
	if err := within(bctx, 10*time.Second, chromedp.WaitVisible(chromedp.CSS("#messages .msg.warn"))); err != nil {
		t.Fatalf("no warning for a forged message: %v", err)
	}
	warning, err := text(bctx, "#messages .msg.warn")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warning, "wrong mk") || strings.Contains(warning, "Gefälschte") {
		t.Errorf("warning %q", warning)
	}

	// Auto-lock: unused for lockAfter, the identity is wiped and the page
	// asks for the passphrase again.
	if err := within(bctx, lockAfter+10*time.Second, chromedp.WaitVisible(chromedp.CSS("#view-unlock"))); err != nil {
		t.Fatalf("no auto-lock: %v", err)
	}
	shot(t, bctx, "locked")
	d.mu.Lock()
	locked, threads := d.sess == nil, len(d.threads)
	d.mu.Unlock()
	if !locked || threads != 0 {
		t.Errorf("after the lock: session gone %v, %d decrypted threads kept", locked, threads)
	}
	msgs, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#messages li").length`))
	if err != nil {
		t.Fatal(err)
	}
	if msgs != 0 {
		t.Errorf("the locked page still shows %d messages", msgs)
	}

	// Switch to English and unlock again.
	if err := within(bctx, 20*time.Second,
		choose("lang", "en"),
		chromedp.Sleep(500*time.Millisecond),
	); err != nil {
		t.Fatal(err)
	}
	if label, err = text(bctx, "#unlock-button"); err != nil {
		t.Fatal(err)
	}
	if label != "Unlock" {
		t.Errorf("unlock button %q in English", label)
	}

	// The server substitutes the team key: unlocking raises the blocking
	// alarm banner instead.
	pf := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pf, []byte(testPassphrase), 0o600)
	if err := forgeKeyring(tt.dir, pf); err != nil {
		t.Fatal(err)
	}
	if err := within(bctx, 20*time.Second,
		chromedp.SendKeys(chromedp.CSS("#passphrase"), testPassphrase),
		chromedp.Click(chromedp.CSS("#unlock-button")),
		chromedp.WaitVisible(chromedp.CSS("#alarm")),
	); err != nil {
		t.Fatalf("no alarm banner: %v", err)
	}
	shot(t, bctx, "alarm")
	alarmText, err := text(bctx, "#alarm-reason")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(alarmText, "epoch 1 was replaced") {
		t.Errorf("alarm %q", alarmText)
	}
	if deskUnlocked(d) {
		t.Error("the desk is unlocked despite the alarm")
	}
}

// TestDeskTeamBrowser runs a team through the desk: the admin invites,
// approves the newcomer only with the right fingerprint, the newcomer's
// desk reads cases, and the admin removes them (a new team key), after
// which the newcomer's desk cannot unlock.
func TestDeskTeamBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	u, ctx := tt.u, tt.ctx
	unlockDeskAt(t, bctx, u)
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.CSS("#admin-card")),
		chromedp.Click(chromedp.CSS("#invite-counsellor")),
		chromedp.WaitVisible(chromedp.CSS("#invite-out")),
	); err != nil {
		t.Fatalf("invite in the desk: %v", err)
	}
	invite, err := text(bctx, "#invite-code")
	if err != nil || invite == "" {
		t.Fatalf("invite %q: %v", invite, err)
	}
	teamFP, err := text(bctx, "#fp-team")
	if err != nil {
		t.Fatal(err)
	}

	benDir := filepath.Join(t.TempDir(), "ben")
	benCfg, err := Join(ctx, benDir, tt.srv.URL, invite, "Ben", []byte(testPassphrase), func(fp string) error {
		if !strings.HasPrefix(teamFP, fp) {
			t.Fatalf("the desk shows team fingerprint %q, the server %q", teamFP, fp)
		}
		return nil
	}, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	benFP := crypto.Fingerprint(benCfg.Recipient)

	// Ben unlocks his desk while still pending: it shows the team, not
	// the inbox. One tab serves both desks in turn: chromedp cannot drive
	// a second, background tab reliably here.
	benDesk, benURL := startDesk(t, benCfg, time.Minute)
	benTab := bctx
	if err := within(benTab, 30*time.Second,
		chromedp.Navigate(benURL),
		chromedp.WaitVisible(chromedp.CSS("#passphrase")),
		chromedp.SendKeys(chromedp.CSS("#passphrase"), testPassphrase),
		chromedp.Click(chromedp.CSS("#unlock-button")),
		chromedp.WaitVisible(chromedp.CSS("#view-team")),
		chromedp.WaitNotVisible(chromedp.CSS("#view-inbox")),
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#view-inbox")),
	); err != nil {
		t.Fatalf("Ben's pending desk: %v", err)
	}

	// Reload the roster; approve with a wrong, then the right fingerprint.
	approveSel := `button[data-approve="` + benCfg.ID + `"]`
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.CSS(approveSel)),
		chromedp.Click(chromedp.CSS(approveSel)),
		chromedp.WaitVisible(chromedp.CSS("#approve-fp")),
		chromedp.SendKeys(chromedp.CSS("#approve-fp"), "12345 12345 12345 12345 12345"),
		chromedp.Click(chromedp.CSS(`#approve-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#approve-error:not(:empty)")),
	); err != nil {
		t.Fatalf("approve with a wrong fingerprint: %v", err)
	}
	if c := findCounsellor(t, tt.testTeam, benCfg.ID); c.State != "pending" {
		t.Fatalf("approved with a wrong fingerprint: %s", c.State)
	}
	shot(t, bctx, "approve")
	removeSel := `button[data-remove="` + benCfg.ID + `"]`
	if err := within(bctx, 20*time.Second,
		clearInput("approve-fp"),
		chromedp.SendKeys(chromedp.CSS("#approve-fp"), benFP),
		chromedp.Click(chromedp.CSS(`#approve-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(removeSel)),
	); err != nil {
		msg, _ := text(bctx, "#approve-error")
		v, _ := chromedp.Run(bctx, chromedp.Value(chromedp.CSS("#approve-fp")))
		shot(t, bctx, "approve-failed")
		t.Fatalf("approve: %v (error %q, field %q)", err, msg, v)
	}
	if c := findCounsellor(t, tt.testTeam, benCfg.ID); c.State != "active" {
		t.Fatalf("after approval: %s", c.State)
	}
	shot(t, bctx, "team")

	// Ben's desk notices the approval by itself: without a new unlock it
	// opens on the inbox, and a new enquiry appears there live.
	if err := within(benTab, 30*time.Second,
		chromedp.Navigate(benURL),
		chromedp.WaitVisible(chromedp.CSS("#view-inbox")),
	); err != nil {
		shot(t, benTab, "approved-failed")
		t.Fatalf("Ben's desk after approval: %v", err)
	}
	enq := newCase(t, ctx, tt.srv.URL, "Eine Frage an Ben.")
	if err := within(benTab, 30*time.Second,
		openCase(enq.keys.MailboxID),
	); err != nil {
		t.Fatalf("Ben's desk: %v", err)
	}

	// The admin removes Ben: a new epoch; Ben's desk cannot unlock again.
	if err := within(bctx, 30*time.Second,
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#view-inbox")),
		chromedp.Click(chromedp.CSS("#tab-team")),
		clickAndConfirm(removeSel),
		chromedp.WaitNotPresent(chromedp.CSS(removeSel)),
	); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if c := findCounsellor(t, tt.testTeam, benCfg.ID); c.State != "removed" {
		t.Fatalf("after removal: %s", c.State)
	}
	fp, err := text(bctx, "#fp-team")
	if err != nil || fp == teamFP || !strings.Contains(fp, "Nr. 2") {
		t.Errorf("team fingerprint after removal %q (before %q): %v", fp, teamFP, err)
	}
	benDesk.lock()
	if err := within(benTab, 30*time.Second,
		chromedp.Navigate(benURL),
		chromedp.WaitVisible(chromedp.CSS("#passphrase")),
		chromedp.SendKeys(chromedp.CSS("#passphrase"), testPassphrase),
		chromedp.Click(chromedp.CSS("#unlock-button")),
		chromedp.WaitVisible(chromedp.CSS("#unlock-error:not(:empty)")),
	); err != nil {
		shot(t, benTab, "removed-failed")
		t.Fatalf("removed counsellor's desk: %v", err)
	}
	msg, _ := text(benTab, "#unlock-error")
	// The desk is in German here: counsel's own words come in German too.
	if !strings.Contains(msg, "entfernt") {
		t.Errorf("unlock error %q, want the German text", msg)
	}
}

func findCounsellor(t *testing.T, tt *testTeam, id string) client.Counsellor {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := unlockT(t, ctx, tt.cfg)
	defer s.Wipe() // logged out now: a counsellor has at most 8 sessions
	cs, err := s.Roster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no counsellor %s", id)
	return client.Counsellor{}
}
