// Package client is a Go client of the Lotse HTTP API, version 1
// (PROTOCOL.md §6): the counsellor desktop, the auditor and the end-to-end
// tests use it to talk to a real mailboxd. It sends and reads the bodies of
// package wire, the same types the server's handlers use; its own code is
// only the calls (paths, methods, statuses), errors, bounds and streams.
//
// A Client carries at most one credential, sent as "Authorization: Bearer …":
// an enquirer's crypto.EnquirerKeys.Bearer() or a counsellor's session token
// (see Login). WithToken returns a copy with another credential, so one
// Client can be shared by goroutines. Every call takes a context for its
// deadline; every response read is bounded.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"lotse/api/wire"
	"lotse/internal/bounded"
)

// Read limits. A case or mailbox holds at most 4 MiB of ciphertext by
// default, which is about 5.4 MiB as base64; 32 MiB leaves room for larger
// configured limits and long case lists.
const (
	maxJSONResponse  = 32 << 20
	maxErrorResponse = 64 << 10
)

// Client talks to one mailboxd.
type Client struct {
	base  *url.URL
	http  *http.Client
	token string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the http.Client, e.g. for a custom TLS configuration.
// Its Timeout must be zero if event streams are used: deadlines come from
// the context of each call.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.http = hc }
}

// New returns a client of the server at baseURL ("https://example.org" or
// "http://127.0.0.1:8080"); the API paths are appended to it.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: base URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("client: base URL must be http(s)://host[:port], got %q", baseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: base URL must not carry credentials, a query or a fragment")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, http: &http.Client{}}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// WithToken returns a copy of c that sends token as its bearer credential:
// an enquirer's EnquirerKeys.Bearer() or a counsellor's Session.Token. An
// empty token returns a copy without a credential.
func (c *Client) WithToken(token string) *Client {
	cc := *c
	cc.token = token
	return &cc
}

// Error is an error answer of the API: {"error":code,"message":text}.
type Error struct {
	Status     int           // HTTP status
	Code       string        // protocol error code, e.g. "stale_epoch"; "" if the body was not an API error
	Message    string        // human text from the server
	RetryAfter time.Duration // from Retry-After (429), zero if absent
}

func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = http.StatusText(e.Status)
	}
	if e.Message == "" {
		return fmt.Sprintf("api: %d %s", e.Status, code)
	}
	return fmt.Sprintf("api: %d %s: %s", e.Status, code, e.Message)
}

// Code returns the protocol error code of err if it is an *Error, else "".
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// request describes one call.
type request struct {
	method string
	route  string     // the route pattern, e.g. /api/v1/cases/{id}: errors name it, never an id
	path   string     // below /api/v1, segments escaped
	query  url.Values // may be nil
	body   any        // JSON-encoded if not nil
	want   int        // expected success status
	out    any        // JSON-decoded if not nil
	// check validates out once decoded (check.go); nil where the
	// caller gets nothing it could show.
	check func(route string) error
}

func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + "/api/v1" + path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, fmt.Errorf("client: path: %v", err)
	}
	u.Path = p
	u.RawQuery = query.Encode()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("client: encode request: %v", err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("client: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// do runs a JSON call.
func (c *Client) do(ctx context.Context, r request) error {
	req, err := c.newRequest(ctx, r.method, r.path, r.query, r.body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", r.method, r.route, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != r.want {
		return readError(resp)
	}
	if r.out == nil {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorResponse))
		return nil
	}
	b, err := bounded.ReadAll(resp.Body, maxJSONResponse)
	if err != nil {
		return fmt.Errorf("client: %s %s: read response: %w", r.method, r.route, err)
	}
	if err := json.Unmarshal(b, r.out); err != nil {
		return fmt.Errorf("client: %s %s: decode response: %v", r.method, r.route, err)
	}
	if r.check != nil {
		return r.check(r.method + " " + r.route)
	}
	return nil
}

// unwrapURLError drops *url.Error so that the full URL (which never holds
// a secret, but may hold a case id) does not end up in logs.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// readError turns a non-success response into an *Error.
func readError(resp *http.Response) error {
	e := &Error{Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	b, err := bounded.ReadAll(resp.Body, maxErrorResponse)
	if err == nil {
		var body wire.ErrorBody
		if json.Unmarshal(b, &body) == nil {
			// The code is matched by callers, the message shown to
			// people: neither may carry what Text drops.
			if errorCode.MatchString(body.Error) {
				e.Code = body.Error
			}
			e.Message = Text(body.Message)
		}
	}
	return e
}

// parseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
