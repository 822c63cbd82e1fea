package mailbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lotse/mailbox/mailboxtest"
)

// v1File is a data file the store wrote before organisations
// (testdata/v1-before-orgs.db, made at commit b51a264 with caseWithPending,
// a counsellor's reply and an open invite): an admin, a pending
// counsellor, the epoch-1 keyring, mailbox 1 with two messages.
const (
	v1File    = "testdata/v1-before-orgs.db"
	v1Admin   = "dqwgkjefwct1omtv"
	v1Pending = "lbckxlq0785ryty1"
)

func sum256(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

// copyOf copies the data file at from byte for byte: a fixture, or an
// idle store's file, which its lock keeps from being opened.
func copyOf(t *testing.T, from string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lotse.db")
	if err := mailboxtest.Copy(from, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOrgsOpenVersion1File: a file written before organisations is the
// front door's as it stands: opening it adds nothing.
func TestOrgsOpenVersion1File(t *testing.T) {
	path := copyOf(t, v1File)
	if _, err := Open(Options{Path: path, FrontDoor: "Not A Slug"}); err == nil {
		t.Fatal("opened with a malformed front door slug")
	}
	s, _ := openTest(t, Options{Path: path, FrontDoor: "beratung", FrontDoorName: "Beratung Nord"})
	orgs, err := s.Orgs()
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 1 || orgs[0].Slug != "beratung" || orgs[0].Name != "Beratung Nord" || !orgs[0].FrontDoor {
		t.Fatalf("orgs = %+v", orgs)
	}
	cs, err := s.CounsellorsIn("beratung")
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, c := range cs {
		ids = append(ids, c.ID)
		if c.Org != "" {
			t.Errorf("counsellor %s in %q", c.ID, c.Org)
		}
	}
	if !slices.Equal(ids, []string{v1Admin, v1Pending}) {
		t.Fatalf("counsellors %v", ids)
	}
	if k, err := s.KeyringIn("beratung"); err != nil || k.Epoch != 1 || !slices.Equal(k.Members, []string{v1Admin}) {
		t.Fatalf("keyring %+v, %v", k, err)
	}
	cases, err := s.CasesOf("beratung", "", OrderActivity)
	if err != nil || len(cases) != 1 || cases[0].ID != mailboxID(1) || cases[0].MessageCount != 2 || cases[0].Org != "" {
		t.Fatalf("cases %+v, %v", cases, err)
	}
	if inv, err := s.InvitesIn("beratung"); err != nil || len(inv) != 1 {
		t.Fatalf("invites %v, %v", inv, err)
	}
	// The case goes on under the front door's epoch, and the file keeps
	// version 1's shape.
	if _, err := s.AppendCounsellor(mailboxID(1), v1Admin, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	if r := audit(t, backupFile(t, s)); len(r.Violations) != 0 || r.Counts["orgs"] != 0 {
		t.Fatalf("audit: %v, counts %v", r.Violations, r.Counts)
	}

	// With another organisation, a setting that makes its slug the front
	// door's is refused, rather than move its counsellors and cases.
	if _, _, err := s.CreateOrg("b", "Fachberatung B"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Path: path, FrontDoor: "b"}); err == nil {
		t.Fatal(`opened with organisation "b" as the front door`)
	}
	s2, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if orgs, err := s2.Orgs(); err != nil || len(orgs) != 2 || orgs[0].Slug != "main" || orgs[1].Slug != "b" || orgs[1].Name != "Fachberatung B" {
		t.Fatalf("after reopening: %+v, %v", orgs, err)
	}
}

// twoOrgs is a front door with a case (mailboxID(1)) and organisation
// "b" with its admin, keyring and a case (mailboxID(2)).
func twoOrgs(t *testing.T) (s *Store, clock *testClock, adminA, adminB Counsellor) {
	t.Helper()
	s, clock, adminA, _, _ = caseWithPending(t)
	token, expires, err := s.CreateOrg("b", "Fachberatung B")
	if err != nil {
		t.Fatal(err)
	}
	if want := ceilHour(t0.Add(72 * time.Hour)); !expires.Equal(want) {
		t.Fatalf("setup token expires %v, want %v", expires, want)
	}
	refused(t, s, ErrSetupInvalid, func() error {
		_, err := s.RegisterOrgSetup("b", setupToken, "B", recipient(t, 5))
		return err
	})
	adminB, err = s.RegisterOrgSetup("b", token, "Admin B", recipient(t, 5))
	if err != nil {
		t.Fatal(err)
	}
	if adminB.Org != "b" || adminB.Role != RoleAdmin || adminB.State != StateActive {
		t.Fatalf("admin of b: %+v", adminB)
	}
	refused(t, s, ErrSetupInvalid, func() error {
		_, err := s.RegisterOrgSetup("b", token, "Again", recipient(t, 6))
		return err
	})
	_, _, err = s.PutKeyringIn("b", KeyringUpdate{
		Keyring: Keyring{Epoch: 1, Recipient: recipient(t, 12), Envelope: envelope(1, "b1"), Members: []string{adminB.ID}},
		Stanzas: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMailboxIn("b", mailboxID(2), [32]byte{}, 1, ciphertext(4240, "only-in-org-b;")); err != nil {
		t.Fatal(err)
	}
	return s, clock, adminA, adminB
}

func TestOrgsIsolation(t *testing.T) {
	s, clock, adminA, adminB := twoOrgs(t)

	for _, tc := range []struct {
		org  string
		want []string
	}{{"", []string{mailboxID(1)}}, {"main", []string{mailboxID(1)}}, {"b", []string{mailboxID(2)}}, {"c", nil}} {
		cases, err := s.CasesOf(tc.org, "", OrderActivity)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cases {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("cases of %q: %v, want %v", tc.org, got, tc.want)
		}
	}
	if page, _, err := s.CasesPageIn("b", "", OrderActivity, nil, 10); err != nil || len(page) != 1 || page[0].Org != "b" {
		t.Fatalf("page of b: %+v, %v", page, err)
	}
	if cs, err := s.CounsellorsIn("b"); err != nil || len(cs) != 1 || cs[0].ID != adminB.ID {
		t.Fatalf("counsellors of b: %+v, %v", cs, err)
	}
	if cs, _ := s.Counsellors(); slices.ContainsFunc(cs, func(c Counsellor) bool { return c.ID == adminB.ID }) {
		t.Fatal("b's admin is among the front door's counsellors")
	}
	if need, err := s.NeedsSetup(); err != nil || need {
		t.Fatalf("NeedsSetup = %v, %v", need, err)
	}
	kb, err := s.KeyringIn("b")
	if err != nil || kb.Recipient != recipient(t, 12) {
		t.Fatalf("keyring of b: %+v, %v", kb, err)
	}
	if epoch, r, err := s.TeamIn("b"); err != nil || epoch != 1 || r != recipient(t, 12) {
		t.Fatalf("team of b: %d %.20s, %v", epoch, r, err)
	}
	if _, _, err := s.TeamIn("zz"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("team of no organisation: %v", err)
	}
	if ka, _ := s.GetKeyring(); ka.Recipient != recipient(t, 11) {
		t.Fatal("the front door's keyring changed")
	}

	codeB, _, err := s.CreateInviteIn("b", RoleCounsellor)
	if err != nil {
		t.Fatal(err)
	}
	pendingB, err := s.RegisterInvite(codeB, "Neu in B", recipient(t, 7))
	if err != nil || pendingB.Org != "b" {
		t.Fatalf("joined %+v, %v", pendingB, err)
	}
	if _, _, err := s.CreateInviteIn("b", RoleCounsellor); err != nil {
		t.Fatal(err)
	}
	invB, err := s.InvitesIn("b")
	if err != nil || len(invB) != 1 {
		t.Fatalf("invites of b: %v, %v", invB, err)
	}
	if invA, _ := s.Invites(); len(invA) != 0 {
		t.Fatalf("front door lists %d invites", len(invA))
	}

	// Each a change by the front door to b's objects, or across: refused,
	// nothing changed.
	for name, f := range map[string]func() error{
		"reply to b's case": func() error {
			_, err := s.AppendCounsellor(mailboxID(2), adminA.ID, 1, ciphertext(4240, ""))
			return err
		},
		"upload to b's case": func() error {
			_, err := s.PutCounsellorAttachment(mailboxID(2), adminA.ID, attachmentCT(1))
			return err
		},
		"revoke b's invite": func() error { return s.RevokeInviteIn("main", invB[0].ID) },
		"reject b's pending": func() error {
			_, err := s.RejectPendingIn("", pendingB.ID)
			return err
		},
		"keyring without b's members": func() error {
			_, _, err := s.PutKeyringIn("b", KeyringUpdate{
				Keyring:  Keyring{Epoch: 2, Recipient: recipient(t, 13), Envelope: envelope(1, "b2"), Members: []string{adminA.ID}},
				Stanzas:  1,
				Replaces: sum256(kb.Envelope),
			})
			if !errors.As(err, new(*InvalidError)) {
				return err
			}
			return ErrNotFound
		},
		"invite to no organisation": func() error {
			_, _, err := s.CreateInviteIn("c", RoleCounsellor)
			return err
		},
		"case in no organisation": func() error {
			_, err := s.CreateMailboxIn("c", mailboxID(3), [32]byte{}, 1, ciphertext(4240, ""))
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			refused(t, s, ErrNotFound, f)
		})
	}
	refused(t, s, errInvalid, func() error {
		_, err := s.UpdateCase(mailboxID(1), nil, &adminB.ID)
		return err
	})
	refused(t, s, ErrOrgExists, func() error { _, _, err := s.CreateOrg("b", "Again"); return err })
	refused(t, s, ErrOrgExists, func() error { _, _, err := s.CreateOrg("main", "Front"); return err })
	refused(t, s, errInvalid, func() error { _, _, err := s.CreateOrg("B!", "Bad"); return err })
	refused(t, s, errInvalid, func() error { _, _, err := s.CreateOrg("c", ""); return err })

	// b's case takes b's epoch and b's counsellors.
	if _, err := s.AppendCounsellor(mailboxID(2), adminB.ID, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCase(mailboxID(2), nil, &adminB.ID); err != nil {
		t.Fatal(err)
	}

	// A setup token expires after 72 hours.
	tokenC, _, err := s.CreateOrg("c", "Zentrum C")
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(73 * time.Hour)
	refused(t, s, ErrSetupInvalid, func() error {
		_, err := s.RegisterOrgSetup("c", tokenC, "C", recipient(t, 8))
		return err
	})

	orgs, err := s.Orgs()
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, o := range orgs {
		slugs = append(slugs, o.Slug)
	}
	if !slices.Equal(slugs, []string{"main", "b", "c"}) {
		t.Fatalf("orgs %v", slugs)
	}
	r := audit(t, backupFile(t, s))
	if len(r.Violations) != 0 || r.Counts["orgs/{organisation slug}/keyring/envelope"] != 1 || r.Counts["orgs/{organisation slug}/setup"] != 1 {
		t.Fatalf("audit: %v, counts %v", r.Violations, r.Counts)
	}

	// Compaction keeps every organisation's nested buckets.
	before := logicalOf(t, s)
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	if logicalOf(t, s) != before {
		t.Fatal("compaction changed the content")
	}
	if k, err := s.KeyringIn("b"); err != nil || k.Recipient != recipient(t, 12) {
		t.Fatalf("b's keyring after compaction: %v", err)
	}
	if r := audit(t, backupFile(t, s)); len(r.Violations) != 0 || r.Counts["orgs/{organisation slug}/keyring/epochs/{epoch}"] != 1 {
		t.Fatalf("audit after compaction: %v, counts %v", r.Violations, r.Counts)
	}
}

func TestDeleteOrg(t *testing.T) {
	s, _, _, adminB := twoOrgs(t)
	m, err := s.GetMailbox(mailboxID(2))
	if err != nil {
		t.Fatal(err)
	}
	attFill := "attachment-of-b;"
	if _, err := s.PutEnquirerAttachment(m, ciphertext(MaxMessageBytes+100, attFill)); err != nil {
		t.Fatal(err)
	}
	recFill := "case-record-of-b;"
	if _, err := s.AddCaseRecord(mailboxID(2), RecordNote, adminB.ID, ciphertext(5264, recFill)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateInviteIn("b", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	// A case b's admin deleted leaves a tombstone naming them.
	if _, err := s.CreateMailboxIn("b", mailboxID(9), [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCase(mailboxID(9), adminB.ID); err != nil {
		t.Fatal(err)
	}
	if ts, err := s.Tombstones("b"); err != nil || len(ts) != 1 {
		t.Fatalf("tombstones %v, %v", ts, err)
	}
	front, err := s.CasesOf("", "", OrderActivity)
	if err != nil {
		t.Fatal(err)
	}

	refused(t, s, ErrFrontDoor, func() error { _, err := s.DeleteOrg("main"); return err })
	refused(t, s, ErrNotFound, func() error { _, err := s.DeleteOrg("zz"); return err })
	refused(t, s, ErrNotFound, func() error { _, err := s.DeleteOrg("../b"); return err })

	gone, err := s.DeleteOrg("b")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gone.Cases, []string{mailboxID(2)}) || !slices.Equal(gone.Counsellors, []string{adminB.ID}) {
		t.Fatalf("deleted %+v", gone)
	}
	if _, err := s.GetOrg("b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetOrg after delete: %v", err)
	}
	if _, err := s.GetMailbox(mailboxID(2)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("b's case after delete: %v", err)
	}
	if _, err := s.GetCounsellor(adminB.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("b's admin after delete: %v", err)
	}
	if ts, err := s.Tombstones("b"); err != nil || len(ts) != 0 {
		t.Fatalf("b's tombstones after delete: %v, %v", ts, err)
	}
	if after, err := s.CasesOf("", "", OrderActivity); err != nil || len(after) != 1 || after[0].ID != front[0].ID || after[0].MessageCount != front[0].MessageCount {
		t.Fatalf("front door's cases changed: %+v, %v", after, err)
	}
	r := audit(t, backupFile(t, s))
	if len(r.Violations) != 0 || r.Stray != 0 {
		t.Fatalf("audit: %v, %d stray", r.Violations, r.Stray)
	}
	for p, n := range r.Counts {
		if n != 0 && (bytes.HasPrefix([]byte(p), []byte("orgs/{organisation slug}/keyring")) || p == "attachments/{mailbox id and attachment id}" || p == "records/{mailbox id}/{seq}") {
			t.Errorf("%d entries %s left", n, p)
		}
	}

	// Physically gone once compacted.
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"only-in-org-b;", attFill, recFill, mailboxID(2), adminB.ID, adminB.Recipient, recipient(t, 12), "Fachberatung B"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%.40q is still in the data file after compaction", secret)
		}
	}
	// The slug is free again.
	if _, _, err := s.CreateOrg("b", "Neu B"); err != nil {
		t.Fatal(err)
	}
}

// TestAuditOrgs: the auditor checks each organisation's keyring against
// its own counsellors, and every "org" against the organisations.
func TestAuditOrgs(t *testing.T) {
	s, _, adminA, adminB := twoOrgs(t)
	clean := backupFile(t, s)
	if r := audit(t, clean); len(r.Violations) != 0 {
		t.Fatalf("clean file: %v", r.Violations)
	}
	put := func(bucket []string, key, value string) func(tx *boltTx) error {
		return func(tx *boltTx) error {
			b := tx.Bucket([]byte(bucket[0]))
			for _, name := range bucket[1:] {
				b = b.Bucket([]byte(name))
			}
			return b.Put([]byte(key), []byte(value))
		}
	}
	counsellor := func(c Counsellor, org string) string {
		c.Org = org
		b, err := json.Marshal(counsellorRecord(c))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	keyringB := func(members string) string {
		return `{"epoch":1,"recipient":"` + recipient(t, 12) + `","members":[` + members + `]}`
	}
	for _, tc := range []struct {
		name   string
		tamper func(tx *boltTx) error
		want   string
	}{
		{"counsellor of no organisation", put([]string{"counsellors"}, adminB.ID, counsellor(adminB, "zz")), "names an organisation that does not exist"},
		{"counsellor naming the front door", put([]string{"counsellors"}, adminA.ID, counsellor(adminA, "main")), "names an organisation that does not exist"},
		{"front door's admin in b's keyring", put([]string{"orgs", "b", "keyring"}, "current", keyringB(`"`+adminA.ID+`"`)), "belongs to another organisation"},
		{"b's admin outside b's keyring", put([]string{"orgs", "b", "keyring"}, "current", keyringB(`"`+adminA.ID+`"`)), "active but not a member of the keyring"},
		{"keyring of no organisation", func(tx *boltTx) error {
			return tx.Bucket([]byte("orgs")).Bucket([]byte("b")).Delete([]byte("org"))
		}, "keyring of an organisation without a record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := copyOf(t, clean)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(tc.tamper); err != nil {
				t.Fatal(err)
			}
			db.Close()
			r := audit(t, path)
			if !slices.ContainsFunc(r.Violations, func(v Violation) bool { return strings.Contains(v.Problem, tc.want) }) {
				t.Fatalf("violations %v, want one saying %q", r.Violations, tc.want)
			}
		})
	}
}

// BenchmarkDeleteOrg deletes an organisation holding 200 cases of four
// messages each, in one transaction.
func BenchmarkDeleteOrg(b *testing.B) {
	s, _ := openTest(b, Options{})
	registerAdmin(b, s)
	msg := ciphertext(4240, "")
	for i := range b.N {
		b.StopTimer()
		slug := fmt.Sprintf("org-%d", i)
		token, _, err := s.CreateOrg(slug, "Zentrum")
		if err != nil {
			b.Fatal(err)
		}
		admin, err := s.RegisterOrgSetup(slug, token, "Admin", recipient(b, 1+i%15))
		if err != nil {
			b.Fatal(err)
		}
		_, _, err = s.PutKeyringIn(slug, KeyringUpdate{
			Keyring: Keyring{Epoch: 1, Recipient: recipient(b, 15-i%15), Envelope: envelope(1, "e1"), Members: []string{admin.ID}},
			Stanzas: 1,
		})
		if err != nil {
			b.Fatal(err)
		}
		for n := range 200 {
			id := mailboxID(i*1000 + n + 1)
			if _, err := s.CreateMailboxIn(slug, id, [32]byte{}, 1, msg); err != nil {
				b.Fatal(err)
			}
			for range 3 {
				if _, err := s.AppendCounsellor(id, admin.ID, 1, msg); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StartTimer()
		if _, err := s.DeleteOrg(slug); err != nil {
			b.Fatal(err)
		}
	}
}
