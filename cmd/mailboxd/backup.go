package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"lotse/audit"
	"lotse/mailbox"
)

// Scheduled backups (docs/DEPLOY.md, "Backups").
//
// Each backup is the store's compacted copy (mailbox.Store.Backup: the
// live data of one read transaction, no free pages holding deleted data),
// checked with mailbox-audit's check (the auditor's walker,
// mailbox/snapshot) before it counts, then encrypted with age to the
// configured recipients and renamed into place, so the folder only ever
// holds whole, checked, encrypted backups. The server holds no key that
// opens them: whoever restores needs a recipient's identity, kept off the
// server. The newest Keep are kept.
//
// The unencrypted copy exists only while it is being checked, next to the
// data file (the same disk and the same protection as the data itself).
// A backup that fails the check is not kept and does not displace older
// ones; the error is logged and the next turn tries again.

// backupConfig is the scheduled backups' configuration.
type backupConfig struct {
	Dir        string
	Hours      int // between backups, counted from 00:30 UTC
	Keep       int // newest backups kept
	Recipients []age.Recipient
}

const (
	maxBackupHours = 720
	maxBackupKeep  = 1000
	// maxRecipientsFile bounds LOTSE_BACKUP_RECIPIENTS_FILE.
	maxRecipientsFile = 64 << 10
	// backupOffset puts backups half an hour after compactions (00:00 UTC
	// by default), so the two copies of the data never run at once.
	backupOffset = 30 * time.Minute
	// backupTimeFormat is in each backup's name: sortable, UTC.
	backupTimeFormat  = "20060102T150405Z"
	backupCheckSuffix = ".backup-check-*"
)

// backupName matches the backups this server writes and rotates; other
// files in the folder are left alone.
var backupName = regexp.MustCompile(`^lotse-(\d{8}T\d{6}Z)\.db\.age$`)

func backupSettings() []*setting {
	return []*setting{
		{flag: "backup-dir", env: "LOTSE_BACKUP_DIR", usage: "`folder` for scheduled, encrypted backups (default: none)"},
		{flag: "backup-recipients-file", env: "LOTSE_BACKUP_RECIPIENTS_FILE", usage: "`file` of age recipients, one a line, that backups are encrypted to (required with LOTSE_BACKUP_DIR)"},
		{flag: "backup-hours", env: "LOTSE_BACKUP_HOURS", def: "24", usage: "`hours` between backups, counted from 00:30 UTC (1-720)"},
		{flag: "backup-keep", env: "LOTSE_BACKUP_KEEP", def: "14", usage: "newest `backups` kept (1-1000)"},
	}
}

func parseBackup(get func(string) *setting) (*backupConfig, error) {
	dir, recips := get("backup-dir"), get("backup-recipients-file")
	if dir.value == "" {
		if recips.value != "" {
			return nil, &configError{
				msg:  fmt.Sprintf("%s is set but %s is not", recips.source, dir.source),
				hint: "set the folder for the backups too, or neither",
			}
		}
		return nil, nil
	}
	b := &backupConfig{}
	var err error
	if b.Hours, err = parseInt(get("backup-hours"), 1, maxBackupHours, "a whole number of hours"); err != nil {
		return nil, err
	}
	if b.Keep, err = parseInt(get("backup-keep"), 1, maxBackupKeep, "a whole number of backups"); err != nil {
		return nil, err
	}
	if recips.value == "" {
		return nil, &configError{
			msg:  fmt.Sprintf("%s is set but %s is not: backups are always encrypted", dir.source, recips.source),
			hint: "make a key on another machine with age-keygen -pq -o backup-key.txt, and put its public line (age1pq1…) in the recipients file",
		}
	}
	raw, err := readSmallFile(recips.value, maxRecipientsFile)
	if err != nil {
		return nil, &configError{msg: fmt.Sprintf("%s: %v", recips.source, err)}
	}
	if b.Recipients, err = age.ParseRecipients(bytes.NewReader(raw)); err != nil {
		return nil, &configError{
			msg:  fmt.Sprintf("%s: %v", recips.source, err),
			hint: "one age recipient (age1… or age1pq1…) a line; lines starting with # are comments",
		}
	}
	// age refuses some mixes (a post-quantum recipient with a classic
	// one): find out now rather than at the first backup.
	if w, err := age.Encrypt(io.Discard, b.Recipients...); err != nil {
		return nil, &configError{msg: fmt.Sprintf("%s: %v", recips.source, err), hint: "use recipients of one kind, preferably age1pq1…"}
	} else {
		w.Close()
	}
	if err := os.MkdirAll(dir.value, 0o700); err != nil {
		return nil, &configError{msg: fmt.Sprintf("%s: create the folder: %v", dir.source, err)}
	}
	if fi, err := os.Stat(dir.value); err != nil || !fi.IsDir() {
		return nil, &configError{msg: fmt.Sprintf("%s must name a folder, got %q", dir.source, dir.value)}
	}
	if b.Dir, err = filepath.Abs(dir.value); err != nil {
		return nil, &configError{msg: fmt.Sprintf("%s: %v", dir.source, err)}
	}
	return b, nil
}

// startBackups runs backupLoop until ctx ends; wait waits for it (and
// for a backup under way, which ctx cuts short).
func startBackups(ctx context.Context, store *mailbox.Store, cfg *config, stderr io.Writer) (wait func()) {
	if cfg.Backup == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		backupLoop(ctx, store, cfg.DB, cfg.Backup, time.Now, stderr)
	}()
	return func() { <-done }
}

// backupLoop makes a backup at once if the newest one is older than the
// interval (or there is none), then at every multiple of the interval
// counted from 00:30 UTC, until ctx ends.
func backupLoop(ctx context.Context, store *mailbox.Store, db string, b *backupConfig, now func() time.Time, stderr io.Writer) {
	every := time.Duration(b.Hours) * time.Hour
	removeBackupTemps(db, b.Dir)
	if newest, ok := newestBackup(b.Dir); !ok || now().Sub(newest) >= every {
		backupOnce(ctx, store, db, b, now, stderr)
	}
	for {
		next := nextCompaction(now().Add(-backupOffset), every).Add(backupOffset)
		t := time.NewTimer(next.Sub(now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backupOnce(ctx, store, db, b, now, stderr)
	}
}

// backupOnce makes, checks, encrypts and rotates one backup and logs the
// outcome. It returns the new backup's path, or "" if none was kept.
func backupOnce(ctx context.Context, store *mailbox.Store, db string, b *backupConfig, now func() time.Time, stderr io.Writer) string {
	start := time.Now()
	path, rep, err := writeBackup(ctx, store, db, b, now().UTC())
	if err != nil {
		backupsTotal.WithLabelValues("failed").Inc()
		fmt.Fprintf(stderr, "mailboxd: error: backup: %v\n", err)
		return ""
	}
	backupsTotal.WithLabelValues("ok").Inc()
	backupLastSuccess.Set(float64(time.Now().Unix()))
	removed, err := rotateBackups(b.Dir, b.Keep)
	if err != nil {
		fmt.Fprintf(stderr, "mailboxd: error: backup: rotate: %v\n", err)
	}
	fi, _ := os.Stat(path)
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	fmt.Fprintf(stderr, "mailboxd: backup %s: %s, checked (%d ciphertexts, no problems), encrypted to %d recipients, %d older removed, in %v\n",
		filepath.Base(path), formatSize(size), rep.Ciphertexts, len(b.Recipients), removed, time.Since(start).Round(time.Millisecond))
	return path
}

// writeBackup writes the checked, encrypted backup of at into b.Dir.
func writeBackup(ctx context.Context, store *mailbox.Store, db string, b *backupConfig, at time.Time) (string, *audit.CheckReport, error) {
	final := filepath.Join(b.Dir, "lotse-"+at.Format(backupTimeFormat)+".db.age")
	if _, err := os.Stat(final); err == nil {
		return "", nil, fmt.Errorf("%s exists", filepath.Base(final))
	}

	// The compacted copy, unencrypted, next to the data file.
	plain, err := os.CreateTemp(filepath.Dir(db), filepath.Base(db)+backupCheckSuffix)
	if err != nil {
		return "", nil, err
	}
	defer os.Remove(plain.Name())
	err = store.Backup(&ctxWriter{ctx: ctx, w: plain})
	if cerr := plain.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", nil, err
	}

	// The auditor's check, as mailbox-audit check runs it.
	rep, err := audit.Check(plain.Name())
	if err != nil {
		return "", nil, fmt.Errorf("check: %v", err)
	}
	if !rep.OK {
		// The violations name keys, which may be mailbox ids: only the
		// count goes to the log.
		return "", nil, fmt.Errorf("the auditor's check found %d problems: the backup is not kept, older ones stay; "+
			"stop the server and run mailbox-audit check on its data file", len(rep.Violations))
	}

	// Encrypted into a temporary name, synced, then renamed: the folder
	// never holds half a backup under a backup's name.
	src, err := os.Open(plain.Name())
	if err != nil {
		return "", nil, err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(b.Dir, ".lotse-*.tmp")
	if err != nil {
		return "", nil, err
	}
	defer os.Remove(tmp.Name())
	err = encryptTo(&ctxWriter{ctx: ctx, w: tmp}, src, b.Recipients)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", nil, fmt.Errorf("encrypt: %v", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", nil, err
	}
	if err := mailbox.SyncDir(b.Dir); err != nil {
		return "", nil, err
	}
	return final, rep, nil
}

func encryptTo(dst io.Writer, src io.Reader, recipients []age.Recipient) error {
	w, err := age.Encrypt(dst, recipients...)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, src); err != nil {
		return err
	}
	return w.Close()
}

// rotateBackups removes all but the newest keep backups and returns how
// many it removed.
func rotateBackups(dir string, keep int) (int, error) {
	names, err := backupNames(dir)
	if err != nil {
		return 0, err
	}
	removed := 0
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return removed, err
		}
		names = names[1:]
		removed++
	}
	return removed, nil
}

// backupNames lists the folder's backups, oldest first.
func backupNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && backupName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names) // the time in the name sorts as text
	return names, nil
}

// newestBackup is the time in the newest backup's name.
func newestBackup(dir string) (time.Time, bool) {
	names, err := backupNames(dir)
	if err != nil || len(names) == 0 {
		return time.Time{}, false
	}
	m := backupName.FindStringSubmatch(names[len(names)-1])
	t, err := time.Parse(backupTimeFormat, m[1])
	return t, err == nil
}

// removeBackupTemps removes what a backup interrupted by a crash left:
// the unencrypted copy next to the data file and a partial encrypted one.
func removeBackupTemps(db, dir string) {
	for _, pattern := range []string{
		filepath.Join(globEscape(filepath.Dir(db)), globEscape(filepath.Base(db))+backupCheckSuffix),
		filepath.Join(globEscape(dir), ".lotse-*.tmp"),
	} {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			os.Remove(m)
		}
	}
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ctxWriter fails once ctx ends, which cuts a backup short at shutdown.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

var errShuttingDown = errors.New("cut short by the shutdown")

func (c *ctxWriter) Write(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, errShuttingDown
	}
	return c.w.Write(p)
}
