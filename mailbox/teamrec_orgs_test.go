package mailbox

import (
	"bytes"
	"os"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestOrgTeamRecords: each organisation keeps its own team records and
// tombstones; the front door's stand where version 1 put them, another
// organisation's in its bucket; the auditor checks them there, and
// deleting the organisation deletes them.
func TestOrgTeamRecords(t *testing.T) {
	s, _, adminA, adminB := twoOrgs(t)
	frontFile := backupFile(t, s)

	idA, err := s.PutTeamRecord("", RecordBlocks, adminA.ID, ciphertext(2000, "blocks-of-a;"))
	if err != nil {
		t.Fatal(err)
	}
	var idsB []string
	for _, fill := range []string{"blocks-of-b-1;", "blocks-of-b-2;", "blocks-of-b-3;"} {
		id, err := s.PutTeamRecord("b", RecordBlocks, adminB.ID, ciphertext(2000, fill))
		if err != nil {
			t.Fatal(err)
		}
		idsB = append(idsB, id)
	}
	dirB, err := s.PutTeamRecord("b", RecordDirectory, adminB.ID, ciphertext(2000, "directory-of-b;"))
	if err != nil {
		t.Fatal(err)
	}
	ids := func(rs []Record) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Kind+" "+r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		org  string
		want []string
	}{
		{"", []string{"blocks " + idA}},
		{"main", []string{"blocks " + idA}},
		{"b", []string{"blocks " + idsB[2], "blocks " + idsB[1], "directory " + dirB}},
	} {
		rs, err := s.TeamRecords(tc.org)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(rs); !slices.Equal(got, tc.want) {
			t.Errorf("team records of %q: %v, want %v", tc.org, got, tc.want)
		}
	}
	if rs, _ := s.TeamRecords("b"); !bytes.Equal(rs[0].Ciphertext, ciphertext(2000, "blocks-of-b-3;")) || rs[0].Author != adminB.ID {
		t.Error("b's newest blocks record is not the one b wrote last")
	}
	for _, org := range []string{"zz", "../b", "B"} {
		if _, err := s.TeamRecords(org); err != ErrNotFound {
			t.Errorf("team records of %q: %v, want ErrNotFound", org, err)
		}
		refused(t, s, ErrNotFound, func() error {
			_, err := s.PutTeamRecord(org, RecordBlocks, adminA.ID, ciphertext(2000, "x"))
			return err
		})
	}

	// The front door's layout is version 1's: its records are at the top,
	// and b's are in b's bucket only.
	r := audit(t, backupFile(t, s))
	if len(r.Violations) != 0 || r.Counts["records/blocks/{seq}"] != 1 || r.Counts["orgs/{organisation slug}/records/blocks/{seq}"] != 2 ||
		r.Counts["orgs/{organisation slug}/record_ciphertexts/directory/{seq}"] != 1 {
		t.Fatalf("audit: %v, counts %v", r.Violations, r.Counts)
	}
	if before := audit(t, frontFile); before.Counts["orgs/{organisation slug}/records"] != 0 {
		t.Fatalf("an organisation without team records has a records bucket: %v", before.Counts)
	}

	// Tombstones are each organisation's own.
	if _, err := s.CreateMailboxIn("b", mailboxID(9), [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCase(mailboxID(9), adminB.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCase(mailboxID(1), adminA.ID); err != nil {
		t.Fatal(err)
	}
	for org, want := range map[string]string{"": mailboxID(1) + " " + adminA.ID, "b": mailboxID(9) + " " + adminB.ID} {
		ts, err := s.Tombstones(org)
		if err != nil || len(ts) != 1 || ts[0].Case+" "+ts[0].By != want {
			t.Errorf("tombstones of %q: %+v, %v; want %s", org, ts, err, want)
		}
	}

	// Deleting b deletes its team records; compaction removes their bytes.
	if _, err := s.DeleteOrg("b"); err != nil {
		t.Fatal(err)
	}
	if rs, err := s.TeamRecords(""); err != nil || len(rs) != 1 || rs[0].ID != idA {
		t.Fatalf("the front door's team records after deleting b: %v, %v", ids(rs), err)
	}
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, fill := range []string{"blocks-of-b-1;", "blocks-of-b-2;", "blocks-of-b-3;", "directory-of-b;"} {
		if bytes.Contains(data, []byte(fill)) {
			t.Errorf("%s is still in the data file after deleting b and compacting", fill)
		}
	}
	if !bytes.Contains(data, []byte("blocks-of-a;")) {
		t.Error("the front door's team record is gone with b")
	}
}

// TestAuditOrgTeamRecords: the auditor pairs an organisation's team
// records with their ciphertexts, checks the ciphertexts' policy, and
// refuses an author of another organisation.
func TestAuditOrgTeamRecords(t *testing.T) {
	s, _, adminA, adminB := twoOrgs(t)
	if _, err := s.PutTeamRecord("b", RecordDirectory, adminB.ID, ciphertext(2000, "d")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutTeamRecord("", RecordDirectory, adminA.ID, ciphertext(2000, "d")); err != nil {
		t.Fatal(err)
	}
	cleanPath := backupFile(t, s)
	if r := audit(t, cleanPath); len(r.Violations) != 0 {
		t.Fatalf("clean file: %v", r.Violations)
	}
	clean, err := os.ReadFile(cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	seq1 := seqKey(1)
	inB := func(tx *bolt.Tx, name []byte) *bolt.Bucket {
		return tx.Bucket(bucketOrgs).Bucket([]byte("b")).Bucket(name).Bucket([]byte(RecordDirectory))
	}
	author := func(b *bolt.Bucket, from, to string) error {
		return b.Put(seq1, bytes.Replace(b.Get(seq1), []byte(`"author":"`+from+`"`), []byte(`"author":"`+to+`"`), 1))
	}
	for _, tc := range []struct {
		name  string
		plant func(tx *bolt.Tx) error
		want  Violation
	}{
		{"record without its ciphertext", func(tx *bolt.Tx) error {
			return inB(tx, bucketRecordCiphertexts).Delete(seq1)
		}, Violation{Path: "orgs/b/records/directory", Problem: "1 records and 0 record ciphertexts under different keys"}},
		{"plaintext directory", func(tx *bolt.Tx) error {
			return inB(tx, bucketRecordCiphertexts).Put(seq1, []byte("Beratungsstelle Nord"))
		}, Violation{Path: "orgs/b/record_ciphertexts/directory", Key: ShowKey(seq1), Problem: "team record ciphertext: not a record"}},
		{"the front door's admin writes b's", func(tx *bolt.Tx) error {
			return author(inB(tx, bucketRecords), adminB.ID, adminA.ID)
		}, Violation{Path: "orgs/b/records/directory", Key: ShowKey(seq1), Field: "author", Problem: "a counsellor of another organisation"}},
		{"b's admin writes the front door's", func(tx *bolt.Tx) error {
			return author(tx.Bucket(bucketRecords).Bucket([]byte(RecordDirectory)), adminA.ID, adminB.ID)
		}, Violation{Path: "records/directory", Key: ShowKey(seq1), Field: "author", Problem: "a counsellor of another organisation"}},
		{"a kind the team does not keep", func(tx *bolt.Tx) error {
			b, err := tx.Bucket(bucketOrgs).Bucket([]byte("b")).Bucket(bucketRecords).CreateBucket([]byte(RecordNote))
			if err != nil {
				return err
			}
			return b.Put(seq1, []byte(`{}`))
		}, Violation{Path: "orgs/b/records", Key: RecordNote, Problem: "bucket not in the allow-list"}},
	} {
		t.Run(tc.name, func(t *testing.T) { auditPlanted(t, clean, tc.plant, tc.want) })
	}
}
