package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

const eventTimeout = 10 * time.Second

// TestEndToEnd runs the whole protocol against the real mailboxd binary:
// bootstrap, keyring, an enquirer's first message, a counsellor's reply, a
// restart, the enquirer's return, live events, a second counsellor joining
// and being removed (a new epoch), and the enquirer deleting everything.
func TestEndToEnd(t *testing.T) {
	srv := startServer(t, "LOTSE_POW_DIFFICULTY=4")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	bodies := newBodies(t, secrets)

	// a. Bootstrap the admin with the printed setup token.
	setupToken := srv.SetupToken
	if setupToken == "" {
		t.Fatalf("no setup token line at the first start:\n%s", srv.Output())
	}
	adminKey := newIdentity(t)
	adminReg, err := c.Register(ctx, client.Registration{Setup: setupToken, Name: "Anna", Recipient: adminKey.Recipient().String()})
	if err != nil {
		t.Fatalf("register with the setup token: %v", err)
	}
	if adminReg.State != "active" || adminReg.ID == "" {
		t.Fatalf("setup registration %+v, want an active admin", adminReg)
	}
	_, err = c.Register(ctx, client.Registration{Setup: setupToken, Name: "Mallory", Recipient: newIdentity(t).Recipient().String()})
	wantAPIError(t, "second setup", err, 409, "already_set_up")
	_, err = c.Team(ctx)
	wantAPIError(t, "team before the first keyring", err, 503, "team_not_ready")

	// b. The admin logs in and puts the epoch-1 keyring.
	admin, adminSession := login(t, ctx, c, adminReg.ID, adminKey)
	secrets["first admin session token"] = adminSession
	_, err = admin.GetKeyring(ctx)
	wantAPIError(t, "keyring before the first", err, 404, "not_found")
	team1 := newIdentity(t)
	adminMember := crypto.Member{ID: adminReg.ID, Name: "Anna", Recipient: adminKey.Recipient().String()}
	envelope := sealKeyring(t, []crypto.Member{adminMember}, team1)
	put, err := admin.PutKeyring(ctx, client.KeyringUpdate{Epoch: 1, Recipient: team1.Recipient().String(), Envelope: envelope, Members: []string{adminReg.ID}})
	if err != nil {
		t.Fatalf("put the first keyring: %v", err)
	}
	if put.Epoch != 1 || put.Recipient != team1.Recipient().String() || !bytes.Equal(put.Envelope, envelope) || !sameMembers(put.Members, []string{adminReg.ID}) {
		t.Errorf("stored keyring: epoch %d, members %v", put.Epoch, put.Members)
	}
	team := getTeam(t, ctx, c, 1, team1)

	// c. An enquirer writes a first message.
	drawn := mailboxdtest.NewEnquirer(t)
	code, pass, keys := drawn.Code, drawn.Passphrase, drawn.Keys
	id := keys.MailboxID
	secrets["pickup code"] = code
	secrets["formatted pickup code"] = crypto.FormatPickupCode(code)
	secrets["passphrase"] = pass
	secrets["formatted passphrase"] = crypto.FormatPassphrase(pass)
	secrets["enquirer bearer"] = keys.Bearer()
	secrets["enquirer auth"] = base64.RawURLEncoding.EncodeToString(keys.Auth[:])
	secrets["mailbox id"] = id
	enq := c.WithToken(keys.Bearer())
	own := keys.Identity.Recipient()

	first := enquirerDoc(t, keys, bodies["first"])
	first.Role = "affected"
	first.Recipient = own.String()
	ct1 := seal(t, first, team.Recipient, own)
	pow, err := c.Pow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pow.Difficulty < 4 || pow.Difficulty > 24 {
		t.Errorf("pow difficulty %d, want 4 (or raised, at most 24)", pow.Difficulty)
	}
	wantTime(t, "pow expires", pow.Expires)
	nonce, err := crypto.SolvePow(ctx, pow.Challenge, pow.Difficulty)
	if err != nil {
		t.Fatal(err)
	}
	newMailbox := client.NewMailbox{ID: id, Verifier: keys.Verifier[:], Epoch: team.Epoch, Message: ct1,
		Pow: &client.PowSolution{Challenge: pow.Challenge, Nonce: nonce}}
	created, err := c.CreateMailbox(ctx, newMailbox)
	if err != nil {
		t.Fatalf("create the mailbox: %v", err)
	}
	if created.Seq != 1 {
		t.Errorf("first message seq %d, want 1", created.Seq)
	}
	wantDate(t, "mailbox expires", created.Expires)
	_, err = c.CreateMailbox(ctx, newMailbox)
	wantAPIError(t, "a proof of work used twice", err, 403, "pow_invalid")

	// d. The counsellor finds the case, reads it and replies.
	cs := findCase(t, ctx, admin, "new", id)
	if cs.Status != "new" || !cs.AwaitingReply || cs.Assignee != nil || cs.MessageCount != 1 {
		t.Errorf("new case %+v", cs)
	}
	wantDate(t, "case created", cs.Created)
	wantDate(t, "case expires", cs.Expires)
	wantHour(t, "case last_activity", cs.LastActivity)
	kr := openKeyring(t, ctx, admin, adminKey)
	detail, err := admin.Case(ctx, id, 0)
	if err != nil {
		t.Fatalf("fetch the case: %v", err)
	}
	entries := readThread(t, "counsellor, first read", id, nil, detail.Messages, kr, 1)
	firstRead := entries[0].Doc
	if firstRead.Body != bodies["first"] || firstRead.Role != "affected" || firstRead.Recipient != own.String() || firstRead.From != "enquirer" {
		t.Errorf("first document as read by the counsellor: from %q, role %q, body %q", firstRead.From, firstRead.Role, firstRead.Body)
	}
	// Replies go to the recipient named in the first document, never one
	// the server serves, and to the newest team recipient of the keyring.
	replyTo, err := crypto.ParseRecipient(firstRead.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	epoch, teamKey, err := kr.Newest()
	if err != nil {
		t.Fatal(err)
	}
	reply := counsellorDoc(t, id, firstRead.MK, "Anna", bodies["reply 1"])
	seq, err := admin.Reply(ctx, id, client.NewMessage{Epoch: epoch, Ciphertext: seal(t, reply, teamKey.Recipient(), replyTo)})
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	if seq != 2 {
		t.Errorf("reply seq %d, want 2", seq)
	}
	cs = findCase(t, ctx, admin, "open", id)
	if cs.AwaitingReply || cs.MessageCount != 2 {
		t.Errorf("case after the reply %+v", cs)
	}
	adminIDCopy := adminReg.ID
	patched, err := admin.PatchCase(ctx, id, client.CasePatch{Status: "closed", Assignee: &adminIDCopy})
	if err != nil {
		t.Fatalf("close and assign: %v", err)
	}
	if patched.Status != "closed" || patched.Assignee == nil || *patched.Assignee != adminReg.ID || patched.ID != id {
		t.Errorf("patched case %+v", patched)
	}

	// e. Restart: what was acknowledged survives, sessions do not.
	srv.restart()
	if srv.SetupToken != "" || strings.Contains(srv.Output(), "setup token") {
		t.Errorf("the setup token is printed after setup:\n%s", srv.Output())
	}
	_, err = admin.Cases(ctx, "")
	wantAPIError(t, "a session from before the restart", err, 401, "unauthorized")
	admin, adminSession = login(t, ctx, c, adminReg.ID, adminKey)
	secrets["second admin session token"] = adminSession
	getTeam(t, ctx, c, 1, team1)
	detail, err = admin.Case(ctx, id, 0)
	if err != nil {
		t.Fatalf("fetch the case after the restart: %v", err)
	}
	if detail.Status != "closed" || detail.Assignee == nil || *detail.Assignee != adminReg.ID || len(detail.Messages) != 2 ||
		!bytes.Equal(detail.Messages[0].Ciphertext, ct1) || detail.MessageCount != 2 {
		t.Errorf("case after the restart: %+v", detail.Case)
	}

	// f. The enquirer comes back with what they typed.
	typedCode := crypto.FormatPickupCode(code)
	typedPass := devanagari(strings.ReplaceAll(crypto.FormatPassphrase(pass), " ", "-"))
	code2, err := crypto.ParsePickupCode(typedCode)
	if err != nil {
		t.Fatalf("typed pickup code: %v", err)
	}
	pass2, err := crypto.ParsePassphrase(typedPass)
	if err != nil {
		t.Fatalf("typed passphrase: %v", err)
	}
	keys2, err := crypto.DeriveEnquirerKeys(code2, pass2)
	if err != nil {
		t.Fatal(err)
	}
	if keys2.MailboxID != id || keys2.Bearer() != keys.Bearer() {
		t.Fatal("the typed code and passphrase derive other keys")
	}
	enq = c.WithToken(keys2.Bearer())
	mb, err := enq.Mailbox(ctx, 0)
	if err != nil {
		t.Fatalf("the enquirer fetches the mailbox: %v", err)
	}
	if mb.ID != id || mb.Status != "closed" || len(mb.Messages) != 2 {
		t.Errorf("mailbox %s, status %q, %d messages", mb.ID, mb.Status, len(mb.Messages))
	}
	wantDate(t, "mailbox created", mb.Created)
	wantDate(t, "mailbox expires", mb.Expires)
	entries = readThread(t, "enquirer", id, keys2.MailboxKey[:], mb.Messages, nil, 2, keys2.Identity)
	if d := entries[0].Doc; d.Body != bodies["first"] || d.From != "enquirer" {
		t.Errorf("own first message: %q", d.Body)
	}
	if e := entries[1]; e.From != "counsellor" || e.Doc.From != "counsellor" || e.Doc.Name != "Anna" || e.Doc.Body != bodies["reply 1"] {
		t.Errorf("reply as read by the enquirer: from %q, name %q, body %q", e.From, e.Doc.Name, e.Doc.Body)
	}

	enqEvents, err := enq.MailboxEvents(ctx)
	if err != nil {
		t.Fatalf("enquirer event stream: %v", err)
	}
	defer enqEvents.Close()
	adminEvents, err := admin.Events(ctx)
	if err != nil {
		t.Fatalf("counsellor event stream: %v", err)
	}
	defer adminEvents.Close()

	followUp := enquirerDoc(t, keys2, bodies["follow-up"])
	seq, err = enq.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: seal(t, followUp, team.Recipient, own)})
	if err != nil {
		t.Fatalf("follow-up: %v", err)
	}
	if seq != 3 {
		t.Errorf("follow-up seq %d, want 3", seq)
	}
	waitEvent(t, "counsellor stream, follow-up", adminEvents, "case", id, 3)
	cs = findCase(t, ctx, admin, "open", id)
	if !cs.AwaitingReply || cs.MessageCount != 3 {
		t.Errorf("case reopened by the follow-up: %+v", cs)
	}

	reply = counsellorDoc(t, id, firstRead.MK, "Anna", bodies["reply 2"])
	seq, err = admin.Reply(ctx, id, client.NewMessage{Epoch: epoch, Ciphertext: seal(t, reply, teamKey.Recipient(), replyTo)})
	if err != nil {
		t.Fatalf("second reply: %v", err)
	}
	waitEvent(t, "enquirer stream, reply", enqEvents, "message", "", seq)
	mb, err = enq.Mailbox(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(mb.Messages) != 1 || mb.Messages[0].Seq != 4 {
		t.Fatalf("messages after 3: %d, want seq 4 only", len(mb.Messages))
	}
	entries = readThread(t, "enquirer, after 3", id, keys2.MailboxKey[:], mb.Messages, nil, 1, keys2.Identity)
	if entries[0].Doc.Body != bodies["reply 2"] {
		t.Errorf("live reply body %q", entries[0].Doc.Body)
	}
	none := ""
	patched, err = admin.PatchCase(ctx, id, client.CasePatch{Assignee: &none})
	if err != nil {
		t.Fatalf("unassign: %v", err)
	}
	if patched.Assignee != nil || patched.Status != "open" {
		t.Errorf("unassigned case %+v", patched)
	}

	// g. A second counsellor joins by invite and, once approved, reads the
	// whole history.
	invite, err := admin.CreateInvite(ctx, "counsellor")
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	secrets["invite"] = invite.Invite
	wantTime(t, "invite expires", invite.Expires)
	benKey := newIdentity(t)
	benReg, err := c.Register(ctx, client.Registration{Invite: invite.Invite, Name: "Ben", Recipient: benKey.Recipient().String()})
	if err != nil {
		t.Fatalf("register with the invite: %v", err)
	}
	if benReg.State != "pending" {
		t.Errorf("invited counsellor state %q, want pending", benReg.State)
	}
	_, err = c.Register(ctx, client.Registration{Invite: invite.Invite, Name: "Eve", Recipient: newIdentity(t).Recipient().String()})
	wantAPIError(t, "an invite used twice", err, 403, "invite_invalid")
	ben, benSession := login(t, ctx, c, benReg.ID, benKey)
	secrets["pending counsellor session token"] = benSession
	_, err = ben.Cases(ctx, "")
	wantAPIError(t, "cases for a pending counsellor", err, 403, "forbidden")
	benListed := findCounsellor(t, ctx, admin, benReg.ID, "pending")
	// The admin confirms this fingerprint with Ben out of band.
	if benListed.Recipient != benKey.Recipient().String() || benListed.Fingerprint != crypto.Fingerprint(benListed.Recipient) || benListed.Role != "counsellor" {
		t.Errorf("listed pending counsellor %+v", benListed)
	}
	benMember := crypto.Member{ID: benReg.ID, Name: "Ben", Recipient: benKey.Recipient().String()}

	current, err := admin.GetKeyring(ctx)
	if err != nil {
		t.Fatal(err)
	}
	replaces := sha256.Sum256(current.Envelope)
	envelope = sealKeyring(t, []crypto.Member{adminMember, benMember}, team1)
	update := client.KeyringUpdate{Epoch: 1, Recipient: current.Recipient, Envelope: envelope,
		Members: []string{adminReg.ID, benReg.ID}, Replaces: replaces[:]}
	if _, err := admin.PutKeyring(ctx, update); err != nil {
		t.Fatalf("approve the second counsellor: %v", err)
	}
	_, err = admin.PutKeyring(ctx, update)
	wantAPIError(t, "a keyring replacing an old envelope", err, 409, "keyring_conflict")
	findCounsellor(t, ctx, admin, benReg.ID, "active")
	benKeyring := openKeyring(t, ctx, ben, benKey)
	if len(benKeyring.Members) != 2 {
		t.Errorf("keyring members %v", benKeyring.Members)
	}
	detail, err = ben.Case(ctx, id, 0)
	if err != nil {
		t.Fatalf("second counsellor fetches the case: %v", err)
	}
	entries = readThread(t, "second counsellor", id, nil, detail.Messages, benKeyring, 4)
	if entries[2].Doc.Body != bodies["follow-up"] || entries[3].Doc.Body != bodies["reply 2"] {
		t.Error("second counsellor reads other bodies")
	}
	benEvents, err := ben.Events(ctx)
	if err != nil {
		t.Fatalf("second counsellor's event stream: %v", err)
	}
	defer benEvents.Close()

	// h. Removing the second counsellor starts epoch 2.
	current, err = admin.GetKeyring(ctx)
	if err != nil {
		t.Fatal(err)
	}
	replaces = sha256.Sum256(current.Envelope)
	team2 := newIdentity(t)
	envelope = sealKeyring(t, []crypto.Member{adminMember}, team1, team2)
	put, err = admin.PutKeyring(ctx, client.KeyringUpdate{Epoch: 2, Recipient: team2.Recipient().String(), Envelope: envelope,
		Members: []string{adminReg.ID}, Replaces: replaces[:]})
	if err != nil {
		t.Fatalf("remove the second counsellor: %v", err)
	}
	if put.Epoch != 2 || !sameMembers(put.Members, []string{adminReg.ID}) {
		t.Errorf("epoch-2 keyring: epoch %d, members %v", put.Epoch, put.Members)
	}
	_, err = ben.Cases(ctx, "")
	wantAPIError(t, "a removed counsellor's session", err, 401, "unauthorized")
	waitEnd(t, "removed counsellor's event stream", benEvents)
	findCounsellor(t, ctx, admin, benReg.ID, "removed")
	loginRemoved(t, ctx, c, benReg.ID, benKey)

	stale := enquirerDoc(t, keys2, bodies["epoch 2"])
	_, err = enq.PostMessage(ctx, client.NewMessage{Epoch: 1, Ciphertext: seal(t, stale, team.Recipient, own)})
	wantAPIError(t, "a message to epoch 1", err, 409, "stale_epoch")
	team = getTeam(t, ctx, c, 2, team2)
	seq, err = enq.PostMessage(ctx, client.NewMessage{Epoch: team.Epoch, Ciphertext: seal(t, stale, team.Recipient, own)})
	if err != nil {
		t.Fatalf("a message to epoch 2: %v", err)
	}
	if seq != 5 {
		t.Errorf("epoch-2 message seq %d, want 5", seq)
	}
	kr = openKeyring(t, ctx, admin, adminKey)
	if len(kr.Epochs) != 2 {
		t.Fatalf("keyring epochs %d, want 2", len(kr.Epochs))
	}
	detail, err = admin.Case(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	entries = readThread(t, "admin, epochs 1 and 2", id, nil, detail.Messages, kr, 5)
	if entries[4].Doc.Body != bodies["epoch 2"] || entries[0].Doc.Body != bodies["first"] {
		t.Error("admin reads other bodies")
	}
	if _, err := crypto.OpenDocument(detail.Messages[4].Ciphertext, team1); err == nil {
		t.Error("the epoch-2 message opens with the epoch-1 team key")
	}

	var backup bytes.Buffer
	if n, err := admin.Backup(ctx, &backup); err != nil || n == 0 {
		t.Fatalf("backup: %d bytes, %v", n, err)
	}
	// The backup is a copy of the live data (so that the check after the
	// deletion below means something) and holds no plaintext.
	if !holdsMailbox(backup.Bytes(), id, ct1) {
		t.Error("the backup holds neither the mailbox id nor the first message's ciphertext")
	}
	for name, body := range bodies {
		if bytes.Contains(backup.Bytes(), []byte(body)) {
			t.Errorf("the backup holds the plaintext %s", name)
		}
	}

	// i. The enquirer deletes the mailbox.
	if err := enq.DeleteMailbox(ctx); err != nil {
		t.Fatalf("delete the mailbox: %v", err)
	}
	_, err = enq.Mailbox(ctx, 0)
	wantAPIError(t, "a deleted mailbox", err, 401, "unauthorized")
	_, err = admin.Case(ctx, id, 0)
	wantAPIError(t, "a deleted case", err, 404, "not_found")
	cases, err := admin.Cases(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range cases {
		if cs.ID == id {
			t.Error("the deleted case is still listed")
		}
	}
	waitEnd(t, "event stream of a deleted mailbox", enqEvents)

	backup.Reset()
	if _, err := admin.Backup(ctx, &backup); err != nil {
		t.Fatalf("backup after the deletion: %v", err)
	}
	if holdsMailbox(backup.Bytes(), id, ct1) {
		t.Error("the backup after the deletion still holds the mailbox id or its first message")
	}

	// The log of both runs: no secret, no client address, no user agent.
	if err := admin.Logout(ctx); err != nil {
		t.Errorf("logout: %v", err)
	}
	srv.stop()
	srv.checkLog(t, secrets)
	log := srv.Log().String()
	if n := strings.Count(log, setupToken); n != 1 {
		t.Errorf("the setup token appears %d times in the log, want once (the first start's setup line)", n)
	}
	for _, line := range strings.Split(log, "\n") {
		// The server's own address: where it listens, and its settings line.
		if strings.Contains(line, "127.0.0.1") && !strings.HasPrefix(line, "mailboxd: listening on ") && !strings.HasPrefix(line, "mailboxd: settings: ") {
			t.Errorf("a log line shows an address: %q", line)
		}
	}
	if strings.Contains(log, "Go-http-client") {
		t.Error("the log shows the user agent")
	}
}

// holdsMailbox reports whether b holds the mailbox id (hex or raw) or
// the tail of a ciphertext of the mailbox.
func holdsMailbox(b []byte, id string, ciphertext []byte) bool {
	rawID, _ := hex.DecodeString(id)
	return bytes.Contains(b, []byte(id)) || bytes.Contains(b, rawID) || bytes.Contains(b, ciphertext[len(ciphertext)-256:])
}

// newBodies returns message bodies with random markers, registered as
// secrets the log must not show.
func newBodies(t *testing.T, secrets map[string]string) map[string]string {
	t.Helper()
	texts := map[string]string{
		"first":     "Hallo, ich brauche Hilfe. Mein Arbeitgeber hat meinen Pass. <b>kein HTML</b>",
		"reply 1":   "Guten Tag, danke für Ihre Nachricht. Sie sind hier richtig.",
		"follow-up": "Danke. Können wir morgen schreiben? 🙏",
		"reply 2":   "Ja, gern. Wir sind morgen ab 9 Uhr da.",
		"epoch 2":   "Eine Nachricht an den neuen Teamschlüssel.",
	}
	bodies := map[string]string{}
	for name, text := range texts {
		marker := make([]byte, 8)
		rand.Read(marker)
		bodies[name] = text + " " + hex.EncodeToString(marker)
		secrets["body "+name] = hex.EncodeToString(marker)
	}
	return bodies
}

var newIdentity = mailboxdtest.NewIdentity

// login logs in by challenge and returns a client with the session.
func login(t *testing.T, ctx context.Context, c *client.Client, counsellorID string, key age.Identity) (*client.Client, string) {
	t.Helper()
	s, err := c.Login(ctx, counsellorID, key)
	if err != nil {
		t.Fatalf("login of %s: %v", counsellorID, err)
	}
	if s.Token == "" {
		t.Fatal("empty session token")
	}
	wantTime(t, "session expires", s.Expires)
	return c.WithToken(s.Token), s.Token
}

// loginRemoved checks that a removed counsellor cannot log in: the server
// sends a decoy challenge that their key cannot open, and any answer gets
// 401.
func loginRemoved(t *testing.T, ctx context.Context, c *client.Client, counsellorID string, key age.Identity) {
	t.Helper()
	ch, err := c.Challenge(ctx, counsellorID)
	if err != nil {
		t.Fatalf("challenge for a removed counsellor: %v", err)
	}
	response, err := crypto.AnswerChallenge(ch.Challenge, key, counsellorID)
	if err == nil {
		t.Error("a removed counsellor got a challenge to their own key, want a decoy")
	} else {
		rand.Read(response[:])
	}
	_, err = c.Session(ctx, counsellorID, ch.Nonce, response[:])
	wantAPIError(t, "login of a removed counsellor", err, 401, "unauthorized")
}

func sealKeyring(t *testing.T, members []crypto.Member, teams ...*age.HybridIdentity) []byte {
	t.Helper()
	k := &crypto.Keyring{V: 1, Members: members}
	for i, team := range teams {
		k.Epochs = append(k.Epochs, crypto.EpochKey{Epoch: i + 1, Identity: team.String()})
	}
	env, err := crypto.SealKeyring(k)
	if err != nil {
		t.Fatalf("seal the keyring: %v", err)
	}
	return env
}

func openKeyring(t *testing.T, ctx context.Context, c *client.Client, key age.Identity) *crypto.Keyring {
	t.Helper()
	k, err := c.GetKeyring(ctx)
	if err != nil {
		t.Fatalf("get the keyring: %v", err)
	}
	kr, err := crypto.OpenKeyring(k.Envelope, key)
	if err != nil {
		t.Fatalf("open the keyring: %v", err)
	}
	epoch, team, err := kr.Newest()
	if err != nil {
		t.Fatal(err)
	}
	if epoch != k.Epoch || team.Recipient().String() != k.Recipient {
		t.Errorf("keyring newest epoch %d does not match the server's epoch %d and recipient", epoch, k.Epoch)
	}
	var ids []string
	for _, m := range kr.Members {
		ids = append(ids, m.ID)
	}
	if !sameMembers(ids, k.Members) {
		t.Errorf("keyring members %v, server lists %v", ids, k.Members)
	}
	return kr
}

// getTeam checks GET /api/v1/team against the team key the desk holds.
func getTeam(t *testing.T, ctx context.Context, c *client.Client, epoch int, key *age.HybridIdentity) teamKey {
	t.Helper()
	got, err := c.Team(ctx)
	if err != nil {
		t.Fatalf("team: %v", err)
	}
	if got.Epoch != epoch || got.Recipient != key.Recipient().String() {
		t.Fatalf("team epoch %d, recipient %.20s…, want epoch %d, %.20s…", got.Epoch, got.Recipient, epoch, key.Recipient().String())
	}
	if got.Fingerprint != crypto.Fingerprint(got.Recipient) {
		t.Errorf("team fingerprint %q, computed %q", got.Fingerprint, crypto.Fingerprint(got.Recipient))
	}
	r, err := crypto.ParseRecipient(got.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	return teamKey{Epoch: got.Epoch, Recipient: r}
}

// teamKey is what an enquirer encrypts to.
type teamKey struct {
	Epoch     int
	Recipient *age.HybridRecipient
}

func enquirerDoc(t *testing.T, keys *crypto.EnquirerKeys, body string) *crypto.Document {
	t.Helper()
	return mailboxdtest.NewMessageDoc(t, keys.MailboxID, base64.StdEncoding.EncodeToString(keys.MailboxKey[:]), crypto.FromEnquirer, body)
}

func counsellorDoc(t *testing.T, mailboxID, mk, name, body string) *crypto.Document {
	t.Helper()
	d := mailboxdtest.NewMessageDoc(t, mailboxID, mk, crypto.FromCounsellor, body)
	d.Name = name
	return d
}

// replyAs posts reply as tm's admin, sealed to tm's epoch-1 team key and
// to the enquirer's recipient from the first document.
func replyAs(t *testing.T, ctx context.Context, tm *mailboxdtest.Team, first, reply *crypto.Document) {
	t.Helper()
	replyTo, err := crypto.ParseRecipient(first.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Admin.Reply(ctx, reply.Mailbox, client.NewMessage{Epoch: 1, Ciphertext: seal(t, reply, tm.Key.Recipient(), replyTo)}); err != nil {
		t.Fatalf("reply: %v", err)
	}
}

func seal(t *testing.T, d *crypto.Document, team, enquirer *age.HybridRecipient) []byte {
	t.Helper()
	ct, err := crypto.SealDocument(d, team, enquirer)
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	return ct
}

// readThread decrypts msgs with the keyring's team identities (or ids),
// requires n messages that all pass the reader rules, and checks the
// mailbox key a counsellor learns from the first document.
func readThread(t *testing.T, who, mailboxID string, mk []byte, msgs []client.Message, kr *crypto.Keyring, n int, ids ...age.Identity) []crypto.ThreadEntry {
	t.Helper()
	if kr != nil {
		teamIDs, err := kr.Identities()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, teamIDs...)
	}
	stored := make([]crypto.StoredMessage, len(msgs))
	for i, m := range msgs {
		stored[i] = crypto.StoredMessage{Seq: m.Seq, From: m.From, Ciphertext: m.Ciphertext}
	}
	entries, usedMK := crypto.ReadThread(mailboxID, mk, stored, ids...)
	if len(entries) != n {
		t.Fatalf("%s: %d entries, want %d", who, len(entries), n)
	}
	for _, e := range entries {
		if e.Err != nil || e.Doc == nil || e.Duplicate {
			t.Fatalf("%s: message %d: %v (duplicate %v)", who, e.Seq, e.Err, e.Duplicate)
		}
		if e.Doc.From != e.From {
			t.Errorf("%s: message %d from %q, stored from %q", who, e.Seq, e.Doc.From, e.From)
		}
	}
	if mk == nil && msgs[0].Seq == 1 && !bytes.Equal(usedMK, mkOf(t, entries[0].Doc)) {
		t.Errorf("%s: the mailbox key used is not the first document's", who)
	}
	return entries
}

func mkOf(t *testing.T, d *crypto.Document) []byte {
	t.Helper()
	mk, err := base64.StdEncoding.DecodeString(d.MK)
	if err != nil {
		t.Fatal(err)
	}
	return mk
}

func findCase(t *testing.T, ctx context.Context, c *client.Client, status, id string) client.Case {
	t.Helper()
	cases, err := c.Cases(ctx, status)
	if err != nil {
		t.Fatalf("cases %q: %v", status, err)
	}
	for _, cs := range cases {
		if cs.Status != status {
			t.Errorf("cases %q lists a case in status %q", status, cs.Status)
		}
		if cs.ID == id {
			return cs
		}
	}
	t.Fatalf("the case is not listed with status %q", status)
	return client.Case{}
}

func findCounsellor(t *testing.T, ctx context.Context, c *client.Client, id, state string) client.Counsellor {
	t.Helper()
	list, err := c.Counsellors(ctx)
	if err != nil {
		t.Fatalf("counsellors: %v", err)
	}
	for _, co := range list {
		if co.ID == id {
			if co.State != state {
				t.Errorf("counsellor %s is %q, want %q", id, co.State, state)
			}
			return co
		}
	}
	t.Fatalf("counsellor %s is not listed", id)
	return client.Counsellor{}
}

// waitEvent waits for the event of type typ for (case id and) seq,
// skipping others.
func waitEvent(t *testing.T, who string, s *client.EventStream, typ, id string, seq uint64) {
	t.Helper()
	timeout := time.After(eventTimeout)
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("%s: the stream ended (%v) before the event", who, s.Err())
			}
			if ev.Type == typ && ev.ID == id && ev.Seq == seq {
				return
			}
		case <-timeout:
			t.Fatalf("%s: no %s event for seq %d within %v", who, typ, seq, eventTimeout)
		}
	}
}

// waitEnd waits until the server ends the stream.
func waitEnd(t *testing.T, who string, s *client.EventStream) {
	t.Helper()
	timeout := time.After(eventTimeout)
	for {
		select {
		case _, ok := <-s.Events():
			if !ok {
				if err := s.Err(); errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s: ended by the client: %v", who, err)
				}
				return
			}
		case <-timeout:
			t.Fatalf("%s: still open after %v", who, eventTimeout)
		}
	}
}

func wantAPIError(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v, want %d %s", what, err, status, code)
	}
	if e.Status != status || e.Code != code {
		t.Fatalf("%s: %d %s (%q), want %d %s", what, e.Status, e.Code, e.Message, status, code)
	}
}

func wantDate(t *testing.T, what, s string) {
	t.Helper()
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		t.Errorf("%s %q is not a date", what, s)
	}
}

func wantTime(t *testing.T, what, s string) {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Errorf("%s %q is not RFC 3339 UTC", what, s)
	}
	if ts.Before(time.Now().Add(-time.Minute)) {
		t.Errorf("%s %q is in the past", what, s)
	}
}

func wantHour(t *testing.T, what, s string) {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil || !strings.HasSuffix(s, "Z") || !ts.Equal(ts.Truncate(time.Hour)) {
		t.Errorf("%s %q is not RFC 3339 UTC truncated to the hour", what, s)
	}
}

// devanagari writes ASCII digits as Devanagari digits, as a person with
// such a keyboard would type them.
func devanagari(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '०' + (r - '0')
		}
		return r
	}, s)
}

// sameMembers compares member lists as sets: their order carries no meaning.
func sameMembers(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
