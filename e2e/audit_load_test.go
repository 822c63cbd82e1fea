package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/internal/mailboxdtest"
)

// testAuditCompactionUnderLoad: counsellors write through the HTTP API
// while an admin compacts the data file again and again, and enquirers
// create and delete mailboxes. Every write the server acknowledged is
// there afterwards, byte for byte, after a restart too, and the deleted
// mailboxes' ciphertext is gone from the file.
func testAuditCompactionUnderLoad(t *testing.T) {
	srv, setup := startAuditServer(t)
	db := srv.DB()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tm := mailboxdtest.TeamAt(t, ctx, srv.URL, setup)
	c := tm.Client
	admin, team := tm.Admin, tm.Key

	const (
		mailboxes = 4
		writers   = 6
		perWriter = 15
		doomed    = 3
	)
	boxes := make([]*auditEnquirer, mailboxes)
	var acks mailboxdtest.Acks
	ack := acks.Add
	for i := range boxes {
		boxes[i] = newAuditEnquirer(t, c)
		ack(boxes[i].id, 1, boxes[i].create(t, ctx, team, fmt.Sprintf("Nachricht %d", i)))
	}
	// Real replies, sealed before the load starts.
	replies := make([][][]byte, writers)
	for w := range writers {
		for i := range perWriter {
			q := boxes[(w+i)%mailboxes]
			d := q.doc(t, "counsellor", fmt.Sprintf("Antwort %d/%d", w, i))
			replies[w] = append(replies[w], seal(t, d, team.Recipient(), q.key.Recipient()))
		}
	}

	write := func(w int) error {
		for i, ct := range replies[w] {
			id := boxes[(w+i)%mailboxes].id
			seq, err := admin.Reply(ctx, id, client.NewMessage{Epoch: 1, Ciphertext: ct})
			if err != nil {
				return fmt.Errorf("writer %d, reply %d: %v", w, i, err)
			}
			if err := ack(id, seq, ct); err != nil {
				return err
			}
		}
		return nil
	}
	var doomedCTs [][]byte
	deleteDoomed := func() error {
		for i := range doomed {
			q := newAuditEnquirer(t, c)
			doomedCTs = append(doomedCTs, q.create(t, ctx, team, fmt.Sprintf("Bitte löschen %d", i)))
			if err := q.c.DeleteMailbox(ctx); err != nil {
				return fmt.Errorf("delete: %v", err)
			}
		}
		return nil
	}
	var loadErr error
	load := func() {
		loadErr = mailboxdtest.Parallel(writers+1, func(w int) error {
			if w == writers {
				return deleteDoomed()
			}
			return write(w)
		})
	}
	compactions := 0
	compact := func() error { compactions++; return admin.Compact(ctx) }
	if err := errors.Join(mailboxdtest.RepeatDuring(3, compact, load), loadErr); err != nil {
		t.Fatal(err)
	}
	if err := admin.Compact(ctx); err != nil { // after the last deletion
		t.Fatal(err)
	}
	t.Logf("%d compactions during %d replies", compactions, writers*perWriter)

	check := func(admin *client.Client, when string) {
		t.Helper()
		for _, id := range acks.Mailboxes() {
			detail, err := admin.Case(ctx, id, 0)
			if err != nil {
				t.Fatalf("%s: case: %v", when, err)
			}
			held := map[uint64][]byte{}
			for _, m := range detail.Messages {
				held[m.Seq] = m.Ciphertext
			}
			if detail.MessageCount != len(held) {
				t.Errorf("%s: a case counts %d messages and holds %d", when, detail.MessageCount, len(held))
			}
			for _, p := range acks.Check(id, held) {
				t.Errorf("%s: %s", when, p)
			}
		}
	}
	check(admin, "after the load")
	srv.restart()
	admin, _ = login(t, ctx, c, tm.AdminID, tm.AdminKey)
	check(admin, "after a restart")
	srv.stop()

	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if auditHolds(data, doomedCTs) {
		t.Error("a deleted mailbox's ciphertext is in the data file after compaction")
	}
	for _, q := range boxes {
		if !bytes.Contains(data, []byte(q.id)) {
			t.Error("a mailbox is missing from the data file")
		}
	}
	srv.checkLog(t, nil)
}
