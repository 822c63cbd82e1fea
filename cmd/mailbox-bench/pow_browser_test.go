package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/crypto"
)

// TestPowBrowserTiming measures one proof-of-work hash (PROTOCOL.md §6:
// Argon2id, t=1, m=1 MiB, p=1) in headless Chromium with hash-wasm, the
// library the web client uses, and natively in Go for comparison. It is a
// measurement, not a check: it runs with LOTSE_MEASURE_POW=1 and logs.
//
//	LOTSE_MEASURE_POW=1 go test -run TestPowBrowserTiming -v ./cmd/mailbox-bench/
func TestPowBrowserTiming(t *testing.T) {
	if os.Getenv("LOTSE_MEASURE_POW") != "1" {
		t.Skip("a measurement; set LOTSE_MEASURE_POW=1")
	}
	lib := filepath.Join("..", "..", "webclient", "node_modules", "hash-wasm", "dist", "argon2.umd.min.js")
	js, err := os.ReadFile(lib)
	if err != nil {
		t.Fatalf("hash-wasm: %v (run npm ci in webclient/)", err)
	}
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Fatalf("no /usr/bin/chromium: %v", err)
	}
	const page = `<!doctype html><script src="/argon2.js"></script><script src="/bench.js"></script>`
	const bench = `
window.runBench = async (n) => {
  const salt = new TextEncoder().encode("lotse/v1 pow");
  const pw = new Uint8Array(65 + 8);
  crypto.getRandomValues(pw);
  const opts = {salt, iterations: 1, parallelism: 1, memorySize: 1024, hashLength: 32, outputType: "binary"};
  await hashwasm.argon2id({...opts, password: pw}); // warm up: compile the module
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { pw[65] = i & 255; pw[66] = i >> 8; await hashwasm.argon2id({...opts, password: pw}); }
  return (performance.now() - t0) / n;
};`
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("/argon2.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(js)
	})
	mux.HandleFunc("/bench.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, bench)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath("/usr/bin/chromium"), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	const n = 200
	if _, err := chromedp.Run(ctx, chromedp.Navigate(ts.URL)); err != nil {
		t.Fatal(err)
	}
	ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](fmt.Sprintf("runBench(%d)", n), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ch := make([]byte, 65)
	nonce := make([]byte, 8)
	for i := range n {
		nonce[0], nonce[1] = byte(i), byte(i>>8)
		crypto.PowHash(ch, nonce)
	}
	goMS := float64(time.Since(start).Microseconds()) / 1000 / n
	t.Logf("one PoW hash (Argon2id t=1, m=1 MiB): headless Chromium + hash-wasm %.2f ms, native Go %.2f ms (mean of %d)", ms, goMS, n)
	for _, d := range []int{6, 7, 8, 9, 10} {
		t.Logf("difficulty %2d: expected %4d hashes: desktop Chromium %.2f s, phone (×4) %.2f s", d, 1<<d, float64(int(1)<<d)*ms/1000, 4*float64(int(1)<<d)*ms/1000)
	}
}
