package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"

	"lotse/crypto"
	"lotse/internal/mailboxdtest"
	"lotse/mailbox"
	"lotse/mailbox/mailboxtest"
)

// filled is a store filled through its public API with real age
// ciphertext, as mailboxd fills it.
type filled struct {
	store     *mailbox.Store
	path      string // the live data file
	kept      string // a mailbox id
	deleted   string // the id of a mailbox deleted again
	adminName string
	team      *age.HybridIdentity
}

const setupToken = "audit-test-setup-token-0123456789"

var newIdentity = mailboxdtest.NewIdentity

func randomMailboxID() string { return mailboxdtest.RandomMailbox().ID }

// message seals a real message document of the first bucket size.
func message(t testing.TB, mailboxID string, team, enquirer *age.HybridIdentity, body string) []byte {
	t.Helper()
	var mk [32]byte
	rand.Read(mk[:])
	d := mailboxdtest.NewMessageDoc(t, mailboxID, base64.StdEncoding.EncodeToString(mk[:]), crypto.FromEnquirer, body)
	ct, err := crypto.SealDocument(d, team.Recipient(), enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

// newSnapshot sets up a team, writes two mailboxes with a reply each and
// deletes one of them.
func newSnapshot(t testing.TB) *filled {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "lotse.db")
	s, err := mailbox.Open(mailbox.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	sn := &filled{store: s, path: path, adminName: "Anna-Admin", team: newIdentity(t)}
	if err := s.SetSetupToken(setupToken); err != nil {
		t.Fatal(err)
	}
	adminKey := newIdentity(t)
	admin, err := s.RegisterSetup(setupToken, sn.adminName, adminKey.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	env, err := crypto.SealKeyring(&crypto.Keyring{V: 1,
		Members: []crypto.Member{{ID: admin.ID, Name: sn.adminName, Recipient: adminKey.Recipient().String()}},
		Epochs:  []crypto.EpochKey{{Epoch: 1, Identity: sn.team.String()}}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.PutKeyring(mailbox.KeyringUpdate{Keyring: mailbox.Keyring{Epoch: 1, Recipient: sn.team.Recipient().String(),
		Envelope: env, Members: []string{admin.ID}}, Stanzas: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateInvite(mailbox.RoleCounsellor); err != nil {
		t.Fatal(err)
	}
	sn.kept, sn.deleted = randomMailboxID(), randomMailboxID()
	for _, id := range []string{sn.kept, sn.deleted} {
		enq := newIdentity(t)
		verifier := sha256.Sum256([]byte(id))
		if _, err := s.CreateMailbox(id, verifier, 1, message(t, id, sn.team, enq, "Hallo, ich brauche Hilfe.")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AppendCounsellor(id, admin.ID, 1, message(t, id, sn.team, enq, "Guten Tag.")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteMailbox(sn.deleted); err != nil {
		t.Fatal(err)
	}
	return sn
}

// backup writes a backup of the store to a new file.
func (sn *filled) backup(t testing.TB) string {
	t.Helper()
	var buf bytes.Buffer
	if err := sn.store.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyLive copies the idle store's live data file byte for byte.
func (sn *filled) copyLive(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "live-copy.db")
	if err := mailboxtest.Copy(sn.path, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCLI runs mailbox-audit in-process.
func runCLI(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
