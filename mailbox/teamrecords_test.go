package mailbox

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestCaseRecords(t *testing.T) {
	s, clock, admin, pending, id := caseWithPending(t)
	other := mailboxID(2)
	if _, err := s.CreateMailbox(other, [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	note, tags := ciphertext(4500, "note"), ciphertext(2400, "tags")
	n1, err := s.AddCaseRecord(id, RecordNote, admin.ID, note)
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(90 * time.Minute)
	n2, err := s.AddCaseRecord(id, RecordTags, pending.ID, tags)
	if err != nil {
		t.Fatal(err)
	}
	if n1 == n2 || !validRecordID(n1) || !validRecordID(n2) {
		t.Fatalf("record ids %q, %q", n1, n2)
	}
	rs, err := s.CaseRecords(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].ID != n1 || rs[0].Kind != RecordNote || rs[0].Author != admin.ID || !bytes.Equal(rs[0].Ciphertext, note) ||
		rs[1].ID != n2 || rs[1].Kind != RecordTags || rs[1].Author != pending.ID || !bytes.Equal(rs[1].Ciphertext, tags) {
		t.Fatalf("records %+v", rs)
	}
	if want := t0.Truncate(time.Hour); !rs[0].Created.Equal(want) || !rs[1].Created.Equal(want.Add(2*time.Hour)) {
		t.Errorf("created %v and %v: want hours", rs[0].Created, rs[1].Created)
	}
	if rs, err := s.CaseRecords(other); err != nil || len(rs) != 0 {
		t.Errorf("another case: %v, %v", rs, err)
	}
	// A record is not activity: the case's expiry stays.
	m, err := s.GetMailbox(id)
	if err != nil || !m.LastActivity.Equal(t0.Truncate(time.Hour)) || m.Status != StatusNew {
		t.Errorf("case after a record: %+v, %v", m, err)
	}

	refusals := []struct {
		name string
		id   string
		kind string
		by   string
		ct   []byte
		want error
	}{
		{"unknown case", mailboxID(9), RecordNote, admin.ID, note, ErrNotFound},
		{"malformed case", strings.ToUpper(mailboxID(0xabc)), RecordNote, admin.ID, note, ErrNotFound},
		{"team kind", id, RecordBlocks, admin.ID, note, errInvalid},
		{"unknown kind", id, "memo", admin.ID, note, errInvalid},
		{"no author", id, RecordNote, "", note, errInvalid},
		{"empty", id, RecordNote, admin.ID, nil, errInvalid},
		{"too long", id, RecordNote, admin.ID, ciphertext(MaxRecordBytes+1, ""), errInvalid},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			refused(t, s, r.want, func() error {
				_, err := s.AddCaseRecord(r.id, r.kind, r.by, r.ct)
				return err
			})
		})
	}
	if _, err := s.CaseRecords(mailboxID(9)); err != ErrNotFound {
		t.Errorf("records of an unknown case: %v", err)
	}
}

func TestCaseRecordsBound(t *testing.T) {
	s, _, admin, _, id := caseWithPending(t)
	ct := ciphertext(1100, "r")
	var wg sync.WaitGroup
	for range MaxCaseRecords - 1 {
		wg.Go(func() {
			if _, err := s.AddCaseRecord(id, RecordPin, admin.ID, ct); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, err := s.AddCaseRecord(id, RecordNote, admin.ID, ct); err != nil {
		t.Fatalf("record %d: %v", MaxCaseRecords, err)
	}
	refused(t, s, ErrRecordsFull, func() error {
		_, err := s.AddCaseRecord(id, RecordNote, admin.ID, ct)
		return err
	})
	rs, err := s.CaseRecords(id)
	if err != nil || len(rs) != MaxCaseRecords {
		t.Fatalf("%d records, %v", len(rs), err)
	}

	// The bytes of a case's records are bounded too.
	other := mailboxID(3)
	if _, err := s.CreateMailbox(other, [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	big := ciphertext(MaxRecordBytes, "b")
	for range MaxCaseRecordBytes / MaxRecordBytes {
		if _, err := s.AddCaseRecord(other, RecordNote, admin.ID, big); err != nil {
			t.Fatal(err)
		}
	}
	refused(t, s, ErrRecordsFull, func() error {
		_, err := s.AddCaseRecord(other, RecordNote, admin.ID, ciphertext(1, "x"))
		return err
	})
}

func TestTeamRecordsKeepTwo(t *testing.T) {
	s, _, admin, _, _ := caseWithPending(t)
	var ids []string
	for i := range 4 {
		id, err := s.PutTeamRecord("", RecordBlocks, admin.ID, ciphertext(2000, fmt.Sprint("blocks", i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	dir, err := s.PutTeamRecord("", RecordDirectory, admin.ID, ciphertext(2000, "dir"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := s.TeamRecords("")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Kind+" "+r.ID)
	}
	if want := []string{"blocks " + ids[3], "blocks " + ids[2], "directory " + dir}; !slices.Equal(got, want) {
		t.Fatalf("team records %v, want %v", got, want)
	}
	if !bytes.Equal(rs[0].Ciphertext, ciphertext(2000, "blocks3")) {
		t.Error("the newest blocks record is not the one written last")
	}
	refused(t, s, errInvalid, func() error {
		_, err := s.PutTeamRecord("", RecordNote, admin.ID, ciphertext(2000, "x"))
		return err
	})
	// The replaced ones are gone from the file once it is compacted.
	path := backupFile(t, s)
	if r := audit(t, path); len(r.Violations) != 0 {
		t.Fatalf("audit: %v", r.Violations)
	}
}

func TestCaseActions(t *testing.T) {
	s, clock, admin, pending, id := caseWithPending(t)
	str := func(v string) *string { return &v }
	steps := []struct {
		by               string
		status, assignee *string
		want             []string
	}{
		{admin.ID, nil, str(admin.ID), []string{"assigned>" + admin.ID}},
		{admin.ID, nil, str(admin.ID), nil}, // no change
		{pending.ID, str(StatusClosed), str(""), []string{"unassigned>", "closed>"}},
		{admin.ID, str(StatusClosed), nil, nil},
		{admin.ID, str(StatusOpen), nil, []string{"reopened>"}},
		{admin.ID, str(StatusOpen), nil, nil},
		{"", str(StatusClosed), nil, nil}, // UpdateCase records nothing
	}
	var want []string
	for i, st := range steps {
		clock.Add(time.Hour)
		if _, err := s.UpdateCaseBy(id, st.by, st.status, st.assignee); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		want = append(want, st.want...)
	}
	as, err := s.CaseActions(id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		got = append(got, a.Action+">"+a.To)
		if a.At.Minute() != 0 || a.At.Second() != 0 {
			t.Errorf("action at %v", a.At)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	if as[2].By != pending.ID {
		t.Errorf("unassigned by %q", as[2].By)
	}
	refused(t, s, errInvalid, func() error {
		_, err := s.UpdateCaseBy(id, "Not An Id", str(StatusOpen), nil)
		return err
	})

	// A case keeps its newest MaxCaseActions.
	for i := range MaxCaseActions {
		a := admin.ID
		if i%2 == 0 {
			a = ""
		}
		if _, err := s.UpdateCaseBy(id, admin.ID, nil, &a); err != nil {
			t.Fatal(err)
		}
	}
	// 4 before, and the loop's first changes nothing: 203 in all, of
	// which the oldest 3 are dropped.
	as, err = s.CaseActions(id)
	if err != nil || len(as) != MaxCaseActions || as[0].Action != ActionReopened || as[len(as)-1].Action != ActionAssigned {
		t.Fatalf("%d actions after many, %v", len(as), err)
	}
	if r := audit(t, backupFile(t, s)); len(r.Violations) != 0 {
		t.Fatalf("audit: %v", r.Violations)
	}
}

// TestCaseMemoryGoesWithTheCase: deleting a case in any way deletes its
// records and actions; a counsellor's deletion and an admin's purge leave
// tombstones, which the hourly purge deletes after the retention.
func TestCaseMemoryGoesWithTheCase(t *testing.T) {
	s, clock, admin, _, first := caseWithPending(t)
	if _, err := s.UpdateCaseBy(first, admin.ID, nil, &admin.ID); err != nil {
		t.Fatal(err) // not one for the bulk purge below
	}
	ids := map[string]string{}
	for i, how := range []string{"counsellor", "enquirer", "purge", "expiry", "bulk"} {
		id := mailboxID(100 + i)
		ids[how] = id
		if _, err := s.CreateMailbox(id, [32]byte{}, 1, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddCaseRecord(id, RecordNote, admin.ID, ciphertext(4240, "canary-"+how)); err != nil {
			t.Fatal(err)
		}
		if how != "bulk" {
			a := admin.ID
			if _, err := s.UpdateCaseBy(id, admin.ID, nil, &a); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.DeleteCase(ids["counsellor"], admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMailbox(ids["enquirer"]); err != nil {
		t.Fatal(err)
	}
	res, err := s.PurgeNewCasesBy(t0, t0.AddDate(0, 0, 1), false, admin.ID)
	if err != nil || len(res.Deleted) != 1 || res.Deleted[0] != ids["bulk"] {
		t.Fatalf("bulk purge: %+v, %v", res, err)
	}
	refused(t, s, ErrNotFound, func() error { return s.DeleteCase(ids["counsellor"], admin.ID) })
	for _, how := range []string{"counsellor", "enquirer", "bulk"} {
		if _, err := s.CaseRecords(ids[how]); err != ErrNotFound {
			t.Errorf("%s: records of a deleted case: %v", how, err)
		}
		if _, err := s.CaseActions(ids[how]); err != ErrNotFound {
			t.Errorf("%s: actions of a deleted case: %v", how, err)
		}
	}
	stones, err := s.Tombstones("")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range stones {
		got = append(got, st.Case+" "+st.Action+" "+st.By)
	}
	slices.Sort(got)
	want := []string{ids["counsellor"] + " deleted " + admin.ID, ids["bulk"] + " purged " + admin.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("tombstones %v, want %v", got, want)
	}

	// A day before the retention ends the tombstones stay; after it,
	// the hourly purge deletes them with the expired cases.
	clock.Add(time.Duration(s.retention)*24*time.Hour - 2*time.Hour)
	if _, err := s.Purge(); err != nil {
		t.Fatal(err)
	}
	if stones, err := s.Tombstones(""); err != nil || len(stones) != 2 {
		t.Fatalf("tombstones before the retention ran out: %v, %v", stones, err)
	}
	clock.Add(3 * 24 * time.Hour)
	n, err := s.Purge()
	if err != nil || n != 3 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if stones, err := s.Tombstones(""); err != nil || len(stones) != 0 {
		t.Fatalf("tombstones after the retention: %v, %v", stones, err)
	}
	// Nothing of any case is left, and compaction removes the bytes.
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	if r := audit(t, backupFile(t, s)); len(r.Violations) != 0 || r.Counts["records/{mailbox id}/{seq}"] != 0 {
		t.Fatalf("audit: %v %v", r.Violations, r.Counts)
	}
	s.Close()
	data, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	for how := range ids {
		if bytes.Contains(data, []byte("canary-"+how)) {
			t.Errorf("%s: the record is still in the data file after compaction", how)
		}
	}
}

// TestAuditTeamMemory: the auditor finds records and actions kept of a
// deleted case, a record's two halves apart, a plaintext note and an
// author who does not exist.
func TestAuditTeamMemory(t *testing.T) {
	s, _, admin, _, id := caseWithPending(t)
	if _, err := s.AddCaseRecord(id, RecordNote, admin.ID, ciphertext(4500, "n")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutTeamRecord("", RecordDirectory, admin.ID, ciphertext(2000, "d")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCaseBy(id, admin.ID, nil, &admin.ID); err != nil {
		t.Fatal(err)
	}
	gone := mailboxID(0x77)
	if _, err := s.CreateMailbox(gone, [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCase(gone, admin.ID); err != nil {
		t.Fatal(err)
	}
	cleanPath := backupFile(t, s)
	report := audit(t, cleanPath)
	if len(report.Violations) != 0 || report.Counts["records/{mailbox id}/{seq}"] != 1 || report.Counts["record_ciphertexts/directory/{seq}"] != 1 ||
		report.Counts["actions/{mailbox id}/{seq}"] != 1 || report.Counts["tombstones/{hour and mailbox id}"] != 1 {
		t.Fatalf("audit of a clean backup: %v %v", report.Violations, report.Counts)
	}
	clean, err := os.ReadFile(cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	seq1 := seqKey(1)
	for _, tc := range []struct {
		name  string
		plant func(tx *bolt.Tx) error
		want  Violation
	}{
		{"records of a deleted case", func(tx *bolt.Tx) error {
			return caseRecordParents(tx).append([]byte(gone), recordMeta{ID: "AAAAAAAAAAAAAAAAAAAAAA", Kind: RecordNote, Author: admin.ID, Created: "2027-02-26T13:00:00Z"}, ciphertext(1100, ""))
		}, Violation{Path: "records", Key: gone, Problem: "kept of a case whose mailbox does not exist (of a deleted mailbox?)"}},
		{"actions of a deleted case", func(tx *bolt.Tx) error {
			return appendActions(tx, []byte(gone), []actionRecord{{Action: ActionClosed, By: admin.ID, At: "2027-02-26T13:00:00Z"}})
		}, Violation{Path: "actions", Key: gone, Problem: "kept of a case whose mailbox does not exist (of a deleted mailbox?)"}},
		{"record without its ciphertext", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRecordCiphertexts).Bucket([]byte(id)).Delete(seq1)
		}, Violation{Path: "records/" + id, Problem: "1 records and 0 record ciphertexts under different keys"}},
		{"plaintext note", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRecordCiphertexts).Bucket([]byte(id)).Put(seq1, []byte("Rückruf morgen"))
		}, Violation{Path: "record_ciphertexts/" + id, Key: ShowKey(seq1), Problem: "case record ciphertext: not a record"}},
		{"unknown author", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketRecords).Bucket([]byte(RecordDirectory))
			v := bytes.Replace(b.Get(seq1), []byte(`"author":"`+admin.ID+`"`), []byte(`"author":"ghost"`), 1)
			return b.Put(seq1, v)
		}, Violation{Path: "records/directory", Key: ShowKey(seq1), Field: "author", Problem: `counsellor "ghost" does not exist`}},
	} {
		t.Run(tc.name, func(t *testing.T) { auditPlanted(t, clean, tc.plant, tc.want) })
	}
}

// auditPlanted writes the data file clean anew, plants something in it and
// requires the auditor to report want.
func auditPlanted(t *testing.T, clean []byte, plant func(tx *bolt.Tx) error, want Violation) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "planted.db")
	if err := os.WriteFile(path, clean, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(plant)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	vs := audit(t, path).Violations
	if !slices.Contains(vs, want) {
		t.Fatalf("violations %v, want %v", vs, want)
	}
}
