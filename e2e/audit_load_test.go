package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sync"
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
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tm := mailboxdtest.NewTeam(t, ctx, c, setup)
	admin, team := tm.Admin, tm.Key

	const (
		mailboxes = 4
		writers   = 6
		perWriter = 15
		doomed    = 3
	)
	boxes := make([]*auditEnquirer, mailboxes)
	// acked[mailbox id][seq] is the SHA-256 of what the server acknowledged.
	var mu sync.Mutex
	acked := map[string]map[uint64][32]byte{}
	ack := func(id string, seq uint64, ct []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if acked[id] == nil {
			acked[id] = map[uint64][32]byte{}
		}
		if _, dup := acked[id][seq]; dup {
			return fmt.Errorf("seq %d acknowledged twice", seq)
		}
		acked[id][seq] = sha256.Sum256(ct)
		return nil
	}
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
		for id, seqs := range acked {
			detail, err := admin.Case(ctx, id, 0)
			if err != nil {
				t.Fatalf("%s: case: %v", when, err)
			}
			if len(detail.Messages) != len(seqs) || detail.MessageCount != len(seqs) {
				t.Errorf("%s: a case holds %d messages (count %d), %d were acknowledged", when, len(detail.Messages), detail.MessageCount, len(seqs))
			}
			for _, m := range detail.Messages {
				want, ok := seqs[m.Seq]
				switch {
				case !ok:
					t.Errorf("%s: seq %d was never acknowledged", when, m.Seq)
				case sha256.Sum256(m.Ciphertext) != want:
					t.Errorf("%s: seq %d holds other bytes than acknowledged", when, m.Seq)
				}
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
