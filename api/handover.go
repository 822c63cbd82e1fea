package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/domain"
	"lotse/mailbox"
)

// Consented handover (PROTOCOL.md §9): organisation A's counsellors offer
// a case, the enquirer declines or uploads the conversation re-sealed for
// organisation B, and the commit moves the case. The server cannot read
// or redirect it: the recipient is inside A's reply document.

// PUT /api/v1/cases/:id/handover
func (s *Server) putHandover(c *fiber.Ctx) error {
	var req wire.HandoverOffer
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	if _, err := domain.ParseSlug(req.Org); err != nil {
		return badRequest("org: want 1 to 32 characters of [a-z0-9-]")
	}
	return s.changeOffer(c, func(id, by string) error { return s.store.OfferHandover(id, by, req.Org) })
}

// DELETE /api/v1/cases/:id/handover
func (s *Server) deleteHandover(c *fiber.Ctx) error {
	return s.changeOffer(c, s.store.WithdrawHandover)
}

// changeOffer is what offering and withdrawing share: an active
// counsellor, a case of their organisation, the change by them, an event
// for the organisation's desks.
func (s *Server) changeOffer(c *fiber.Ctx, change func(id, by string) error) error {
	a, m, err := s.ownCaseAs(c, nil)
	if err != nil {
		return err
	}
	if err := change(m.ID, a.counsellor.ID); err != nil {
		return storeError(err, errNotFound)
	}
	s.hub.publishCase(m.Org, m.ID, uint64(m.MessageCount))
	return noContent(c, nil)
}

// GET /api/v1/handovers
func (s *Server) getHandovers(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needActive, true)
	if err != nil {
		return err
	}
	offers, err := s.store.Handovers(a.counsellor.Org)
	if err != nil {
		return err
	}
	out := wire.HandoverList{Handovers: make([]wire.Handover, 0, len(offers))}
	for _, o := range offers {
		out.Handovers = append(out.Handovers, wire.Handover{Case: o.Case, Org: o.To, State: o.State, Since: formatHour(o.Since)})
	}
	return writeJSON(c, fiber.StatusOK, out)
}

// casesOf is stored mailboxes as their organisation's team sees them,
// with the open or declined offer of each (§9).
func (s *Server) casesOf(ms ...mailbox.Mailbox) ([]wire.Case, error) {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	offers, err := s.store.OffersOf(ids...)
	if err != nil {
		return nil, err
	}
	out := make([]wire.Case, 0, len(ms))
	for _, m := range ms {
		cj := caseOf(m)
		if o, ok := offers[m.ID]; ok {
			cj.Handover = &wire.CaseHandover{Org: o.To, State: o.State, Since: formatHour(o.Since)}
		}
		out = append(out, cj)
	}
	return out, nil
}

// DELETE /api/v1/mailbox/handover
func (s *Server) declineHandover(c *fiber.Ctx) error {
	m, err := s.enquirer(c)
	if err != nil {
		return err
	}
	if err := s.store.DeclineHandover(m); err != nil {
		return storeError(err, errNotFound)
	}
	s.hub.publishCase(m.Org, m.ID, uint64(m.MessageCount))
	c.Status(fiber.StatusNoContent)
	return nil
}

// POST /api/v1/mailbox/handover
func (s *Server) startHandover(c *fiber.Ctx) error {
	var req wire.HandoverStart
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	if _, err := domain.ParseSlug(req.Org); err != nil {
		return badRequest("org: want 1 to 32 characters of [a-z0-9-]")
	}
	if req.Epoch < 1 {
		return badRequest("epoch: want a positive integer")
	}
	if req.Count < 1 || req.Count > maxInt31 {
		return badRequest("count: want a positive integer")
	}
	m, err := s.enquirer(c)
	if err != nil {
		return err
	}
	upload, err := s.store.StartHandover(m, req.Org, req.Epoch, int(req.Count))
	if err != nil {
		return storeError(err, errNotFound)
	}
	return writeJSON(c, fiber.StatusOK, wire.HandoverUpload{Upload: upload})
}

const maxInt31 = 1<<31 - 1

// uploadID is the {upload} of a handover route; a malformed one is not
// found, like an unknown one.
func uploadID(c *fiber.Ctx) (string, error) {
	id := c.Params("upload")
	if _, err := domain.ParseUploadID(id); err != nil {
		return "", errNotFound
	}
	return id, nil
}

// errHandoverLength is a re-sealed ciphertext that would change the size
// of what it replaces.
var errHandoverLength = &apiError{fiber.StatusUnprocessableEntity, "ciphertext_policy", "the re-sealed ciphertext is not as long as the one it replaces", 0}

// handoverError maps the store's answers to an upload.
func handoverError(err error) error {
	if err == mailbox.ErrHandoverLength {
		return errHandoverLength
	}
	return storeError(err, errNotFound)
}

// PUT /api/v1/mailbox/handover/:upload/:seq
func (s *Server) putHandoverMessage(c *fiber.Ctx) error {
	var req wire.HandoverMessage
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	if len(req.Ciphertext) == 0 {
		return badRequest("ciphertext: missing")
	}
	m, err := s.enquirer(c)
	if err != nil {
		return err
	}
	if err := crypto.CheckMessage(req.Ciphertext); err != nil {
		return policyError(err)
	}
	upload, err := uploadID(c)
	if err != nil {
		return err
	}
	seq, err := strconv.ParseUint(c.Params("seq"), 10, 63)
	if err != nil || strconv.FormatUint(seq, 10) != c.Params("seq") {
		return errNotFound
	}
	return s.staged(c)(s.store.PutHandoverMessage(m, upload, seq, req.Ciphertext))
}

// PUT /api/v1/mailbox/handover/:upload/attachments/:attachment
func (s *Server) putHandoverAttachment(c *fiber.Ctx) error {
	ct, err := attachmentBody(c)
	if err != nil {
		return err
	}
	m, err := s.enquirer(c)
	if err != nil {
		return err
	}
	if err := crypto.CheckAttachment(ct); err != nil {
		return policyError(err)
	}
	upload, err := uploadID(c)
	if err != nil {
		return err
	}
	id, err := attachmentID(c, "attachment")
	if err != nil {
		return err
	}
	return s.staged(c)(s.store.PutHandoverAttachment(m, upload, id, ct))
}

// staged answers a PUT of an upload. The first PUT of a seq or an
// attachment into a live upload gives back the token it took of the
// per-address enquirer limit (PROTOCOL.md §9.5): an upload is bounded by
// itself (count messages and the mailbox's attachments, each once, and
// only while a counsellor's offer is open), and a long conversation
// would otherwise meet 429 halfway. A repeat, and every refused PUT,
// keeps its token.
func (s *Server) staged(c *fiber.Ctx) func(first bool, err error) error {
	return func(first bool, err error) error {
		if err != nil {
			return handoverError(err)
		}
		if first {
			s.enquirerRate.refund(s.clientAddr(c))
		}
		return noContent(c, nil)
	}
}

// POST /api/v1/mailbox/handover/:upload/commit
func (s *Server) commitHandover(c *fiber.Ctx) error {
	m, err := s.enquirer(c)
	if err != nil {
		return err
	}
	upload, err := uploadID(c)
	if err != nil {
		return err
	}
	done, err := s.store.CommitHandover(m, upload)
	if err != nil {
		return storeError(err, errNotFound)
	}
	// A's desks drop the case as on deletion; B's learn of it. The
	// enquirer's own stream goes on.
	s.hub.publishCase(done.From, m.ID, 0)
	s.hub.publishCase(done.To, m.ID, done.Seq)
	return writeJSON(c, fiber.StatusOK, wire.HandoverDone{Org: s.store.OrgSlug(done.To)})
}

// noContent answers 204 unless err.
func noContent(c *fiber.Ctx, err error) error {
	if err != nil {
		return err
	}
	c.Status(fiber.StatusNoContent)
	return nil
}
