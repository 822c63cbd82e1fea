package mailbox

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"lotse/internal/mailboxdtest"
)

// testClock is the harness's clock under the name these tests use.
type testClock struct{ *mailboxdtest.Clock }

func (c testClock) Add(d time.Duration) { c.Advance(d) }

var t0 = time.Date(2027, 2, 26, 13, 47, 12, 345, time.UTC)

// openTest opens a store in a fresh directory with a test clock.
func openTest(t testing.TB, opts Options) (*Store, *testClock) {
	t.Helper()
	clock := &testClock{mailboxdtest.NewClock(t0)}
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "data", "lotse.db")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock
}

var (
	recipientsOnce sync.Once
	recipients     []string
)

// recipient returns the i-th of a few real age hybrid recipients.
func recipient(t testing.TB, i int) string {
	t.Helper()
	recipientsOnce.Do(func() {
		for range 16 {
			id, err := age.GenerateHybridIdentity()
			if err != nil {
				panic(err)
			}
			recipients = append(recipients, id.Recipient().String())
		}
	})
	return recipients[i]
}

// ageMagic begins every age ciphertext.
var ageMagic = []byte("age-encryption.org/v1\n")

// ciphertext returns a stand-in for an age message of n bytes: the age
// header line, then fill (repeated) or random bytes.
func ciphertext(n int, fill string) []byte {
	b := make([]byte, n)
	copy(b, ageMagic)
	if fill == "" {
		rand.Read(b[len(ageMagic):])
	} else {
		for i := len(ageMagic); i < n; i += copy(b[i:], fill) {
		}
	}
	return b
}

// envelope returns a stand-in keyring envelope with one stanza a member.
func envelope(members int, tag string) []byte {
	var b bytes.Buffer
	b.Write(ageMagic)
	for range members {
		b.WriteString("-> mlkem768x25519 x\n")
	}
	b.WriteString("--- " + tag + "\n")
	b.Write(ciphertext(200, "")[len(ageMagic):])
	return b.Bytes()
}

// testPolicy stands in for lotse/crypto's ciphertext policy.
var testPolicy = Policy{
	Message: func(b []byte) error {
		if !bytes.HasPrefix(b, ageMagic) || bytes.Count(b, []byte("-> mlkem")) != 0 {
			return errors.New("not a message")
		}
		return nil
	},
	Keyring: func(b []byte) (int, error) {
		if !bytes.HasPrefix(b, ageMagic) {
			return 0, errors.New("not age")
		}
		return bytes.Count(b, []byte("-> mlkem768x25519 ")), nil
	},
	Attachment: func(b []byte) error {
		if !bytes.HasPrefix(b, ageMagic) || len(b) <= MaxMessageBytes {
			return errors.New("not an attachment")
		}
		return nil
	},
}

const setupToken = "s3tup-t0ken-0123456789abcdef"

// setUp bootstraps a team: an active admin and the epoch-1 keyring.
// registerAdmin registers the first counsellor with the setup token; no
// keyring yet.
func registerAdmin(t testing.TB, s *Store) Counsellor {
	t.Helper()
	if err := s.SetSetupToken(setupToken); err != nil {
		t.Fatal(err)
	}
	admin, err := s.RegisterSetup(setupToken, "Admin", recipient(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	return admin
}

// caseWithPending is a team with an admin, a pending counsellor and one
// mailbox (mailboxID(1)) holding the enquirer's first message.
func caseWithPending(t testing.TB) (s *Store, clock *testClock, admin, pending Counsellor, id string) {
	t.Helper()
	s, clock = openTest(t, Options{})
	admin = setUp(t, s)
	pending = join(t, s, RoleCounsellor, "Pending", 1)
	id = mailboxID(1)
	if _, err := s.CreateMailbox(id, [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	return s, clock, admin, pending, id
}

func setUp(t testing.TB, s *Store) Counsellor {
	t.Helper()
	admin := registerAdmin(t, s)
	_, _, err := s.PutKeyring(KeyringUpdate{
		Keyring: Keyring{Epoch: 1, Recipient: recipient(t, 11), Envelope: envelope(1, "e1"), Members: []string{admin.ID}},
		Stanzas: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return admin
}

// join invites and registers a counsellor, who is then pending.
func join(t testing.TB, s *Store, role, name string, r int) Counsellor {
	t.Helper()
	code, _, err := s.CreateInvite(role)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.RegisterInvite(code, name, recipient(t, r))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mailboxID returns a valid mailbox id built from n.
func mailboxID(n int) string {
	const hex = "0123456789abcdef"
	id := []byte(strings.Repeat("0", 32))
	for i := 31; n > 0; i-- {
		id[i] = hex[n%16]
		n /= 16
	}
	return string(id)
}

func hashOf(t testing.TB, s *Store) [32]byte {
	t.Helper()
	h, err := s.ContentHash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// wantErr fails unless err matches want: nil, a sentinel (errors.Is), or
// the type of a *RateLimitError or *InvalidError.
func wantErr(t testing.TB, err, want error) {
	t.Helper()
	switch want.(type) {
	case nil:
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
	case *InvalidError:
		var ie *InvalidError
		if !errors.As(err, &ie) {
			t.Fatalf("got %v, want an *InvalidError", err)
		}
	case *RateLimitError:
		var re *RateLimitError
		if !errors.As(err, &re) {
			t.Fatalf("got %v, want a *RateLimitError", err)
		}
	default:
		if !errors.Is(err, want) {
			t.Fatalf("got %v, want %v", err, want)
		}
	}
}

// refused runs f, which must fail with want and leave the store unchanged.
func refused(t testing.TB, s *Store, want error, f func() error) {
	t.Helper()
	before := hashOf(t, s)
	err := f()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	wantErr(t, err, want)
	if hashOf(t, s) != before {
		t.Fatalf("refused with %v but the store changed", err)
	}
}

// refusal is a message the store must refuse with want.
type refusal struct {
	name  string
	id    string
	epoch int
	ct    []byte
	want  error
}

// refuseEach runs store(r) for each refusal as a subtest: it must fail
// with r.want and change nothing.
func refuseEach(t *testing.T, s *Store, rs []refusal, store func(r refusal) error) {
	t.Helper()
	for _, r := range rs {
		t.Run(r.name, func(t *testing.T) {
			refused(t, s, r.want, func() error { return store(r) })
		})
	}
}

var errInvalid = &InvalidError{}
var errRate = &RateLimitError{}

type boltTx = bolt.Tx

// appendEnquirer posts as an enquirer who has just authenticated for the
// mailbox id, as the API does: GetMailbox, then AppendEnquirer with what
// it returned (a mailbox that does not exist by its id alone).
func (s *Store) appendEnquirer(id string, epoch int, ciphertext []byte) (uint64, error) {
	m, err := s.GetMailbox(id)
	if errors.Is(err, ErrNotFound) {
		m, err = Mailbox{ID: id}, nil
	}
	if err != nil {
		return 0, err
	}
	return s.AppendEnquirer(m, epoch, ciphertext)
}

// backupFile writes a backup of s to a file of its own and returns its
// path.
func backupFile(t testing.TB, s *Store) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Backup(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// audit runs mailbox-audit's own AuditFile on the data file at path.
func audit(t testing.TB, path string) AuditResult {
	t.Helper()
	report, err := auditFile(path, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return report
}

// sameContent fails the test unless the data file at path opens as a
// store with the content of s (ciphertext keys aside, LogicalHash).
func sameContent(t testing.TB, s *Store, path string) {
	t.Helper()
	want := logicalOf(t, s)
	b, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if logicalOf(t, b) != want {
		t.Fatal("the copy's content differs from the store's")
	}
}

// reopen closes s and opens its data file again, as after a restart.
func reopen(t testing.TB, s *Store, clock *testClock) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(Options{Path: s.path, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}
