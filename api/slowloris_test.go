package api

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// dialRaw opens a plain TCP connection to the test server.
func (e *env) dialRaw(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitClosed reads until the server closes the connection and returns
// how long that took and what it sent.
func waitClosed(t *testing.T, c net.Conn, limit time.Duration) (time.Duration, string) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(limit))
	b, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", limit)
	}
	return time.Since(start), string(b)
}

// trickle writes a byte every 100 ms (next(i) the i-th) until stop is
// closed or the server closes the connection.
func trickle(c net.Conn, stop <-chan struct{}, next func(i int) byte) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(100 * time.Millisecond):
			if _, err := c.Write([]byte{next(i)}); err != nil {
				return
			}
		}
	}
}

// slowReadTimeout is the read and idle timeout of the tests of slow
// clients: short, so that a test can wait out several.
const slowReadTimeout = 500 * time.Millisecond

// newSlowClientEnv is a server with slowReadTimeout, its team set up and
// one enquirer's mailbox created.
func newSlowClientEnv(t *testing.T) (*env, *team, *enquirer) {
	t.Helper()
	e := newEnv(t, envOptions{cfg: Config{ReadTimeout: slowReadTimeout, IdleTimeout: slowReadTimeout}})
	tm, q := e.setUpMailbox()
	return e, tm, q
}

// wantTrickleCutOff sends prefix on a new connection, then a byte every
// 100 ms (next(i) the i-th), and wants the server of newSlowClientEnv to
// close it within six read timeouts, having changed nothing.
func (e *env) wantTrickleCutOff(t *testing.T, prefix string, next func(i int) byte) {
	t.Helper()
	before := e.contentHash()
	c := e.dialRaw(t)
	if _, err := io.WriteString(c, prefix); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go trickle(c, stop, next)
	if d, _ := waitClosed(t, c, 10*slowReadTimeout); d > 6*slowReadTimeout {
		t.Errorf("cut off after %v, read timeout %v", d, slowReadTimeout)
	}
	if e.contentHash() != before {
		t.Error("database changed")
	}
}

// A client that sends its headers one byte at a time (slowloris), or its
// body too slowly, is cut off by the read timeout, however it trickles.
func TestSlowClientsCutOff(t *testing.T) {
	e, _, q := newSlowClientEnv(t)

	cases := map[string]string{
		"headers": "GET /api/v1/mailbox HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + q.bearer() + "\r\nX-Slow: ",
		"body":    "POST /api/v1/mailbox/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nAuthorization: Bearer " + q.bearer() + "\r\n\r\n{\"epoch\":1,",
	}
	for name, prefix := range cases {
		t.Run(name, func(t *testing.T) {
			e.wantTrickleCutOff(t, prefix, func(int) byte { return 'a' })
		})
	}
	// An idle keep-alive connection is closed too.
	c := e.dialRaw(t)
	if d, _ := waitClosed(t, c, 10*slowReadTimeout); d > 6*slowReadTimeout {
		t.Errorf("idle connection closed after %v", d)
	}
	// The server still serves everyone else.
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer()}), 200, "")
}

// Headers past the 8 KiB read buffer get 431 too_large and nothing else.
func TestHugeHeaders(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, q := e.setUpMailbox()
	before := e.contentHash()
	for name, extra := range map[string]string{
		"one huge header":    "X-Big: " + strings.Repeat("a", 16<<10) + "\r\n",
		"many small headers": strings.Repeat("X-Many: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 600),
		"huge bearer":        "Authorization: Bearer " + strings.Repeat("b", 64<<10) + "\r\n",
	} {
		c := e.dialRaw(t)
		go io.WriteString(c, "POST /api/v1/mailbox/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+extra+"Content-Length: 2\r\n\r\n{}")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || !strings.Contains(string(body), `"too_large"`) {
			t.Errorf("%s: %d %s, want 431 too_large", name, resp.StatusCode, body)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: no security headers", name)
		}
	}
	if e.contentHash() != before {
		t.Error("database changed")
	}
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer()}), 200, "")
}
