package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/domain"
	"lotse/mailbox"
)

// teamCache holds the current epoch and team recipient. Only this server
// writes the keyring, so it is refreshed after every PUT; the store checks
// the epoch again inside its transaction, so a stale cache can only change
// which error a racing request gets.
type teamCache struct {
	mu          sync.Mutex
	ok          bool
	epoch       int
	recipient   string
	fingerprint string
}

func (s *Server) currentTeam() (epoch int, recipient, fingerprint string, err error) {
	s.team.mu.Lock()
	defer s.team.mu.Unlock()
	if !s.team.ok {
		k, err := s.store.GetKeyring()
		if errors.Is(err, mailbox.ErrNotFound) {
			return 0, "", "", errTeamNotReady
		}
		if err != nil {
			return 0, "", "", err
		}
		s.setTeamLocked(k)
	}
	return s.team.epoch, s.team.recipient, s.team.fingerprint, nil
}

func (s *Server) setTeam(k mailbox.Keyring) {
	s.team.mu.Lock()
	defer s.team.mu.Unlock()
	s.setTeamLocked(k)
}

func (s *Server) setTeamLocked(k mailbox.Keyring) {
	s.team.ok = true
	s.team.epoch = k.Epoch
	s.team.recipient = k.Recipient
	s.team.fingerprint = crypto.Fingerprint(k.Recipient)
}

// checkEpochIn is the protocol's epoch step for organisation org ("" the
// front door): 503 before its first keyring, 409 for anything but its
// current epoch.
func (s *Server) checkEpochIn(org string, epoch int) error {
	cur, _, _, err := s.teamOf(org)
	if err != nil {
		return err
	}
	if epoch != cur {
		return errStaleEpoch
	}
	return nil
}

// GET /api/v1/team?org=<slug>
func (s *Server) getTeam(c *fiber.Ctx) error {
	org, err := s.orgParam(c.Query("org"))
	if err != nil {
		return err
	}
	epoch, recipient, fp, err := s.teamOf(org)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, wire.Team{Epoch: epoch, Recipient: recipient, Fingerprint: fp, Online: s.hub.counsellorOnlineIn(org)})
}

// Proof-of-work challenges carry their own state:
//
//	random(16) || expires(8, unix seconds, big endian) || difficulty(1) || HMAC-SHA256(powKey, label || the 25 bytes before)
const (
	powRandLen      = 16
	powBodyLen      = powRandLen + 8 + 1
	powChallengeLen = powBodyLen + sha256.Size
	powNonceLen     = 8
	powMACLabel     = "lotse/v1 pow-challenge "
)

func (s *Server) powMAC(body []byte) []byte {
	m := hmac.New(sha256.New, s.powKey)
	io.WriteString(m, powMACLabel)
	m.Write(body)
	return m.Sum(nil)
}

// GET /api/v1/pow
func (s *Server) getPow(c *fiber.Ctx) error {
	if ok, retry := s.powRate.allow(s.clientAddr(c)); !ok {
		return rateLimited(retry)
	}
	expires := s.now().Add(powLifetime).Truncate(time.Second)
	difficulty := s.pow.difficulty(s.now())
	ch := make([]byte, powBodyLen, powChallengeLen)
	if _, err := io.ReadFull(rand.Reader, ch[:powRandLen]); err != nil {
		return err
	}
	binary.BigEndian.PutUint64(ch[powRandLen:], uint64(expires.Unix()))
	ch[powBodyLen-1] = byte(difficulty)
	ch = append(ch, s.powMAC(ch)...)
	return writeJSON(c, fiber.StatusOK, wire.Pow{Challenge: ch, Difficulty: difficulty, Expires: formatTime(expires)})
}

// checkPow verifies a proof of work. A challenge is spent by its first
// correct answer; a wrong answer spends nothing, so wrong answers cannot
// fill the set of spent challenges (the Argon2id each costs is bounded by
// the per-address creation limit taken before). The difficulty is the
// one the challenge carries, so a challenge fetched before a rise stays
// good until it expires. A field that was not base64 is nil
// (wire.PowSolution).
func (s *Server) checkPow(p *wire.PowSolution) error {
	if s.cfg.PowDifficulty == 0 {
		return nil
	}
	if p == nil {
		return errPowInvalid
	}
	ch, nonce := p.Challenge, p.Nonce
	if len(ch) != powChallengeLen || len(nonce) != powNonceLen {
		return errPowInvalid
	}
	if !hmac.Equal(ch[powBodyLen:], s.powMAC(ch[:powBodyLen])) {
		return errPowInvalid
	}
	expires := time.Unix(int64(binary.BigEndian.Uint64(ch[powRandLen:])), 0)
	if !s.now().Before(expires) {
		return errPowInvalid
	}
	difficulty := int(ch[powBodyLen-1])
	if difficulty > maxPowDifficulty || s.usedPows.spent(ch[:powRandLen]) {
		return errPowInvalid
	}
	if !crypto.PowValid(ch, nonce, difficulty) || !s.usedPows.use(ch[:powRandLen], expires) {
		return errPowInvalid
	}
	return nil
}

// parseCreateMailbox is the body-shape step of POST /api/v1/mailboxes.
func parseCreateMailbox(c *fiber.Ctx) (*wire.NewMailbox, [32]byte, []byte, error) {
	var req wire.NewMailbox
	var verifier [32]byte
	if err := readJSON(c, maxBody, &req); err != nil {
		return nil, verifier, nil, err
	}
	if _, err := domain.ParseMailboxID(req.ID); err != nil {
		return nil, verifier, nil, badRequest("id: want 32 lower-case hex characters")
	}
	if len(req.Verifier) != len(verifier) {
		return nil, verifier, nil, badRequest("verifier: want 32 bytes")
	}
	copy(verifier[:], req.Verifier)
	if req.Epoch < 1 {
		return nil, verifier, nil, badRequest("epoch: want a positive integer")
	}
	msg := req.Message
	if len(msg) == 0 {
		return nil, verifier, nil, badRequest("message: missing")
	}
	return &req, verifier, msg, nil
}

// POST /api/v1/mailboxes
func (s *Server) createMailbox(c *fiber.Ctx) error {
	req, verifier, msg, err := parseCreateMailbox(c)
	if err != nil {
		return err
	}
	// The per-address limit before the proof of work, as the protocol
	// orders them: a limited address does not use up a challenge.
	if ok, retry := s.createRate.allow(s.clientAddr(c)); !ok {
		return rateLimited(retry)
	}
	if err := s.checkPow(req.Pow); err != nil {
		return err
	}
	org, err := s.orgParam(req.Org)
	if err != nil {
		return err
	}
	if err := s.checkEpochIn(org, req.Epoch); err != nil {
		return err
	}
	if err := crypto.CheckMessage(msg); err != nil {
		return policyError(err)
	}
	m, err := s.store.CreateMailboxIn(org, req.ID, verifier, req.Epoch, msg)
	if err != nil {
		return storeError(err, errNotFound)
	}
	s.pow.created(s.now())
	s.hub.publishCase(org, req.ID, 1)
	return writeJSON(c, fiber.StatusCreated, wire.CreatedMailbox{Seq: 1, Expires: formatDate(m.Expires)})
}

// dummyVerifier stands in for the verifier of a mailbox that does not
// exist, so that both cases take the same comparison.
var dummyVerifier = sha256.Sum256([]byte("lotse/v1 dummy verifier"))

// enquirer authenticates "Authorization: Bearer <mailbox_id>.<b64url(auth)>"
// and returns the mailbox. Unknown mailbox and wrong key are the same 401.
func (s *Server) enquirer(c *fiber.Ctx) (mailbox.Mailbox, error) {
	if err := s.checkEnquirerRate(c); err != nil {
		return mailbox.Mailbox{}, err
	}
	cred, ok := bearer(c)
	if !ok {
		return mailbox.Mailbox{}, errUnauthorized
	}
	id, auth, err := crypto.ParseBearer(cred)
	if err != nil {
		return mailbox.Mailbox{}, errUnauthorized
	}
	got := crypto.VerifierOf(auth)
	clear(auth[:])
	m, err := s.store.GetMailbox(id)
	want := m.Verifier
	switch {
	case errors.Is(err, mailbox.ErrNotFound):
		want = dummyVerifier
	case err != nil:
		return mailbox.Mailbox{}, err
	}
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || err != nil {
		return mailbox.Mailbox{}, s.loginFailed(id)
	}
	return m, nil
}

// bearer returns the credential of "Authorization: Bearer <cred>".
func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	cred := h[len(prefix):]
	if cred == "" || strings.ContainsAny(cred, " \t") {
		return "", false
	}
	return cred, true
}

// messagesOf is stored messages as the API returns them: never null.
func messagesOf(msgs []mailbox.Message) []wire.Message {
	out := make([]wire.Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, wire.Message{Seq: m.Seq, From: m.From, Ciphertext: m.Ciphertext})
	}
	return out
}

// GET /api/v1/mailbox?after=N
func (s *Server) getMailbox(c *fiber.Ctx) error {
	after, err := queryAfter(c)
	if err != nil {
		return err
	}
	m, err := s.enquirer(c)
	if err != nil {
		return err
	}
	msgs, err := s.store.Messages(m.ID, after)
	if err != nil {
		return storeError(err, errUnauthorized)
	}
	out := wire.Mailbox{
		ID: m.ID, Status: m.Status, Created: formatDate(m.Created), Expires: formatDate(m.Expires),
		Messages: messagesOf(msgs), Org: s.store.OrgSlug(m.Org),
	}
	// The open offer of §9.3; the client takes all else from the reply
	// document that made it.
	to, err := s.store.OpenOffer(m)
	if err != nil {
		return err
	}
	if to != "" {
		out.Handover = &wire.MailboxHandover{Org: to}
	}
	return writeJSON(c, fiber.StatusOK, out)
}

// parsePostMessage reads a message submission and the attachments it
// names (PROTOCOL.md §10; the fast path takes only messages without).
// release must be called (also after an error) once the ciphertext is no
// longer used: it may return the buffer to a pool (postbody.go).
func parsePostMessage(c *fiber.Ctx) (epoch int, ct []byte, attachments []string, release func(), err error) {
	noop := func() {}
	body, err := jsonBody(c, maxBody)
	if err != nil {
		return 0, nil, nil, noop, err
	}
	if epoch, ct, release, ok := fastPostMessage(body); ok {
		return epoch, ct, nil, release, nil
	}
	var req wire.NewMessage
	if err := decodeJSON(body, &req); err != nil {
		return 0, nil, nil, noop, err
	}
	if req.Epoch < 1 {
		return 0, nil, nil, noop, badRequest("epoch: want a positive integer")
	}
	ct = req.Ciphertext
	if len(ct) == 0 {
		return 0, nil, nil, noop, badRequest("ciphertext: missing")
	}
	if err := parseReferences(req.Attachments); err != nil {
		return 0, nil, nil, noop, err
	}
	return req.Epoch, ct, req.Attachments, noop, nil
}

// POST /api/v1/mailbox/messages
func (s *Server) postEnquirerMessage(c *fiber.Ctx) error {
	epoch, ct, attachments, release, err := parsePostMessage(c)
	defer release()
	if err != nil {
		return err
	}
	m, err := s.enquirerPost(c, s.store.CheckEnquirerCap)
	if err != nil {
		return err
	}
	if err := s.checkEpochIn(m.Org, epoch); err != nil {
		return err
	}
	if err := crypto.CheckMessage(ct); err != nil {
		return policyError(err)
	}
	seq, err := s.store.AppendEnquirer(m, epoch, ct, attachments...)
	if err != nil {
		return storeError(err, errUnauthorized)
	}
	s.hub.publishMessage(m.ID, seq)
	s.hub.publishCase(m.Org, m.ID, seq)
	return writeJSON(c, fiber.StatusCreated, wire.Posted{Seq: seq})
}

// enquirerPost authenticates an enquirer's post (a message or an
// upload) and applies the limits that come before its ciphertext
// (PROTOCOL.md §6.2): the per-address post limit, then the mailbox's
// hourly cap.
func (s *Server) enquirerPost(c *fiber.Ctx, hourlyCap func(mailbox.Mailbox) error) (mailbox.Mailbox, error) {
	m, err := s.enquirer(c)
	if err != nil {
		return m, err
	}
	if err := s.checkPostRate(c); err != nil {
		return m, err
	}
	if err := hourlyCap(m); err != nil {
		return m, storeError(err, errUnauthorized)
	}
	return m, nil
}

// DELETE /api/v1/mailbox
func (s *Server) deleteMailbox(c *fiber.Ctx) error {
	m, err := s.enquirer(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteMailbox(m.ID); err != nil {
		return storeError(err, errUnauthorized)
	}
	s.hub.endMailbox(m.ID)
	s.hub.publishCase(m.Org, m.ID, 0)
	c.Status(fiber.StatusNoContent)
	return nil
}

// GET /api/v1/mailbox/events
func (s *Server) mailboxEvents(c *fiber.Ctx) error {
	m, err := s.enquirer(c)
	if err != nil {
		return err
	}
	st := s.hub.subscribeMailbox(m.ID)
	id, verifier := m.ID, m.Verifier
	return s.serveStream(c, st, func() bool {
		cur, err := s.store.GetMailbox(id)
		return err == nil && subtle.ConstantTimeCompare(cur.Verifier[:], verifier[:]) == 1
	})
}

// b64url is the encoding of session tokens.
var b64url = base64.RawURLEncoding
