package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/audit"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// TestAttachments runs PROTOCOL.md §10 against a real mailboxd: a file
// each way, read back by the other side with crypto.OpenAttachment; the
// canary inside the enquirer's file is nowhere in a backup; deleting the
// mailbox removes its attachments physically (check and scan after
// compaction); and 20 concurrent uploads of 8 MiB all arrive, the body
// budget turning the excess away with 503 busy until there is room.
func TestAttachments(t *testing.T) {
	t.Run("round trip, scan, deletion", testAttachmentRoundTrip)
	t.Run("20 concurrent 8 MiB uploads", testAttachmentsConcurrent)
}

func testAttachmentRoundTrip(t *testing.T) {
	dir := t.TempDir()
	srv, setup := startAuditServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tm := mailboxdtest.TeamAt(t, ctx, srv.URL, setup)
	c := tm.Client
	q := newAuditEnquirer(t, c)
	q.create(t, ctx, tm.Key, "Ich schicke ein Foto vom Vertrag.")
	kept := newAuditEnquirer(t, c)
	kept.create(t, ctx, tm.Key, "Ich bleibe.")

	// The enquirer's file holds a canary that must never be readable on
	// the server; the padding is zero bytes, so the plaintext repeats.
	canary := "LotseAttachmentCanary-" + randomToken()[:20]
	file := bytes.Repeat([]byte("Lohnzettel November: 0 Euro. "+canary+"\n"), 3000) // ~ 150 KB: the 256 KiB bucket
	ct, err := crypto.SealAttachment(file, tm.Key.Recipient(), q.key.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	id, err := q.c.UploadMailboxAttachment(ctx, ct)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	d := q.doc(t, crypto.FromEnquirer, "Hier der Lohnzettel.")
	d.Attachments = []crypto.Attachment{crypto.NewAttachment(id, "Lohnzettel.jpg", "image/jpeg", file)}
	msg := seal(t, d, tm.Key.Recipient(), q.key.Recipient())
	if _, err := q.c.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: msg, Attachments: []string{id}}); err != nil {
		t.Fatalf("post with the attachment: %v", err)
	}
	if _, err := q.c.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: msg, Attachments: []string{id}}); client.Code(err) != "attachment_refused" {
		t.Fatalf("the same attachment referenced again: %v", err)
	}

	// The counsellor reads the message, fetches the file and checks it.
	detail, err := tm.Admin.Case(ctx, q.id, 0)
	if err != nil {
		t.Fatal(err)
	}
	entries := readThread(t, "counsellor", q.id, nil, detail.Messages, nil, 2, tm.Key)
	ref := entries[1].Doc.Attachments
	if len(ref) != 1 || ref[0].ID != id {
		t.Fatalf("the message's attachments: %+v", ref)
	}
	got, err := tm.Admin.Attachment(ctx, q.id, id)
	if err != nil {
		t.Fatalf("the counsellor downloads: %v", err)
	}
	sum, _ := decodeSum(ref[0].SHA256)
	if f, err := crypto.OpenAttachment(got, tm.Key, ref[0].Size, sum); err != nil || !bytes.Equal(f, file) {
		t.Fatalf("the counsellor opens the file: %v", err)
	}
	// The server hands out exactly what it got, so a flipped byte is the
	// reader's to catch: tampered, never the file.
	got[len(got)-100] ^= 1
	if _, err := crypto.OpenAttachment(got, tm.Key, ref[0].Size, sum); !errors.Is(err, crypto.ErrAttachmentTampered) {
		t.Fatalf("a flipped byte: %v", err)
	}

	// The team sends an information sheet back.
	sheet := []byte("%PDF-1.7 Merkblatt: Ihre Rechte als Arbeitnehmerin.\n")
	sheetCT, err := crypto.SealAttachment(sheet, tm.Key.Recipient(), q.key.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	sheetID, err := tm.Admin.UploadAttachment(ctx, q.id, sheetCT)
	if err != nil {
		t.Fatalf("the counsellor uploads: %v", err)
	}
	reply := q.doc(t, crypto.FromCounsellor, "Hier ein Merkblatt.")
	reply.Attachments = []crypto.Attachment{crypto.NewAttachment(sheetID, "Merkblatt.pdf", "application/pdf", sheet)}
	if _, err := tm.Admin.Reply(ctx, q.id, client.NewMessage{Epoch: 1, Ciphertext: seal(t, reply, tm.Key.Recipient(), q.key.Recipient()), Attachments: []string{sheetID}}); err != nil {
		t.Fatalf("reply with the sheet: %v", err)
	}
	mb, err := q.c.Mailbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	mk, _ := decodeSum(q.mk)
	entries = readThread(t, "enquirer", q.id, mk, mb.Messages, nil, 3, q.key)
	r := entries[2].Doc.Attachments[0]
	sheetGot, err := q.c.MailboxAttachment(ctx, r.ID)
	if err != nil {
		t.Fatalf("the enquirer downloads: %v", err)
	}
	sum, _ = decodeSum(r.SHA256)
	if f, err := crypto.OpenAttachment(sheetGot, q.key, r.Size, sum); err != nil || !bytes.Equal(f, sheet) {
		t.Fatalf("the enquirer opens the sheet: %v", err)
	}
	if _, err := kept.c.MailboxAttachment(ctx, r.ID); client.Code(err) != "not_found" {
		t.Fatalf("another mailbox downloads it: %v", err)
	}

	// A backup holds the attachment, but not the canary in any form the
	// scan knows; the check counts the attachments.
	canaries := auditWrite(t, dir, "canaries.txt", []byte(canary+"\n"))
	backup := auditBackup(t, ctx, tm.Admin, dir, "backup.db")
	var sr audit.ScanReport
	if code := auditRun(t, &sr, "scan", "--canary", canaries, backup); code != 0 || !sr.OK {
		t.Fatalf("scan of the backup: exit %d, %+v", code, sr.Canaries)
	}
	var cr audit.CheckReport
	if code := auditRun(t, &cr, "check", backup); code != 0 || !cr.OK || countOf(cr, "attachments/{mailbox id and attachment id}") != 2 {
		_, text := auditText("check", backup)
		t.Fatalf("check of the backup: exit %d\n%s", code, text)
	}
	// Positive control: a file holding the plaintext is found.
	plain := auditWrite(t, dir, "plain.db", file)
	if code := auditRun(t, &sr, "scan", "--raw", "--canary", canaries, plain); code != 1 {
		t.Fatalf("scan of the plaintext: exit %d", code)
	}

	// The enquirer deletes the mailbox: after compaction neither the data
	// file nor a backup holds a byte of either attachment.
	if err := q.c.DeleteMailbox(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Admin.CompactReport(ctx); err != nil {
		t.Fatalf("compact: %v", err)
	}
	after := auditBackup(t, ctx, tm.Admin, dir, "after.db")
	for _, f := range []string{srv.DB(), after} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if auditHolds(data, [][]byte{ct, sheetCT}) {
			t.Errorf("%s holds a deleted attachment", f)
		}
	}
	if code := auditRun(t, &cr, "check", after); code != 0 || !cr.OK || cr.Stray != 0 || countOf(cr, "attachments/{mailbox id and attachment id}") != 0 {
		_, text := auditText("check", after)
		t.Fatalf("check after the deletion: exit %d\n%s", code, text)
	}
	srv.checkLog(t, map[string]string{"canary": canary, "attachment id": id, "mailbox id": q.id})
}

func countOf(r audit.CheckReport, entry string) int {
	for _, c := range r.Counts {
		if c.Entry == entry {
			return c.Count
		}
	}
	return -1
}

func decodeSum(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(s)
}

// testAttachmentsConcurrent uploads 8 MiB to each of 20 mailboxes at once.
// The body budget (64 MiB by default) holds a few of them; the others get
// 503 busy (or their connection closed mid-body) and try again, as a
// client does. All must arrive intact; the server's peak memory is logged
// (the number in README comes from mailbox-bench).
func testAttachmentsConcurrent(t *testing.T) {
	srv := startServer(t, "LOTSE_POW_DIFFICULTY=0", "LOTSE_CREATE_LIMIT=off", "LOTSE_ENQUIRER_LIMIT=off", "LOTSE_POST_LIMIT=off")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	tm := newTeam(t, ctx, srv)
	c := tm.Client
	const n = 20
	qs := make([]*auditEnquirer, n)
	for i := range qs {
		qs[i] = newAuditEnquirer(t, c)
		qs[i].create(t, ctx, tm.Key, "Hallo "+strconv.Itoa(i))
	}
	// One ciphertext for all: the policy checks its shape, not who sent it.
	file := bytes.Repeat([]byte{0xa5}, crypto.MaxAttachmentFile)
	ct, err := crypto.SealAttachment(file, tm.Key.Recipient(), qs[0].key.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(ct)
	var mu sync.Mutex
	busy := 0
	ids := make([]string, n)
	err = mailboxdtest.Parallel(n, func(i int) error {
		for {
			id, err := qs[i].c.UploadMailboxAttachment(ctx, ct)
			if err == nil {
				ids[i] = id
				return nil
			}
			if ctx.Err() != nil {
				return fmt.Errorf("upload %d: %v", i, err)
			}
			if code := client.Code(err); code != "" && code != "busy" {
				return fmt.Errorf("upload %d: %v", i, err)
			}
			mu.Lock()
			busy++
			mu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		got, err := qs[i].c.MailboxAttachment(ctx, id)
		if err != nil || sha256.Sum256(got) != want {
			t.Fatalf("mailbox %d: download %v", i, err)
		}
	}
	if !srv.Running() {
		t.Fatal("mailboxd stopped")
	}
	t.Logf("%d uploads turned away and tried again; mailboxd's peak RSS %s", busy, peakRSS(srv.Pid))
}

// peakRSS is VmHWM of a process, as /proc tells it (Linux only).
func peakRSS(pid int) string {
	b, err := procMemory(pid, "VmHWM")
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%d MiB", b>>20)
}
