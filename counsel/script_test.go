package counsel

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// testOptions make unlocking fast in tests: identity files made here use
// scrypt work factor 2^10 instead of 2^18. The files are still real age
// scrypt files; only the cost of guessing differs.
var testOptions = Options{ScryptWorkFactor: 10}

func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, map[string]func(){
		"counsel": func() { os.Exit(Main(os.Args[1:], StdIO(), testOptions)) },
	})
}

// cleanupM removes the mailboxd binary after the tests.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int { return mailboxdtest.Main(c.m) }

// buildMailboxd builds ./cmd/mailboxd once per test binary.
func buildMailboxd(t testing.TB) string { return mailboxdtest.Binary(t) }

// server is a running mailboxd on 127.0.0.1 with its own data file.
type server struct {
	*mailboxdtest.Server
	Setup string
}

func startMailboxd(bin, dir string) (*server, error) {
	s := mailboxdtest.New(mailboxdtest.Options{Bin: bin, DB: filepath.Join(dir, "lotse.db"), Env: []string{"LOTSE_POW_DIFFICULTY=0",
		// Scripts log in once per command, more often than the default
		// 30 challenges a minute per address allow.
		"LOTSE_CHALLENGE_LIMIT=1000/1m"}})
	if err := s.Start(); err != nil {
		return nil, err
	}
	return &server{Server: s, Setup: s.SetupToken}, nil
}

// stop ends the server; a script or test that stops it has its own checks.
func (s *server) stop() { s.Stop() }

// enquirer is an enquirer's Go client in a script.
type enquirer struct {
	keys *crypto.EnquirerKeys
	c    *client.Client
}

var (
	scriptMu    sync.Mutex
	servers     = map[*testscript.TestScript]*server{}
	enquirers   = map[*testscript.TestScript]*enquirer{}
	ctxTimeout  = 30 * time.Second
	scriptsDone = map[*testscript.TestScript]bool{}
)

func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mailboxd")
	}
	bin := buildMailboxd(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mailboxd": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 || args[0] != "start" && args[0] != "stop" {
					ts.Fatalf("usage: mailboxd start|stop")
				}
				scriptMu.Lock()
				defer scriptMu.Unlock()
				if args[0] == "stop" {
					if s := servers[ts]; s != nil {
						s.stop()
						delete(servers, ts)
					}
					return
				}
				s, err := startMailboxd(bin, ts.MkAbs("server"))
				if err != nil {
					ts.Fatalf("%v", err)
				}
				servers[ts] = s
				ts.Defer(func() {
					s.stop()
					if strings.Contains(s.Log().String(), "passphrase") {
						ts.Logf("server log mentions a passphrase")
					}
				})
				ts.Setenv("SERVER", s.URL)
				ts.Setenv("SETUP", s.Setup)
				// The token as a file, the way an admin is told to pass it.
				ts.Check(os.WriteFile(ts.MkAbs("setup-token"), []byte(s.Setup+"\n"), 0o600))
			},
			// more-cases N opens N more cases, each by its own enquirer.
			"more-cases": func(ts *testscript.TestScript, neg bool, args []string) {
				n := 0
				if len(args) == 1 {
					n, _ = strconv.Atoi(args[0])
				}
				if n < 1 {
					ts.Fatalf("usage: more-cases N")
				}
				scriptMu.Lock()
				srv := servers[ts]
				scriptMu.Unlock()
				if srv == nil {
					ts.Fatalf("no mailboxd running")
				}
				ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
				defer cancel()
				for i := range n {
					e, err := newEnquirer(srv.URL)
					ts.Check(err)
					ts.Check(e.create(ctx, fmt.Sprintf("Anfrage %d", i)))
				}
			},
			"jsonenv": cmdJSONEnv,
			// stdoutenv VAR REGEXP sets VAR to the first group of REGEXP
			// in the last command's standard output.
			"stdoutenv": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: stdoutenv VAR REGEXP")
				}
				m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile("stdout"))
				if len(m) < 2 {
					ts.Fatalf("%q: no match in stdout", args[1])
				}
				ts.Setenv(args[0], m[1])
			},
			"enquirer":     cmdEnquirer,
			"forge-record": cmdForgeRecord,
			// attachments_test.go
			"enquirer-attach":     cmdEnquirerAttach,
			"enquirer-attachment": cmdEnquirerAttachment,
			"enquirer-reference":  cmdEnquirerReference,
			"proxy":               cmdProxy,
			"forge-keyring": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: forge-keyring CONFIGDIR PASSFILE")
				}
				ts.Check(forgeKeyring(ts.MkAbs(args[0]), ts.MkAbs(args[1])))
			},
			// init-register does the first half of counsel init, as if
			// the connection dropped after registering.
			"init-register": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 3 {
					ts.Fatalf("usage: init-register CONFIGDIR PASSFILE NAME")
				}
				b, err := os.ReadFile(ts.MkAbs(args[1]))
				ts.Check(err)
				p := []byte(strings.TrimSpace(string(b)))
				_, _, err = initRegister(context.Background(), ts.MkAbs(args[0]), ts.Getenv("SERVER"), ts.Getenv("SETUP"), args[2], p, testOptions)
				ts.Check(err)
			},
			"replace-server": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: replace-server CONFIGDIR URL")
				}
				cfg, err := LoadConfig(ts.MkAbs(args[0]))
				ts.Check(err)
				cfg.Server = args[1]
				ts.Check(cfg.Save())
			},
			"tamper-pin": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: tamper-pin CONFIGDIR")
				}
				cfg, err := LoadConfig(ts.MkAbs(args[0]))
				ts.Check(err)
				other, err := age.GenerateHybridIdentity()
				ts.Check(err)
				cfg.Pins[0].Recipient = other.Recipient().String()
				ts.Check(cfg.Save())
			},
		},
	})
}

// cmdJSONEnv sets VAR to FIELD of the JSON object the last command
// printed: jsonenv VAR FIELD.
func cmdJSONEnv(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonenv VAR FIELD")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &m); err != nil {
		ts.Fatalf("stdout is not a JSON object: %v", err)
	}
	v, ok := m[args[1]]
	if !ok {
		ts.Fatalf("no field %q in %v", args[1], m)
	}
	ts.Setenv(args[0], fmt.Sprint(v))
}

// cmdEnquirer is an enquirer: "enquirer write TEXT" writes (the first
// time it creates the mailbox and sets $CASE), "enquirer expect TEXT"
// requires a counsellor reply with that text that passes the reader rules,
// "enquirer accept ORG" agrees to the offer to ORG (PROTOCOL.md §9.4:
// re-sealed to the recipient in the newest document offering it) and
// "enquirer decline ORG" declines it.
func cmdEnquirer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: enquirer write|expect TEXT | enquirer accept|decline ORG")
	}
	ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
	defer cancel()
	scriptMu.Lock()
	e := enquirers[ts]
	srv := servers[ts]
	scriptMu.Unlock()
	if srv == nil {
		ts.Fatalf("no mailboxd running")
	}
	switch args[0] {
	case "write":
		if e == nil {
			var err error
			e, err = newEnquirer(srv.URL)
			ts.Check(err)
			scriptMu.Lock()
			enquirers[ts] = e
			scriptMu.Unlock()
			ts.Check(e.create(ctx, args[1]))
			ts.Setenv("CASE", e.keys.MailboxID)
			ts.Setenv("SHORTCASE", e.keys.MailboxID[:8])
			return
		}
		ts.Check(e.write(ctx, args[1]))
	case "expect":
		if e == nil {
			ts.Fatalf("no enquirer yet")
		}
		found, err := e.expect(ctx, args[1])
		ts.Check(err)
		if found == neg {
			ts.Fatalf("reply %q found: %v", args[1], found)
		}
	case "accept", "decline":
		if e == nil {
			ts.Fatalf("no enquirer yet")
		}
		ts.Check(e.answer(ctx, args[0] == "accept", args[1]))
	default:
		ts.Fatalf("usage: enquirer write|expect TEXT")
	}
}

// newCase is an enquirer who opened a case at url with first as its
// first message.
func newCase(t testing.TB, ctx context.Context, url, first string) *enquirer {
	t.Helper()
	enq, err := newEnquirer(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := enq.create(ctx, first); err != nil {
		t.Fatal(err)
	}
	return enq
}

func newEnquirer(url string) (*enquirer, error) {
	drawn, err := mailboxdtest.DrawEnquirer()
	if err != nil {
		return nil, err
	}
	c, err := client.New(url)
	if err != nil {
		return nil, err
	}
	return &enquirer{keys: drawn.Keys, c: c}, nil
}

func (e *enquirer) doc(body string) *crypto.Document {
	id, _ := crypto.NewDocumentID(rand.Reader)
	return &crypto.Document{V: 1, Type: "message", Mailbox: e.keys.MailboxID, ID: id,
		MK: base64.StdEncoding.EncodeToString(e.keys.MailboxKey[:]), From: "enquirer",
		Sent: time.Now().UTC().Format(time.RFC3339), Lang: "de", Body: body}
}

func (e *enquirer) seal(ctx context.Context, d *crypto.Document) (int, []byte, error) {
	team, err := e.c.Team(ctx)
	if err != nil {
		return 0, nil, err
	}
	r, err := crypto.ParseRecipient(team.Recipient)
	if err != nil {
		return 0, nil, err
	}
	ct, err := crypto.SealDocument(d, r, e.keys.Identity.Recipient())
	return team.Epoch, ct, err
}

// create opens a case in German; createIn in another language.
func (e *enquirer) create(ctx context.Context, body string) error { return e.createIn(ctx, body, "de") }

func (e *enquirer) write(ctx context.Context, body string) error {
	epoch, ct, err := e.seal(ctx, e.doc(body))
	if err != nil {
		return err
	}
	_, err = e.c.WithToken(e.keys.Bearer()).PostMessage(ctx, client.NewMessage{Epoch: epoch, Ciphertext: ct})
	return err
}

// expect reports whether a counsellor reply with text is in the mailbox;
// any document failing the reader rules is an error.
func (e *enquirer) expect(ctx context.Context, text string) (bool, error) {
	entries, err := e.read(ctx)
	if err != nil {
		return false, err
	}
	found := false
	for _, en := range entries {
		if en.From == "counsellor" && strings.Contains(en.Doc.Body, text) {
			found = true
		}
	}
	return found, nil
}

// read decrypts the enquirer's mailbox; any document failing the reader
// rules is an error.
func (e *enquirer) read(ctx context.Context) ([]crypto.ThreadEntry, error) {
	mb, err := e.c.WithToken(e.keys.Bearer()).Mailbox(ctx, 0)
	if err != nil {
		return nil, err
	}
	msgs := make([]crypto.StoredMessage, len(mb.Messages))
	for i, m := range mb.Messages {
		msgs[i] = crypto.StoredMessage{Seq: m.Seq, From: m.From, Ciphertext: m.Ciphertext}
	}
	entries, _ := crypto.ReadThread(e.keys.MailboxID, e.keys.MailboxKey[:], msgs, e.keys.Identity)
	for _, en := range entries {
		if en.Err != nil {
			return nil, fmt.Errorf("message %d: %v", en.Seq, en.Err)
		}
	}
	return entries, nil
}

// answer accepts or declines the open offer to org, as the web client
// does: only one a document in the mailbox makes, to its recipient.
func (e *enquirer) answer(ctx context.Context, accept bool, org string) error {
	c := e.c.WithToken(e.keys.Bearer())
	mb, err := c.Mailbox(ctx, 0)
	if err != nil {
		return err
	}
	if mb.Handover == nil || mb.Handover.Org != org {
		return fmt.Errorf("no open offer to %s: %+v", org, mb.Handover)
	}
	if !accept {
		return c.DeclineHandover(ctx)
	}
	entries, err := e.read(ctx)
	if err != nil {
		return err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		h := entries[i].Doc.Handover
		if h == nil || h.Org != org {
			continue
		}
		team, err := crypto.ParseRecipient(h.Recipient)
		if err != nil {
			return err
		}
		_, err = mailboxdtest.Handover(ctx, c, e.keys.Identity, h.Org, h.Epoch, team)
		return err
	}
	return fmt.Errorf("no document offers the case to %s", org)
}

// forgeKeyring is the attack of a server (or of whoever holds an admin's
// session): it replaces the keyring with one of another team, whose epoch
// 1 and 2 team keys it made itself, encrypted to the same members'
// public keys, which the server knows.
func forgeKeyring(dir, passFile string) error {
	ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
	defer cancel()
	cfg, err := LoadConfig(dir)
	if err != nil {
		return err
	}
	pass, err := os.ReadFile(passFile)
	if err != nil {
		return err
	}
	api, err := loginAs(ctx, cfg, bytes.TrimSpace(pass))
	if err != nil {
		return err
	}
	cur, err := api.GetKeyring(ctx)
	if err != nil {
		return err
	}
	roster, err := api.Counsellors(ctx)
	if err != nil {
		return err
	}
	var members []crypto.Member
	for _, co := range roster {
		if co.State == "active" {
			members = append(members, crypto.Member{ID: co.ID, Name: co.Name, Recipient: co.Recipient})
		}
	}
	ring := &crypto.Keyring{V: 1, Members: members}
	for e := 1; e <= cur.Epoch+1; e++ {
		k, err := age.GenerateHybridIdentity()
		if err != nil {
			return err
		}
		ring.Epochs = append(ring.Epochs, crypto.EpochKey{Epoch: e, Identity: k.String()})
	}
	env, err := crypto.SealKeyring(ring)
	if err != nil {
		return err
	}
	var ids []string
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	h := sha256.Sum256(cur.Envelope)
	_, err = api.PutKeyring(ctx, client.KeyringUpdate{Epoch: cur.Epoch + 1, Recipient: recipientOf(ring.Epochs[cur.Epoch].Identity),
		Envelope: env, Members: ids, Replaces: h[:]})
	return err
}
