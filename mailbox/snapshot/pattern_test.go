package snapshot

import "testing"

const mailbox3 = "00000000000000000000000000000003"

func TestPattern(t *testing.T) {
	seq := []byte{0, 0, 0, 0, 0, 0, 0, 7}
	for _, tc := range []struct {
		path   []string
		key    []byte
		bucket bool
		want   string
	}{
		{nil, []byte("mailboxes"), true, "mailboxes"},
		{[]string{"mailboxes"}, []byte(mailbox3), false, "mailboxes/{mailbox id}"},
		{[]string{"ciphertexts"}, seq, false, "ciphertexts/{ciphertext key}"},
		{[]string{"messages", mailbox3}, seq, false, "messages/{mailbox id}/{seq}"},
		{[]string{"expiry"}, []byte("2027-02-26" + mailbox3), false, "expiry/{day and mailbox id}"},
		{[]string{"caseorder"}, append([]byte("wn\x00\x00\x00\x00\x6b\x49\xc3\xf0"), mailbox3...), false, "caseorder/{class, hour and mailbox id}"},
		{[]string{"caseorder"}, append([]byte("wn\x00\x00\x00\x00\x6b\x49\xc3\xf1"), mailbox3...), false, ""},
		{[]string{"keyring", "epochs"}, seq, false, "keyring/epochs/{epoch}"},
		{[]string{"attachments"}, []byte(mailbox3 + "q8Zx1Lq4Tt2aVb3Yc9D0eA"), false, "attachments/{mailbox id and attachment id}"},
		{[]string{"handover_done"}, []byte("2027-02-26T13:00:00Z" + mailbox3 + "00000001"), false, "handover_done/{hour, mailbox id and number}"},
		{[]string{"handover_done"}, []byte("2027-02-26T13:00:00Z" + mailbox3), false, "handover_done/{hour, mailbox id and number}"}, // as written before the number
		{[]string{"handover_done"}, []byte("2027-02-26T13:00:00Z" + mailbox3 + "0000000A"), false, ""},
		{[]string{"handover_done"}, []byte("2027-02-26T13:00:00Z" + mailbox3 + "0001"), false, ""},
		{[]string{"handover_done"}, []byte("2027-02-26T13:30:00Z" + mailbox3 + "00000000"), false, ""},
		{[]string{"keyring"}, []byte("envelope"), false, "keyring/envelope"},
		{[]string{"keyring"}, []byte("envelope"), true, ""},
		{[]string{"mailboxes"}, []byte("Mailbox"), false, ""},
		{[]string{"sessions"}, []byte("x"), false, ""},
	} {
		if got := Pattern(tc.path, tc.key, tc.bucket); got != tc.want {
			t.Errorf("Pattern(%q, %q, %v) = %q, want %q", tc.path, tc.key, tc.bucket, got, tc.want)
		}
	}
	seen := map[string]bool{}
	for _, n := range Nodes() {
		if seen[n.Pattern] {
			t.Errorf("pattern %q twice", n.Pattern)
		}
		seen[n.Pattern] = true
	}
	if !seen["invites/{lower-hex SHA-256 of the invite code}"] || !seen["records/blocks/{seq}"] || len(seen) != 82 { // 21 of version 1, 2 of the case index, 19 of team records, 9 of attachments, 9 of organisations, 10 of their team records, 12 of handover
		t.Errorf("Nodes: %v", seen)
	}
}
