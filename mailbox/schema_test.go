package mailbox

import (
	"bytes"
	"os"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestCheckEntry(t *testing.T) {
	r := recipient(t, 0)
	mb := mailboxID(0xabcdef)
	okMailbox := `{"verifier":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","status":"open","assignee":null,"created":"2027-02-26","last_activity":"2027-02-26T13:00:00Z","message_count":2,"bytes":9000,"awaiting_reply":true,"hour_start":"2027-02-26T13:00:00Z","hour_count":1}`
	swap := func(old, new string) string { return strings.Replace(okMailbox, old, new, 1) }
	for _, tc := range []struct {
		name       string
		path       []string
		key, value string
		bucket     bool
		field      string // of the first violation
		problem    string // part of the first violation's problem; "" for none
	}{
		{name: "top bucket", key: "mailboxes", bucket: true},
		{name: "unknown top bucket", key: "sessions", bucket: true, problem: "bucket not in the allow-list"},
		{name: "top-level value", key: "mailboxes", value: "x", problem: "a value where the allow-list has a bucket"},
		{name: "mailbox", path: []string{"mailboxes"}, key: mb, value: okMailbox},
		{name: "mailbox under a bad key", path: []string{"mailboxes"}, key: strings.ToUpper(mb), value: okMailbox, problem: "key not in the allow-list"},
		{name: "unknown field", path: []string{"mailboxes"}, key: mb, value: swap(`"hour_count":1`, `"hour_count":1,"ip":"203.0.113.9"`), field: "ip", problem: "field not in the allow-list"},
		{name: "unknown odd field name", path: []string{"mailboxes"}, key: mb, value: swap(`"hour_count":1`, `"hour_count":1,"Secret Text":1`), field: "(field 11)", problem: "not in the allow-list"},
		{name: "minutes", path: []string{"mailboxes"}, key: mb, value: swap("13:00:00Z", "13:47:00Z"), field: "last_activity", problem: "truncated to the hour"},
		{name: "offset", path: []string{"mailboxes"}, key: mb, value: swap("13:00:00Z", "14:00:00+01:00"), field: "last_activity", problem: "RFC 3339 UTC"},
		{name: "time for a date", path: []string{"mailboxes"}, key: mb, value: swap(`"2027-02-26"`, `"2027-02-26T00:00:00Z"`), field: "created", problem: "not a date"},
		{name: "unknown status", path: []string{"mailboxes"}, key: mb, value: swap(`"open"`, `"spam"`), field: "status", problem: "not one of"},
		{name: "missing field", path: []string{"mailboxes"}, key: mb, value: swap(`,"awaiting_reply":true`, ``), field: "awaiting_reply", problem: "missing"},
		{name: "repeated field", path: []string{"mailboxes"}, key: mb, value: swap(`"status":"open"`, `"status":"open","status":"new"`), field: "status", problem: "repeated"},
		{name: "float count", path: []string{"mailboxes"}, key: mb, value: swap(`"message_count":2`, `"message_count":2.0`), field: "message_count", problem: "not an integer"},
		{name: "negative bytes", path: []string{"mailboxes"}, key: mb, value: swap(`"bytes":9000`, `"bytes":-1`), field: "bytes", problem: "out of range"},
		{name: "short verifier", path: []string{"mailboxes"}, key: mb, value: swap(`AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`, `AAAA`), field: "verifier", problem: "32 bytes"},
		{name: "string bool", path: []string{"mailboxes"}, key: mb, value: swap(`true`, `"true"`), field: "awaiting_reply", problem: "not a bool"},
		{name: "bad assignee", path: []string{"mailboxes"}, key: mb, value: swap(`null`, `"Dr. X"`), field: "assignee", problem: "not null"},
		{name: "white space", path: []string{"mailboxes"}, key: mb, value: swap(`,"bytes"`, `, "bytes"`), problem: "white space"},
		{name: "not JSON", path: []string{"mailboxes"}, key: mb, value: `plain text`, problem: "not a JSON object"},
		{name: "trailing data", path: []string{"mailboxes"}, key: mb, value: okMailbox + `{}`, problem: "not a JSON object"},
		{name: "messages of a mailbox", path: []string{"messages"}, key: mb, bucket: true},
		{name: "message", path: []string{"ciphertexts"}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: string(ciphertext(4240, ""))},
		{name: "plaintext message", path: []string{"ciphertexts"}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: "hello", problem: "message ciphertext: not a message"},
		{name: "ciphertext key 0", path: []string{"ciphertexts"}, key: "\x00\x00\x00\x00\x00\x00\x00\x00", value: string(ciphertext(4240, "")), problem: "key not in the allow-list"},
		{name: "decimal ciphertext key", path: []string{"ciphertexts"}, key: "1", value: string(ciphertext(4240, "")), problem: "key not in the allow-list"},
		{name: "bucket for a message", path: []string{"ciphertexts"}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", bucket: true, problem: "a bucket where the allow-list has a message ciphertext"},
		{name: "ciphertext in the index", path: []string{"messages", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: string(ciphertext(4240, "")), problem: "not a JSON object"},
		{name: "inside an unknown bucket", path: []string{"messages", mb, "drafts"}, key: "x", value: "y", problem: "inside a bucket not in the allow-list"},
		{name: "enquirer meta", path: []string{"messages", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x02", value: `{"from":"enquirer","ciphertext_key":7}`},
		{name: "counsellor meta", path: []string{"messages", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x02", value: `{"from":"counsellor","counsellor":"abc","ciphertext_key":7}`},
		{name: "counsellor meta without id", path: []string{"messages", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x02", value: `{"from":"counsellor","ciphertext_key":7}`, problem: "if and only if"},
		{name: "meta without ciphertext key", path: []string{"messages", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x02", value: `{"from":"enquirer"}`, field: "ciphertext_key", problem: "missing"},
		{name: "meta with a time", path: []string{"messages", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x02", value: `{"from":"enquirer","ciphertext_key":7,"sent":"2027-02-26T13:00:00Z"}`, field: "sent", problem: "not in the allow-list"},
		{name: "expiry entry", path: []string{"expiry"}, key: "2027-02-26" + mb, value: ""},
		{name: "expiry entry with a value", path: []string{"expiry"}, key: "2027-02-26" + mb, value: "203.0.113.9", problem: "a value where the allow-list has none"},
		{name: "expiry entry with an hour", path: []string{"expiry"}, key: "2027-02-26T13" + mb, value: "", problem: "key not in the allow-list"},
		{name: "expiry entry without an id", path: []string{"expiry"}, key: "2027-02-26", value: "", problem: "key not in the allow-list"},
		{name: "counsellor", path: []string{"counsellors"}, key: "abc", value: `{"id":"abc","name":"Ana","role":"admin","state":"active","recipient":"` + r + `"}`},
		{name: "counsellor under another id", path: []string{"counsellors"}, key: "abd", value: `{"id":"abc","name":"Ana","role":"admin","state":"active","recipient":"` + r + `"}`, problem: "id differs from the key"},
		{name: "counsellor with a long name", path: []string{"counsellors"}, key: "abc", value: `{"id":"abc","name":"` + strings.Repeat("a", 65) + `","role":"admin","state":"active","recipient":"` + r + `"}`, field: "name", problem: "64 characters"},
		{name: "counsellor with 64 umlauts", path: []string{"counsellors"}, key: "abc", value: `{"id":"abc","name":"` + strings.Repeat("ä", 64) + `","role":"admin","state":"active","recipient":"` + r + `"}`},
		{name: "counsellor with a name version 1 stored", path: []string{"counsellors"}, key: "abc", value: `{"id":"abc","name":" An\u200da","role":"admin","state":"active","recipient":"` + r + `"}`},
		{name: "counsellor with a bidi override", path: []string{"counsellors"}, key: "abc", value: `{"id":"abc","name":"An\u202ea","role":"admin","state":"active","recipient":"` + r + `"}`, field: "name", problem: "bidirectional"},
		{name: "counsellor with a control character", path: []string{"counsellors"}, key: "abc", value: `{"id":"abc","name":"An\u0007a","role":"admin","state":"active","recipient":"` + r + `"}`, field: "name", problem: "control character"},
		{name: "counsellor with an X25519 recipient", path: []string{"counsellors"}, key: "abc", value: `{"id":"abc","name":"Ana","role":"admin","state":"active","recipient":"age1qqqq"}`, field: "recipient", problem: "hybrid recipient"},
		{name: "envelope", path: []string{"keyring"}, key: "envelope", value: string(envelope(2, "x"))},
		{name: "current", path: []string{"keyring"}, key: "current", value: `{"epoch":3,"recipient":"` + r + `","members":["abc","def"]}`},
		{name: "current with a repeated member", path: []string{"keyring"}, key: "current", value: `{"epoch":3,"recipient":"` + r + `","members":["abc","abc"]}`, field: "members", problem: "distinct"},
		{name: "epoch", path: []string{"keyring", "epochs"}, key: "\x00\x00\x00\x00\x00\x00\x00\x03", value: `{"epoch":3,"recipient":"` + r + `"}`},
		{name: "epoch under another key", path: []string{"keyring", "epochs"}, key: "\x00\x00\x00\x00\x00\x00\x00\x04", value: `{"epoch":3,"recipient":"` + r + `"}`, problem: "epoch differs"},
		{name: "team identity", path: []string{"keyring"}, key: "identity", value: "AGE-SECRET-KEY-PQ-1…", problem: "key not in the allow-list"},
		{name: "invite", path: []string{"invites"}, key: strings.Repeat("ab", 32), value: `{"role":"counsellor","expires":"2027-03-01T14:00:00Z"}`},
		{name: "invite by code", path: []string{"invites"}, key: "AAAAAAAAAAAAAAAAAAAAAA", value: `{"role":"counsellor","expires":"2027-03-01T14:00:00Z"}`, problem: "key not in the allow-list"},
		{name: "schema", path: []string{"meta"}, key: "schema", value: `{"version":1}`},
		{name: "setup", path: []string{"meta"}, key: "setup", value: `{"token_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`},
		{name: "setup token in clear", path: []string{"meta"}, key: "setup", value: `{"token":"s3cret"}`, field: "token", problem: "not in the allow-list"},
		// What the team writes for itself (teamrec_schema.go).
		{name: "case record", path: []string{"records", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"id":"AAAAAAAAAAAAAAAAAAAAAA","kind":"note","author":"abc","created":"2027-02-26T13:00:00Z"}`},
		{name: "team record", path: []string{"records", "blocks"}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"id":"AAAAAAAAAAAAAAAAAAAAAA","kind":"blocks","author":"abc","created":"2027-02-26T13:00:00Z"}`},
		{name: "team kind in a case", path: []string{"records", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"id":"AAAAAAAAAAAAAAAAAAAAAA","kind":"blocks","author":"abc","created":"2027-02-26T13:00:00Z"}`, field: "kind", problem: "not one of"},
		{name: "another team kind", path: []string{"records", "blocks"}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"id":"AAAAAAAAAAAAAAAAAAAAAA","kind":"directory","author":"abc","created":"2027-02-26T13:00:00Z"}`, field: "kind", problem: "not one of"},
		{name: "record with a title", path: []string{"records", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"id":"AAAAAAAAAAAAAAAAAAAAAA","kind":"note","author":"abc","created":"2027-02-26T13:00:00Z","title":"Anruf"}`, field: "title", problem: "not in the allow-list"},
		{name: "record id too short", path: []string{"records", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"id":"AAAA","kind":"note","author":"abc","created":"2027-02-26T13:00:00Z"}`, field: "id", problem: "not a record id"},
		{name: "unknown team kind", path: []string{"records"}, key: "drafts", bucket: true, problem: "bucket not in the allow-list"},
		{name: "record ciphertext", path: []string{"record_ciphertexts", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: string(ciphertext(1100, ""))},
		{name: "plaintext note", path: []string{"record_ciphertexts", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: "Rückruf morgen", problem: "case record ciphertext: not a record"},
		{name: "plaintext blocks", path: []string{"record_ciphertexts", "directory"}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: "Beratungsstelle", problem: "team record ciphertext: not a record"},
		{name: "action", path: []string{"actions", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"action":"assigned","by":"abc","to":"def","at":"2027-02-26T13:00:00Z"}`},
		{name: "action without its assignee", path: []string{"actions", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"action":"assigned","by":"abc","at":"2027-02-26T13:00:00Z"}`, problem: "if and only if"},
		{name: "close with an assignee", path: []string{"actions", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"action":"closed","by":"abc","to":"def","at":"2027-02-26T13:00:00Z"}`, problem: "if and only if"},
		{name: "action to the minute", path: []string{"actions", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"action":"closed","by":"abc","at":"2027-02-26T13:47:00Z"}`, field: "at", problem: "truncated to the hour"},
		{name: "deletion in a case's actions", path: []string{"actions", mb}, key: "\x00\x00\x00\x00\x00\x00\x00\x01", value: `{"action":"deleted","by":"abc","at":"2027-02-26T13:00:00Z"}`, field: "action", problem: "not one of"},
		{name: "tombstone", path: []string{"tombstones"}, key: "2027-02-26T13:00:00Z" + mb, value: `{"action":"purged","by":"abc"}`},
		{name: "tombstone to the minute", path: []string{"tombstones"}, key: "2027-02-26T13:47:00Z" + mb, value: `{"action":"purged","by":"abc"}`, problem: "key not in the allow-list"},
		{name: "tombstone with a reason", path: []string{"tombstones"}, key: "2027-02-26T13:00:00Z" + mb, value: `{"action":"deleted","by":"abc","reason":"spam"}`, field: "reason", problem: "not in the allow-list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var value []byte
			if !tc.bucket {
				value = []byte(tc.value)
			}
			vs := testPolicy.CheckEntry(tc.path, []byte(tc.key), value)
			if tc.problem == "" {
				if len(vs) != 0 {
					t.Fatalf("violations: %v", vs)
				}
				return
			}
			if len(vs) == 0 {
				t.Fatal("no violation")
			}
			if !strings.Contains(vs[0].Problem, tc.problem) || vs[0].Field != tc.field {
				t.Fatalf("violation %v, want field %q and problem %q", vs[0], tc.field, tc.problem)
			}
			for _, v := range vs {
				if len(tc.value) > 4 && strings.Contains(v.String(), tc.value) {
					t.Fatalf("violation %q shows the value", v)
				}
			}
		})
	}
}

func TestAuditFile(t *testing.T) {
	s, _ := openTest(t, Options{})
	populate(t, s)
	if _, _, err := s.CreateInvite(RoleCounsellor); err != nil {
		t.Fatal(err)
	}
	m1, err := s.GetMailbox(mailboxID(1))
	if err != nil {
		t.Fatal(err)
	}
	mbExpiry := formatDate(m1.LastActivity) + mailboxID(1)
	cleanPath := backupFile(t, s)
	report := audit(t, cleanPath)
	if len(report.Violations) != 0 || report.Stray != 0 || report.Values == 0 || report.Buckets == 0 {
		t.Fatalf("audit of a clean backup: %+v", report)
	}
	clean, err := os.ReadFile(cleanPath)
	if err != nil {
		t.Fatal(err)
	}

	// The live file is a valid data file too, though possibly with stale
	// copies in its free pages.
	s.Close()
	report = audit(t, copyOf(t, s.path))
	for _, v := range report.Violations {
		if v.Path != "(file)" {
			t.Fatalf("audit of the live file: %v", v)
		}
	}
	if report.Stray == 0 {
		t.Fatal("the live file still holds the deleted mailbox's ciphertexts, yet the audit finds none stray")
	}

	mb := mailboxID(1)
	seq := string(seqKey(1))
	for _, tc := range []struct {
		name  string
		plant func(tx *bolt.Tx) error
		want  Violation
	}{
		{"unknown field", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketMailboxes)
			v := bytes.Replace(b.Get([]byte(mb)), []byte(`"hour_count"`), []byte(`"ua":"Firefox","hour_count"`), 1)
			return b.Put([]byte(mb), v)
		}, Violation{Path: "mailboxes", Key: mb, Field: "ua", Problem: "field not in the allow-list"}},
		{"minute precision", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketMailboxes)
			v := bytes.Replace(b.Get([]byte(mb)), []byte(`:00:00Z","message_count"`), []byte(`:47:00Z","message_count"`), 1)
			return b.Put([]byte(mb), v)
		}, Violation{Path: "mailboxes", Key: mb, Field: "last_activity", Problem: "not an RFC 3339 UTC time truncated to the hour"}},
		{"unknown top bucket", func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket([]byte("sessions"))
			if err != nil {
				return err
			}
			return b.Put([]byte("tok"), []byte("203.0.113.9"))
		}, Violation{Key: "sessions", Problem: "bucket not in the allow-list"}},
		{"unknown nested bucket", func(tx *bolt.Tx) error {
			_, err := tx.Bucket(bucketMessages).Bucket([]byte(mb)).CreateBucket([]byte("drafts"))
			return err
		}, Violation{Path: "messages/" + mb, Key: "drafts", Problem: "bucket not in the allow-list"}},
		{"plaintext message", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCiphertexts).Put([]byte(seq), []byte("Hello, I need help"))
		}, Violation{Path: "ciphertexts", Key: ShowKey([]byte(seq)), Problem: "message ciphertext: not a message"}},
		{"orphan messages", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMailboxes).Delete([]byte(mb))
		}, Violation{Path: "expiry", Key: mbExpiry, Problem: "index entry without a mailbox record"}},
		{"missing message", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMessages).Bucket([]byte(mb)).Delete(seqKey(3))
		}, Violation{Path: "messages/" + mb, Problem: "message seqs do not run 1, 2, 3, …"}},
		{"message of a deleted mailbox", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCiphertexts).Put(seqKey(1000), ciphertext(4240, ""))
		}, Violation{Path: "ciphertexts", Problem: "1 ciphertexts that no message names (of a deleted mailbox?)"}},
		{"missing ciphertext", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCiphertexts).Delete(seqKey(firstCiphertextKey(tx, mb)))
		}, Violation{Path: "messages/" + mb, Field: "ciphertext_key", Problem: "1 messages name a ciphertext that does not exist"}},
		{"shared ciphertext", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketMessages).Bucket([]byte(mb))
			return b.Put(seqKey(2), b.Get(seqKey(1)))
		}, Violation{Path: "messages/" + mb, Field: "ciphertext_key", Problem: "1 messages name a ciphertext that another message names"}},
		{"not indexed for expiry", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketExpiry).Delete([]byte(mbExpiry))
		}, Violation{Path: "mailboxes", Key: mb, Field: "last_activity", Problem: "mailbox missing from the expiry index"}},
		{"indexed on the wrong day", func(tx *bolt.Tx) error {
			ex := tx.Bucket(bucketExpiry)
			if err := ex.Delete([]byte(mbExpiry)); err != nil {
				return err
			}
			return ex.Put([]byte("2000-01-01"+mb), []byte{})
		}, Violation{Path: "expiry", Key: "2000-01-01" + mb, Problem: "day differs from the mailbox's last_activity"}},
		{"case index entry of a deleted mailbox", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCaseOrder).Put(strayCaseKey(t, 3600), []byte{})
		}, Violation{Path: "caseorder", Key: ShowKey(strayCaseKey(t, 3600)), Problem: "index entry without a mailbox record"}},
		{"case index out of step", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCaseOrder).ForEach(func(k, _ []byte) error {
				if string(k[len(k)-32:]) == mb {
					return tx.Bucket(bucketCaseOrder).Delete(k)
				}
				return nil
			})
		}, Violation{Path: "caseorder", Key: mb, Problem: "index entries differ from what the mailbox record says"}},
		{"case index finer than the hour", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCaseOrder).Put(strayCaseKey(t, 3601), []byte{})
		}, Violation{Path: "caseorder", Key: ShowKey(strayCaseKey(t, 3601)), Problem: "key not in the allow-list"}},
		{"unknown assignee", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketMailboxes)
			v := bytes.Replace(b.Get([]byte(mb)), []byte(`"assignee":null`), []byte(`"assignee":"ghost"`), 1)
			return b.Put([]byte(mb), v)
		}, Violation{Path: "mailboxes", Key: mb, Field: "assignee", Problem: `counsellor "ghost" does not exist`}},
		{"empty orphan messages bucket", func(tx *bolt.Tx) error {
			_, err := tx.Bucket(bucketMessages).CreateBucket([]byte(mailboxID(0xdead)))
			return err
		}, Violation{Path: "messages", Key: mailboxID(0xdead), Problem: "messages without a mailbox record (of a deleted mailbox?)"}},
		{"stanzas", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketKeyring).Put(keyEnvelope, envelope(5, "x"))
		}, Violation{Path: "keyring", Key: "envelope", Problem: "5 stanzas for 2 members"}},
		{"missing schema", func(tx *bolt.Tx) error {
			_, err := tx.Bucket(bucketMeta).CreateBucket([]byte("z"))
			if err != nil {
				return err
			}
			return tx.DeleteBucket(bucketMeta)
		}, Violation{Path: "meta", Key: "schema", Problem: "missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) { auditPlanted(t, clean, tc.plant, tc.want) })
	}
}

func TestAuditFindsDeletedCiphertext(t *testing.T) {
	s, _ := openTest(t, Options{})
	setUp(t, s)
	for n := 1; n <= 2; n++ {
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{}, 1, ciphertext(7312, "")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteMailbox(mailboxID(1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Right after the delete, its ciphertext is still in a free page.
	report := audit(t, s.path)
	if report.Stray == 0 {
		t.Fatalf("audit of a file with a deleted message found no stray ciphertext: %+v", report)
	}
}

func TestValidRecipient(t *testing.T) {
	for i := range 4 {
		r := recipient(t, i)
		if !validRecipient(r) {
			t.Fatalf("a real recipient is refused: %s…", r[:20])
		}
		for _, pos := range []int{7, 500, 1958} {
			b := []byte(r)
			b[pos] = flip(b[pos])[0]
			if validRecipient(string(b)) {
				t.Fatalf("a recipient with a changed character %d passes", pos)
			}
		}
		if validRecipient(strings.ToUpper(r)) {
			t.Fatal("an upper-case recipient passes")
		}
	}
}

// firstCiphertextKey is the ciphertext key of message 1 of mailbox id.
func firstCiphertextKey(tx *bolt.Tx, id string) uint64 {
	var meta messageMeta
	if _, err := getJSON(tx.Bucket(bucketMessages).Bucket([]byte(id)), seqKey(1), &meta); err != nil {
		panic(err)
	}
	return meta.Ciphertext
}

// strayCaseKey is a waiting key of a mailbox that does not exist, at Unix
// second secs.
func strayCaseKey(t *testing.T, secs int64) []byte {
	t.Helper()
	return append(append([]byte("wn"), seqKey(uint64(secs))...), mailboxID(0xbeef)...)
}
