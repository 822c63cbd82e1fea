package api

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Admission bounds what a client costs the server before any handler runs
// (PROTOCOL.md §6.12):
//
//   - connections: at most Config.MaxConns open at once (fasthttp's
//     Concurrency answers 503 above it) and Config.ConnsPerAddress per
//     client prefix (closed at accept, before a byte is read);
//   - request bodies: fasthttp streams them, so that a Content-Length
//     reserves nothing; readBody reads each one against its route's limit
//     and takes its memory from one budget (Config.BodyBudget) as the
//     bytes arrive, so that memory follows what clients send, never what
//     they announce;
//   - client addresses are keyed by prefix (Config.IPv4Prefix,
//     Config.IPv6Prefix), so one IPv6 /64 is one client, not 2^64.

// Defaults of the admission limits.
const (
	defaultMaxConns        = 4096
	defaultConnsPerAddress = 64
	defaultBodyBudget      = 64 << 20
	defaultIPv4Prefix      = 32
	defaultIPv6Prefix      = 64
	// bodyChunk is the step in which a body's memory is reserved and read.
	bodyChunk = 16 << 10
	// busyRetry is the Retry-After of a 503 for a full body budget.
	busyRetry = 5 * time.Second
)

var errBusy = &apiError{fiber.StatusServiceUnavailable, "busy", "the server is busy, try again shortly", busyRetry}

// clientPrefix is the client prefix an address counts against: the
// address masked to the configured bits (IPv4-mapped IPv6 counts as IPv4).
func (s *Server) clientPrefix(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := s.cfg.IPv6Prefix
	if a.Is4() {
		bits = s.cfg.IPv4Prefix
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.PrefixFrom(a, a.BitLen())
	}
	return p
}

// prefixKey is clientPrefix as the rate limiters' input, which they hash
// at once (state.go).
func (s *Server) prefixKey(a netip.Addr) string { return s.clientPrefix(a).String() }

// addrKey is prefixKey of an address in text; text that is no address
// (a proxy's odd header) is its own key.
func (s *Server) addrKey(v string) string {
	a, err := netip.ParseAddr(v)
	if err != nil {
		return v
	}
	return s.prefixKey(a)
}

// admissionDefaults fills in and checks the admission limits.
func (c *Config) admissionDefaults() error {
	c.MaxConns = orInt(c.MaxConns, defaultMaxConns)
	c.ConnsPerAddress = orInt(c.ConnsPerAddress, defaultConnsPerAddress)
	if c.BodyBudget <= 0 {
		c.BodyBudget = defaultBodyBudget
	}
	c.IPv4Prefix = orInt(c.IPv4Prefix, defaultIPv4Prefix)
	c.IPv6Prefix = orInt(c.IPv6Prefix, defaultIPv6Prefix)
	switch {
	case c.BodyBudget < maxKeyringBody+bodyChunk:
		return fmt.Errorf("api: body budget %d below one keyring (%d bytes)", c.BodyBudget, maxKeyringBody+bodyChunk)
	case c.IPv4Prefix < 8 || c.IPv4Prefix > 32:
		return fmt.Errorf("api: IPv4 prefix /%d outside /8…/32", c.IPv4Prefix)
	case c.IPv6Prefix < 16 || c.IPv6Prefix > 128:
		return fmt.Errorf("api: IPv6 prefix /%d outside /16…/128", c.IPv6Prefix)
	}
	return nil
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// hdrRefused marks a request whose announced body is over the app-wide
// limit: refuseLength takes its length away before fasthttp reads any of
// it (streaming would otherwise wait for the first 8 KiB), and readBody
// answers 413 and closes the connection.
const hdrRefused = "X-Lotse-Refused-Length"

// refuseLength is fasthttp's HeaderReceived hook. Up to the app-wide
// limit (maxKeyringBody) a body is read, and one over its route's limit
// dropped as it arrives (readBody); only the attachment uploads are
// allowed more.
func refuseLength(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	h.Del(hdrRefused)
	limit := max(routeBodyLimit(h.Method(), h.RequestURI()), maxKeyringBody)
	if h.ContentLength() > limit {
		h.SetContentLength(0)
		h.Set(hdrRefused, "1")
	}
	return fasthttp.RequestConfig{}
}

// bodyLimits are the routes whose bodies may be larger than maxBody, the
// protocol's limit of every other body: a method and a path whose "*"
// stands for one segment.
var bodyLimits = []struct {
	method, path string
	limit        int
}{
	{fiber.MethodPut, "/api/v1/keyring", maxKeyringBody},
	{fiber.MethodPut, teamRecordsPath + "*", maxKeyringBody},
	// Only the attachment uploads take more than maxKeyringBody (attach.go).
	{fiber.MethodPost, "/api/v1/mailbox/attachments", maxAttachmentBody},
	{fiber.MethodPost, "/api/v1/cases/*/attachments", maxAttachmentBody},
	// A handover's re-sealed attachment (PROTOCOL.md §9.3).
	{fiber.MethodPut, "/api/v1/mailbox/handover/*/attachments/*", maxAttachmentBody},
}

// routeBodyLimit is the protocol's size limit of a request's body by its
// method and path (a query is cut off).
func routeBodyLimit(method, path []byte) int {
	if i := bytes.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	for _, r := range bodyLimits {
		if string(method) == r.method && pathMatches(r.path, string(path)) {
			return r.limit
		}
	}
	return maxBody
}

// pathMatches reports whether path has the segments of pattern, in which
// "*" stands for any one non-empty segment.
func pathMatches(pattern, path string) bool {
	for {
		want, pattern2, more := strings.Cut(pattern, "/")
		got, path2, more2 := strings.Cut(path, "/")
		if got != want && (want != "*" || got == "") {
			return false
		}
		if !more || !more2 {
			return more == more2
		}
		pattern, path = pattern2, path2
	}
}

// budget is a count of bytes that callers take from and give back.
type budget struct {
	max  int64
	used atomic.Int64
}

func (b *budget) take(n int64) bool {
	if b.used.Add(n) > b.max {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *budget) give(n int64) { b.used.Add(-n) }

// readBody reads the streamed request body into memory before the
// handlers run, so that they see a plain body. The error it returns is
// the answer instead of the handler's: 413 for a body over the route's
// limit, 503 busy for a full budget, 400 for a body cut short. taken is
// the budget to give back once the request is done, error or not. The
// buffer grows in steps as bytes arrive, copying each time, so that a
// client holds budget only for what it has sent.
func (s *Server) readBody(ctx *fasthttp.RequestCtx) (taken int64, err *apiError) {
	req := &ctx.Request
	if len(req.Header.Peek(hdrRefused)) != 0 {
		ctx.SetConnectionClose()
		return 0, errTooLarge
	}
	limit := routeBodyLimit(ctx.Method(), ctx.Path())
	stream := req.BodyStream()
	if cl := req.Header.ContentLength(); cl > limit {
		// Within the app-wide limit the body is read and dropped, with
		// no memory kept, so that the client gets a clean 413 rather than
		// a reset while it still writes.
		if stream != nil {
			if _, err := io.Copy(io.Discard, stream); err != nil {
				ctx.SetConnectionClose()
			}
		}
		return 0, errTooLarge
	}
	if stream == nil {
		return 0, nil
	}
	if limit > maxKeyringBody {
		return s.readLargeBody(ctx, stream, limit) // attach_body.go
	}
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			step := min(bodyChunk, limit+1-len(buf))
			if cl := req.Header.ContentLength(); cl >= 0 {
				// Never more than the announced rest: one read of a small
				// body is one small allocation.
				step = min(step, max(cl-len(buf), 1))
			}
			if aerr := s.takeBody(ctx, int64(step)); aerr != nil {
				return taken, aerr
			}
			taken += int64(step)
			nb := make([]byte, len(buf), cap(buf)+step)
			copy(nb, buf)
			buf = nb
		}
		n, rerr := stream.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		done, aerr := bodyRead(ctx, len(buf), limit, rerr)
		if aerr != nil {
			return taken, aerr
		}
		if done {
			break
		}
	}
	req.SetBodyRaw(buf)
	return taken, nil
}

// takeBody takes n more bytes of the body budget for a body being read;
// a full budget closes the connection, whose body is not read on, and
// answers busy.
func (s *Server) takeBody(ctx *fasthttp.RequestCtx, n int64) *apiError {
	if !s.bodies.take(n) {
		ctx.SetConnectionClose()
		return errBusy
	}
	return nil
}

// bodyRead judges a body of n bytes read so far after a read that ended
// with rerr: done when it is whole; 413 past limit and 400 when it broke
// off, both closing the connection, whose body is not read on.
func bodyRead(ctx *fasthttp.RequestCtx, n, limit int, rerr error) (done bool, aerr *apiError) {
	switch {
	case n > limit:
		ctx.SetConnectionClose()
		return false, errTooLarge
	case rerr == nil:
		return false, nil
	case errors.Is(rerr, io.EOF):
		return true, nil
	}
	ctx.SetConnectionClose()
	return false, badRequest("incomplete request body")
}

// connLimitListener closes a connection at accept when its client prefix
// already holds max open connections, or, for IPv6, when the /48 around
// it holds wideConns times that: a site's allocation is usually a /48,
// which holds 65,536 /64s, each of which would otherwise count as a
// client of its own against the server's total.
type connLimitListener struct {
	net.Listener
	prefix func(netip.Addr) netip.Prefix
	max    int
	hash   [32]byte // HMAC key: the counter holds no address in clear

	mu   sync.Mutex
	open map[[32]byte]int
}

// wideConns is how many clients' worth of connections one IPv6 /48 holds.
const wideConns = 4

func (s *Server) limitConns(ln net.Listener) net.Listener {
	if s.cfg.ConnsPerAddress < 0 || s.cfg.ProxyHeader != "" {
		// Behind a proxy every connection comes from it; the proxy bounds
		// its clients' connections.
		return ln
	}
	l := &connLimitListener{Listener: ln, prefix: s.clientPrefix, max: s.cfg.ConnsPerAddress, open: map[[32]byte]int{}}
	if _, err := rand.Read(l.hash[:]); err != nil {
		panic("api: crypto/rand failed: " + err.Error())
	}
	return l
}

func (l *connLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, perr := netip.ParseAddrPort(c.RemoteAddr().String())
		if perr != nil {
			return c, nil
		}
		a := ap.Addr().Unmap()
		p := l.prefix(a)
		keys := [][32]byte{l.keyOf(p)}
		limits := []int{l.max}
		if a.Is6() {
			if w, err := a.Prefix(48); err == nil && w.Bits() < p.Bits() {
				keys, limits = append(keys, l.keyOf(w)), append(limits, wideConns*l.max)
			}
		}
		if !l.take(keys, limits) {
			c.Close()
			continue
		}
		return &countedConn{Conn: c, release: func() { l.release(keys) }}, nil
	}
}

// keyOf is the counter's key of a client prefix: an HMAC under a key that
// lives only in this process.
func (l *connLimitListener) keyOf(p netip.Prefix) [32]byte {
	m := hmac.New(sha256.New, l.hash[:])
	b, _ := p.MarshalBinary()
	m.Write(b)
	var k [32]byte
	m.Sum(k[:0])
	return k
}

// take counts a connection against every key, or against none if any is
// full.
func (l *connLimitListener) take(keys [][32]byte, limits []int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, k := range keys {
		if l.open[k] >= limits[i] {
			return false
		}
	}
	for _, k := range keys {
		l.open[k]++
	}
	return true
}

func (l *connLimitListener) release(keys [][32]byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if l.open[k]--; l.open[k] <= 0 {
			delete(l.open, k)
		}
	}
}

// countedConn gives its slot back once, however often it is closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
