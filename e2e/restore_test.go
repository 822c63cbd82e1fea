package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/internal/mailboxdtest"
)

// TestRestoreBackup takes a backup over GET /api/v1/admin/backup while
// the server runs, starts a second mailboxd on it as its data file, and
// requires every mailbox and message to be served from it, byte for byte,
// and the team to work (login, reply).
func TestRestoreBackup(t *testing.T) {
	srv, ctx, ft := startFaultTeam(t, 5*time.Minute, mailboxdtest.LoadEnv()...)

	n := 8
	if longFaults {
		n = 200
	}
	boxes := make([]*faultMailbox, n)
	want := make([]map[uint64][]byte, n)
	for i := range boxes {
		boxes[i] = ft.newMailbox(t, ctx)
		want[i] = map[uint64][]byte{}
		for range i % 4 {
			ct := ft.seal(t, false, 500*(i+1))
			seq, err := boxes[i].c.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: ct})
			if err != nil {
				t.Fatal(err)
			}
			want[i][seq] = ct
		}
	}
	// One mailbox is deleted before the backup: it must not come back.
	gone := ft.newMailbox(t, ctx)
	if err := gone.c.DeleteMailbox(ctx); err != nil {
		t.Fatal(err)
	}

	var backup bytes.Buffer
	if _, err := ft.Admin.Backup(ctx, &backup); err != nil {
		t.Fatalf("backup: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "restored.db")
	if err := os.WriteFile(path, backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	auditClean(t, path, false)

	restored := startServer(t, append(mailboxdtest.LoadEnv(), "LOTSE_DB="+path)...)
	if restored.SetupToken != "" {
		t.Error("the restored server asks for a setup token: the team is missing")
	}
	rc, err := client.New(restored.URL)
	if err != nil {
		t.Fatal(err)
	}
	for i, mb := range boxes {
		mb := &faultMailbox{id: mb.id, first: mb.first, c: rc.WithToken(mb.bearer)}
		if got := checkMailbox(t, ctx, mb, want[i], nil); got != len(want[i])+1 {
			t.Errorf("mailbox %d: %d messages restored, want %d", i, got, len(want[i])+1)
		}
	}
	if _, err := rc.WithToken(gone.bearer).Mailbox(ctx, 0); client.Code(err) != "unauthorized" {
		t.Errorf("deleted mailbox after restore: %v", err)
	}
	// Sessions live in memory only; the team logs in again.
	if _, err := rc.WithToken(ft.Session).Cases(ctx, ""); client.Code(err) != "unauthorized" {
		t.Errorf("a session of the old server on the restored one: %v", err)
	}
	admin, _ := login(t, ctx, rc, ft.AdminID, ft.AdminKey)
	cases, err := admin.Cases(ctx, "")
	if err != nil || len(cases) != n {
		t.Errorf("restored cases: %d, %v; want %d", len(cases), err, n)
	}
	// The restored server takes new messages at the next seq.
	ct := ft.seal(t, false, 100)
	mb := &faultMailbox{id: boxes[0].id, c: rc.WithToken(boxes[0].bearer)}
	if seq, err := mb.c.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: ct}); err != nil || seq != uint64(len(want[0])+2) {
		t.Errorf("post to the restored server: seq %d, %v", seq, err)
	}
	restored.stop()
	auditClean(t, path, true)
	srv.checkLog(t, nil)
	restored.checkLog(t, nil)
}
