package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
	"lotse/mailbox"
)

// env is a real Server on 127.0.0.1 over a real Store in a temporary file.
type env struct {
	t      testing.TB
	store  *mailbox.Store
	srv    *Server
	base   string
	clock  *mailboxdtest.Clock
	log    *mailboxdtest.LogBuffer
	client *http.Client
}

type envOptions struct {
	cfg    Config
	limits mailbox.Limits
	attach mailbox.AttachmentLimits
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	clk := mailboxdtest.NewClock(time.Now().UTC())
	store, err := mailbox.Open(mailbox.Options{
		Path:        filepath.Join(t.TempDir(), "lotse.db"),
		Limits:      o.limits,
		Attachments: o.attach,
		Now:         clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	logBuf := &mailboxdtest.LogBuffer{}
	cfg := o.cfg
	cfg.Now = clk.Now
	cfg.Log = logBuf
	srv, err := New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	e := &env{
		t: t, store: store, srv: srv, clock: clk, log: logBuf,
		base:   "http://" + ln.Addr().String(),
		client: &http.Client{Timeout: 20 * time.Second},
	}
	t.Cleanup(func() {
		e.client.CloseIdleConnections()
		if err := srv.Shutdown(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		store.Close()
	})
	return e
}

// response is what a test looks at.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) errorCode() string {
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	json.Unmarshal(r.body, &e)
	return e.Error
}

func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// request is one HTTP request; body nil means none, a string or []byte is
// sent as is, anything else as JSON.
type request struct {
	method, path string
	body         any
	auth         string // bearer credential
	header       map[string]string
	// claimLength, if set, is sent as Content-Length over a raw connection
	// with no body: how a test asks for the server's own body limit without
	// racing its connection reset.
	claimLength int
}

func (e *env) do(rq request) *response {
	e.t.Helper()
	if rq.claimLength > 0 {
		return e.doClaim(rq)
	}
	var body io.Reader
	isJSON := false
	switch b := rq.body.(type) {
	case nil:
	case string:
		body, isJSON = strings.NewReader(b), true
	case []byte:
		body, isJSON = bytes.NewReader(b), true
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body, isJSON = bytes.NewReader(j), true
	}
	req, err := http.NewRequest(rq.method, e.base+rq.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.auth != "" {
		req.Header.Set("Authorization", "Bearer "+rq.auth)
	}
	for k, v := range rq.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *env) doClaim(rq request) *response {
	e.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: lotse\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", rq.method, rq.path, rq.claimLength)
	if rq.auth != "" {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", rq.auth)
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		e.t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body}
}

// want checks status and error code ("" for a success).
func (e *env) want(r *response, status int, code string) {
	e.t.Helper()
	if r.status != status || r.errorCode() != code {
		e.t.Fatalf("got %d %q (%s), want %d %q", r.status, r.errorCode(), truncate(r.body), status, code)
	}
}

// refusal is a request the API must refuse with status and error code.
type refusal struct {
	name   string
	rq     request
	status int
	code   string
}

// refuses sends each refusal in a subtest of t: the answer is its status
// and code, and the store is unchanged.
func (e *env) refuses(t *testing.T, refusals []refusal) {
	t.Helper()
	parent := e.t
	defer func() { e.t = parent }()
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			e.t = t
			before := e.contentHash()
			e.want(e.do(r.rq), r.status, r.code)
			if e.contentHash() != before {
				t.Fatal("refused but the store changed")
			}
		})
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func (e *env) contentHash() [32]byte {
	e.t.Helper()
	h, err := e.store.ContentHash()
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// logicalHash is the store's content as it is read (mailbox.LogicalHash):
// the same for a store before and after compaction, which renumbers the
// ciphertext keys.
func (e *env) logicalHash() [32]byte {
	e.t.Helper()
	h, err := e.store.LogicalHash()
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// ---- cryptographic material ----

var newIdentity = mailboxdtest.NewIdentity

// seal encrypts a plaintext of size bytes to the recipients with real age.
func seal(t testing.TB, size int, to ...age.Recipient) []byte {
	t.Helper()
	pt := bytes.Repeat([]byte(" "), size)
	copy(pt, `{"v":1}`)
	return mailboxdtest.Encrypt(t, pt, to...)
}

func b64s(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// enquirer is a mailbox's credentials, drawn at random: what the
// derivation yields is not the point of most tests.
type enquirer struct {
	id       string
	auth     [32]byte
	verifier [32]byte
	identity *age.HybridIdentity
}

func newEnquirer(t testing.TB) *enquirer {
	t.Helper()
	m := mailboxdtest.RandomMailbox()
	return &enquirer{id: m.ID, auth: m.Auth, verifier: m.Verifier, identity: newIdentity(t)}
}

func (q *enquirer) bearer() string {
	return q.id + "." + base64.RawURLEncoding.EncodeToString(q.auth[:])
}

// team is a set-up team: an admin with a session and an epoch-1 keyring.
type team struct {
	adminID    string
	adminKey   *age.HybridIdentity
	adminToken string
	keys       []*age.HybridIdentity // team identity per epoch, [0] is epoch 1
	members    []crypto.Member
}

func (tm *team) epoch() int { return len(tm.keys) }

func (tm *team) recipient() *age.HybridRecipient { return tm.keys[len(tm.keys)-1].Recipient() }

// message is a policy-conforming message to the team and q.
func (tm *team) message(t testing.TB, q *enquirer) []byte {
	return seal(t, 1024, tm.recipient(), q.identity.Recipient())
}

const setupToken = "test-setup-token-0123456789abcdef"

// setUpTeam bootstraps the team through the API as counsel would.
func (e *env) setUpTeam() *team {
	e.t.Helper()
	if err := e.store.SetSetupToken(setupToken); err != nil {
		e.t.Fatal(err)
	}
	c, err := client.New(e.base, client.WithHTTPClient(e.client))
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	boot, err := mailboxdtest.SetUpTeam(ctx, c, setupToken, "Admin")
	if err != nil {
		e.t.Fatal(err)
	}
	return &team{adminID: boot.AdminID, adminKey: boot.AdminKey, adminToken: boot.Session,
		keys: []*age.HybridIdentity{boot.Key}, members: []crypto.Member{boot.Member()}}
}

// keyringBody builds a PUT /api/v1/keyring body for tm's members and keys;
// replaces is the current envelope (nil for the first).
func (e *env) keyringBody(tm *team, current []byte) map[string]any {
	e.t.Helper()
	kr := &crypto.Keyring{V: 1, Members: tm.members}
	ids := make([]string, len(tm.members))
	for i, m := range tm.members {
		ids[i] = m.ID
	}
	for i, k := range tm.keys {
		kr.Epochs = append(kr.Epochs, crypto.EpochKey{Epoch: i + 1, Identity: k.String()})
	}
	env, err := crypto.SealKeyring(kr)
	if err != nil {
		e.t.Fatal(err)
	}
	body := map[string]any{
		"epoch": tm.epoch(), "recipient": tm.recipient().String(), "envelope": b64s(env), "members": ids,
	}
	if current != nil {
		body["replaces"] = replacesOf(current)
	}
	return body
}

func replacesOf(envelope []byte) string {
	sum := sha256.Sum256(envelope)
	return b64s(sum[:])
}

func (e *env) currentEnvelope() []byte {
	e.t.Helper()
	k, err := e.store.GetKeyring()
	if err != nil {
		e.t.Fatal(err)
	}
	return k.Envelope
}

func (e *env) putKeyring(tm *team, token string, current []byte) *response {
	e.t.Helper()
	return e.do(request{method: "PUT", path: "/api/v1/keyring", auth: token, body: e.keyringBody(tm, current)})
}

// challenge asks for a login challenge.
func (e *env) challenge(id string) (ct, nonce []byte, expires string) {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/v1/auth/challenge", body: map[string]string{"counsellor": id}})
	e.want(r, 200, "")
	var ch struct {
		Challenge []byte `json:"challenge"`
		Nonce     []byte `json:"nonce"`
		Expires   string `json:"expires"`
	}
	r.decode(e.t, &ch)
	return ch.Challenge, ch.Nonce, ch.Expires
}

func (e *env) sessionRequest(id string, nonce []byte, resp [32]byte) *response {
	return e.do(request{method: "POST", path: "/api/v1/auth/session", body: map[string]string{
		"counsellor": id, "nonce": b64s(nonce), "response": b64s(resp[:]),
	}})
}

// login runs the challenge-response login and returns the session token.
func (e *env) login(id string, key *age.HybridIdentity) string {
	e.t.Helper()
	ct, nonce, _ := e.challenge(id)
	resp, err := crypto.AnswerChallenge(ct, key, id)
	if err != nil {
		e.t.Fatal(err)
	}
	r := e.sessionRequest(id, nonce, resp)
	e.want(r, 200, "")
	var s struct{ Token, Expires string }
	r.decode(e.t, &s)
	return s.Token
}

// addCounsellor invites, registers and (with activate) adds a counsellor
// to the keyring at the same epoch.
func (e *env) addCounsellor(tm *team, name string, activate bool) (string, *age.HybridIdentity) {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/v1/invites", auth: tm.adminToken, body: map[string]string{"role": "counsellor"}})
	e.want(r, 200, "")
	var inv struct{ Invite, Expires string }
	r.decode(e.t, &inv)
	key := newIdentity(e.t)
	r = e.do(request{method: "POST", path: "/api/v1/counsellors", body: map[string]string{
		"invite": inv.Invite, "name": name, "recipient": key.Recipient().String(),
	}})
	e.want(r, 201, "")
	var reg struct{ ID, State string }
	r.decode(e.t, &reg)
	if activate {
		cur := e.currentEnvelope()
		tm.members = append(tm.members, crypto.Member{ID: reg.ID, Name: name, Recipient: key.Recipient().String()})
		e.want(e.putKeyring(tm, tm.adminToken, cur), 200, "")
	}
	return reg.ID, key
}

// setUpMailbox sets up the team and creates one enquirer's mailbox: the
// opening of most tests of the enquirer's side.
func (e *env) setUpMailbox() (*team, *enquirer) {
	e.t.Helper()
	tm := e.setUpTeam()
	q := newEnquirer(e.t)
	e.want(e.createMailbox(tm, q), 201, "")
	return tm, q
}

// createMailbox creates q's mailbox (proof of work solved if needed).
func (e *env) createMailbox(tm *team, q *enquirer) *response {
	e.t.Helper()
	return e.do(request{method: "POST", path: "/api/v1/mailboxes", body: e.createBody(tm, q)})
}

func (e *env) createBody(tm *team, q *enquirer) map[string]any {
	e.t.Helper()
	body := map[string]any{
		"id": q.id, "verifier": b64s(q.verifier[:]), "epoch": tm.epoch(), "message": b64s(tm.message(e.t, q)),
	}
	if e.srv.cfg.PowDifficulty > 0 {
		body["pow"] = e.solvePow()
	}
	return body
}

func (e *env) solvePow() map[string]string {
	e.t.Helper()
	r := e.do(request{method: "GET", path: "/api/v1/pow"})
	e.want(r, 200, "")
	var p struct {
		Challenge  []byte `json:"challenge"`
		Difficulty int    `json:"difficulty"`
		Expires    string `json:"expires"`
	}
	r.decode(e.t, &p)
	nonce, err := crypto.SolvePow(context.Background(), p.Challenge, p.Difficulty)
	if err != nil {
		e.t.Fatal(err)
	}
	return map[string]string{"challenge": b64s(p.Challenge), "nonce": b64s(nonce)}
}

// sseReader reads an event stream line by line in the background.
type sseReader struct {
	resp  *http.Response
	lines chan string
}

// stream is openStream for a stream that must be granted.
func (e *env) stream(path, auth string) (*sseReader, *response) {
	e.t.Helper()
	s, r := e.openStream(path, auth)
	if s == nil {
		e.t.Fatalf("stream %s: %d", path, r.status)
	}
	return s, r
}

func (e *env) openStream(path, auth string) (*sseReader, *response) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+auth)
	client := &http.Client{} // no timeout: the stream is long-lived
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return nil, &response{status: resp.StatusCode, header: resp.Header, body: b}
	}
	s := &sseReader{resp: resp, lines: make(chan string, 256)}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	e.t.Cleanup(func() { resp.Body.Close() })
	return s, &response{status: 200, header: resp.Header}
}

// next returns the next non-empty line, or "" with ok false at the end of
// the stream, or fails the test after the timeout.
func (s *sseReader) next(t *testing.T, timeout time.Duration) (string, bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				return "", false
			}
			if l != "" {
				return l, true
			}
		case <-deadline:
			t.Fatalf("no event stream line within %v", timeout)
		}
	}
}

// waitFor reads lines until one equals want.
func (s *sseReader) waitFor(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	end := time.Now().Add(timeout)
	for {
		l, ok := s.next(t, time.Until(end))
		if !ok {
			t.Fatalf("stream ended before %q", want)
		}
		if l == want {
			return
		}
	}
}

// waitEnd expects the stream to end within timeout.
func (s *sseReader) waitEnd(t *testing.T, timeout time.Duration) {
	t.Helper()
	end := time.Now().Add(timeout)
	for {
		select {
		case _, ok := <-s.lines:
			if !ok {
				return
			}
		case <-time.After(time.Until(end)):
			t.Fatalf("stream still open after %v", timeout)
		}
	}
}
