package e2e

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lotse/internal/mailboxdtest"
	"lotse/mailbox/mailboxtest"
)

// testAuditPlanted plants, with bbolt directly, into copies of a backup
// that mailboxd wrote, what the server must never store, and requires
// mailbox-audit check to name each at its place without showing it.
func testAuditPlanted(t *testing.T, backup, mailboxID string) {
	record, err := mailboxtest.Get(backup, []string{"mailboxes"}, []byte(mailboxID))
	if err != nil || record == nil {
		t.Fatalf("the mailbox record in the backup: %v", err)
	}
	plaintext := bytes.Repeat([]byte(" "), 1024)
	copy(plaintext, `{"v":1,"type":"message","body":"Sie haben meinen Pass, bitte helfen Sie mir"}`)
	x25519 := mailboxdtest.ClassicCiphertext(t, plaintext)
	seq := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	minute := regexp.MustCompile(`("last_activity":"[^"]*T\d\d):00:00Z"`).ReplaceAll(record, []byte(`$1:47:00Z"`))
	if bytes.Equal(minute, record) {
		t.Fatalf("no last_activity in the record")
	}
	where := "ciphertexts"
	for _, tc := range []struct {
		name    string
		buckets []string
		key     []byte
		value   []byte
		want    string
		secret  string
	}{
		{"plaintext", []string{"ciphertexts"}, seq(1), plaintext,
			where + " 0x0000000000000001: message ciphertext: ciphertext policy: not binary age v1", "Pass"},
		{"unknown field", []string{"mailboxes"}, []byte(mailboxID), bytes.Replace(record, []byte("}"), []byte(`,"user_agent":"Mozilla/5.0 (X11)"}`), 1),
			"mailboxes " + mailboxID + " .user_agent: field not in the allow-list", "Mozilla"},
		{"time to the minute", []string{"mailboxes"}, []byte(mailboxID), minute,
			"mailboxes " + mailboxID + " .last_activity: not an RFC 3339 UTC time truncated to the hour", ":47:00"},
		{"X25519 ciphertext", []string{"ciphertexts"}, seq(1), x25519,
			where + " 0x0000000000000001: message ciphertext: ciphertext policy: stanza 1: type is not mlkem768x25519", "helfen"},
	} {
		path := filepath.Join(t.TempDir(), "planted.db")
		if err := mailboxtest.Copy(backup, path); err != nil {
			t.Fatal(err)
		}
		if err := mailboxtest.Put(path, tc.buckets, tc.key, tc.value); err != nil {
			t.Fatal(err)
		}
		code, out := auditText("check", path)
		if code != 1 || !strings.Contains(out, "\n  "+tc.want+"\n") || !strings.Contains(out, "\nFAIL: ") {
			t.Errorf("%s: exit %d, want the violation %q:\n%s", tc.name, code, tc.want, out)
		}
		if strings.Contains(out, tc.secret) {
			t.Errorf("%s: the report shows what was planted:\n%s", tc.name, out)
		}
	}
}
