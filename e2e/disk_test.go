package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/internal/mailboxdtest"
)

// TestDiskFull runs mailboxd on a small tmpfs and writes until the disk is
// full. Clients must get a clear 5xx error with a stable code and a human
// message, never a success for a message that was not stored; the file
// must stay consistent (the auditor finds it clean, it reopens) and, once
// space returns, service goes on as before.
//
// It needs to mount a tmpfs (root, as in CI). Without that permission it
// fails unless LOTSE_SKIP_MOUNT_TESTS=1 says the machine cannot mount.
func TestDiskFull(t *testing.T) {
	needsMailboxd(t)
	dir := t.TempDir()
	mnt := filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		if os.Getenv("LOTSE_SKIP_MOUNT_TESTS") == "1" {
			t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
		}
		t.Fatalf("mount a tmpfs (needs root; set LOTSE_SKIP_MOUNT_TESTS=1 where that is impossible): %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })

	db := filepath.Join(mnt, "lotse.db")
	srv, ctx, ft := startFaultTeam(t, 5*time.Minute, append(mailboxdtest.LoadEnv(), "LOTSE_DB="+db)...)
	mb := ft.newMailbox(t, ctx)

	acked := map[uint64][]byte{}
	sent := map[string]bool{}
	var full *client.Error
	for i := 0; i < 10000 && full == nil; i++ {
		ct := ft.seal(t, false, 6000)
		sent[string(ct)] = true
		seq, err := mb.c.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: ct})
		if err == nil {
			acked[seq] = ct
			continue
		}
		if !errors.As(err, &full) {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	if full == nil {
		t.Fatal("the 8 MiB disk never filled up")
	}
	t.Logf("disk full after %d messages: %d %s %q", len(acked), full.Status, full.Code, full.Message)
	if full.Status != 503 || full.Code != "storage_full" || full.Message == "" || full.RetryAfter <= 0 {
		t.Errorf("full disk answered %d %q %q, want 503 storage_full with a message and Retry-After", full.Status, full.Code, full.Message)
	}
	// Still full: reads work, writes keep failing cleanly.
	for range 3 {
		if _, err := mb.c.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: ft.seal(t, false, 6000)}); err == nil {
			// bbolt may find a free page again; that is fine if stored.
			break
		}
	}
	checkMailbox(t, ctx, mb, acked, sent)

	// Space returns: service goes on without a restart.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v: %s", err, out)
	}
	for range 5 {
		ct := ft.seal(t, false, 6000)
		sent[string(ct)] = true
		seq, err := mb.c.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: ct})
		if err != nil {
			t.Fatalf("post after space returned: %v", err)
		}
		acked[seq] = ct
	}
	mb2 := ft.newMailbox(t, ctx)
	checkMailbox(t, ctx, mb2, nil, nil)
	n := checkMailbox(t, ctx, mb, acked, sent)

	// A restart reopens the file, and the auditor finds it clean.
	srv.restart()
	if got := checkMailbox(t, ctx, mb, acked, sent); got != n {
		t.Errorf("after the restart %d messages, before %d", got, n)
	}
	srv.stop()
	auditClean(t, db, true)
	srv.checkLog(t, nil)
}
