package api

import (
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"lotse/mailbox"
)

func postBody(tm *team, t testing.TB, q *enquirer) map[string]any {
	return map[string]any{"epoch": tm.epoch(), "ciphertext": b64s(tm.message(t, q))}
}

func wrongBearer(q *enquirer) string {
	return q.id + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 32))
}

func wantRetryAfter(t *testing.T, r *response) {
	t.Helper()
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// Enquirer requests are limited per client address before the credential
// is looked at, and each address has its own bucket.
func TestEnquirerAddressLimit(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{EnquirerLimit: Rate{N: 3, Per: time.Minute}, ProxyHeader: "X-Forwarded-For"}})
	_, q := e.setUpMailbox()
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	for range 3 {
		e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer(), header: from("192.0.2.1")}), 200, "")
	}
	r := e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer(), header: from("192.0.2.1")})
	e.want(r, 429, "rate_limited")
	wantRetryAfter(t, r)
	// A wrong key from the same address gets no answer about the key.
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: wrongBearer(q), header: from("192.0.2.1")}), 429, "rate_limited")
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer(), header: from("192.0.2.2")}), 200, "")
	e.clock.Advance(20 * time.Second)
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer(), header: from("192.0.2.1")}), 200, "")
}

// Posting is limited per address across mailboxes, and a refused post
// changes nothing.
func TestPostAddressLimit(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{PostLimit: Rate{N: 2, Per: time.Minute}}})
	tm := e.setUpTeam()
	q1, q2 := newEnquirer(t), newEnquirer(t)
	e.want(e.createMailbox(tm, q1), 201, "")
	e.want(e.createMailbox(tm, q2), 201, "")
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q1.bearer(), body: postBody(tm, t, q1)}), 201, "")
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q2.bearer(), body: postBody(tm, t, q2)}), 201, "")
	before := e.contentHash()
	r := e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q1.bearer(), body: postBody(tm, t, q1)})
	e.want(r, 429, "rate_limited")
	wantRetryAfter(t, r)
	if e.contentHash() != before {
		t.Error("a refused post changed the database")
	}
	// Reading is not posting.
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q1.bearer()}), 200, "")
	// A malformed body is still 400 first (PROTOCOL.md §6 check order).
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q1.bearer(), body: "{"}), 400, "bad_request")
}

// Wrong keys for one mailbox are slowed down after LoginFailures; the
// owner's key always works at once; another mailbox, and an unknown id,
// are counted on their own and look the same.
func TestLoginFailureThrottle(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{LoginFailures: Rate{N: 2, Per: 10 * time.Minute}}})
	tm := e.setUpTeam()
	q, other, unknown := newEnquirer(t), newEnquirer(t), newEnquirer(t)
	e.want(e.createMailbox(tm, q), 201, "")
	e.want(e.createMailbox(tm, other), 201, "")
	for _, target := range []*enquirer{q, unknown} {
		for range 2 {
			e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: wrongBearer(target)}), 401, "unauthorized")
		}
		start := time.Now()
		r := e.do(request{method: "GET", path: "/api/v1/mailbox", auth: wrongBearer(target)})
		e.want(r, 429, "rate_limited")
		wantRetryAfter(t, r)
		if d := time.Since(start); d < failureDelay/2 {
			t.Errorf("throttled wrong key answered after %v, want about %v", d, failureDelay)
		}
	}
	// The owner is never locked out, and nothing changed.
	before := e.contentHash()
	for range 3 {
		start := time.Now()
		e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer()}), 200, "")
		if d := time.Since(start); d > failureDelay/2 {
			t.Errorf("the right key waited %v", d)
		}
	}
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(), body: postBody(tm, t, q)}), 201, "")
	if before == e.contentHash() {
		t.Error("the owner's post was not stored")
	}
	// Other mailboxes are not affected.
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: wrongBearer(other)}), 401, "unauthorized")
	// Time refills the bucket.
	e.clock.Advance(5 * time.Minute)
	e.want(e.do(request{method: "GET", path: "/api/v1/mailbox", auth: wrongBearer(q)}), 401, "unauthorized")
}

// The defaults hold the protocol's values and let an ordinary enquirer
// through: read, post, read, with the store's own per-mailbox cap.
func TestAbuseDefaults(t *testing.T) {
	e := newEnv(t, envOptions{limits: mailbox.Limits{MessagesPerHour: 3}})
	if e.srv.cfg.EnquirerLimit != defaultEnquirerLimit || e.srv.cfg.PostLimit != defaultPostLimit ||
		e.srv.cfg.LoginFailures != defaultLoginFailures || e.srv.cfg.MailboxesPerHour != defaultMailboxesPerHour {
		t.Errorf("defaults %+v", e.srv.cfg)
	}
	tm, q := e.setUpMailbox()
	for range 2 {
		e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(), body: postBody(tm, t, q)}), 201, "")
	}
	r := e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(), body: postBody(tm, t, q)})
	e.want(r, http.StatusTooManyRequests, "rate_limited")
}
