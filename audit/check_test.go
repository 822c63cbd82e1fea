package audit

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"

	"lotse/internal/mailboxdtest"
	"lotse/mailbox/mailboxtest"
)

func seqKey(n uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, n)
}

func TestCheckBackup(t *testing.T) {
	sn := newSnapshot(t)
	path := sn.backup(t)
	code, out, errOut := runCLI(t, "check", path)
	if code != 0 || errOut != "" {
		t.Fatalf("check of a backup: exit %d\n%s%s", code, out, errOut)
	}
	words := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"PASS: every bucket and key is on the allow-list",
		"file " + path + " size",
		"2 messages/{mailbox id}/{seq} JSON record 1 ciphertexts bucket 2 ciphertexts/{ciphertext key} message ciphertext",
		"1 expiry/{day and mailbox id} empty",
		"1 keyring/envelope keyring ciphertext",
		"0 meta/setup JSON record",
		"22 buckets, 13 values, 3 live ciphertexts, 0 ciphertexts outside them", // 4 for team records, 4 for attachments and 3 for handover, empty
		"Violations: none.",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, sn.deleted) {
		t.Error("the report names the deleted mailbox")
	}

	code, out, _ = runCLI(t, "check", "--json", path)
	if code != 0 {
		t.Fatalf("check --json: exit %d\n%s", code, out)
	}
	var rep map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("check --json: %v\n%s", err, out)
	}
	for _, k := range []string{"tool", "version", "command", "ok", "file", "buckets", "values", "ciphertexts", "stray_ciphertexts", "stale_ciphertexts", "counts", "violations"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("JSON report lacks %q", k)
		}
	}
	if len(rep) != 12 || string(rep["ok"]) != "true" || string(rep["violations"]) != "[]" || string(rep["version"]) != "1" {
		t.Errorf("JSON report: %s", out)
	}
	var file FileInfo
	json.Unmarshal(rep["file"], &file)
	if info, _ := describe(path); file.SHA256 != info.SHA256 || file.Bytes != info.Bytes || len(file.SHA256) != 64 {
		t.Errorf("file %+v", file)
	}
}

// TestCheckLiveFile: a stopped server's file passes right after
// compaction; before it, the deleted mailbox's ciphertext still lies in
// free pages and check says so.
func TestCheckLiveFile(t *testing.T) {
	sn := newSnapshot(t)
	code, out, errOut := runCLI(t, "check", sn.path)
	if code != 1 || !strings.Contains(errOut, "mailbox-audit: error: "+sn.path+" is in use by a running mailboxd\n") ||
		!strings.Contains(errOut, "mailbox-audit: hint: audit a backup") || out != "" {
		t.Errorf("check of a file in use: exit %d\n%s%s", code, out, errOut)
	}

	before := sn.copyLive(t)
	code, out, _ = runCLI(t, "check", before)
	if code != 1 || !regexp.MustCompile(`\(file\): [1-9]\d* age ciphertexts outside the live values`).MatchString(out) {
		t.Errorf("check of an uncompacted file: exit %d\n%s", code, out)
	}
	if err := sn.store.Compact(); err != nil {
		t.Fatal(err)
	}
	path := sn.path
	if err := sn.store.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "check", path)
	if code != 0 {
		t.Errorf("check of a compacted file: exit %d\n%s", code, out)
	}
}

// TestCheckPlanted plants what the server must never store into copies of
// a backup; check finds each one at its place and never shows its value.
func TestCheckPlanted(t *testing.T) {
	sn := newSnapshot(t)
	backup := sn.backup(t)
	record, err := mailboxtest.Get(backup, []string{"mailboxes"}, []byte(sn.kept))
	if err != nil || record == nil {
		t.Fatalf("mailbox record: %q, %v", record, err)
	}
	plaintext := bytes.Repeat([]byte(" "), 1024)
	copy(plaintext, `{"v":1,"type":"message","body":"Mein Arbeitgeber hat meinen Pass genommen."}`)
	x25519 := mailboxdtest.ClassicCiphertext(t, plaintext)
	msgs := []string{"ciphertexts"}
	for _, tc := range []struct {
		name    string
		buckets []string
		key     []byte
		value   []byte
		want    string // the violation line
		secret  string // must not appear in the report
	}{
		{"plaintext message", msgs, seqKey(1), plaintext,
			"ciphertexts 0x0000000000000001: message ciphertext: ciphertext policy: not binary age v1", "Arbeitgeber"},
		{"X25519 ciphertext", msgs, seqKey(2), x25519,
			"ciphertexts 0x0000000000000002: message ciphertext: ciphertext policy: stanza 1: type is not mlkem768x25519", ""},
		{"unknown field", []string{"mailboxes"}, []byte(sn.kept), bytes.Replace(record, []byte(`}`), []byte(`,"ip":"127.0.0.77"}`), 1),
			"mailboxes " + sn.kept + " .ip: field not in the allow-list", "127.0.0.77"},
		{"time to the minute", []string{"mailboxes"}, []byte(sn.kept),
			regexp.MustCompile(`("last_activity":"[^"]*T\d\d):00:00Z"`).ReplaceAll(record, []byte(`$1:47:00Z"`)),
			"mailboxes " + sn.kept + " .last_activity: not an RFC 3339 UTC time truncated to the hour", ""},
		{"time to the second", []string{"mailboxes"}, []byte(sn.kept),
			regexp.MustCompile(`("created":"[^"]*)"`).ReplaceAll(record, []byte(`${1}T13:47:12Z"`)),
			"mailboxes " + sn.kept + " .created: not a date (2006-01-02)", ""},
		{"unknown field with a name of data", []string{"mailboxes"}, []byte(sn.kept), bytes.Replace(record, []byte(`}`), []byte(`,"Hilfe bitte":1}`), 1),
			"mailboxes " + sn.kept + " .(field 11): field not in the allow-list", "Hilfe"},
		{"private key beside the keyring", []string{"keyring"}, []byte("identity"), []byte(sn.team.String()),
			"keyring identity: key not in the allow-list", "AGE-SECRET-KEY"},
		{"unknown bucket", []string{"sessions"}, []byte("token"), []byte("s3cr3t-session-token"),
			"sessions: bucket not in the allow-list", "s3cr3t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.value) == len(record) && bytes.Equal(tc.value, record) {
				t.Fatal("the test's replacement did not apply")
			}
			data, err := os.ReadFile(backup)
			if err != nil {
				t.Fatal(err)
			}
			path := writeFile(t, "planted.db", data)
			if err := mailboxtest.Put(path, tc.buckets, tc.key, tc.value); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI(t, "check", path)
			if code != 1 || errOut != "" {
				t.Errorf("exit %d, stderr %q", code, errOut)
			}
			if !strings.Contains(out, "\n  "+tc.want+"\n") {
				t.Errorf("report lacks %q:\n%s", tc.want, out)
			}
			if !strings.Contains(out, "\nFAIL: ") {
				t.Errorf("report does not fail:\n%s", out)
			}
			if tc.secret != "" && strings.Contains(out, tc.secret) {
				t.Errorf("the report shows the planted value:\n%s", out)
			}
			code, out, _ = runCLI(t, "check", "--json", path)
			var rep CheckReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.OK {
				t.Fatalf("JSON: exit %d, %v\n%s", code, err, out)
			}
			found := false
			for _, v := range rep.Violations {
				found = found || strings.TrimSpace(v.String()) == tc.want
			}
			if !found {
				t.Errorf("JSON violations lack %q: %+v", tc.want, rep.Violations)
			}
		})
	}
}

func TestCheckRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	text := writeFile(t, "log.txt", bytes.Repeat([]byte("mailboxd: GET /api/v1/team 200 1ms\n"), 300))
	empty := writeFile(t, "empty.db", nil)
	encrypted := writeFile(t, "lotse-20261202T003000Z.db.age", append([]byte("age-encryption.org/v1\n-> mlkem768x25519 …\n"), bytes.Repeat([]byte{7}, 5000)...))
	for _, tc := range []struct{ path, msg, hint string }{
		{encrypted, encrypted + " is not a Lotse data file", "this is an encrypted backup: give its key with --identity"},
		{text, text + " is not a Lotse data file: invalid database", "give a backup"},
		{dir, dir + " is not a regular file", ""},
		{dir + "/missing.db", "open " + dir + "/missing.db: no such file or directory", ""},
		{empty, empty + " is not a Lotse data file", "give a backup"},
	} {
		code, out, errOut := runCLI(t, "check", tc.path)
		if code != 1 || out != "" || !strings.HasPrefix(errOut, "mailbox-audit: error: "+tc.msg) ||
			(tc.hint != "") != strings.Contains(errOut, "mailbox-audit: hint: "+tc.hint) {
			t.Errorf("check %s: exit %d\n%s%s", tc.path, code, out, errOut)
		}
	}
}

// TestCheckEncryptedBackup: a backup encrypted as mailboxd's scheduler
// does is checked and scanned with --identity, refused with another key,
// and no decrypted copy is left behind.
func TestCheckEncryptedBackup(t *testing.T) {
	sn := newSnapshot(t)
	plain, err := os.ReadFile(sn.backup(t))
	if err != nil {
		t.Fatal(err)
	}
	key, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	other, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	backup := writeFile(t, "lotse-20261202T003000Z.db.age", mailboxdtest.Encrypt(t, plain, key.Recipient()))
	keyFile := writeFile(t, "backup-key.txt", []byte(key.String()+"\n"))
	otherFile := writeFile(t, "other-key.txt", []byte(other.String()+"\n"))
	canaries := writeFile(t, "canaries.txt", []byte("not in any backup 8c2f\n"))
	t.Setenv("TMPDIR", t.TempDir())
	tmp := os.TempDir()

	code, out, errOut := runCLI(t, "check", "--identity", keyFile, backup)
	if code != 0 || !strings.Contains(out, backup+" (decrypted with --identity)") {
		t.Errorf("check --identity: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = runCLI(t, "scan", "--identity", keyFile, "--canary", canaries, backup); code != 0 {
		t.Errorf("scan --identity: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "check", "--identity", otherFile, backup)
	if code != 1 || !strings.Contains(errOut, "not encrypted to this identity") {
		t.Errorf("check with another key: exit %d\n%s", code, errOut)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "lotse-backup-*")); len(left) != 0 {
		t.Errorf("decrypted copies left in %s: %v", tmp, left)
	}
}
