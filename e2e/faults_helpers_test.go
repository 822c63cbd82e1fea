package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
	"lotse/mailbox"
	"lotse/mailbox/snapshot"
)

// Helpers of the fault tests (crash, full disk, restore).

// longFaults is set by LOTSE_LONG_FAULTS=1: more kills, longer runs.
var longFaults = os.Getenv("LOTSE_LONG_FAULTS") == "1"

// faultTeam is a team with an epoch-1 keyring and an enquirer key that
// every test message is also encrypted to.
type faultTeam struct {
	*mailboxdtest.Team
	enquirer *age.HybridIdentity
}

// seal returns a fresh, policy-valid message ciphertext of about size
// bytes of body; every call gives different bytes.
func (ft *faultTeam) seal(t testing.TB, first bool, size int) []byte {
	t.Helper()
	d := mailboxdtest.NewMessageDoc(t, strings.Repeat("0", 32), base64.StdEncoding.EncodeToString(make([]byte, 32)),
		crypto.FromEnquirer, strings.Repeat("x", size))
	if first {
		d.Recipient = ft.enquirer.Recipient().String()
	}
	ct, err := crypto.SealDocument(d, ft.Key.Recipient(), ft.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

// faultMailbox is a mailbox with a random id and key (the server cannot
// tell them from derived ones) and a client holding its bearer.
type faultMailbox struct {
	id     string
	bearer string
	c      *client.Client
	first  []byte
}

func (ft *faultTeam) newMailbox(t *testing.T, ctx context.Context) *faultMailbox {
	t.Helper()
	m := mailboxdtest.RandomMailbox()
	first := ft.seal(t, true, 100)
	if _, err := ft.Client.CreateMailbox(ctx, client.NewMailbox{ID: m.ID, Verifier: m.Verifier[:], Epoch: 1, Message: first}); err != nil {
		t.Fatalf("create mailbox: %v", err)
	}
	return &faultMailbox{id: m.ID, bearer: m.Bearer(), first: first, c: ft.Client.WithToken(m.Bearer())}
}

// checkMailbox reads a mailbox and requires seqs 1…n without gaps, the
// first message, and every acknowledged message at its seq with its exact
// bytes; a stored message that was never acknowledged must be one that was
// sent (whole) and appear once. It returns the stored count.
func checkMailbox(t *testing.T, ctx context.Context, mb *faultMailbox, acked map[uint64][]byte, sent map[string]bool) int {
	t.Helper()
	m, err := mb.c.Mailbox(ctx, 0)
	if err != nil {
		t.Fatalf("read mailbox: %v", err)
	}
	seen := map[string]bool{}
	for i, msg := range m.Messages {
		if msg.Seq != uint64(i+1) {
			t.Fatalf("mailbox %.8s…: message %d has seq %d: not contiguous", mb.id, i, msg.Seq)
		}
		if seen[string(msg.Ciphertext)] {
			t.Errorf("mailbox %.8s…: seq %d stored twice", mb.id, msg.Seq)
		}
		seen[string(msg.Ciphertext)] = true
		if err := crypto.CheckMessage(msg.Ciphertext); err != nil {
			t.Errorf("mailbox %.8s…: seq %d fails the policy: %v", mb.id, msg.Seq, err)
		}
		switch want, ok := acked[msg.Seq]; {
		case msg.Seq == 1:
			if !bytes.Equal(msg.Ciphertext, mb.first) {
				t.Errorf("mailbox %.8s…: first message changed", mb.id)
			}
		case ok:
			if !bytes.Equal(msg.Ciphertext, want) {
				t.Errorf("mailbox %.8s…: acknowledged seq %d holds other bytes", mb.id, msg.Seq)
			}
		case !sent[string(msg.Ciphertext)]:
			t.Errorf("mailbox %.8s…: seq %d holds bytes nobody sent", mb.id, msg.Seq)
		}
	}
	for seq := range acked {
		if seq > uint64(len(m.Messages)) {
			t.Errorf("mailbox %.8s…: acknowledged seq %d is missing (%d stored)", mb.id, seq, len(m.Messages))
		}
	}
	return len(m.Messages)
}

// auditClean runs the auditor on a data file that no process holds. A
// live file (not a compacted backup) keeps old copies of rewritten pages in
// its free pages until compaction, so with live set stray ciphertexts are
// expected and only the structural checks count.
func auditClean(t *testing.T, path string, live bool) snapshot.AuditReport {
	t.Helper()
	rep, err := snapshot.AuditFile(path, mailbox.Policy{Message: crypto.CheckMessage, Keyring: crypto.CheckKeyring})
	if err != nil {
		t.Fatalf("audit %s: %v", path, err)
	}
	for _, v := range rep.Violations {
		if live && v.Path == "(file)" && rep.Stray > 0 && strings.Contains(v.Problem, "outside the live values") {
			continue
		}
		t.Errorf("audit %s: %+v", path, v)
	}
	return rep
}
