package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
	"lotse/mailbox"
	"lotse/mailbox/mailboxtest"
)

// TestMain removes the mailboxd binary that the tests running it build.
func TestMain(m *testing.M) { os.Exit(mailboxdtest.Main(m)) }

// backupKey writes a fresh hybrid identity and its recipients file.
func backupKey(t *testing.T, dir string) (identityFile, recipientsFile string, id *age.HybridIdentity) {
	t.Helper()
	id = mailboxdtest.NewIdentity(t)
	identityFile = filepath.Join(dir, "backup-key.txt")
	recipientsFile = filepath.Join(dir, "backup-recipients.txt")
	if err := os.WriteFile(identityFile, []byte("# the backup key\n"+id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recipientsFile, []byte("# the admin's backup key\n"+id.Recipient().String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return identityFile, recipientsFile, id
}

func TestBackupConfig(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "lotse.db")
	_, recipients, _ := backupKey(t, dir)
	x25519, _ := age.GenerateX25519Identity()
	mixed := filepath.Join(dir, "mixed.txt")
	os.WriteFile(mixed, []byte(mailboxdtest.NewIdentity(t).Recipient().String()+"\n"+x25519.Recipient().String()+"\n"), 0o644)
	secret := filepath.Join(dir, "secret.txt")
	os.WriteFile(secret, []byte(x25519.String()+"\n"), 0o600)
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("# nothing yet\n"), 0o644)
	backups := filepath.Join(dir, "backups")

	for _, tc := range []struct {
		name string
		env  map[string]string
		want *backupConfig // nil with err "": no backups
		err  string
	}{
		{name: "off", env: nil},
		{name: "defaults", env: map[string]string{"LOTSE_BACKUP_DIR": backups, "LOTSE_BACKUP_RECIPIENTS_FILE": recipients},
			want: &backupConfig{Dir: backups, Hours: 24, Keep: 14}},
		{name: "set", env: map[string]string{"LOTSE_BACKUP_DIR": backups, "LOTSE_BACKUP_RECIPIENTS_FILE": recipients, "LOTSE_BACKUP_HOURS": "6", "LOTSE_BACKUP_KEEP": "1"},
			want: &backupConfig{Dir: backups, Hours: 6, Keep: 1}},
		{name: "no folder", env: map[string]string{"LOTSE_BACKUP_RECIPIENTS_FILE": recipients},
			err: "LOTSE_BACKUP_RECIPIENTS_FILE is set but LOTSE_BACKUP_DIR is not"},
		{name: "no recipients", env: map[string]string{"LOTSE_BACKUP_DIR": backups},
			err: "LOTSE_BACKUP_DIR is set but LOTSE_BACKUP_RECIPIENTS_FILE is not: backups are always encrypted"},
		{name: "hours", env: map[string]string{"LOTSE_BACKUP_DIR": backups, "LOTSE_BACKUP_RECIPIENTS_FILE": recipients, "LOTSE_BACKUP_HOURS": "0"},
			err: `LOTSE_BACKUP_HOURS must be a whole number of hours between 1 and 720, got "0"`},
		{name: "keep", env: map[string]string{"LOTSE_BACKUP_DIR": backups, "LOTSE_BACKUP_RECIPIENTS_FILE": recipients, "LOTSE_BACKUP_KEEP": "all"},
			err: `LOTSE_BACKUP_KEEP must be a whole number of backups between 1 and 1000, got "all"`},
		{name: "missing file", env: map[string]string{"LOTSE_BACKUP_DIR": backups, "LOTSE_BACKUP_RECIPIENTS_FILE": filepath.Join(dir, "nope")},
			err: "LOTSE_BACKUP_RECIPIENTS_FILE: open " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{name: "empty file", env: map[string]string{"LOTSE_BACKUP_DIR": backups, "LOTSE_BACKUP_RECIPIENTS_FILE": empty},
			err: "LOTSE_BACKUP_RECIPIENTS_FILE: no recipients found"},
		// An identity in the recipients file: refused without quoting it.
		{name: "secret key", env: map[string]string{"LOTSE_BACKUP_DIR": backups, "LOTSE_BACKUP_RECIPIENTS_FILE": secret},
			err: "LOTSE_BACKUP_RECIPIENTS_FILE: error at line 1: unknown recipient type"},
		{name: "mixed kinds", env: map[string]string{"LOTSE_BACKUP_DIR": backups, "LOTSE_BACKUP_RECIPIENTS_FILE": mixed},
			err: "LOTSE_BACKUP_RECIPIENTS_FILE: "},
		{name: "folder is a file", env: map[string]string{"LOTSE_BACKUP_DIR": recipients, "LOTSE_BACKUP_RECIPIENTS_FILE": recipients},
			err: "LOTSE_BACKUP_DIR: create the folder: "},
	} {
		env := map[string]string{"LOTSE_DB": db}
		for k, v := range tc.env {
			env[k] = v
		}
		c, err := parseConfig(nil, envFunc(env), io.Discard)
		switch {
		case tc.err != "":
			var ce *configError
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q…", tc.name, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "AGE-SECRET-KEY") {
				t.Errorf("%s: the error quotes a secret key", tc.name)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == nil:
			if c.Backup != nil {
				t.Errorf("%s: backups %+v, want none", tc.name, c.Backup)
			}
		case c.Backup == nil:
			t.Errorf("%s: no backups", tc.name)
		default:
			got := *c.Backup
			if len(got.Recipients) != 1 {
				t.Errorf("%s: %d recipients, want 1", tc.name, len(got.Recipients))
			}
			if got.Dir != tc.want.Dir || got.Hours != tc.want.Hours || got.Keep != tc.want.Keep {
				t.Errorf("%s: %+v, want %+v", tc.name, got, *tc.want)
			}
		}
	}
}

// TestBackupRotation writes backups at given times into a folder that
// also holds files of others, and requires the newest Keep to stay, each
// one the encrypted, checked copy.
func TestBackupRotation(t *testing.T) {
	dir := t.TempDir()
	identityFile, _, id := backupKey(t, dir)
	db := filepath.Join(dir, "data", "lotse.db")
	os.MkdirAll(filepath.Dir(db), 0o700)
	store, err := mailbox.Open(mailbox.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.SetSetupToken("a-setup-token-for-the-test-0123"); err != nil {
		t.Fatal(err)
	}
	b := &backupConfig{Dir: filepath.Join(dir, "backups"), Hours: 24, Keep: 2, Recipients: []age.Recipient{id.Recipient()}}
	os.MkdirAll(b.Dir, 0o700)
	other := filepath.Join(b.Dir, "lotse-notes.txt")
	os.WriteFile(other, []byte("mine"), 0o600)

	log := &mailboxdtest.LogBuffer{}
	start := time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)
	for i := range 4 {
		at := start.Add(time.Duration(i) * 24 * time.Hour)
		if p := backupOnce(context.Background(), store, db, b, func() time.Time { return at }, log); p == "" {
			t.Fatalf("backup %d: none:\n%s", i, log)
		}
	}
	names, err := backupNames(b.Dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lotse-20261203T003000Z.db.age", "lotse-20261204T003000Z.db.age"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("kept %q, want %q", names, want)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("rotation removed a file that is not a backup: %v", err)
	}
	if n := strings.Count(log.String(), ", checked (0 ciphertexts, no problems), encrypted to 1 recipients, 1 older removed"); n != 2 {
		t.Errorf("%d backups say they removed one older, want 2:\n%s", n, log)
	}
	if strings.Contains(log.String(), "a-setup-token") {
		t.Error("the log shows the setup token")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "data", "*.backup-check-*")); len(leftovers) > 0 {
		t.Errorf("unencrypted copies left next to the data file: %q", leftovers)
	}
	// A backup of the same second is not overwritten.
	at := start.Add(3 * 24 * time.Hour)
	if p := backupOnce(context.Background(), store, db, b, func() time.Time { return at }, log); p != "" || !strings.Contains(log.String(), "lotse-20261204T003000Z.db.age exists") {
		t.Errorf("a second backup of the same second: %q\n%s", p, log)
	}

	// The backup opens with the key only, and restores.
	backup := filepath.Join(b.Dir, want[1])
	raw, _ := os.ReadFile(backup)
	if bytes.Contains(raw, []byte("a-setup-token")) || !bytes.HasPrefix(raw, []byte("age-encryption.org/v1\n")) {
		t.Error("the backup is not age-encrypted")
	}
	restored := filepath.Join(dir, "restored", "lotse.db")
	if _, err := restoreBackup(backup, identityFile, restored); err != nil {
		t.Fatal(err)
	}
	_, _, other2 := backupKey(t, t.TempDir())
	otherKey := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(otherKey, []byte(other2.String()+"\n"), 0o600)
	for _, tc := range []struct {
		backup, identity, db, err string
	}{
		{backup, identityFile, restored, "restore: the data file " + restored + " exists"},
		{backup, otherKey, filepath.Join(dir, "r2", "lotse.db"), "restore: " + backup + " is not encrypted to this identity"},
		{other, identityFile, filepath.Join(dir, "r3", "lotse.db"), "restore: " + other + ": "},
	} {
		_, err := restoreBackup(tc.backup, tc.identity, tc.db)
		if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
			t.Errorf("restore %s with %s into %s: %v, want %q…", tc.backup, tc.identity, tc.db, err, tc.err)
		}
		if tc.db != restored {
			if _, err := os.Stat(tc.db); err == nil {
				t.Errorf("a refused restore wrote %s", tc.db)
			}
		}
	}
}

// TestBackupRefusedByCheck plants an entry the allow-list does not know
// into a data file: the backup of it fails the auditor's check, is not
// kept and leaves the older backup alone.
func TestBackupRefusedByCheck(t *testing.T) {
	dir := t.TempDir()
	_, _, id := backupKey(t, dir)
	db := filepath.Join(dir, "lotse.db")
	store, err := mailbox.Open(mailbox.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	store.SetSetupToken("a-setup-token-for-the-test-0123")
	b := &backupConfig{Dir: filepath.Join(dir, "backups"), Hours: 24, Keep: 1, Recipients: []age.Recipient{id.Recipient()}}
	os.MkdirAll(b.Dir, 0o700)
	log := &mailboxdtest.LogBuffer{}
	day1 := func() time.Time { return time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC) }
	if backupOnce(context.Background(), store, db, b, day1, log) == "" {
		t.Fatalf("the clean backup: %s", log)
	}
	store.Close()
	if err := mailboxtest.Put(db, []string{"plaintext"}, []byte("k"), []byte("Ich heiße Maria")); err != nil {
		t.Fatal(err)
	}
	store, err = mailbox.Open(mailbox.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	day2 := func() time.Time { return time.Date(2026, 12, 2, 0, 30, 0, 0, time.UTC) }
	if p := backupOnce(context.Background(), store, db, b, day2, log); p != "" {
		t.Errorf("a backup that fails the check was kept: %s", p)
	}
	if !regexp.MustCompile(`mailboxd: error: backup: the auditor's check found [1-9]\d* problems`).MatchString(log.String()) {
		t.Errorf("no error for the failed check:\n%s", log)
	}
	if strings.Contains(log.String(), "Maria") {
		t.Error("the log shows a value of the data file")
	}
	if names, _ := backupNames(b.Dir); len(names) != 1 || names[0] != "lotse-20261201T003000Z.db.age" {
		t.Errorf("backups after the failed one: %q, want the older one", names)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.backup-check-*")); len(leftovers) > 0 {
		t.Errorf("unencrypted copies left: %q", leftovers)
	}
}

// backupLine is what a scheduled backup logs once it is in place.
var backupLine = regexp.MustCompile(`(?m)^mailboxd: backup (lotse-\d{8}T\d{6}Z\.db\.age): .*, checked \((\d+) ciphertexts, no problems\), encrypted to 1 recipients, (\d+) older removed, in .*$`)

// TestScheduledBackupRestore runs the real mailboxd with scheduled
// backups, lets it make one of a team with mailboxes (the newest backup
// being a day old, the scheduler makes one at start and rotates the old
// one out), restores it with mailboxd restore as docs/DEPLOY.md says, and
// requires a second mailboxd on the restored file to serve every message
// byte for byte, and not the mailbox deleted before the backup.
func TestScheduledBackupRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs mailboxd")
	}
	dir := t.TempDir()
	// The key as docs/DEPLOY.md makes it: mailboxd backup-key, whose
	// output is the recipients file.
	identityFile := filepath.Join(dir, "backup-key.txt")
	out, err := exec.Command(mailboxdtest.Binary(t), "backup-key", identityFile).Output()
	if err != nil {
		t.Fatalf("mailboxd backup-key: %v", err)
	}
	recipientsFile := filepath.Join(dir, "recipients.txt")
	os.WriteFile(recipientsFile, out, 0o644)
	if fi, err := os.Stat(identityFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the backup key: %v, %v; want mode 0600", fi, err)
	}
	if err := exec.Command(mailboxdtest.Binary(t), "backup-key", identityFile).Run(); err == nil {
		t.Error("mailboxd backup-key overwrote an existing key")
	}
	backups := filepath.Join(dir, "backups")
	env := append(mailboxdtest.LoadEnv(), "LOTSE_BACKUP_DIR="+backups, "LOTSE_BACKUP_RECIPIENTS_FILE="+recipientsFile, "LOTSE_BACKUP_KEEP=1")
	srv := mailboxdtest.Start(t, mailboxdtest.Options{Env: env, Ready: []*regexp.Regexp{backupLine}})
	first := backupLine.FindStringSubmatch(srv.Output())
	if first[2] != "0" || first[3] != "0" {
		t.Errorf("the first backup of an empty server: %q", first[0])
	}
	if !strings.Contains(srv.Output(), "mailboxd: settings: ") || !strings.Contains(srv.Output(), "backups=\""+backups+"\" every 24h keep 1 to 1 recipients") {
		t.Errorf("the start-up summary does not show the backups:\n%s", srv.Output())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tm := mailboxdtest.TeamAt(t, ctx, srv.URL, srv.SetupToken)
	c := tm.Client
	enquirer := mailboxdtest.NewIdentity(t)
	seal := func(first bool, body string) []byte {
		d := mailboxdtest.NewMessageDoc(t, strings.Repeat("0", 32), base64.StdEncoding.EncodeToString(make([]byte, 32)), crypto.FromEnquirer, body)
		if first {
			d.Recipient = enquirer.Recipient().String()
		}
		ct, err := crypto.SealDocument(d, tm.Key.Recipient(), enquirer.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	type box struct {
		m    mailboxdtest.Mailbox
		msgs [][]byte // by seq-1
	}
	var boxes []*box
	for i := range 4 {
		b := &box{m: mailboxdtest.RandomMailbox()}
		b.msgs = append(b.msgs, seal(true, "erste Nachricht"))
		if _, err := c.CreateMailbox(ctx, client.NewMailbox{ID: b.m.ID, Verifier: b.m.Verifier[:], Epoch: 1, Message: b.msgs[0]}); err != nil {
			t.Fatal(err)
		}
		for j := range i {
			ct := seal(false, strings.Repeat("weiter ", 50*(j+1)))
			if _, err := c.WithToken(b.m.Bearer()).PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: ct}); err != nil {
				t.Fatal(err)
			}
			b.msgs = append(b.msgs, ct)
		}
		boxes = append(boxes, b)
	}
	gone := boxes[3]
	boxes = boxes[:3]
	if err := c.WithToken(gone.m.Bearer()).DeleteMailbox(ctx); err != nil {
		t.Fatal(err)
	}

	// The newest backup is a day old: the next start makes one at once.
	old := filepath.Join(backups, first[1])
	yesterday := filepath.Join(backups, "lotse-"+time.Now().UTC().Add(-25*time.Hour).Format(backupTimeFormat)+".db.age")
	if err := os.Rename(old, yesterday); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	m := backupLine.FindStringSubmatch(srv.Output())
	// Three live mailboxes with 1, 2 and 3 messages, and the keyring.
	if m == nil || m[2] != "7" || m[3] != "1" {
		t.Fatalf("the backup after the restart: %q, want 7 ciphertexts (6 messages, the keyring) and 1 older removed", m)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	names, _ := backupNames(backups)
	if len(names) != 1 || names[0] != m[1] {
		t.Fatalf("backups %q, want only %s", names, m[1])
	}
	backup := filepath.Join(backups, m[1])
	raw, _ := os.ReadFile(backup)
	for _, b := range append(boxes, gone) {
		if bytes.Contains(raw, []byte(b.m.ID)) {
			t.Error("a mailbox id is readable in the encrypted backup")
		}
	}

	// The restore of docs/DEPLOY.md: mailboxd restore, then start.
	restoredDB := filepath.Join(dir, "restored", "lotse.db")
	out, err = exec.Command(mailboxdtest.Binary(t), "restore", "--identity", identityFile, "--db", restoredDB, backup).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "mailboxd: restored "+m[1]+" into "+restoredDB) {
		t.Fatalf("mailboxd restore: %v\n%s", err, out)
	}
	if fi, err := os.Stat(restoredDB); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the restored data file: %v, %v; want mode 0600", fi, err)
	}
	out, err = exec.Command(mailboxdtest.Binary(t), "restore", "--identity", identityFile, "--db", restoredDB, backup).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "mailboxd: error: restore: the data file "+restoredDB+" exists") {
		t.Errorf("a second restore onto the restored file: %v\n%s", err, out)
	}

	restored := mailboxdtest.Start(t, mailboxdtest.Options{DB: restoredDB, Env: mailboxdtest.LoadEnv()})
	if restored.SetupToken != "" {
		t.Error("the restored server asks for a setup token: the team is missing")
	}
	rc, err := client.New(restored.URL)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range boxes {
		got, err := rc.WithToken(b.m.Bearer()).Mailbox(ctx, 0)
		if err != nil {
			t.Fatalf("mailbox %d on the restored server: %v", i, err)
		}
		if len(got.Messages) != len(b.msgs) {
			t.Errorf("mailbox %d: %d messages restored, want %d", i, len(got.Messages), len(b.msgs))
			continue
		}
		for j, msg := range got.Messages {
			if msg.Seq != uint64(j+1) || !bytes.Equal(msg.Ciphertext, b.msgs[j]) {
				t.Errorf("mailbox %d: message %d is not the one sent", i, j+1)
			}
		}
	}
	if _, err := rc.WithToken(gone.m.Bearer()).Mailbox(ctx, 0); client.Code(err) != "unauthorized" {
		t.Errorf("the mailbox deleted before the backup, after the restore: %v", err)
	}
	sess, err := rc.Login(ctx, tm.AdminID, tm.AdminKey)
	if err != nil {
		t.Fatalf("the admin logs in to the restored server: %v", err)
	}
	if cases, err := rc.WithToken(sess.Token).Cases(ctx, ""); err != nil || len(cases) != len(boxes) {
		t.Errorf("cases on the restored server: %d, %v; want %d", len(cases), err, len(boxes))
	}
}
