package e2e

import (
	"context"
	"lotse/crypto"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds one step in the browser, so a missing element fails
// the test instead of hanging it.
const stepTimeout = 30 * time.Second

// requireBrowser skips when Debian's Chromium is missing, unless
// LOTSE_REQUIRE_BROWSER=1 (CI), which makes it a failure.
func requireBrowser(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds mailboxd and drives Chromium")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("LOTSE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("LOTSE_REQUIRE_BROWSER=1 but %s is missing: %v (apt-get install chromium)", chromiumPath, err)
		}
		t.Skipf("%s is missing; set LOTSE_REQUIRE_BROWSER=1 to make this a failure", chromiumPath)
	}
}

// browserWatch collects what the page does that a test must see: every
// request's URL, script errors, CSP reports and console errors.
type browserWatch struct {
	mu       sync.Mutex
	requests []string
	problems []string
	recordOn bool
}

func (w *browserWatch) listen(ctx context.Context) error {
	return chromedp.Listen(ctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if w.recordOn {
				w.requests = append(w.requests, ev.Request.URL)
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			w.problems = append(w.problems, "exception: "+msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				w.problems = append(w.problems, "console: "+strings.Join(parts, " "))
			}
		case *log.EventEntryAdded:
			e := ev.Entry
			if strings.Contains(e.URL, "favicon.ico") {
				return // the browser asks for it by itself; a same-origin 404
			}
			if e.Level == log.EntryLevelError || strings.Contains(e.Text, "Content Security Policy") || strings.Contains(e.Text, "Trusted Type") {
				w.problems = append(w.problems, "log "+string(e.Source)+": "+e.Text+" "+e.URL)
			}
		}
	})
}

func (w *browserWatch) record(on bool) {
	w.mu.Lock()
	w.recordOn = on
	w.mu.Unlock()
}

func (w *browserWatch) snapshot() (requests, problems []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.requests...), append([]string(nil), w.problems...)
}

// newBrowser starts headless Chromium with a fresh profile and lang as the
// preferred language; extra options go after the defaults.
func newBrowser(t *testing.T, lang string, extra ...chromedp.ExecAllocatorOption) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(320, 800),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	return ctx, func() {
		cancelCtx()
		cancelAlloc()
	}
}

// watchedTab makes ctx's tab (starting the browser if it is its first,
// so without a timeout) a tab that watches its requests, errors and
// console (browserWatch).
func watchedTab(t *testing.T, ctx context.Context, srv *server) *tab {
	t.Helper()
	b := &tab{t: t, ctx: ctx, srv: srv, w: &browserWatch{}}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium or open a tab: %v", err)
	}
	if err := b.w.listen(ctx); err != nil {
		t.Fatal(err)
	}
	call(b, log.Enable, cdp.Empty{})
	return b
}

// recordCSP records every request from here on and the page's CSP
// violations in window.__csp.
func (b *tab) recordCSP() {
	call(b, network.Enable, network.EnableParams{})
	call(b, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`,
	})
	b.w.record(true)
}

// dropFirst fails the first method request of b to a URL matching
// pattern with a connection reset, at stage (the request's: before the
// server sees it; the response's: after it answered), and lets every
// other through.
func (b *tab) dropFirst(method, pattern string, stage fetch.RequestStage) {
	paused := chromedp.Events(b.ctx, fetch.RequestPaused)
	go func() {
		dropped := false
		for ev, err := range paused {
			if err != nil {
				return
			}
			if !dropped && ev.Request.Method == method {
				dropped = true
				chromedp.Call(b.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
				continue
			}
			chromedp.Call(b.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()
	call(b, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern, RequestStage: stage}}})
}

// tab drives one browser tab; every failure stops the test with what the
// browser reported.
type tab struct {
	t   *testing.T
	ctx context.Context
	srv *server
	w   *browserWatch
}

func (b *tab) fail(what string, err error) {
	b.t.Helper()
	var problems []string
	if b.w != nil {
		_, problems = b.w.snapshot()
	}
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	b.t.Fatalf("%s: %v\npage text: %q\nbrowser problems: %v\nserver log:\n%s", what, err, body, problems, b.srv.Output())
}

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.fail("text of "+sel, err)
	}
	return s
}

func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		b.fail("evaluate "+expr, err)
	}
	return v
}

func call[P, R any](b *tab, cmd cdp.Command[P, R], params P) R {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	r, err := chromedp.Call(ctx, cmd, params)
	if err != nil {
		b.fail(cmd.Method, err)
	}
	return r
}

func regexpFind(s, expr string) string {
	m := regexp.MustCompile(expr).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// displayedKeys derives the enquirer's keys from the pickup code and
// passphrase as the page showed them (both must parse), and returns the
// two in their normal form too.
func displayedKeys(t *testing.T, code, pass string) (keys *crypto.EnquirerKeys, normCode, normPass string) {
	t.Helper()
	normCode, err := crypto.ParsePickupCode(code)
	if err != nil {
		t.Fatalf("the displayed pickup code: %v", err)
	}
	normPass, err = crypto.ParsePassphrase(pass)
	if err != nil {
		t.Fatalf("the displayed passphrase: %v", err)
	}
	keys, err = crypto.DeriveEnquirerKeys(normCode, normPass)
	if err != nil {
		t.Fatal(err)
	}
	return keys, normCode, normPass
}

// ownOriginOnly fails the test for every request the page made to another
// origin, and returns the requests and the script errors and CSP reports
// seen.
func ownOriginOnly(t *testing.T, srv *server, w *browserWatch) (requests, problems []string) {
	t.Helper()
	requests, problems = w.snapshot()
	for _, u := range requests {
		if !strings.HasPrefix(u, srv.URL+"/") {
			t.Errorf("the page requested %s, not its own origin", u)
		}
	}
	return requests, problems
}
