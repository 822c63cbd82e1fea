package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/audit"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// TestAudit plays the auditor's part against a real mailboxd: the full
// scenario with canaries, then scans of the server's whole log, its data
// file after compaction and its backups; the planted violations; the web
// check; and compaction under concurrent writes.
func TestAudit(t *testing.T) {
	t.Run("canaries", func(t *testing.T) { testAuditCanaries(t) })
	t.Run("compaction under load", func(t *testing.T) { testAuditCompactionUnderLoad(t) })
}

func testAuditCanaries(t *testing.T) {
	dir := t.TempDir()
	srv, setup := startAuditServer(t)
	db := srv.DB()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ua := "LotseAuditCanary/1.0 (X11; Linux; " + randomToken()[:12] + ")"
	c, transport := auditClient(t, srv.URL, ua)
	tm := mailboxdtest.NewTeam(t, ctx, c, setup)
	admin, team := tm.Admin, tm.Key

	// The enquirer's code and passphrase, with the real key derivation.
	drawn := mailboxdtest.NewEnquirer(t)
	code, pass, keys := drawn.Code, drawn.Passphrase, drawn.Keys
	secrets := map[string]string{}
	bodies := newBodies(t, secrets)
	bodies["kept"] = "Ich schreibe für meine Schwester, sie arbeitet ohne Lohn. " + randomToken()[:16]

	// a. The enquirer writes; another mailbox stays.
	enq := c.WithToken(keys.Bearer())
	own := keys.Identity.Recipient()
	first := enquirerDoc(t, keys, bodies["first"])
	first.Role, first.Recipient = "affected", own.String()
	ct1 := seal(t, first, team.Recipient(), own)
	if _, err := enq.CreateMailbox(ctx, client.NewMailbox{ID: keys.MailboxID, Verifier: keys.Verifier[:], Epoch: 1, Message: ct1}); err != nil {
		t.Fatalf("create the mailbox: %v", err)
	}
	kept := newAuditEnquirer(t, c)
	keptCT := kept.create(t, ctx, team, bodies["kept"])

	// b. The counsellor reads and replies; the enquirer reads the reply
	// and writes again.
	detail, err := admin.Case(ctx, keys.MailboxID, 0)
	if err != nil {
		t.Fatalf("the counsellor fetches the case: %v", err)
	}
	got, err := crypto.OpenDocument(detail.Messages[0].Ciphertext, team)
	if err != nil || !bytes.Contains(got, []byte(bodies["first"])) {
		t.Fatalf("the counsellor reads the first message: %v", err)
	}
	reply := counsellorDoc(t, keys.MailboxID, first.MK, "Anna", bodies["reply 1"])
	replyCT := seal(t, reply, team.Recipient(), own)
	if _, err := admin.Reply(ctx, keys.MailboxID, client.NewMessage{Epoch: 1, Ciphertext: replyCT}); err != nil {
		t.Fatalf("reply: %v", err)
	}
	mb, err := enq.Mailbox(ctx, 0)
	if err != nil || len(mb.Messages) != 2 {
		t.Fatalf("the enquirer fetches the mailbox: %v", err)
	}
	entries := readThread(t, "enquirer", keys.MailboxID, keys.MailboxKey[:], mb.Messages, nil, 2, keys.Identity)
	if entries[1].Doc.Body != bodies["reply 1"] {
		t.Fatal("the enquirer reads another reply")
	}
	follow := enquirerDoc(t, keys, bodies["follow-up"])
	followCT := seal(t, follow, team.Recipient(), own)
	if _, err := enq.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: followCT}); err != nil {
		t.Fatalf("follow-up: %v", err)
	}
	deletedCTs := [][]byte{ct1, replyCT, followCT}

	// c. A backup while the mailbox exists, then the enquirer deletes it.
	backup1 := auditBackup(t, ctx, admin, dir, "backup-before.db")
	if err := enq.DeleteMailbox(ctx); err != nil {
		t.Fatalf("delete the mailbox: %v", err)
	}
	if _, err := enq.Mailbox(ctx, 0); client.Code(err) != "unauthorized" {
		t.Fatalf("the deleted mailbox: %v", err)
	}
	// The live file before compaction: the deleted mailbox is gone from
	// the tree but not from the file, which is what compaction is for.
	// (Nothing writes between the deletion and this copy.)
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if !auditHolds(raw, deletedCTs) {
		t.Fatal("before compaction the data file holds no deleted ciphertext: the check after compaction would prove nothing")
	}
	liveBefore := auditWrite(t, dir, "live-before.db", raw)
	backup2 := auditBackup(t, ctx, admin, dir, "backup-after.db")

	// d. Compaction through the admin API.
	rep, err := admin.CompactReport(ctx)
	if err != nil {
		t.Fatalf("compact: %v", err)
	}
	if rep.BytesAfter <= 0 || rep.Purged != 0 {
		t.Errorf("compaction report %+v", rep)
	}
	// The web check, against this server with its team (before the
	// logout, so nothing writes after the compaction).
	testAuditWeb(t, srv.URL, dir)
	if err := admin.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if l := transport.locals(); !slices.Equal(l, []string{auditClientIP}) {
		t.Fatalf("the client connected from %v, want only %s", l, auditClientIP)
	}
	srv.stop()
	logFile := auditWrite(t, dir, "mailboxd.log", []byte(srv.Log().String()))

	// e. The canaries: message texts, code, passphrase, the client's
	// address and user agent, and the credentials that came by.
	canaries := []string{code, crypto.FormatPickupCode(code), pass, crypto.FormatPassphrase(pass), auditClientIP, ua,
		setup, tm.Session, strings.SplitN(keys.Bearer(), ".", 2)[1], strings.SplitN(kept.bearer, ".", 2)[1]}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range bodies {
			if !yield(k) {
				return
			}
		}
	}) {
		canaries = append(canaries, bodies[name])
	}
	base := auditWrite(t, dir, "canaries.txt", []byte(strings.Join(canaries, "\n")+"\n"))
	// After the deletion, the deleted mailbox's id is a canary too.
	gone := auditWrite(t, dir, "canaries-gone.txt", []byte(strings.Join(append(canaries, keys.MailboxID), "\n")+"\n"))

	for _, tc := range []struct {
		name, file, canaries string
		raw                  bool
	}{
		{"the log", logFile, gone, true},
		{"the data file after compaction", db, gone, false},
		{"the backup before the deletion", backup1, base, false},
		{"the backup after the deletion", backup2, gone, false},
	} {
		args := []string{"scan", "--canary", tc.canaries}
		if tc.raw {
			args = append(args, "--raw")
		}
		var sr audit.ScanReport
		if code := auditRun(t, &sr, append(args, tc.file)...); code != 0 || !sr.OK {
			_, text := auditText(append(args, tc.file)...)
			t.Errorf("scan of %s: exit %d\n%s", tc.name, code, text)
		}
		if len(sr.Canaries) != strings.Count(readText(t, tc.canaries), "\n") {
			t.Errorf("scan of %s searched %d canaries", tc.name, len(sr.Canaries))
		}
	}
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if auditHolds(data, deletedCTs) || bytes.Contains(data, []byte(keys.MailboxID)) {
		t.Error("after compaction the data file still holds the deleted mailbox")
	}
	if !bytes.Contains(data, keptCT) {
		t.Error("after compaction the data file lacks the kept mailbox's message")
	}
	b2, _ := os.ReadFile(backup2)
	if auditHolds(b2, deletedCTs) {
		t.Error("the backup after the deletion holds the deleted mailbox's ciphertext")
	}

	// Positive controls: the scan finds what is there.
	var sr audit.ScanReport
	if code := auditRun(t, &sr, "scan", "--canary", gone, liveBefore); code != 1 || sr.Canaries[len(sr.Canaries)-1].Found == 0 {
		t.Errorf("scan of the live file before compaction: exit %d, deleted id found %d times", code, sr.Canaries[len(sr.Canaries)-1].Found)
	} else {
		for _, h := range sr.Canaries[len(sr.Canaries)-1].Hits {
			if h.Where != "free" {
				t.Errorf("before compaction the deleted mailbox's id lies in a %q page", h.Where)
			}
		}
		if sr.Pages.FreeWithData == 0 {
			t.Errorf("pages before compaction: %+v", sr.Pages)
		}
	}
	keptCanary := auditWrite(t, dir, "canary-kept.txt", []byte(kept.id+"\n"))
	if code := auditRun(t, &sr, "scan", "--canary", keptCanary, db); code != 1 || sr.Canaries[0].Hits[0].Where != "tree" {
		t.Errorf("the kept mailbox's id: exit %d, %+v", code, sr.Canaries)
	}

	// f. check: the data file after compaction and both backups pass.
	for name, file := range map[string]string{"data file": db, "backup before": backup1, "backup after": backup2} {
		var cr audit.CheckReport
		if code := auditRun(t, &cr, "check", file); code != 0 || !cr.OK || cr.Stray != 0 {
			_, text := auditText("check", file)
			t.Errorf("check of the %s: exit %d\n%s", name, code, text)
		}
	}

	// g. Planted violations in a copy of the backup, each caught at its
	// place; the report never shows what was planted.
	testAuditPlanted(t, backup2, kept.id)
}

// auditHolds reports whether b holds the last 256 bytes of any of the
// ciphertexts (the payload, which no other value shares).
func auditHolds(b []byte, cts [][]byte) bool {
	for _, ct := range cts {
		if bytes.Contains(b, ct[len(ct)-256:]) {
			return true
		}
	}
	return false
}

func auditBackup(t *testing.T, ctx context.Context, admin *client.Client, dir, name string) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := admin.Backup(ctx, &buf); err != nil {
		t.Fatalf("backup: %v", err)
	}
	return auditWrite(t, dir, name, buf.Bytes())
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// testAuditWeb checks mailbox-audit web against a running mailboxd.
func testAuditWeb(t *testing.T, url, dir string) {
	// The published list of the web client, if it is built, must match
	// what mailboxd serves.
	if _, err := os.Stat(filepath.Join("..", "webclient", "dist", "SHA256SUMS")); err == nil {
		code, out := auditText("web", "--expect", filepath.Join("..", "webclient", "dist", "SHA256SUMS"), url)
		if code != 0 {
			t.Errorf("web against the built client: exit %d\n%s", code, out)
		}
	}
	// Files the server serves whatever is built: a list made from them
	// passes, a list with another hash or a file it lacks fails.
	var list strings.Builder
	for _, p := range []string{"api/v1/pow", "api/v1/team"} {
		resp, err := http.Get(url + "/" + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if p == "api/v1/pow" {
			continue // changes with every request: only the stable one is listed
		}
		sum := sha256.Sum256(body)
		fmt.Fprintf(&list, "%s  %s\n", hex.EncodeToString(sum[:]), p)
	}
	good := auditWrite(t, dir, "SHA256SUMS", []byte(list.String()))
	if code, out := auditText("web", "--expect", good, url); code != 0 || !strings.Contains(out, "PASS: the server serves all 1 file exactly as published.") {
		t.Errorf("web with the served hashes: exit %d\n%s", code, out)
	}
	bad := strings.Replace(list.String(), list.String()[:8], "00000000", 1) + strings.Repeat("ab", 32) + "  app-does-not-exist.js\n"
	badFile := auditWrite(t, dir, "SHA256SUMS.bad", []byte(bad))
	var wr audit.WebReport
	if code := auditRun(t, &wr, "web", "--expect", badFile, url); code != 1 || wr.Mismatched != 1 || wr.Missing != 1 {
		t.Errorf("web with a wrong hash and a missing file: exit %d, %+v", code, wr)
	}
}
