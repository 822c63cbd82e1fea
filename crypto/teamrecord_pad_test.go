package crypto

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// TestTeamRecordPadding seals records of every size class and checks that
// what SealTeamRecord writes is what the server's policy takes, that the
// padding stays under the MAC, and that an unpadded record is refused.
func TestTeamRecordPadding(t *testing.T) {
	k := testKeys()
	k1, _ := testTeamMACKeys(t)
	keys := map[int]TeamMACKey{1: k1}
	note := func(n int) *TeamRecord {
		r := testNote(1)
		r.Fields = map[string]json.RawMessage{"text": json.RawMessage(`"` + strings.Repeat("x", n) + `"`)}
		return r
	}
	blocks := func(n int) *TeamRecord {
		return &TeamRecord{Type: RecordBlocks, Epoch: 1, Author: "b0b", Written: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Fields: map[string]json.RawMessage{"blocks": json.RawMessage(`[{"body":"` + strings.Repeat("y", n) + `"}]`)}}
	}
	for _, tc := range []struct {
		name   string
		rec    *TeamRecord
		check  func([]byte) error
		other  func([]byte) error
		bucket int
	}{
		{"short note", note(10), CheckCaseRecord, nil, 1024},
		{"note just over 1 KiB", note(1000), CheckCaseRecord, nil, 2048},
		{"largest note", note(60000), CheckCaseRecord, nil, 65536},
		{"small blocks", blocks(10), CheckTeamRecord, nil, 1024},
		{"large blocks", blocks(300000), CheckTeamRecord, CheckCaseRecord, 512 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, err := SealTeamRecord(tc.rec, k1, k.team.Recipient(), k.enquirer.Recipient())
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.check(ct); err != nil {
				t.Fatalf("policy: %v", err)
			}
			info, err := ParseCiphertext(ct)
			if err != nil || info.PayloadLen != tc.bucket {
				t.Fatalf("plaintext of %v bytes, want %d (%v)", info, tc.bucket, err)
			}
			if tc.other != nil && tc.other(ct) == nil {
				t.Fatal("another policy took the record")
			}
			got, err := OpenTeamRecord(ct, TeamRecordExpect{Type: tc.rec.Type, Case: tc.rec.Case}, []age.Identity{k.team}, keys)
			if err != nil {
				t.Fatal(err)
			}
			for name, v := range tc.rec.Fields {
				if string(got.Fields[name]) != string(v) {
					t.Fatalf("%s: padding leaked into the field", name)
				}
			}
		})
	}

	// Past the largest bucket the writer refuses rather than write what
	// the server would refuse.
	if _, err := SealTeamRecord(note(66000), k1, k.team.Recipient()); !errors.Is(err, ErrTeamRecordTooLong) {
		t.Fatalf("oversized note: %v", err)
	}
	if _, err := SealTeamRecord(blocks(600000), k1, k.team.Recipient()); !errors.Is(err, ErrTeamRecordTooLong) {
		t.Fatalf("oversized blocks: %v", err)
	}

	// The vectors' unpadded form reads, but the server refuses it.
	pt, err := teamRecordPlaintext(testNote(1), k1)
	if err != nil {
		t.Fatal(err)
	}
	unpadded := mustEncrypt(t, pt, k.team.Recipient())
	if err := CheckCaseRecord(unpadded); err == nil {
		t.Fatal("policy took an unpadded record")
	}
	if _, err := OpenTeamRecord(unpadded, TeamRecordExpect{Type: RecordNote, Case: testMailbox}, []age.Identity{k.team}, keys); err != nil {
		t.Fatalf("unpadded record: %v", err)
	}
	// Three stanzas are one too many.
	padded, err := recordPlaintext(testNote(1), k1, CaseRecordBuckets[:])
	if err != nil {
		t.Fatal(err)
	}
	three := mustEncrypt(t, padded, k.team.Recipient(), k.enquirer.Recipient(), k.other.Recipient())
	if err := CheckCaseRecord(three); err == nil || !strings.Contains(err.Error(), "stanzas") {
		t.Fatalf("three stanzas: %v", err)
	}
	if err := CheckCaseRecord(mustEncrypt(t, padded, k.team.Recipient())); err != nil {
		t.Fatalf("one stanza: %v", err)
	}
}
