package counsel

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"lotse/api/client"
	"lotse/crypto"
)

// hostileProxy stands between counsel and a real mailboxd and rewrites
// what the server says, as a server under someone else's control could.
// Requests pass unchanged; responses are rewritten by mode.
type hostileProxy struct {
	srv      *httptest.Server
	upstream string

	mu      sync.Mutex
	mode    string
	forged  map[string][]byte // case id → the substituted first document
	centres []byte            // served as /info/centres.json if not nil
}

// Modes of the proxy.
const (
	proxyHonest      = "honest"
	proxySubstitute  = "substitute-first" // another seq-1 document, sealed to the team with its own mk and recipient
	proxyOtherCase   = "other-case"       // answers for another case id
	proxyHostile     = "hostile-strings"  // every string the server may choose becomes an injection
	proxyHostileText = "hostile-text"     // only free text (names, messages) does
	proxySwapCentre  = "swap-centre"      // the first centre of the directory gets the server's phone number
	proxySwapOrgKey  = "swap-org-key"     // every other organisation in GET /api/v1/orgs gets the server's team key, same epoch
)

func newHostileProxy(upstream string) (*hostileProxy, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	p := &hostileProxy{upstream: upstream, mode: proxyHonest, forged: map[string][]byte{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	director := rp.Director
	rp.Director = func(r *http.Request) {
		director(r)
		// Bodies are rewritten as plain JSON.
		r.Header.Del("Accept-Encoding")
	}
	rp.FlushInterval = -1
	// A desk's event stream ends with a cancelled request; that is no news.
	rp.ErrorLog = log.New(io.Discard, "", 0)
	rp.ModifyResponse = p.modify
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		centres := p.centres
		p.mu.Unlock()
		if centres != nil && r.URL.Path == client.CentresPath {
			w.Header().Set("Content-Type", "application/json")
			w.Write(centres)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	return p, nil
}

// serveCentres makes the proxy serve b as the referral directory.
func (p *hostileProxy) serveCentres(b string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.centres = []byte(b)
}

func (p *hostileProxy) setMode(m string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
}

func (p *hostileProxy) close() { p.srv.Close() }

var caseRoute = regexp.MustCompile(`^/api/v1/cases/([0-9a-f]{32})$`)

func (p *hostileProxy) modify(resp *http.Response) error {
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return nil
	}
	p.mu.Lock()
	mode := p.mode
	p.mu.Unlock()
	if mode == proxyHonest {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	req := resp.Request
	if mode == proxySwapCentre && req.URL.Path == client.CentresPath {
		body = swapCentre(body)
	}
	if mode == proxySwapOrgKey && req.URL.Path == "/api/v1/orgs" && req.Method == http.MethodGet {
		if body, err = swapOrgKeys(body); err != nil {
			return err
		}
	}
	if m := caseRoute.FindStringSubmatch(req.URL.Path); m != nil && req.Method == http.MethodGet && resp.StatusCode == http.StatusOK {
		body, err = p.rewriteCase(req.Context(), mode, m[1], body)
		if err != nil {
			return err
		}
	}
	// The login's answers stay as they are, so that the commands get
	// as far as they can.
	if !strings.HasPrefix(req.URL.Path, "/api/v1/auth/") {
		switch mode {
		case proxyHostile:
			body = hostileJSON(body, nil)
		case proxyHostileText:
			body = hostileJSON(body, map[string]bool{"name": true, "message": true})
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

func (p *hostileProxy) rewriteCase(ctx context.Context, mode, id string, body []byte) ([]byte, error) {
	var cd client.CaseDetail
	if err := json.Unmarshal(body, &cd); err != nil {
		return nil, err
	}
	switch mode {
	case proxyOtherCase:
		cd.ID = strings.Repeat("ab", 16)
	case proxySubstitute:
		for i, m := range cd.Messages {
			if m.Seq != 1 {
				continue
			}
			forged, err := p.forgedFirst(ctx, id)
			if err != nil {
				return nil, err
			}
			cd.Messages[i].Ciphertext = forged
		}
	default:
		return body, nil
	}
	return json.Marshal(cd)
}

// swapCentre gives the first centre of a directory another phone number.
func swapCentre(b []byte) []byte {
	var dir map[string]any
	if json.Unmarshal(b, &dir) != nil {
		return b
	}
	cs, _ := dir["centres"].([]any)
	if len(cs) == 0 {
		return b
	}
	c, _ := cs[0].(map[string]any)
	contact, _ := c["contact"].(map[string]any)
	if contact == nil {
		return b
	}
	contact["phone"] = "+49 30 6666 666"
	out, err := json.Marshal(dir)
	if err != nil {
		return b
	}
	return out
}

// swapOrgKeys gives every organisation but the front door in an answer of
// GET /api/v1/orgs a team recipient of the server's own under the same
// epoch, with its fingerprint (PROTOCOL.md §9.1): the server would then
// read what an enquirer re-seals for a handover.
func swapOrgKeys(b []byte) ([]byte, error) {
	var list struct {
		Orgs []map[string]any `json:"orgs"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, err
	}
	for _, o := range list.Orgs {
		if o["front_door"] == true {
			continue
		}
		id, err := age.GenerateHybridIdentity()
		if err != nil {
			return nil, err
		}
		r := id.Recipient().String()
		o["recipient"], o["fingerprint"] = r, crypto.Fingerprint(r)
	}
	return json.Marshal(list)
}

// forgedFirst is what the server can write without any secret: a first
// document of the case, sealed to the public team recipient, with a
// mailbox key and an enquirer key of its own.
func (p *hostileProxy) forgedFirst(ctx context.Context, id string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ct := p.forged[id]; ct != nil {
		return ct, nil
	}
	e, err := newEnquirer(p.upstream)
	if err != nil {
		return nil, err
	}
	team, err := e.c.Team(ctx)
	if err != nil {
		return nil, err
	}
	teamR, err := crypto.ParseRecipient(team.Recipient)
	if err != nil {
		return nil, err
	}
	docID, _ := crypto.NewDocumentID(rand.Reader)
	doc := &crypto.Document{V: 1, Type: "message", Mailbox: id, ID: docID,
		MK: base64.StdEncoding.EncodeToString(e.keys.MailboxKey[:]), From: "enquirer",
		Sent: time.Now().UTC().Format(time.RFC3339), Lang: "de", Body: "Bitte antworten Sie mir.",
		Recipient: e.keys.Identity.Recipient().String()}
	ct, err := crypto.SealDocument(doc, teamR, e.keys.Identity.Recipient())
	if err != nil {
		return nil, err
	}
	p.forged[id] = ct
	return ct, nil
}

// hostilePayloads are what a hostile server puts into strings: an escape
// sequence that hides the text after it and forges a line, OSC 52 (write
// the clipboard), a bidi override, a bare CR, C1 controls, invalid UTF-8
// and a very long value.
var hostilePayloads = []string{
	"open\x1b[8m\n\n#1  Enquirer  forged text",
	"\x1b]52;c;ZXZpbA==\x07x",
	"abc\u202edcba\u2066x\u2069",
	"line\rover",
	"c1\u009b31mred\u0085next",
	"bad\xffutf8\xc3",
	strings.Repeat("long", 5000),
}

// hostileJSON prefixes string values (not object keys) of a JSON document
// with a payload, in turn: those of the keys in only, or, with only nil,
// every one but binary and key material (another value there only breaks
// the crypto, which has its own tests). It is the client's and counsel's
// job to refuse or neutralise them.
func hostileJSON(b []byte, only map[string]bool) []byte {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return b
	}
	n := 0
	var walk func(v any, key string) any
	walk = func(v any, key string) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e, k)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e, key)
			}
		case string:
			if only != nil && !only[key] {
				return x
			}
			switch key {
			case "ciphertext", "envelope", "recipient", "challenge", "token", "nonce":
				return x
			}
			n++
			return hostilePayloads[n%len(hostilePayloads)] + x
		}
		return v
	}
	v = walk(v, "")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return b
	}
	// encoding/json turns invalid UTF-8 into U+FFFD; the hostile server
	// sends the raw bytes.
	return bytes.ReplaceAll(buf.Bytes(), []byte("bad\ufffdutf8\ufffd"), []byte("bad\xffutf8\xc3"))
}

// cmdProxy is "proxy start" (sets $PROXY to a proxy in front of
// $SERVER) and "proxy MODE".
func cmdProxy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: proxy start|honest|substitute-first|other-case|hostile-strings|hostile-text|swap-centre|swap-org-key")
	}
	scriptMu.Lock()
	defer scriptMu.Unlock()
	if args[0] == "start" {
		srv := servers[ts]
		if srv == nil {
			ts.Fatalf("no mailboxd running")
		}
		p, err := newHostileProxy(srv.URL)
		ts.Check(err)
		proxies[ts] = p
		ts.Defer(p.close)
		ts.Setenv("PROXY", p.srv.URL)
		return
	}
	p := proxies[ts]
	if p == nil {
		ts.Fatalf("no proxy running")
	}
	switch args[0] {
	case proxyHonest, proxySubstitute, proxyOtherCase, proxyHostile, proxyHostileText, proxySwapCentre, proxySwapOrgKey:
		p.setMode(args[0])
	default:
		ts.Fatalf("unknown proxy mode %q", args[0])
	}
}

var proxies = map[*testscript.TestScript]*hostileProxy{}
