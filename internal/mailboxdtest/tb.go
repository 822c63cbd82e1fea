package mailboxdtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
)

// TB is the part of testing.TB the harness uses: a *testing.T or
// *testing.B. The package does not import testing, so that the load tool
// can use its core.
type TB interface {
	Helper()
	Fatal(args ...any)
	TempDir() string
	Cleanup(func())
}

// Main runs a package's tests and then removes the binaries Build made:
// func TestMain(m *testing.M) { os.Exit(mailboxdtest.Main(m)) }.
func Main(m interface{ Run() int }) int {
	defer Cleanup()
	return m.Run()
}

// Binary builds mailboxd once per test binary, with the race detector
// when the tests run with it. Tests that call it skip themselves in -short
// mode.
func Binary(t TB) string {
	t.Helper()
	bin, err := Build(BuildOptions{Race: raceEnabled})
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Start starts mailboxd for a test and kills it at the end of the test
// if it still runs. Without o.Bin it uses Binary; without o.DB, a fresh
// data file in the test's temporary directory.
func Start(t TB, o Options) *Server {
	t.Helper()
	if o.Bin == "" {
		o.Bin = Binary(t)
	}
	if o.DB == "" {
		o.DB = filepath.Join(t.TempDir(), "data", "lotse.db")
	}
	s := New(o)
	t.Cleanup(s.Kill)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// NewTeam bootstraps a team with the admin "Anna" or fails the test.
func NewTeam(t TB, ctx context.Context, c *client.Client, setupToken string) *Team {
	t.Helper()
	if setupToken == "" {
		t.Fatal("no setup token: the server printed none and none was configured")
	}
	tm, err := SetUpTeam(ctx, c, setupToken, "Anna")
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TeamAt bootstraps a team, as NewTeam does, through a new client of the
// mailboxd at url; the team's Client is that client, without credentials.
func TeamAt(t TB, ctx context.Context, url, setupToken string) *Team {
	t.Helper()
	c, err := client.New(url)
	if err != nil {
		t.Fatal(err)
	}
	return NewTeam(t, ctx, c, setupToken)
}

// NewEnquirer is DrawEnquirer for a test.
func NewEnquirer(t TB) *Enquirer {
	t.Helper()
	e, err := DrawEnquirer()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// NewIdentity generates a hybrid (post-quantum) age identity for a test.
func NewIdentity(t TB) *age.HybridIdentity {
	t.Helper()
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// ClassicCiphertext encrypts plaintext with age to two X25519 recipients:
// well-formed age that the ciphertext policy refuses, since it wants the
// hybrid post-quantum recipients, as an old or hostile client would send.
func ClassicCiphertext(t TB, plaintext []byte) []byte {
	t.Helper()
	var to []age.Recipient
	for range 2 {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		to = append(to, id.Recipient())
	}
	return Encrypt(t, plaintext, to...)
}

// Encrypt encrypts plaintext to the recipients with real age, as it is,
// without the checks and padding of the crypto package's writers, or
// fails the test.
func Encrypt(t TB, plaintext []byte, to ...age.Recipient) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := age.Encrypt(&out, to...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plaintext); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// NewMessageDoc is MessageDoc for a test.
func NewMessageDoc(t TB, mailbox, mk, from, body string) *crypto.Document {
	t.Helper()
	d, err := MessageDoc(mailbox, mk, from, body)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// ContentDir writes a folder of files (slash path → contents) into a new
// temporary folder and returns it: an operator's LOTSE_CONTENT_DIR.
func ContentDir(t TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
