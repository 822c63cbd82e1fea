package client

// These tests check the client's own wire handling (request shapes, error
// and event-stream parsing, bounds) against a minimal net/http server. The
// real interoperability proof is the end-to-end test in e2e/.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/internal/bounded"
)

func newTestClient(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "example.org", "ftp://example.org", "http://", "http://u:p@example.org", "http://example.org/?x=1", "http://example.org/#f"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
	c, err := New("https://example.org/lotse/")
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.newRequest(context.Background(), http.MethodGet, casePath("ab/c d"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := req.URL.String(), "https://example.org/lotse/api/v1/cases/ab%2Fc%20d"; got != want {
		t.Errorf("URL %q, want %q", got, want)
	}
}

func TestErrorParsing(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		want       Error
		retryAbout time.Duration // for HTTP dates: RetryAfter within 5 s of this
	}{
		{"stale epoch", 409, nil, `{"error":"stale_epoch","message":"the team key changed"}`,
			Error{Status: 409, Code: "stale_epoch", Message: "the team key changed"}, 0},
		{"rate limited seconds", 429, map[string]string{"Retry-After": "7"}, `{"error":"rate_limited","message":"slow down"}`,
			Error{Status: 429, Code: "rate_limited", Message: "slow down", RetryAfter: 7 * time.Second}, 0},
		{"rate limited date", 429, map[string]string{"Retry-After": date}, `{"error":"rate_limited","message":""}`,
			Error{Status: 429, Code: "rate_limited"}, 90 * time.Second},
		{"bad retry after", 429, map[string]string{"Retry-After": "soon"}, `{"error":"rate_limited","message":"x"}`,
			Error{Status: 429, Code: "rate_limited", Message: "x"}, 0},
		{"not json", 502, nil, `<html>bad gateway</html>`, Error{Status: 502}, 0},
		{"empty", 401, nil, ``, Error{Status: 401}, 0},
		{"too long", 400, nil, `{"error":"bad_request","message":"` + strings.Repeat("x", maxErrorResponse) + `"}`, Error{Status: 400}, 0},
		{"unexpected success status", 200, nil, `{"seq":1}`, Error{Status: 200}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := c.CreateMailbox(context.Background(), NewMailbox{})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			got := *e
			if tt.retryAbout != 0 {
				if d := got.RetryAfter - tt.retryAbout; d < -5*time.Second || d > 5*time.Second {
					t.Errorf("RetryAfter %v, want about %v", got.RetryAfter, tt.retryAbout)
				}
				got.RetryAfter = 0
			}
			if got != tt.want {
				t.Errorf("error %+v, want %+v", got, tt.want)
			}
			if Code(err) != tt.want.Code {
				t.Errorf("Code %q, want %q", Code(err), tt.want.Code)
			}
			if err.Error() == "" {
				t.Error("empty error text")
			}
		})
	}
}

// recorded is what the test server saw of one request.
type recorded struct {
	method, path, rawQuery, auth, contentType string
	body                                      map[string]any
}

// recorder answers every request with status and body and records it.
func recorder(t *testing.T, status int, body string) (*Client, func() recorded) {
	var mu sync.Mutex
	var last recorded
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := recorded{method: r.Method, path: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery,
			auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type")}
		if len(b) > 0 {
			if err := json.Unmarshal(b, &rec.body); err != nil {
				t.Errorf("request body %q: %v", b, err)
			}
		}
		mu.Lock()
		last = rec
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
	return c, func() recorded {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

func TestRequestShapes(t *testing.T) {
	ctx := context.Background()
	alice := "alice"
	none := ""
	// Answers pass the client's checks (check.go): ids, enums, times.
	const id = "0123456789abcdef0123456789abcdef"
	const caseFields = `"status":"open","created":"2026-01-01","expires":"2026-04-01","last_activity":"2026-01-01T10:00:00Z","message_count":1`
	teamKey, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	recipient := teamKey.Recipient().String()
	tests := []struct {
		name   string
		status int
		answer string
		call   func(c *Client) error
		want   recorded
	}{
		{"create mailbox", 201, `{"seq":1,"expires":"2027-02-26"}`, func(c *Client) error {
			m, err := c.CreateMailbox(ctx, NewMailbox{ID: "ab", Verifier: []byte{1, 2}, Epoch: 3, Message: []byte{0xff},
				Pow: &PowSolution{Challenge: []byte("c"), Nonce: []byte("01234567")}})
			if err == nil && (m.Seq != 1 || m.Expires != "2027-02-26") {
				t.Errorf("answer %+v", m)
			}
			return err
		}, recorded{method: "POST", path: "/api/v1/mailboxes", contentType: "application/json", body: map[string]any{
			"id": "ab", "verifier": "AQI=", "epoch": 3.0, "message": "/w==",
			"pow": map[string]any{"challenge": "Yw==", "nonce": "MDEyMzQ1Njc="}}}},
		{"create mailbox without pow", 201, `{"seq":1,"expires":"2027-02-26"}`, func(c *Client) error {
			_, err := c.CreateMailbox(ctx, NewMailbox{ID: "ab", Verifier: []byte{1}, Epoch: 1, Message: []byte{2}})
			return err
		}, recorded{method: "POST", path: "/api/v1/mailboxes", contentType: "application/json", body: map[string]any{
			"id": "ab", "verifier": "AQ==", "epoch": 1.0, "message": "Ag=="}}},
		{"mailbox after", 200, `{"id":"` + id + `","status":"new","created":"2026-01-01","expires":"2026-04-01","messages":[],"org":"main","handover":null}`, func(c *Client) error {
			_, err := c.WithToken("ab.Zm9v").Mailbox(ctx, 7)
			return err
		}, recorded{method: "GET", path: "/api/v1/mailbox", rawQuery: "after=7", auth: "Bearer ab.Zm9v"}},
		{"mailbox all", 200, `{"id":"` + id + `","status":"new","created":"2026-01-01","expires":"2026-04-01","messages":[],"org":"main","handover":null}`, func(c *Client) error {
			_, err := c.WithToken("ab.Zm9v").Mailbox(ctx, 0)
			return err
		}, recorded{method: "GET", path: "/api/v1/mailbox", auth: "Bearer ab.Zm9v"}},
		{"post message", 201, `{"seq":4}`, func(c *Client) error {
			seq, err := c.WithToken("t").PostMessage(ctx, NewMessage{Epoch: 2, Ciphertext: []byte("x")})
			if err == nil && seq != 4 {
				t.Errorf("seq %d", seq)
			}
			return err
		}, recorded{method: "POST", path: "/api/v1/mailbox/messages", auth: "Bearer t", contentType: "application/json",
			body: map[string]any{"epoch": 2.0, "ciphertext": "eA=="}}},
		{"delete mailbox", 204, ``, func(c *Client) error {
			return c.WithToken("t").DeleteMailbox(ctx)
		}, recorded{method: "DELETE", path: "/api/v1/mailbox", auth: "Bearer t"}},
		{"cases by status", 200, `{"cases":[]}`, func(c *Client) error {
			_, err := c.WithToken("s").Cases(ctx, "new")
			return err
		}, recorded{method: "GET", path: "/api/v1/cases", rawQuery: "status=new", auth: "Bearer s"}},
		{"all cases", 200, `{"cases":[]}`, func(c *Client) error {
			_, err := c.WithToken("s").Cases(ctx, "")
			return err
		}, recorded{method: "GET", path: "/api/v1/cases", auth: "Bearer s"}},
		{"patch assign", 200, `{"id":"` + id + `","assignee":"alice",` + caseFields + `}`, func(c *Client) error {
			cs, err := c.WithToken("s").PatchCase(ctx, "ab", CasePatch{Assignee: &alice})
			if err == nil && (cs.Assignee == nil || *cs.Assignee != "alice") {
				t.Errorf("answer %+v", cs)
			}
			return err
		}, recorded{method: "PATCH", path: "/api/v1/cases/ab", auth: "Bearer s", contentType: "application/json",
			body: map[string]any{"assignee": "alice"}}},
		{"patch unassign and close", 200, `{"id":"` + id + `","assignee":null,` + caseFields + `}`, func(c *Client) error {
			cs, err := c.WithToken("s").PatchCase(ctx, "ab", CasePatch{Status: "closed", Assignee: &none})
			if err == nil && cs.Assignee != nil {
				t.Errorf("answer %+v", cs)
			}
			return err
		}, recorded{method: "PATCH", path: "/api/v1/cases/ab", auth: "Bearer s", contentType: "application/json",
			body: map[string]any{"status": "closed", "assignee": nil}}},
		{"reply", 201, `{"seq":9}`, func(c *Client) error {
			_, err := c.WithToken("s").Reply(ctx, "ab", NewMessage{Epoch: 1, Ciphertext: []byte{0}})
			return err
		}, recorded{method: "POST", path: "/api/v1/cases/ab/messages", auth: "Bearer s", contentType: "application/json",
			body: map[string]any{"epoch": 1.0, "ciphertext": "AA=="}}},
		{"case after", 200, `{"id":"` + id + `",` + caseFields + `,"messages":[{"seq":2,"from":"counsellor","ciphertext":"AA=="}]}`, func(c *Client) error {
			cd, err := c.WithToken("s").Case(ctx, "ab", 1)
			if err == nil && (len(cd.Messages) != 1 || cd.Messages[0].Seq != 2 || cd.ID != id) {
				t.Errorf("answer %+v", cd)
			}
			return err
		}, recorded{method: "GET", path: "/api/v1/cases/ab", rawQuery: "after=1", auth: "Bearer s"}},
		{"session", 200, `{"token":"` + strings.Repeat("A", 43) + `","expires":"2026-01-01T12:00:00Z"}`, func(c *Client) error {
			_, err := c.Session(ctx, "alice", []byte{1}, []byte{2})
			return err
		}, recorded{method: "POST", path: "/api/v1/auth/session", contentType: "application/json",
			body: map[string]any{"counsellor": "alice", "nonce": "AQ==", "response": "Ag=="}}},
		{"first keyring", 200, `{"epoch":1,"recipient":"` + recipient + `","members":["a"]}`, func(c *Client) error {
			_, err := c.WithToken("s").PutKeyring(ctx, KeyringUpdate{Epoch: 1, Recipient: "age1pq1x", Envelope: []byte{1}, Members: []string{"a"}})
			return err
		}, recorded{method: "PUT", path: "/api/v1/keyring", auth: "Bearer s", contentType: "application/json",
			body: map[string]any{"epoch": 1.0, "recipient": "age1pq1x", "envelope": "AQ==", "members": []any{"a"}}}},
		{"register with invite", 201, `{"id":"b","state":"pending"}`, func(c *Client) error {
			r, err := c.Register(ctx, Registration{Invite: "inv", Name: "B", Recipient: "age1pq1y"})
			if err == nil && (r.ID != "b" || r.State != "pending") {
				t.Errorf("answer %+v", r)
			}
			return err
		}, recorded{method: "POST", path: "/api/v1/counsellors", contentType: "application/json",
			body: map[string]any{"invite": "inv", "name": "B", "recipient": "age1pq1y"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, last := recorder(t, tt.status, tt.answer)
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			got := last()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("request %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

func TestResponseTooLarge(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"`)
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range maxJSONResponse>>20 + 1 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		io.WriteString(w, `"}`)
	})
	_, err := c.Mailbox(context.Background(), 0)
	if !errors.As(err, new(*bounded.TooLargeError)) {
		t.Fatalf("error %v, want a *bounded.TooLargeError", err)
	}
}

func TestBackupStreams(t *testing.T) {
	data := bytes.Repeat([]byte{0, 1, 2, 3}, 1<<20)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/admin/backup" || r.Header.Get("Authorization") != "Bearer s" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(data)
	})
	var buf bytes.Buffer
	n, err := c.WithToken("s").Backup(context.Background(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("got %d bytes, want %d", n, len(data))
	}
	if _, err := c.Backup(context.Background(), io.Discard); Code(err) != "" || err == nil {
		t.Errorf("without token: %v", err)
	}
}

func TestLoginRefusesBadChallenge(t *testing.T) {
	var sessionCalled bool
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/auth/challenge":
			io.WriteString(w, `{"challenge":"bm90IGFnZQ==","nonce":"AQ==","expires":"2026-01-01T00:00:00Z"}`)
		default:
			sessionCalled = true
			io.WriteString(w, `{"token":"t","expires":"2026-01-01T00:00:00Z"}`)
		}
	})
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(context.Background(), "alice", id); err == nil {
		t.Fatal("Login accepted a challenge that is not age")
	}
	if sessionCalled {
		t.Error("Login answered a refused challenge")
	}
}
