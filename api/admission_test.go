package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lotse/crypto"
)

// powFrom fetches a challenge as the client at addr (X-Forwarded-For).
func (e *env) powFrom(addr string) (challenge []byte, difficulty int) {
	e.t.Helper()
	r := e.do(request{method: "GET", path: "/api/v1/pow", header: map[string]string{"X-Forwarded-For": addr}})
	e.want(r, 200, "")
	var p struct {
		Challenge  []byte
		Difficulty int
	}
	r.decode(e.t, &p)
	return p.Challenge, p.Difficulty
}

// createWithPow posts q's first message with the given solution.
func (e *env) createWithPow(tm *team, q *enquirer, addr string, challenge, nonce []byte) *response {
	e.t.Helper()
	body := map[string]any{
		"id": q.id, "verifier": b64s(q.verifier[:]), "epoch": tm.epoch(), "message": b64s(tm.message(e.t, q)),
		"pow": map[string]string{"challenge": b64s(challenge), "nonce": b64s(nonce)},
	}
	return e.do(request{method: "POST", path: "/api/v1/mailboxes", body: body, header: map[string]string{"X-Forwarded-For": addr}})
}

func solve(t *testing.T, challenge []byte, difficulty int) []byte {
	t.Helper()
	nonce, err := crypto.SolvePow(context.Background(), challenge, difficulty)
	if err != nil {
		t.Fatal(err)
	}
	return nonce
}

// wrongNonce returns a nonce that does not solve challenge.
func wrongNonce(t *testing.T, challenge []byte, difficulty int) []byte {
	t.Helper()
	for i := range 1 << 16 {
		n := []byte{0, 0, 0, 0, 0, 0, byte(i >> 8), byte(i)}
		if !crypto.PowValid(challenge, n, difficulty) {
			return n
		}
	}
	t.Fatal("no wrong nonce found")
	return nil
}

// The difficulty rises with the rate of new mailboxes, is announced in
// the pow answer, never passes the maximum, and falls back once the flood
// stops; a challenge keeps the difficulty it was issued with. No flood
// ever gets a genuine enquirer a 429: there is no global cap.
func TestPowRisesAndFalls(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{
		PowDifficulty: 1, PowMaxDifficulty: 4, MailboxesPerHour: 6,
		ProxyHeader: "X-Forwarded-For", CreateLimit: Rate{N: -1},
	}})
	tm := e.setUpTeam()
	early, d0 := e.powFrom("192.0.2.1")
	if d0 != 1 {
		t.Fatalf("difficulty %d before any creation, want 1", d0)
	}
	seen := []int{d0}
	for i := range 8 {
		ch, d := e.powFrom(fmt.Sprintf("198.51.100.%d", i))
		e.want(e.createWithPow(tm, newEnquirer(t), fmt.Sprintf("198.51.100.%d", i), ch, solve(t, ch, d)), 201, "")
		_, d = e.powFrom("192.0.2.1")
		if d < seen[len(seen)-1] || d > 4 {
			t.Errorf("after %d creations difficulty %d (before %v)", i+1, d, seen)
		}
		seen = append(seen, d)
	}
	if seen[len(seen)-1] != 4 {
		t.Errorf("difficulty did not rise to the maximum: %v", seen)
	}
	// The challenge fetched before the rise is still good at its own
	// difficulty.
	e.want(e.createWithPow(tm, newEnquirer(t), "192.0.2.1", early, solve(t, early, 1)), 201, "")
	e.clock.Advance(2 * time.Hour)
	if _, d := e.powFrom("192.0.2.1"); d != 1 {
		t.Errorf("difficulty %d two hours after the flood, want 1", d)
	}
	if _, err := New(e.store, Config{PowDifficulty: 6, PowMaxDifficulty: 5}); err == nil {
		t.Error("maximum below the difficulty accepted")
	}
}

// Wrong answers spend nothing, so they cannot fill the set of spent
// challenges; a right answer spends the challenge once; and a full set
// forgets the soonest-expiring entry instead of refusing everyone.
func TestSpentChallengesNeverFailShut(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{
		PowDifficulty: 2, MailboxesPerHour: -1, ProxyHeader: "X-Forwarded-For", CreateLimit: Rate{N: -1},
	}})
	e.srv.usedPows.max = 3
	tm := e.setUpTeam()
	ch, d := e.powFrom("192.0.2.1")
	bad := wrongNonce(t, ch, d)
	for range 10 {
		before := e.contentHash()
		e.want(e.createWithPow(tm, newEnquirer(t), "192.0.2.1", ch, bad), 403, "pow_invalid")
		if e.contentHash() != before {
			t.Fatal("a wrong answer changed the database")
		}
	}
	if n := len(e.srv.usedPows.seen); n != 0 {
		t.Errorf("wrong answers recorded %d challenges", n)
	}
	nonce := solve(t, ch, d)
	e.want(e.createWithPow(tm, newEnquirer(t), "192.0.2.1", ch, nonce), 201, "")
	e.want(e.createWithPow(tm, newEnquirer(t), "192.0.2.1", ch, nonce), 403, "pow_invalid")
	for i := range 6 {
		e.clock.Advance(time.Second)
		c, d := e.powFrom(fmt.Sprintf("192.0.2.%d", 10+i))
		e.want(e.createWithPow(tm, newEnquirer(t), "192.0.2.1", c, solve(t, c, d)), 201, "")
	}
	if n := len(e.srv.usedPows.seen); n > 3 {
		t.Errorf("set holds %d entries, max 3", n)
	}
}

// Per-address limits key on a prefix: an IPv6 /64 is one client, and
// IPv4 addresses share a bucket within the configured prefix.
func TestPrefixKeys(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{
		ChallengeLimit: Rate{N: 1, Per: time.Hour}, IPv4Prefix: 24, ProxyHeader: "X-Forwarded-For",
	}})
	for _, c := range []struct {
		addr   string
		status int
	}{
		{"2001:db8:1:2::1", 200},
		{"2001:db8:1:2:ffff::9", 429}, // same /64
		{"2001:db8:1:3::1", 200},      // next /64
		{"192.0.2.1", 200},
		{"192.0.2.200", 429}, // same /24
		{"::ffff:192.0.2.7", 429},
		{"192.0.3.1", 200},
	} {
		r := e.do(request{method: "GET", path: "/api/v1/pow", header: map[string]string{"X-Forwarded-For": c.addr}})
		if r.status != c.status {
			t.Errorf("%s: %d, want %d", c.addr, r.status, c.status)
		}
	}
	if _, err := New(e.store, Config{IPv4Prefix: 33}); err == nil {
		t.Error("IPv4 prefix /33 accepted")
	}
	if _, err := New(e.store, Config{IPv6Prefix: 8}); err == nil {
		t.Error("IPv6 prefix /8 accepted")
	}
}

// dialFrom opens a raw connection from a given loopback address.
func (e *env) dialFrom(t *testing.T, src string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// served reports whether the server answers a request on c.
func served(c net.Conn) bool {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /api/v1/team HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// A client prefix holds at most ConnsPerAddress connections; others are
// not affected, and a closed connection frees its slot.
func TestConnsPerAddress(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{ConnsPerAddress: 3}})
	var held []net.Conn
	for range 3 {
		c := e.dialFrom(t, "127.0.0.1")
		if !served(c) {
			t.Fatal("a connection within the cap was not served")
		}
		held = append(held, c)
	}
	if served(e.dialFrom(t, "127.0.0.1")) {
		t.Error("a fourth connection from one address was served")
	}
	if !served(e.dialFrom(t, "127.0.0.2")) {
		t.Error("another address was refused")
	}
	held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for !served(e.dialFrom(t, "127.0.0.1")) {
		if time.Now().After(deadline) {
			t.Fatal("a closed connection did not free its slot")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Bodies take their memory from one budget as they arrive: once
// half-sent bodies hold it, further bodies get 503 busy with Retry-After
// (bodiless requests still work), and the budget comes back when they end.
func TestBodyBudget(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{BodyBudget: maxKeyringBody + bodyChunk}})
	tm := e.setUpTeam()
	part := strings.Repeat("a", 100<<10)
	var holders []net.Conn
	busy := false
	for i := range 40 {
		c := e.dialFrom(t, fmt.Sprintf("127.0.1.%d", i+1))
		fmt.Fprintf(c, "POST /api/v1/mailboxes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", 120<<10, part)
		holders = append(holders, c)
		time.Sleep(20 * time.Millisecond)
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 503 || !strings.Contains(string(body), `"busy"`) || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("answer %d %s, want 503 busy with Retry-After", resp.StatusCode, body)
			}
			busy = true
			break
		}
	}
	if !busy {
		t.Fatal("40 half-sent bodies of 100 KiB never filled a budget of 1 MiB")
	}
	if used := e.srv.bodies.used.Load(); used > e.srv.bodies.max {
		t.Errorf("budget %d over its maximum %d", used, e.srv.bodies.max)
	}
	e.want(e.do(request{method: "GET", path: "/api/v1/team"}), 200, "")
	for _, c := range holders {
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.bodies.used.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes of the budget not given back", e.srv.bodies.used.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.want(e.createMailbox(tm, newEnquirer(t)), 201, "")
}

// One counsellor holds at most maxSessionsPerCounsellor sessions: a new
// login ends the oldest, and the others keep working.
func TestSessionsPerCounsellor(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm := e.setUpTeam()
	var tokens []string
	for range maxSessionsPerCounsellor + 2 {
		e.clock.Advance(time.Second)
		tokens = append(tokens, e.login(tm.adminID, tm.adminKey))
	}
	// tm.adminToken and tokens[0] were the oldest two.
	for i, tok := range append([]string{tm.adminToken}, tokens...) {
		want := 200
		if i < 3 {
			want = 401
		}
		if r := e.do(request{method: "GET", path: "/api/v1/cases", auth: tok}); r.status != want {
			t.Errorf("session %d: %d, want %d", i, r.status, want)
		}
	}
}

// queueListener hands out queued connections, then fails.
type queueListener struct {
	net.Listener
	queue []net.Conn
}

func (q *queueListener) Accept() (net.Conn, error) {
	if len(q.queue) == 0 {
		return nil, net.ErrClosed
	}
	c := q.queue[0]
	q.queue = q.queue[1:]
	return c, nil
}

type addrConn struct {
	net.Conn
	remote net.Addr
	closed bool
}

func (c *addrConn) RemoteAddr() net.Addr { return c.remote }
func (c *addrConn) Close() error         { c.closed = true; return nil }

// The per-client cap counts an IPv6 /64 as one client, and a /48 holds at
// most wideConns clients' worth, so that a site's allocation is not 65,536
// clients; a closed connection frees its slots.
func TestConnCapPrefixes(t *testing.T) {
	s := &Server{cfg: Config{IPv4Prefix: 32, IPv6Prefix: 64, ConnsPerAddress: 2}}
	q := &queueListener{}
	l := s.limitConns(q)
	accept := func(addr string) (net.Conn, bool) {
		t.Helper()
		c := &addrConn{remote: &net.TCPAddr{IP: net.ParseIP(addr), Port: 4000}}
		q.queue = append(q.queue, c)
		got, err := l.Accept()
		if err != nil {
			if !c.closed {
				t.Fatalf("%s: neither accepted nor closed", addr)
			}
			return nil, false
		}
		return got, true
	}
	var held []net.Conn
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{"2001:db8:1:1::1", true},
		{"2001:db8:1:1::2", true},
		{"2001:db8:1:1:ffff::3", false}, // the /64 is full
		{"2001:db8:1:2::1", true},
		{"2001:db8:1:2::2", true},
		{"2001:db8:1:3::1", true},
		{"2001:db8:1:3::2", true},
		{"2001:db8:1:4::1", true},
		{"2001:db8:1:4::2", true}, // 8 in the /48: wideConns × 2
		{"2001:db8:1:5::1", false},
		{"2001:db8:2:5::1", true}, // another /48
		{"192.0.2.1", true},
		{"::ffff:192.0.2.1", true},
		{"192.0.2.1", false},
		{"192.0.2.2", true},
	} {
		got, ok := accept(c.addr)
		if ok != c.ok {
			t.Fatalf("%s: accepted %v, want %v", c.addr, ok, c.ok)
		}
		if ok {
			held = append(held, got)
		}
	}
	held[0].Close()
	held[0].Close() // twice: still one slot
	if _, ok := accept("2001:db8:1:5::1"); !ok {
		t.Error("a closed connection did not free its /48 slot")
	}
	if _, ok := accept("2001:db8:1:6::1"); ok {
		t.Error("a second close freed a second slot")
	}
}

// TestRouteBodyLimits: the larger bodies belong to exactly their routes;
// a near miss (another method, an empty or extra segment, a longer path)
// has the protocol's limit of every other body.
func TestRouteBodyLimits(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"PUT", "/api/v1/keyring", maxKeyringBody},
		{"GET", "/api/v1/keyring", maxBody},
		{"PUT", "/api/v1/keyring/", maxBody},
		{"PUT", "/api/v1/team/records/directory", maxKeyringBody},
		{"PUT", "/api/v1/team/records/", maxBody},
		{"PUT", "/api/v1/team/records/a/b", maxBody},
		{"POST", "/api/v1/team/records/directory", maxBody},
		{"POST", "/api/v1/mailbox/attachments", maxAttachmentBody},
		{"POST", "/api/v1/mailbox/attachments?x=1", maxAttachmentBody},
		{"PUT", "/api/v1/mailbox/attachments", maxBody},
		{"POST", "/api/v1/cases/abc/attachments", maxAttachmentBody},
		{"POST", "/api/v1/cases//attachments", maxBody},
		{"POST", "/api/v1/cases/a/b/attachments", maxBody},
		{"POST", "/api/v1/cases/abc/attachments/0", maxBody},
		{"POST", "/api/v1/cases/abc/messages", maxBody},
		{"POST", "/api/v1/mailboxes", maxBody},
		{"PUT", "/api/v1/mailbox/handover/up/attachments/att", maxAttachmentBody},
		{"PUT", "/api/v1/mailbox/handover/up/attachments/", maxBody},
		{"PUT", "/api/v1/mailbox/handover//attachments/att", maxBody},
		{"POST", "/api/v1/mailbox/handover/up/attachments/att", maxBody},
		{"PUT", "/api/v1/mailbox/handover/up/3", maxBody},
		{"POST", "/", maxBody},
	} {
		if got := routeBodyLimit([]byte(tc.method), []byte(tc.path)); got != tc.want {
			t.Errorf("%s %s: limit %d, want %d", tc.method, tc.path, got, tc.want)
		}
	}
}
