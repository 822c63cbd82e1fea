package client_test

// What the team writes for itself (PROTOCOL.md §11), against a real
// mailboxd on a real data file: records round-trip as sealed, kinds and
// order hold, the team keeps its newest two, desks hear of each record,
// the action record follows PATCH, DELETE and the bulk purge, a backup
// carries all of it to a server started from it, and what was kept of a
// deleted case is physically gone after compaction.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/audit"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
	"lotse/mailbox/mailboxtest"
)

func TestMain(m *testing.M) { os.Exit(mailboxdtest.Main(m)) }

// canary is a note's text that must never be found in clear in the data.
const canary = "Rueckruf-Kanarienvogel-4711 Frau K. aus Leipzig"

func TestTeamRecordsOnMailboxd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mailboxd")
	}
	srv := mailboxdtest.Start(t, mailboxdtest.Options{Env: mailboxdtest.LoadEnv()})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tm := mailboxdtest.TeamAt(t, ctx, srv.URL, srv.SetupToken)
	c := tm.Client
	admin := tm.Admin
	key, err := crypto.TeamMACKeyOf(1, tm.Key)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[int]crypto.TeamMACKey{1: key}
	newCase := func() string {
		m := mailboxdtest.RandomMailbox()
		q := mailboxdtest.NewIdentity(t)
		d := mailboxdtest.NewMessageDoc(t, m.ID, base64.StdEncoding.EncodeToString(make([]byte, 32)), crypto.FromEnquirer, "Hallo")
		d.Recipient = q.Recipient().String()
		ct, err := crypto.SealDocument(d, tm.Key.Recipient(), q.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateMailbox(ctx, client.NewMailbox{ID: m.ID, Verifier: m.Verifier[:], Epoch: 1, Message: ct}); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	id, untouched := newCase(), newCase()

	events, err := admin.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	waitRecord := func(caseID, kind string) {
		t.Helper()
		for {
			select {
			case ev, ok := <-events.Events():
				if !ok {
					t.Fatalf("event stream ended: %v", events.Err())
				}
				if ev.Type == "record" && ev.ID == caseID && ev.Kind == kind {
					return
				}
			case <-ctx.Done():
				t.Fatalf("no event: record %s %s", caseID, kind)
			}
		}
	}
	seal := func(typ, caseID string, fields map[string]json.RawMessage, to ...*age.HybridRecipient) []byte {
		t.Helper()
		rec := &crypto.TeamRecord{Type: typ, Epoch: 1, Case: caseID, Author: tm.AdminID, Written: time.Now(), Fields: fields}
		ct, err := crypto.SealTeamRecord(rec, key, to...)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	open := func(r client.Record, typ, caseID string) *crypto.TeamRecord {
		t.Helper()
		got, err := crypto.OpenTeamRecord(r.Ciphertext, crypto.TeamRecordExpect{Type: typ, Case: caseID}, []age.Identity{tm.Key}, keys)
		if err != nil {
			t.Fatalf("%s %s: %v", typ, r.ID, err)
		}
		return got
	}

	// A case's records, in the order written.
	text, _ := json.Marshal(canary)
	note := seal(crypto.RecordNote, id, map[string]json.RawMessage{"text": text}, tm.Key.Recipient(), tm.AdminKey.Recipient())
	noteID, err := admin.AddCaseRecord(ctx, id, "note", note)
	if err != nil {
		t.Fatal(err)
	}
	waitRecord(id, "note")
	tags := seal(crypto.RecordTags, id, map[string]json.RawMessage{"tags": json.RawMessage(`["Arbeit","Rückruf"]`)}, tm.Key.Recipient())
	tagsID, err := admin.AddCaseRecord(ctx, id, "tags", tags)
	if err != nil {
		t.Fatal(err)
	}
	waitRecord(id, "tags")
	rs, err := admin.CaseRecords(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].ID != noteID || rs[1].ID != tagsID || rs[0].Kind != "note" || rs[1].Kind != "tags" ||
		rs[0].Author != tm.AdminID || !bytes.Equal(rs[0].Ciphertext, note) {
		t.Fatalf("records of the case: %+v", rs)
	}
	if !strings.HasSuffix(rs[0].Created, ":00:00Z") {
		t.Errorf("created %q is finer than the hour", rs[0].Created)
	}
	if got := open(rs[0], crypto.RecordNote, id); string(got.Fields["text"]) != string(text) {
		t.Errorf("note reads %s", got.Fields["text"])
	}
	open(rs[1], crypto.RecordTags, id)
	if other, err := admin.CaseRecords(ctx, untouched); err != nil || len(other) != 0 {
		t.Errorf("another case's records: %v, %v", other, err)
	}

	// The team keeps the newest two of each kind, newest first.
	var blockIDs []string
	for i := range 3 {
		ct := seal(crypto.RecordBlocks, "", map[string]json.RawMessage{"blocks": json.RawMessage(`[{"n":` + string(rune('0'+i)) + `}]`)}, tm.Key.Recipient())
		rid, err := admin.PutTeamRecord(ctx, "blocks", ct)
		if err != nil {
			t.Fatal(err)
		}
		blockIDs = append(blockIDs, rid)
		waitRecord("", "blocks")
	}
	dir := seal(crypto.RecordDirectory, "", map[string]json.RawMessage{"entries": json.RawMessage(`[]`)}, tm.Key.Recipient())
	dirID, err := admin.PutTeamRecord(ctx, "directory", dir)
	if err != nil {
		t.Fatal(err)
	}
	team, err := admin.TeamRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range team {
		got = append(got, r.Kind+" "+r.ID)
	}
	if want := []string{"blocks " + blockIDs[2], "blocks " + blockIDs[1], "directory " + dirID}; !slices.Equal(got, want) {
		t.Fatalf("team records %v, want %v", got, want)
	}
	if b := open(team[0], crypto.RecordBlocks, ""); string(b.Fields["blocks"]) != `[{"n":2}]` {
		t.Errorf("newest blocks read %s", b.Fields["blocks"])
	}

	// The action record.
	none := ""
	closed, open_ := "closed", "open"
	for _, p := range []client.CasePatch{{Assignee: &tm.AdminID}, {Status: closed}, {Status: open_}, {Assignee: &none}, {Status: open_}} {
		if _, err := admin.PatchCase(ctx, id, p); err != nil {
			t.Fatal(err)
		}
	}
	cd, err := admin.Case(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, a := range cd.Actions {
		acts = append(acts, a.Action+">"+a.To)
		if a.By != tm.AdminID || !strings.HasSuffix(a.At, ":00:00Z") {
			t.Errorf("action %+v", a)
		}
	}
	if want := []string{"assigned>" + tm.AdminID, "closed>", "reopened>", "unassigned>"}; !slices.Equal(acts, want) {
		t.Errorf("actions %v, want %v", acts, want)
	}

	// A backup holds the records, as ciphertext only.
	backup := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(backup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Backup(ctx, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	auditClean(t, backup)
	tail := note[len(note)-64:]
	if b, _ := os.ReadFile(backup); !bytes.Contains(b, tail) {
		t.Fatal("the backup lacks the note's ciphertext")
	}
	restoredServes(t, ctx, backup, tm, id, rs, team, cd.Actions)

	// Deleting the case deletes its records and actions and leaves a
	// tombstone; the bulk purge leaves one too.
	if err := admin.DeleteCase(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CaseRecords(ctx, id); client.Code(err) != "not_found" {
		t.Fatalf("records of a deleted case: %v", err)
	}
	today := time.Now().UTC()
	if res, err := admin.PurgeCases(ctx, today.Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly), false); err != nil || res.Deleted != 1 {
		t.Fatalf("purge: %+v, %v", res, err)
	}
	stones, err := admin.TeamActions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var gone []string
	for _, s := range stones {
		gone = append(gone, s.Case+" "+s.Action+" "+s.By)
	}
	slices.Sort(gone)
	want := []string{id + " deleted " + tm.AdminID, untouched + " purged " + tm.AdminID}
	slices.Sort(want)
	if !slices.Equal(gone, want) {
		t.Errorf("tombstones %v, want %v", gone, want)
	}

	// After compaction the data file holds nothing of the deleted case.
	if err := admin.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(srv.DB()); err != nil || bytes.Contains(b, tail) {
		t.Fatalf("the compacted data file still holds the deleted note's ciphertext (%v)", err)
	}
	auditClean(t, srv.DB())
}

// auditClean runs mailbox-audit's check and scan on a data file: nothing
// outside the allow-list, and the note's text nowhere in clear.
func auditClean(t *testing.T, path string) {
	t.Helper()
	rep, err := audit.Check(path)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("check: %+v", rep.Violations)
	}
	scan, err := audit.Scan(path, []audit.Canary{{Line: 1, Text: canary}, {Line: 2, Text: "Kanarienvogel-4711"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range scan.Canaries {
		if c.Found != 0 {
			t.Errorf("canary %d found %d times", c.Line, c.Found)
		}
	}
}

// restoredServes starts a second mailboxd on a copy of a backup and
// requires it to serve the records and actions the first one did.
func restoredServes(t *testing.T, ctx context.Context, backup string, tm *mailboxdtest.Team, id string, records, team []client.Record, actions []client.Action) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "restored.db")
	if err := mailboxtest.Copy(backup, db); err != nil {
		t.Fatal(err)
	}
	srv := mailboxdtest.Start(t, mailboxdtest.Options{Env: mailboxdtest.LoadEnv(), DB: db})
	defer srv.Stop()
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.Login(ctx, tm.AdminID, tm.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	admin := c.WithToken(sess.Token)
	rs, err := admin.CaseRecords(ctx, id)
	if err != nil || !reflect.DeepEqual(rs, records) {
		t.Errorf("restored records %v, %v", rs, err)
	}
	tr, err := admin.TeamRecords(ctx)
	if err != nil || !reflect.DeepEqual(tr, team) {
		t.Errorf("restored team records %v, %v", tr, err)
	}
	cd, err := admin.Case(ctx, id, 0)
	if err != nil || !reflect.DeepEqual(cd.Actions, actions) {
		t.Errorf("restored actions %v, %v", cd, err)
	}
}
