package api

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lotse/crypto"
	"lotse/internal/mailboxdtest"
	"lotse/mailbox"
)

// badRow is a row of TestBadInput (badinput_test.go).
type badRow struct {
	name    string
	prepare func() request
	status  int
	code    string
}

const octetStream = "application/octet-stream"

// upload is a raw attachment upload.
func upload(path, auth string, ct []byte) request {
	return request{method: "POST", path: path, auth: auth, body: ct, header: map[string]string{"Content-Type": octetStream}}
}

func (e *env) uploadID(path, auth string, ct []byte) string {
	e.t.Helper()
	r := e.do(upload(path, auth, ct))
	e.want(r, 201, "")
	var out struct{ ID string }
	r.decode(e.t, &out)
	return out.ID
}

// attachmentBadInput are the attachment rows of TestBadInput: each must
// answer its code and leave the database as it was.
func attachmentBadInput(t *testing.T, f *fixture) []badRow {
	e, tm := f.e, f.tm
	own := f.q0.identity.Recipient()
	good, err := crypto.SealAttachment([]byte("Lohnzettel"), tm.recipient(), own)
	if err != nil {
		t.Fatal(err)
	}
	const mine = "/api/v1/mailbox/attachments"
	caseRoute := func(id string) string { return "/api/v1/cases/" + id + "/attachments" }
	enq := func(ct []byte) func() request { return func() request { return upload(mine, f.q0.bearer(), ct) } }
	withHeader := func(r request, k, v string) request { r.header[k] = v; return r }
	post := func(ids any) func() request {
		return func() request {
			return request{method: "POST", path: "/api/v1/mailbox/messages", auth: f.q0.bearer(),
				body: map[string]any{"epoch": tm.epoch(), "ciphertext": b64s(tm.message(t, f.q0)), "attachments": ids}}
		}
	}
	reply := func(ids func() []string) func() request {
		return func() request {
			return request{method: "POST", path: "/api/v1/cases/" + f.q0.id + "/messages", auth: f.admin(),
				body: map[string]any{"epoch": tm.epoch(), "ciphertext": b64s(tm.message(t, f.q0)), "attachments": ids()}}
		}
	}
	get := func(path string, auth func() string) func() request {
		return func() request { return request{method: "GET", path: path, auth: auth()} }
	}
	enquirerAuth := func() string { return f.q0.bearer() }
	var six []string
	for range 6 {
		six = append(six, e.uploadIDOf(tm, newEnquirerOf(f)))
	}
	return []badRow{
		{"attachment: 64 KiB + 1 byte", enq(seal(t, 64<<10+1, tm.recipient(), own)), 422, "ciphertext_policy"},
		{"attachment: a message", enq(tm.message(t, f.q0)), 422, "ciphertext_policy"},
		{"attachment: one stanza", enq(seal(t, 64<<10, tm.recipient())), 422, "ciphertext_policy"},
		{"attachment: X25519 stanzas", enq(mailboxdtest.ClassicCiphertext(t, make([]byte, 64<<10))), 422, "ciphertext_policy"},
		{"attachment: armored", enq(armored(t, good)), 422, "ciphertext_policy"},
		{"attachment: cut short", enq(good[:len(good)-1]), 422, "ciphertext_policy"},
		{"attachment: JSON", func() request {
			return withHeader(upload(mine, f.q0.bearer(), good), "Content-Type", "application/json")
		}, 415, "unsupported_media_type"},
		{"attachment: gzip", func() request { return withHeader(upload(mine, f.q0.bearer(), good), "Content-Encoding", "gzip") }, 415, "unsupported_media_type"},
		{"attachment: empty", enq([]byte{}), 400, "bad_request"},
		{"attachment: over 8 MiB + 64 KiB", func() request {
			return request{method: "POST", path: mine, auth: f.q0.bearer(), claimLength: maxAttachmentBody + 1}
		}, 413, "too_large"},
		{"attachment: a message route keeps its limit", func() request {
			return request{method: "POST", path: "/api/v1/mailbox/messages", auth: f.q0.bearer(), claimLength: maxKeyringBody + 1}
		}, 413, "too_large"},
		{"attachment: no credential", func() request { return upload(mine, "", good) }, 401, "unauthorized"},
		{"attachment: unknown mailbox", func() request { return upload(mine, newEnquirer(t).bearer(), good) }, 401, "unauthorized"},
		{"attachment: unknown case", func() request { return upload(caseRoute(newEnquirer(t).id), f.admin(), good) }, 404, "not_found"},
		{"attachment: malformed case", func() request { return upload(caseRoute("XYZ"), f.admin(), good) }, 404, "not_found"},
		{"attachment: pending counsellor", func() request { return upload(caseRoute(f.q0.id), e.login(f.pendingID, f.pendingKey), good) }, 403, "forbidden"},
		{"attachment: enquirer on the case route", func() request { return upload(caseRoute(f.q0.id), f.q0.bearer(), good) }, 401, "unauthorized"},
		{"attachment: counsellor, not a bucket", func() request { return upload(caseRoute(f.q0.id), f.admin(), seal(t, 100, tm.recipient(), own)) }, 422, "ciphertext_policy"},
		{"attachment get: unknown id", get(mine+"/q8Zx1Lq4Tt2aVb3Yc9D0eA", enquirerAuth), 404, "not_found"},
		{"attachment get: malformed id", get(mine+"/q8Zx1Lq4Tt2aVb3Yc9D0eB", enquirerAuth), 404, "not_found"},
		{"attachment get: another mailbox's", func() request {
			return request{method: "GET", path: mine + "/" + six[0], auth: f.q0.bearer()}
		}, 404, "not_found"},
		{"attachment get: no credential", get(mine+"/q8Zx1Lq4Tt2aVb3Yc9D0eA", func() string { return "" }), 401, "unauthorized"},
		{"attachment get: case of another mailbox", func() request {
			return request{method: "GET", path: caseRoute(f.q0.id) + "/" + six[0], auth: f.admin()}
		}, 404, "not_found"},
		{"message: unknown attachment", post([]string{"q8Zx1Lq4Tt2aVb3Yc9D0eA"}), 409, "attachment_refused"},
		{"message: another mailbox's attachment", post(six[:1]), 409, "attachment_refused"},
		{"message: malformed attachment id", post([]string{"x"}), 400, "bad_request"},
		{"message: six attachments", post(six), 400, "bad_request"},
		{"message: an attachment twice", post([]string{six[0], six[0]}), 400, "bad_request"},
		{"message: attachments not a list", post("q8Zx1Lq4Tt2aVb3Yc9D0eA"), 400, "bad_request"},
		{"message: attachments of numbers", post([]int{1}), 400, "bad_request"},
		{"reply: the enquirer's attachment", reply(func() []string { return []string{e.uploadID(mine, f.q0.bearer(), good)} }), 409, "attachment_refused"},
		{"message: the team's attachment", func() request {
			id := e.uploadID(caseRoute(f.q0.id), f.admin(), good)
			return post([]string{id})()
		}, 409, "attachment_refused"},
	}
}

// newEnquirerOf is a new mailbox of the fixture's team.
func newEnquirerOf(f *fixture) *enquirer { return f.newMailbox() }

// uploadIDOf uploads a small attachment to q's mailbox.
func (e *env) uploadIDOf(tm *team, q *enquirer) string {
	e.t.Helper()
	ct, err := crypto.SealAttachment(nil, tm.recipient(), q.identity.Recipient())
	if err != nil {
		e.t.Fatal(err)
	}
	return e.uploadID("/api/v1/mailbox/attachments", q.bearer(), ct)
}

// Both ways through the API: what goes up comes down byte for byte, as
// octet-stream never cached, and the reference from a message holds.
func TestAttachmentAPI(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm, q := e.setUpMailbox()
	file := bytes.Repeat([]byte("Vertrag "), 40000) // 320 KB: the 1 MiB bucket
	ct, err := crypto.SealAttachment(file, tm.recipient(), q.identity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	id := e.uploadID("/api/v1/mailbox/attachments", q.bearer(), ct)
	for _, rq := range []request{
		{method: "GET", path: "/api/v1/mailbox/attachments/" + id, auth: q.bearer()},
		{method: "GET", path: "/api/v1/cases/" + q.id + "/attachments/" + id, auth: tm.adminToken},
	} {
		r := e.do(rq)
		e.want(r, 200, "")
		if !bytes.Equal(r.body, ct) || r.header.Get("Content-Type") != octetStream ||
			r.header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s: %d bytes, headers %v", rq.path, len(r.body), r.header)
		}
	}
	post := request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(),
		body: map[string]any{"epoch": 1, "ciphertext": b64s(tm.message(t, q)), "attachments": []string{id}}}
	e.want(e.do(post), 201, "")
	e.want(e.do(post), 409, "attachment_refused")

	sheet, err := crypto.SealAttachment([]byte("Merkblatt"), tm.recipient(), q.identity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	sid := e.uploadID("/api/v1/cases/"+q.id+"/attachments", tm.adminToken, sheet)
	e.want(e.do(request{method: "POST", path: "/api/v1/cases/" + q.id + "/messages", auth: tm.adminToken,
		body: map[string]any{"epoch": 1, "ciphertext": b64s(tm.message(t, q)), "attachments": []string{sid}}}), 201, "")
	r := e.do(request{method: "GET", path: "/api/v1/mailbox/attachments/" + sid, auth: q.bearer()})
	e.want(r, 200, "")
	if got, err := crypto.OpenAttachment(r.body, q.identity, len("Merkblatt"), sha([]byte("Merkblatt"))); err != nil || string(got) != "Merkblatt" {
		t.Fatalf("the enquirer opens the team's sheet: %v", err)
	}
	// The request log names route patterns, never an id.
	if log := e.log.String(); strings.Contains(log, id) || strings.Contains(log, sid) || strings.Contains(log, q.id) {
		t.Error("the request log shows an id")
	}
}

func sha(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// The limits in the order of §6.2: the hourly cap (429, before the
// policy), then the totals (413 mailbox_full); an unreferenced upload is
// gone once its window has passed and the purge ran.
func TestAttachmentLimitsAPI(t *testing.T) {
	e := newEnv(t, envOptions{attach: mailbox.AttachmentLimits{MaxCount: 3, PerHour: 2}})
	tm, q := e.setUpMailbox()
	ct := func() []byte {
		c, err := crypto.SealAttachment([]byte("x"), tm.recipient(), q.identity.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	const route = "/api/v1/mailbox/attachments"
	first := e.uploadID(route, q.bearer(), ct())
	e.uploadID(route, q.bearer(), ct())
	r := e.do(upload(route, q.bearer(), []byte("not age at all")))
	e.want(r, 429, "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	e.clock.Advance(time.Hour)
	e.uploadID(route, q.bearer(), ct())
	e.want(e.do(upload(route, q.bearer(), ct())), 413, "mailbox_full")
	// The team's share is its own.
	e.uploadID("/api/v1/cases/"+q.id+"/attachments", e.login(tm.adminID, tm.adminKey), ct())

	// first was uploaded an hour ago and more: past its window, and the
	// purge takes it.
	e.clock.Advance(time.Hour)
	if _, err := e.store.Purge(); err != nil {
		t.Fatal(err)
	}
	e.want(e.do(request{method: "GET", path: route + "/" + first, auth: q.bearer()}), 404, "not_found")
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(),
		body: map[string]any{"epoch": 1, "ciphertext": b64s(tm.message(t, q)), "attachments": []string{first}}}), 409, "attachment_refused")
	// Its room is free again.
	e.uploadID(route, q.bearer(), ct())
}

// A client of version 1 that never uploads keeps working: its message
// bodies have no attachments field, and GET answers are unchanged.
func TestVersion1ClientUnchanged(t *testing.T) {
	e := newEnv(t, envOptions{})
	tm, q := e.setUpMailbox()
	e.want(e.do(request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(),
		body: `{"epoch":1,"ciphertext":"` + b64s(tm.message(t, q)) + `"}`}), 201, "")
	r := e.do(request{method: "GET", path: "/api/v1/mailbox", auth: q.bearer()})
	e.want(r, 200, "")
	if bytes.Contains(r.body, []byte("attachment")) {
		t.Errorf("a version-1 answer mentions attachments: %s", truncate(r.body))
	}
	if r.status != http.StatusOK {
		t.Fatal(r.status)
	}
}

// An upload that keeps sending outlasts the read timeout, one that
// trickles is cut off by it (attach_body.go).
func TestSlowUpload(t *testing.T) {
	e, tm, q := newSlowClientEnv(t)
	ct, err := crypto.SealAttachment(make([]byte, 200<<10), tm.recipient(), q.identity.Recipient()) // the 256 KiB bucket
	if err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf("POST /api/v1/mailbox/attachments HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\nAuthorization: Bearer %s\r\n\r\n", len(ct), q.bearer())

	t.Run("steady", func(t *testing.T) {
		c := e.dialRaw(t)
		start := time.Now()
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(ct); off += 64 << 10 {
			time.Sleep(slowReadTimeout * 3 / 5)
			if _, err := c.Write(ct[off:min(len(ct), off+64<<10)]); err != nil {
				t.Fatalf("cut off after %v: %v", time.Since(start), err)
			}
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 || time.Since(start) < 2*slowReadTimeout {
			t.Fatalf("status %d after %v", resp.StatusCode, time.Since(start))
		}
	})
	t.Run("trickle", func(t *testing.T) {
		e.wantTrickleCutOff(t, head, func(i int) byte { return ct[i] })
	})
}

// A download's bytes count against the body budget until they are
// written: beyond it 503 busy, and each download gives its share back.
func TestDownloadBudget(t *testing.T) {
	e := newEnv(t, envOptions{cfg: Config{BodyBudget: maxKeyringBody + bodyChunk}})
	tm, q := e.setUpMailbox()
	// The 256 KiB bucket, under the smallest budget there is.
	ct, err := crypto.SealAttachment(make([]byte, 200<<10), tm.recipient(), q.identity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	id := e.uploadID("/api/v1/mailbox/attachments", q.bearer(), ct)
	get := request{method: "GET", path: "/api/v1/mailbox/attachments/" + id, auth: q.bearer()}
	settled := func() {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Second); e.srv.bodies.used.Load() != 0; {
			if time.Now().After(deadline) {
				t.Fatalf("%d bytes of the budget still taken after the request", e.srv.bodies.used.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	settled()
	for range 5 {
		r := e.do(get)
		e.want(r, 200, "")
		if !bytes.Equal(r.body, ct) {
			t.Fatal("download differs")
		}
		settled()
	}
	// Another request in flight holds what leaves less than the download.
	hold := e.srv.bodies.max - int64(len(ct)) + 1
	e.srv.bodies.take(hold)
	r := e.do(get)
	e.want(r, 503, "busy")
	if r.header.Get("Retry-After") == "" {
		t.Error("503 busy without Retry-After")
	}
	e.srv.bodies.give(hold)
	e.want(e.do(get), 200, "")
	settled()
}

// FuzzAttachmentUpload posts whatever the fuzzer makes as an upload: the
// answer is a success or a protocol error, never a 5xx, and a refusal
// changes nothing.
func FuzzAttachmentUpload(f *testing.F) {
	e := newEnv(f, envOptions{cfg: Config{EnquirerLimit: Rate{N: -1}, PostLimit: Rate{N: -1}}, attach: mailbox.AttachmentLimits{PerHour: 1 << 30, MaxCount: 1 << 20, MaxBytes: 1 << 40}})
	tm, q := e.setUpMailbox()
	ct, err := crypto.SealAttachment([]byte("Lohnzettel"), tm.recipient(), q.identity.Recipient())
	if err != nil {
		f.Fatal(err)
	}
	fuzzBody(f, e, func(body []byte) request { return upload("/api/v1/mailbox/attachments", q.bearer(), body) },
		ct, ct[:3300], tm.message(f, q), []byte("age-encryption.org/v1\n-> mlkem768x25519 "))
}

// A download to a client that keeps reading outlasts the write timeout
// (attach.go's budgetedReader).
func TestSlowDownload(t *testing.T) {
	const writeTimeout = time.Second
	e := newEnv(t, envOptions{cfg: Config{WriteTimeout: writeTimeout}})
	tm, q := e.setUpMailbox()
	ct, err := crypto.SealAttachment(make([]byte, 8<<20), tm.recipient(), q.identity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	id := e.uploadID("/api/v1/mailbox/attachments", q.bearer(), ct)
	c := e.dialRaw(t)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(64 << 10)
	}
	fmt.Fprintf(c, "GET /api/v1/mailbox/attachments/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", id, q.bearer())
	start := time.Now()
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got bytes.Buffer
	buf := make([]byte, 512<<10)
	for {
		time.Sleep(200 * time.Millisecond)
		n, err := io.ReadFull(resp.Body, buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if !bytes.Equal(got.Bytes(), ct) {
		t.Fatalf("got %d of %d bytes after %v", got.Len(), len(ct), time.Since(start))
	}
	if time.Since(start) < 2*writeTimeout {
		t.Fatalf("read in %v: the test proves nothing below twice the write timeout", time.Since(start))
	}
}
