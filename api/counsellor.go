package api

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/domain"
	"lotse/mailbox"
)

// validCounsellorID reports whether s is a counsellor id.
func validCounsellorID(s string) bool {
	_, err := domain.ParseCounsellorID(s)
	return err == nil
}

// Login nonces carry their own expiry: random(16) || expires(8, unix
// seconds, big endian). They need no authentication of their own: r binds
// them, and a changed expiry changes r.
const (
	nonceRandLen = 16
	nonceLen     = nonceRandLen + 8
)

// POST /api/v1/auth/challenge
func (s *Server) postChallenge(c *fiber.Ctx) error {
	var req wire.ChallengeRequest
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	if !validCounsellorID(req.Counsellor) {
		return badRequest("counsellor: want [a-z0-9]{1,32}")
	}
	if ok, retry := s.loginRate.allow(s.clientAddr(c)); !ok {
		return rateLimited(retry)
	}
	// Unknown and removed counsellors get a challenge of the same form and
	// cost, to a key nobody holds.
	recipient := s.decoy
	co, err := s.store.GetCounsellor(req.Counsellor)
	switch {
	case err == nil && co.State != mailbox.StateRemoved:
		recipient = co.Recipient
	case err != nil && !errors.Is(err, mailbox.ErrNotFound):
		return err
	}
	to, err := crypto.ParseRecipient(recipient)
	if err != nil {
		if to, err = crypto.ParseRecipient(s.decoy); err != nil {
			return err
		}
	}
	expires := s.now().Add(loginLifetime).Truncate(time.Second)
	nonce := make([]byte, nonceLen)
	if _, err := io.ReadFull(rand.Reader, nonce[:nonceRandLen]); err != nil {
		return err
	}
	binary.BigEndian.PutUint64(nonce[nonceRandLen:], uint64(expires.Unix()))
	r := crypto.ChallengeR(s.loginSecret, req.Counsellor, nonce, formatTime(expires))
	ct, err := crypto.SealChallenge(r, to)
	clear(r[:])
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, wire.Challenge{Challenge: ct, Nonce: nonce, Expires: formatTime(expires)})
}

// POST /api/v1/auth/session
func (s *Server) postSession(c *fiber.Ctx) error {
	var req wire.SessionRequest
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	if !validCounsellorID(req.Counsellor) {
		return badRequest("counsellor: want [a-z0-9]{1,32}")
	}
	nonce, resp := req.Nonce, req.Response
	if len(resp) != 32 {
		return badRequest("response: want 32 bytes")
	}
	// The nonce is opaque to clients: one that is not ours is a wrong
	// credential, not a malformed request.
	if len(nonce) != nonceLen {
		return errUnauthorized
	}
	expires := time.Unix(int64(binary.BigEndian.Uint64(nonce[nonceRandLen:])), 0)
	now := s.now()
	if !now.Before(expires) || expires.After(now.Add(loginLifetime)) {
		return errUnauthorized
	}
	r := crypto.ChallengeR(s.loginSecret, req.Counsellor, nonce, formatTime(expires))
	want := crypto.ChallengeResponse(r, req.Counsellor)
	clear(r[:])
	if !hmac.Equal(resp, want[:]) {
		return errUnauthorized
	}
	co, err := s.store.GetCounsellor(req.Counsellor)
	if errors.Is(err, mailbox.ErrNotFound) || err == nil && co.State == mailbox.StateRemoved {
		return errUnauthorized
	}
	if err != nil {
		return err
	}
	if !s.usedNonces.use(nonce, expires) {
		return errUnauthorized
	}
	token, exp, ok := s.sessions.create(co.ID)
	if !ok {
		return rateLimited(time.Minute)
	}
	return writeJSON(c, fiber.StatusOK, wire.Session{Token: token, Expires: formatTime(exp)})
}

// What a counsellor request needs beyond a live session.
type need int

const (
	needSession need = iota // pending counsellors too
	needActive
	needAdmin
)

type counsellorAuth struct {
	session    [32]byte
	counsellor mailbox.Counsellor
}

// counsellor authenticates "Authorization: Bearer <token>" and checks the
// counsellor's current role and state in the store. touch refreshes the
// session's idle timer (everything but opening an event stream).
func (s *Server) counsellor(c *fiber.Ctx, n need, touch bool) (*counsellorAuth, error) {
	token, ok := bearer(c)
	if !ok || len(token) != 43 {
		return nil, errUnauthorized
	}
	key, id, ok := s.sessions.get(token, touch)
	if !ok {
		return nil, errUnauthorized
	}
	co, err := s.store.GetCounsellor(id)
	if errors.Is(err, mailbox.ErrNotFound) || err == nil && co.State == mailbox.StateRemoved {
		s.sessions.end(key)
		s.hub.endSession(key)
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	switch {
	case n >= needActive && co.State != mailbox.StateActive:
		return nil, errForbidden
	case n >= needAdmin && co.Role != mailbox.RoleAdmin:
		return nil, errForbidden
	}
	return &counsellorAuth{session: key, counsellor: co}, nil
}

// DELETE /api/v1/auth/session
func (s *Server) deleteSession(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needSession, false)
	if err != nil {
		return err
	}
	s.sessions.end(a.session)
	s.hub.endSession(a.session)
	c.Status(fiber.StatusNoContent)
	return nil
}

// caseOf is a stored mailbox as the team sees it.
func caseOf(m mailbox.Mailbox) wire.Case {
	cj := wire.Case{
		ID:            m.ID,
		Status:        m.Status,
		Created:       formatDate(m.Created),
		LastActivity:  formatHour(m.LastActivity),
		Expires:       formatDate(m.Expires),
		MessageCount:  m.MessageCount,
		AwaitingReply: m.AwaitingReply,
	}
	if m.Assignee != "" {
		a := m.Assignee
		cj.Assignee = &a
	}
	if !m.Forwarded.IsZero() {
		cj.Forwarded = &wire.Forwarded{Date: formatDate(m.Forwarded), Count: uint64(m.ForwardedCount)}
	}
	return cj
}

// GET /api/v1/cases?status=&order=&limit=&cursor= (paging.go)
func (s *Server) getCases(c *fiber.Ctx) error {
	status := ""
	if args := c.Context().QueryArgs(); args.Has("status") {
		status = string(args.Peek("status"))
		switch status {
		case mailbox.StatusNew, mailbox.StatusOpen, mailbox.StatusClosed:
		default:
			return badRequest("status: want new, open or closed")
		}
	}
	order, err := queryOrder(c)
	if err != nil {
		return err
	}
	limit, cursor, err := queryPage(c, order)
	if err != nil {
		return err
	}
	a, err := s.counsellor(c, needActive, true)
	if err != nil {
		return err
	}
	var ms []mailbox.Mailbox
	var more bool
	if limit == 0 {
		ms, err = s.store.CasesOf(a.counsellor.Org, status, order)
	} else {
		ms, more, err = s.store.CasesPageIn(a.counsellor.Org, status, order, cursor, limit)
	}
	if err != nil {
		return err
	}
	cases, err := s.casesOf(ms...)
	if err != nil {
		return err
	}
	out := wire.CaseList{Cases: cases}
	for i, m := range ms {
		// Only a client that asked for the order gets the field, so a
		// version-1 client's answer stays as it was.
		if order == mailbox.OrderWaiting && m.AwaitingReply {
			out.Cases[i].WaitingSince = formatHour(m.WaitingSince)
		}
	}
	if more {
		out.Next = formatCursor(order, mailbox.CursorAfter(order, ms[len(ms)-1]))
	}
	return writeJSON(c, fiber.StatusOK, out)
}

// caseID is the :id of a case route; one that cannot be a mailbox id is
// simply not found.
func caseID(c *fiber.Ctx) (string, error) {
	id := c.Params("id")
	if _, err := domain.ParseMailboxID(id); err != nil {
		return "", errNotFound
	}
	return id, nil
}

// GET /api/v1/cases/:id?after=N
func (s *Server) getCase(c *fiber.Ctx) error {
	after, err := queryAfter(c)
	if err != nil {
		return err
	}
	_, m, err := s.ownCaseAs(c, nil)
	if err != nil {
		return err
	}
	id := m.ID
	msgs, err := s.store.Messages(id, after)
	if err != nil {
		return storeError(err, errNotFound)
	}
	actions, err := s.store.CaseActions(id)
	if err != nil {
		return storeError(err, errNotFound)
	}
	cj, err := s.casesOf(m)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, wire.CaseDetail{Case: cj[0], Messages: messagesOf(msgs), Actions: actionsOf(actions)})
}

// POST /api/v1/cases/:id/messages
func (s *Server) postCounsellorMessage(c *fiber.Ctx) error {
	epoch, ct, attachments, release, err := parsePostMessage(c)
	defer release()
	if err != nil {
		return err
	}
	a, m, err := s.ownCaseAs(c, func(a *counsellorAuth) error {
		if err := s.checkEpochIn(a.counsellor.Org, epoch); err != nil {
			return err
		}
		return ciphertextUnder(crypto.CheckMessage, ct)(a)
	})
	if err != nil {
		return err
	}
	id := m.ID
	seq, err := s.store.AppendCounsellor(id, a.counsellor.ID, epoch, ct, attachments...)
	if err != nil {
		return storeError(err, errNotFound)
	}
	s.hub.publishMessage(id, seq)
	s.hub.publishCase(a.counsellor.Org, id, seq)
	return writeJSON(c, fiber.StatusCreated, wire.Posted{Seq: seq})
}

// PATCH /api/v1/cases/:id
func (s *Server) patchCase(c *fiber.Ctx) error {
	// The wire type has already refused a status or assignee of the wrong
	// JSON type, an empty status and an empty assignee.
	var req wire.CasePatch
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	var status *string
	if req.Status != "" {
		if req.Status != mailbox.StatusOpen && req.Status != mailbox.StatusClosed {
			return badRequest("status: want open or closed")
		}
		status = &req.Status
	}
	assignee := req.Assignee // "": unassign
	if assignee != nil && *assignee != "" && !validCounsellorID(*assignee) {
		return badRequest("assignee: want a counsellor id or null")
	}
	a, m, err := s.ownCaseAs(c, nil)
	if err != nil {
		return err
	}
	id := m.ID
	m, err = s.store.UpdateCaseBy(id, a.counsellor.ID, status, assignee)
	if err != nil {
		return storeError(err, errNotFound)
	}
	s.hub.publishCase(a.counsellor.Org, id, uint64(m.MessageCount))
	cj, err := s.casesOf(m)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, cj[0])
}

// DELETE /api/v1/cases/:id
func (s *Server) deleteCase(c *fiber.Ctx) error {
	a, m, err := s.ownCaseAs(c, nil)
	if err != nil {
		return err
	}
	id := m.ID
	if err := s.store.DeleteCase(id, a.counsellor.ID); err != nil {
		return storeError(err, errNotFound)
	}
	s.hub.endMailbox(id)
	s.hub.publishCase(a.counsellor.Org, id, 0)
	c.Status(fiber.StatusNoContent)
	return nil
}

// GET /api/v1/events
func (s *Server) teamEvents(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needActive, false)
	if err != nil {
		return err
	}
	st := s.hub.subscribeTeamIn(a.session, a.counsellor.ID, a.counsellor.Org)
	key, id := a.session, a.counsellor.ID
	return s.serveStream(c, st, func() bool {
		if !s.sessions.valid(key) {
			return false
		}
		co, err := s.store.GetCounsellor(id)
		return err == nil && co.State == mailbox.StateActive
	})
}

func keyringOf(k mailbox.Keyring) wire.Keyring {
	members := k.Members
	if members == nil {
		members = []string{}
	}
	return wire.Keyring{Epoch: k.Epoch, Recipient: k.Recipient, Envelope: k.Envelope, Members: members}
}

// GET /api/v1/keyring
func (s *Server) getKeyring(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needActive, true)
	if err != nil {
		return err
	}
	k, err := s.store.KeyringIn(a.counsellor.Org)
	if err != nil {
		return storeError(err, errNotFound)
	}
	return writeJSON(c, fiber.StatusOK, keyringOf(k))
}

const maxMembers = 256

// parsePutKeyring is the body-shape step of PUT /api/v1/keyring.
func parsePutKeyring(c *fiber.Ctx) (*mailbox.KeyringUpdate, error) {
	var req wire.KeyringUpdate
	if err := readJSON(c, maxKeyringBody, &req); err != nil {
		return nil, err
	}
	if req.Epoch < 1 {
		return nil, badRequest("epoch: want a positive integer")
	}
	if _, err := crypto.ParseRecipient(req.Recipient); err != nil {
		return nil, badRequest("recipient: want an age1pq1… hybrid recipient")
	}
	env := req.Envelope
	if len(env) == 0 {
		return nil, badRequest("envelope: missing")
	}
	if len(req.Members) < 1 || len(req.Members) > maxMembers {
		return nil, badRequest("members: want 1 to %d counsellor ids", maxMembers)
	}
	seen := make(map[string]bool, len(req.Members))
	for _, m := range req.Members {
		if !validCounsellorID(m) {
			return nil, badRequest("members: want counsellor ids")
		}
		if seen[m] {
			return nil, badRequest("members: repeated id")
		}
		seen[m] = true
	}
	u := &mailbox.KeyringUpdate{Keyring: mailbox.Keyring{
		Epoch: req.Epoch, Recipient: req.Recipient, Envelope: env, Members: req.Members,
	}}
	// null and a left-out field are both nil; "" is not.
	if req.Replaces != nil {
		if len(req.Replaces) != 32 {
			return nil, badRequest("replaces: want 32 bytes")
		}
		u.Replaces = req.Replaces
	}
	return u, nil
}

// PUT /api/v1/keyring
func (s *Server) putKeyring(c *fiber.Ctx) error {
	u, err := parsePutKeyring(c)
	if err != nil {
		return err
	}
	a, err := s.counsellor(c, needAdmin, true)
	if err != nil {
		return err
	}
	org := a.counsellor.Org
	if cur, _, _, err := s.teamOf(org); err == nil && u.Epoch < cur {
		return errStaleEpoch
	}
	n, err := crypto.CheckKeyring(u.Envelope)
	if err != nil {
		return policyError(err)
	}
	if n != len(u.Members) {
		return badRequest("the envelope has %d stanzas for %d members", n, len(u.Members))
	}
	u.Stanzas = n
	k, removed, err := s.store.PutKeyringIn(org, *u)
	if err != nil {
		return storeError(err, badRequest("members: unknown counsellor"))
	}
	if org == "" {
		s.setTeam(k)
	}
	for _, id := range removed {
		s.sessions.endCounsellor(id)
		s.hub.endCounsellor(id)
	}
	return writeJSON(c, fiber.StatusOK, keyringOf(k))
}

// GET /api/v1/counsellors (pending counsellors too, to see their state;
// they see only themselves: roster.go)
func (s *Server) getCounsellors(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needSession, true)
	if err != nil {
		return err
	}
	cs, err := s.rosterFor(a.counsellor)
	if err != nil {
		return err
	}
	out := wire.CounsellorList{Counsellors: make([]wire.Counsellor, 0, len(cs))}
	for _, co := range cs {
		out.Counsellors = append(out.Counsellors, wire.Counsellor{
			ID: co.ID, Name: co.Name, Role: co.Role, State: co.State,
			Recipient: co.Recipient, Fingerprint: crypto.Fingerprint(co.Recipient),
		})
	}
	return writeJSON(c, fiber.StatusOK, out)
}

// POST /api/v1/invites
func (s *Server) postInvite(c *fiber.Ctx) error {
	var req wire.InviteRequest
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	if req.Role != mailbox.RoleCounsellor && req.Role != mailbox.RoleAdmin {
		return badRequest("role: want counsellor or admin")
	}
	a, err := s.counsellor(c, needAdmin, true)
	if err != nil {
		return err
	}
	code, expires, err := s.store.CreateInviteIn(a.counsellor.Org, req.Role)
	if err != nil {
		return storeError(err, errNotFound)
	}
	return writeJSON(c, fiber.StatusOK, wire.Invite{Invite: code, Expires: formatTime(expires)})
}

// POST /api/v1/counsellors
func (s *Server) postCounsellor(c *fiber.Ctx) error {
	var req wire.Registration
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	setup, invite := req.Sent()
	if setup == invite {
		return badRequest("want exactly one of setup and invite")
	}
	if _, err := domain.ParseDisplayName(req.Name); err != nil {
		return badRequest("name: want 1 to 64 characters, no control or format characters, no space at either end")
	}
	if _, err := crypto.ParseRecipient(req.Recipient); err != nil {
		return badRequest("recipient: want an age1pq1… hybrid recipient")
	}
	org, err := s.orgParam(req.Org)
	if err != nil {
		return err
	}
	var co mailbox.Counsellor
	if setup {
		co, err = s.store.RegisterOrgSetup(org, req.Setup, req.Name, req.Recipient)
	} else {
		// An invite names its organisation itself; org is ignored.
		co, err = s.store.RegisterInvite(req.Invite, req.Name, req.Recipient)
	}
	if err != nil {
		return storeError(err, errNotFound)
	}
	return writeJSON(c, fiber.StatusCreated, wire.Registered{ID: co.ID, State: co.State})
}

// GET /api/v1/admin/backup
func (s *Server) getBackup(c *fiber.Ctx) error {
	if _, err := s.frontDoorAdmin(c); err != nil {
		return err
	}
	c.Status(fiber.StatusOK)
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="lotse-backup-`+formatDate(s.now())+`.db"`)
	fctx := c.Context()
	conn := fctx.Conn()
	timeout := s.cfg.WriteTimeout
	fctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		dw := &deadlineWriter{w: w, conn: conn, timeout: timeout}
		if err := s.store.Backup(dw); err != nil {
			s.log.internal("/api/v1/admin/backup", err)
			// The status is long sent: closing the connection before the
			// last chunk is how the client learns the copy is incomplete.
			conn.Close()
		}
	})
	return nil
}

// deadlineWriter moves the connection's write deadline on with every
// write, so a large backup is bounded per write, not as a whole.
type deadlineWriter struct {
	w       *bufio.Writer
	conn    net.Conn
	timeout time.Duration
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	d.conn.SetWriteDeadline(time.Now().Add(d.timeout))
	return d.w.Write(p)
}
