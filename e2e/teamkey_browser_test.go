package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/chromedp"

	"lotse/api/client"
	"lotse/crypto"
)

// Issue 11, the web client's half: a hostile server (here a proxy in front
// of a real mailboxd) that offers a different team key under the same
// epoch gets nothing sealed to it, and the page says so.

// keySwapProxy forwards everything to mailboxd until swap is set; from
// then on it answers GET /api/v1/team with its own recipient under the
// real epoch, answers each reply with 409 stale_epoch (so that the page
// fetches the team again) and records every ciphertext offered to it.
type keySwapProxy struct {
	*httptest.Server
	attacker *age.HybridIdentity
	swap     atomic.Bool

	mu     sync.Mutex
	posts  int // replies posted while swapped
	leaked int // of them, sealed to the attacker's key
}

func newKeySwapProxy(t *testing.T, upstream string) *keySwapProxy {
	t.Helper()
	attacker, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &keySwapProxy{attacker: attacker}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.swap.Load() {
			rp.ServeHTTP(w, r)
			return
		}
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/team":
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			var team map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &team); err != nil || rec.Code != http.StatusOK {
				t.Errorf("the proxy read the team: %d %v", rec.Code, err)
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			forged := attacker.Recipient().String()
			team["recipient"], team["fingerprint"] = forged, crypto.Fingerprint(forged)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(team)
		case r.Method == http.MethodPost && r.URL.Path == "/api/v1/mailbox/messages":
			var body struct {
				Ciphertext []byte `json:"ciphertext"`
			}
			json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body)
			p.mu.Lock()
			p.posts++
			if _, err := age.Decrypt(bytes.NewReader(body.Ciphertext), attacker); err == nil {
				p.leaked++
			}
			p.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"error":"stale_epoch"}`)
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

// TestTeamKeySwapRefused: the page pins the team key of its conversation;
// a different key under the same epoch is refused with a clear message,
// nothing sealed to it leaves the page, the reply stays in its field, and
// the conversation's "check the team's key" shows the real fingerprint.
func TestTeamKeySwapRefused(t *testing.T) {
	requireBrowser(t)
	srv, ctx, team := startTeam(t, 4*time.Minute, "LOTSE_POW_DIFFICULTY=0")
	proxy := newKeySwapProxy(t, srv.URL)
	bctx := startBrowser(t, "en-GB")
	b := openFlowTab(t, bctx, srv, 400)
	defer b.cancel()

	b.do("write", chromedp.Navigate(proxy.URL+"/"), chromedp.WaitVisible(chromedp.ID("b-start-write")),
		chromedp.Click(chromedp.ID("b-start-write")), chromedp.SendKeys(chromedp.ID("body"), "A first message."),
		chromedp.Click(chromedp.ID("b-write-send")), chromedp.WaitVisible(chromedp.CSS(".secrets")))
	code, pass := shownSecrets(b.tab)
	b.do("check and send", chromedp.Click(chromedp.ID("b-keep-written")), chromedp.WaitVisible(chromedp.ID("check-code")),
		chromedp.SendKeys(chromedp.ID("check-code"), code), chromedp.SendKeys(chromedp.ID("check-pass"), pass),
		chromedp.Click(chromedp.ID("b-check-submit")), chromedp.WaitVisible(chromedp.ID("thread")))
	if n := len(countCases(t, ctx, team)); n != 1 {
		t.Fatalf("%d conversations after the first message, want 1", n)
	}

	// The fingerprint is folded away, and is the real team key's.
	if eval[bool](b.tab, `document.getElementById("team-fp").checkVisibility()`) {
		t.Error("the team fingerprint shows without being asked for")
	}
	b.do("open the team key", chromedp.Click(chromedp.CSS("#team-key summary")))
	want := crypto.Fingerprint(team.Key.Recipient().String())
	if !waitFor(b.tab, `document.getElementById("team-fp").textContent === `+jsString(want)) {
		t.Errorf("the conversation shows the team fingerprint %q, want %q", eval[string](b.tab, `document.getElementById("team-fp").textContent`), want)
	}

	proxy.swap.Store(true)
	const reply = "A reply the attacker must not read."
	b.do("reply", chromedp.SendKeys(chromedp.ID("reply"), reply), chromedp.Click(chromedp.ID("b-thread-send")))
	if !waitFor(b.tab, `(() => { const e = document.querySelector(".form-error"); return !!e && !e.hidden && e.textContent !== ""; })()`) {
		b.fail("the refusal", errNoMessage)
	}
	got := eval[string](b.tab, `document.querySelector(".form-error").textContent`)
	if !strings.Contains(got, "key changed") || !strings.Contains(got, "not sent") {
		t.Errorf("the page says %q, want the team-key message", got)
	}
	if v := eval[string](b.tab, `document.getElementById("reply").value`); v != reply {
		t.Errorf("the reply field holds %q after the refusal, want the reply kept", v)
	}
	proxy.mu.Lock()
	posts, leaked := proxy.posts, proxy.leaked
	proxy.mu.Unlock()
	if leaked != 0 {
		t.Errorf("%d of %d replies posted during the swap were sealed to the substituted key", leaked, posts)
	}
	if posts > 1 {
		t.Errorf("the page posted %d times during the swap; it may try the key it had once, then must stop", posts)
	}
	if n := len(countCases(t, ctx, team)); n != 1 {
		t.Errorf("%d conversations after the swap, want the one", n)
	}

	// An honest rotation (epoch 2, a new team key) is no swap: the page
	// takes the new key after stale_epoch and sends.
	proxy.swap.Store(false)
	current, err := team.Admin.GetKeyring(ctx)
	if err != nil {
		t.Fatal(err)
	}
	replaces := sha256.Sum256(current.Envelope)
	team2, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := team.Admin.PutKeyring(ctx, client.KeyringUpdate{Epoch: 2, Recipient: team2.Recipient().String(),
		Envelope: sealKeyring(t, []crypto.Member{team.Member()}, team.Key, team2), Members: []string{team.AdminID}, Replaces: replaces[:]}); err != nil {
		t.Fatalf("rotate to epoch 2: %v", err)
	}
	b.do("send after the rotation", chromedp.Click(chromedp.ID("b-thread-send")))
	if !waitFor(b.tab, `document.getElementById("reply").value === ""`) {
		b.fail("the reply after an honest rotation", errNoMessage)
	}
	want2 := crypto.Fingerprint(team2.Recipient().String())
	if !waitFor(b.tab, `document.getElementById("team-fp").textContent === `+jsString(want2)) {
		t.Errorf("after the rotation the conversation shows %q, want the new key's %q", eval[string](b.tab, `document.getElementById("team-fp").textContent`), want2)
	}
}

var errNoMessage = errorString("no message shown")

type errorString string

func (e errorString) Error() string { return string(e) }

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestInsecureContextSaysSo: the page opened over plain HTTP under a name
// that is not this device (Chromium maps it to 127.0.0.1, but the page
// cannot know) is no secure context; it says in plain words that it needs
// HTTPS instead of failing later with "something went wrong".
func TestInsecureContextSaysSo(t *testing.T) {
	requireBrowser(t)
	srv := startServer(t, "LOTSE_POW_DIFFICULTY=0")
	bctx, stop := newBrowser(t, "en-GB", chromedp.Flag("host-resolver-rules", "MAP lotse-lan.test 127.0.0.1"))
	t.Cleanup(stop)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b := &tab{t: t, ctx: bctx, srv: srv}
	_, port, _ := strings.Cut(srv.Addr, ":")
	b.do("open over plain HTTP", chromedp.Navigate("http://lotse-lan.test:"+port+"/"), chromedp.WaitVisible(chromedp.ID("b-start-write")))
	if eval[bool](b, `window.isSecureContext`) {
		t.Fatal("the page is a secure context; the test needs one that is not")
	}
	if got := b.text("#insecure"); !strings.Contains(got, "HTTPS") || !strings.Contains(got, "https://") {
		t.Errorf("the start view says %q, want the HTTPS message", got)
	}
	if eval[bool](b, `!!document.getElementById("unsupported")`) {
		t.Error("the start view blames the browser's WebAssembly instead")
	}
	// Trying anyway gets the same words, not "something went wrong".
	b.do("try to write", chromedp.Click(chromedp.ID("b-start-write")), chromedp.SendKeys(chromedp.ID("body"), "Hello."),
		chromedp.Click(chromedp.ID("b-write-send")))
	if !waitFor(b, `(() => { const e = document.querySelector(".form-error"); return !!e && !e.hidden && e.textContent.includes("HTTPS"); })()`) {
		b.fail("the HTTPS message after trying", errNoMessage)
	}

	// The same page from this device's own address is a secure context and
	// shows no such message: the message depends on the context, not the page.
	// A tab of its own: the draft above would make this one ask before leaving.
	lb := openFlowTab(t, bctx, srv, 400)
	defer lb.cancel()
	lb.do("open on loopback", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("b-start-write")))
	if !eval[bool](lb.tab, `window.isSecureContext`) || eval[bool](lb.tab, `!!document.getElementById("insecure")`) {
		t.Error("the page on 127.0.0.1 says it is not served over HTTPS")
	}
}
