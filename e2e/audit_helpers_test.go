package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/audit"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// auditClientIP is the loopback address the audit tests' client connects
// from: distinct from the listen address 127.0.0.1, so finding it anywhere
// means the server kept a client's address.
const auditClientIP = "127.0.0.77"

// auditTransport connects from auditClientIP, sends a distinctive user
// agent and records the local addresses it used.
type auditTransport struct {
	ua string
	rt http.RoundTripper

	mu    sync.Mutex
	local map[string]bool
}

func (a *auditTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", a.ua)
	return a.rt.RoundTrip(req)
}

func (a *auditTransport) locals() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for l := range a.local {
		out = append(out, l)
	}
	return out
}

// auditClient returns an API client of base that connects from
// auditClientIP with user agent ua.
func auditClient(t *testing.T, base, ua string) (*client.Client, *auditTransport) {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(auditClientIP)}, Timeout: 5 * time.Second}
	at := &auditTransport{ua: ua, local: map[string]bool{}}
	at.rt = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, addr)
			if err == nil {
				host, _, _ := net.SplitHostPort(conn.LocalAddr().String())
				at.mu.Lock()
				at.local[host] = true
				at.mu.Unlock()
			}
			return conn, err
		},
		MaxIdleConnsPerHost: 16,
	}
	c, err := client.New(base, client.WithHTTPClient(&http.Client{Transport: at}))
	if err != nil {
		t.Fatal(err)
	}
	return c, at
}

// startAuditServer starts mailboxd with a setup token of its own, no
// proof of work and no timed compaction: the tests compact when they mean
// to.
func startAuditServer(t *testing.T) (srv *server, setup string) {
	t.Helper()
	setup = randomToken()
	return startServer(t, "LOTSE_POW_DIFFICULTY=0", "LOTSE_SETUP_TOKEN="+setup, "LOTSE_COMPACT_HOURS=0"), setup
}

// auditEnquirer is a mailbox with random credentials (the key derivation
// is not what these tests are about, except where they say so).
type auditEnquirer struct {
	id       string
	mk       string
	bearer   string
	verifier []byte
	key      *age.HybridIdentity
	c        *client.Client
}

func newAuditEnquirer(t *testing.T, c *client.Client) *auditEnquirer {
	t.Helper()
	m := mailboxdtest.RandomMailbox()
	var mk [32]byte
	rand.Read(mk[:])
	return &auditEnquirer{id: m.ID, mk: base64.StdEncoding.EncodeToString(mk[:]), verifier: m.Verifier[:], key: newIdentity(t),
		bearer: m.Bearer(), c: c.WithToken(m.Bearer())}
}

// doc returns a message document of this mailbox.
func (q *auditEnquirer) doc(t *testing.T, from, body string) *crypto.Document {
	if from == crypto.FromCounsellor {
		return counsellorDoc(t, q.id, q.mk, "Anna", body)
	}
	return mailboxdtest.NewMessageDoc(t, q.id, q.mk, from, body)
}

// create creates the mailbox with a first message; it returns the
// ciphertext.
func (q *auditEnquirer) create(t *testing.T, ctx context.Context, team *age.HybridIdentity, body string) []byte {
	t.Helper()
	d := q.doc(t, "enquirer", body)
	d.Recipient = q.key.Recipient().String()
	ct := seal(t, d, team.Recipient(), q.key.Recipient())
	if _, err := q.c.CreateMailbox(ctx, client.NewMailbox{ID: q.id, Verifier: q.verifier, Epoch: 1, Message: ct}); err != nil {
		t.Fatalf("create a mailbox: %v", err)
	}
	return ct
}

// auditRun runs mailbox-audit in-process (the command's main only calls
// audit.Run) and decodes its JSON report into rep.
func auditRun(t *testing.T, rep any, args ...string) int {
	t.Helper()
	var out, errOut bytes.Buffer
	code := audit.Run(context.Background(), append([]string{args[0], "--json"}, args[1:]...), &out, &errOut)
	if errOut.Len() > 0 {
		t.Fatalf("mailbox-audit %q: exit %d: %s", args, code, errOut.String())
	}
	if err := json.Unmarshal(out.Bytes(), rep); err != nil {
		t.Fatalf("mailbox-audit %q: %v\n%s", args, err, out.String())
	}
	return code
}

// auditText runs mailbox-audit in-process and returns its report for
// people.
func auditText(args ...string) (int, string) {
	var out bytes.Buffer
	code := audit.Run(context.Background(), args, &out, &out)
	return code, out.String()
}

func auditWrite(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
