package api

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRequestTarget fuzzes what handlers decode outside the body: the
// route parameter (case id), the query (after, status) and the bearer
// credential, on every route that reads them. Each answer must be a
// success or a protocol error, never a 5xx, and nothing may change.
// The seed corpus is in testdata/fuzz/FuzzRequestTarget.
func FuzzRequestTarget(f *testing.F) {
	e := newEnv(f, envOptions{cfg: Config{EnquirerLimit: Rate{N: -1}, LoginFailures: Rate{N: -1}}})
	tm, q := e.setUpMailbox()
	f.Add(uint8(0), "after=0", q.bearer())
	f.Add(uint8(1), "status=open", tm.adminToken)
	f.Add(uint8(2), q.id, "after=18446744073709551615")
	f.Add(uint8(3), "cases/../mailbox", "")
	parent := e.t
	f.Fuzz(func(t *testing.T, route uint8, a, b string) {
		e.t = t
		defer func() { e.t = parent }()
		if len(a)+len(b) > 4096 || strings.ContainsFunc(a+b, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			return // the Go client refuses control characters in headers
		}
		var rq request
		switch route % 6 {
		case 0: // GET /api/v1/mailbox?<query> with a fuzzed bearer
			rq = request{method: "GET", path: "/api/v1/mailbox?" + escapeQuery(a), auth: b}
		case 1: // GET /api/v1/cases?<query> with a fuzzed token
			rq = request{method: "GET", path: "/api/v1/cases?" + escapeQuery(a), auth: b}
		case 2: // GET /api/v1/cases/<id>?<query>
			rq = request{method: "GET", path: "/api/v1/cases/" + url.PathEscape(a) + "?" + escapeQuery(b), auth: tm.adminToken}
		case 3: // DELETE /api/v1/cases/<id>, with a fuzzed token: never the admin's
			rq = request{method: "DELETE", path: "/api/v1/cases/" + url.PathEscape(a), auth: b}
		case 4: // DELETE /api/v1/mailbox with a fuzzed bearer
			if strings.Contains(b, q.bearer()) {
				return
			}
			rq = request{method: "DELETE", path: "/api/v1/mailbox", auth: b}
		case 5: // PATCH /api/v1/cases/<id> with a fixed body
			rq = request{method: "PATCH", path: "/api/v1/cases/" + url.PathEscape(a), auth: b, body: `{"status":"closed"}`}
		}
		before := e.contentHash()
		r := e.do(rq)
		if r.status >= 500 {
			t.Fatalf("%s %s: status %d: %s", rq.method, rq.path, r.status, truncate(r.body))
		}
		if r.status < 300 {
			if rq.method != "GET" {
				t.Fatalf("%s %s with a fuzzed credential succeeded", rq.method, rq.path)
			}
			return
		}
		checkRefusal(t, e, r, before)
	})
}

// escapeQuery keeps '=' and '&' so that the fuzzer shapes the query, and
// escapes what a URL cannot carry.
func escapeQuery(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "&") {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		k, v, ok := strings.Cut(part, "=")
		b.WriteString(url.QueryEscape(k))
		if ok {
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}
