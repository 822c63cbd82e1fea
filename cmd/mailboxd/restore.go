package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"lotse/audit"
	"lotse/mailbox"
)

// mailboxd backup-key FILE makes the key pair for scheduled backups: the
// identity into FILE (mode 0600, never overwritten), the recipient, for
// LOTSE_BACKUP_RECIPIENTS_FILE, to standard output. It is here because
// age-keygen makes post-quantum keys only from age 1.3 on, and it should
// run on the admin's machine, not the server.
//
// mailboxd restore: the restore procedure of docs/DEPLOY.md in one step.
// It decrypts a scheduled backup with a recipient's identity, checks it as
// mailbox-audit check does, and puts it in place as the data file, which
// must not exist: restoring never overwrites data, the operator moves the
// old file aside first. The server must be stopped (a running one holds
// the data file, and so it exists).

const restoreUsage = `usage: mailboxd restore --identity FILE [--db FILE] BACKUP

Decrypts BACKUP (a lotse-….db.age of LOTSE_BACKUP_DIR) with the age
identity in FILE, checks it as mailbox-audit check does, and writes it as
the data file (--db, else LOTSE_DB, else ./data/lotse.db), which must not
exist yet. Start mailboxd afterwards.
`

const backupKeyUsage = `usage: mailboxd backup-key FILE

Makes an age key pair (ML-KEM-768 + X25519) for scheduled backups: writes
the identity to FILE, which must not exist, and prints the recipient line
for LOTSE_BACKUP_RECIPIENTS_FILE. Run it on the machine that keeps the key,
not on the server.
`

func isBackupTool(arg string) bool { return arg == "restore" || arg == "backup-key" }

// runBackupTool runs "mailboxd restore" or "mailboxd backup-key".
func runBackupTool(name string, args []string, getenv func(string) string, stdout io.Writer) error {
	if name == "restore" {
		return runRestore(args, getenv, stdout)
	}
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		io.WriteString(stdout, backupKeyUsage)
		return errHelp
	}
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return &configError{msg: "backup-key: give the file for the identity", hint: "mailboxd backup-key backup-key.txt"}
	}
	recipient, err := writeBackupKey(args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# the recipient of %s, for LOTSE_BACKUP_RECIPIENTS_FILE\n%s\n", args[0], recipient)
	return nil
}

// writeBackupKey writes a fresh hybrid identity to path and returns its
// recipient.
func writeBackupKey(path string) (string, error) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return "", fmt.Errorf("backup-key: %v", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", &configError{msg: fmt.Sprintf("backup-key: %v", err), hint: "choose a file that does not exist yet"}
	}
	_, err = fmt.Fprintf(f, "# Lotse backup key: it opens every backup encrypted to the recipient below. Keep it off the server.\n# recipient: %s\n%s\n",
		id.Recipient(), id)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("backup-key: %v", err)
	}
	return id.Recipient().String(), nil
}

func runRestore(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mailboxd restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	identity := fs.String("identity", "", "")
	db := fs.String("db", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(stdout, restoreUsage)
			return errHelp
		}
		return &configError{msg: "restore: " + err.Error(), hint: "run mailboxd restore -h"}
	}
	if fs.NArg() != 1 {
		return &configError{msg: "restore: give one backup file, after the flags", hint: "run mailboxd restore -h"}
	}
	if *identity == "" {
		return &configError{msg: "restore: no identity", hint: "give the backup key's file with --identity (AGE-SECRET-KEY-…)"}
	}
	if *db == "" {
		*db = getenv("LOTSE_DB")
	}
	if *db == "" {
		*db = "./data/lotse.db"
	}
	rep, err := restoreBackup(fs.Arg(0), *identity, *db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "mailboxd: restored %s into %s: %d ciphertexts, checked, no problems; start mailboxd on it\n",
		filepath.Base(fs.Arg(0)), *db, rep.Ciphertexts)
	return nil
}

// restoreBackup decrypts backup with the identities in identityFile,
// checks it and renames it into place as db.
func restoreBackup(backup, identityFile, db string) (*audit.CheckReport, error) {
	if _, err := os.Lstat(db); err == nil {
		return nil, &configError{
			msg:  fmt.Sprintf("restore: the data file %s exists", db),
			hint: "stop mailboxd and move the data file aside (mv lotse.db lotse.db.old), then restore",
		}
	}
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		return nil, fmt.Errorf("restore: %v", err)
	}
	f, err := os.Open(identityFile)
	if err != nil {
		return nil, &configError{msg: fmt.Sprintf("restore: identity: %v", err)}
	}
	ids, err := audit.ParseIdentities(f)
	f.Close()
	if err != nil {
		return nil, &configError{msg: fmt.Sprintf("restore: identity %s: %v", identityFile, err)}
	}
	plain, err := audit.DecryptBackup(backup, ids, filepath.Dir(db))
	if errors.Is(err, audit.ErrNotForIdentity) {
		return nil, &configError{msg: fmt.Sprintf("restore: %s is not encrypted to this identity", backup),
			hint: "use the key whose recipient is in LOTSE_BACKUP_RECIPIENTS_FILE"}
	}
	if err != nil {
		return nil, &configError{msg: fmt.Sprintf("restore: %v", err)}
	}
	defer os.Remove(plain)
	rep, err := audit.Check(plain)
	if err != nil {
		return nil, fmt.Errorf("restore: check: %v", err)
	}
	if !rep.OK {
		return nil, fmt.Errorf("restore: the auditor's check found %d problems in %s; nothing was written", len(rep.Violations), backup)
	}
	// Link rather than rename: it fails if the data file appeared
	// meanwhile (a server started), instead of replacing it.
	if err := os.Link(plain, db); err != nil {
		return nil, fmt.Errorf("restore: %v", err)
	}
	if err := mailbox.SyncDir(filepath.Dir(db)); err != nil {
		return nil, fmt.Errorf("restore: %v", err)
	}
	return rep, nil
}
