package api

import (
	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/mailbox"
)

// Roster hygiene (PROTOCOL.md §6.10): an admin lists and revokes open
// invites and rejects pending counsellors; a pending counsellor, who
// holds one invite and no team key, sees only themselves, not the team's
// names, ids and keys.

// rosterFor is the roster as the counsellor may see it.
func (s *Server) rosterFor(co mailbox.Counsellor) ([]mailbox.Counsellor, error) {
	if co.State == mailbox.StatePending {
		return []mailbox.Counsellor{co}, nil
	}
	return s.store.CounsellorsIn(co.Org)
}

// GET /api/v1/invites
func (s *Server) getInvites(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needAdmin, true)
	if err != nil {
		return err
	}
	invs, err := s.store.InvitesIn(a.counsellor.Org)
	if err != nil {
		return err
	}
	out := wire.InviteList{Invites: make([]wire.OpenInvite, 0, len(invs))}
	for _, inv := range invs {
		out.Invites = append(out.Invites, wire.OpenInvite{ID: inv.ID, Role: inv.Role, Expires: formatTime(inv.Expires)})
	}
	return writeJSON(c, fiber.StatusOK, out)
}

// DELETE /api/v1/invites/:id
func (s *Server) deleteInvite(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needAdmin, true)
	if err != nil {
		return err
	}
	if err := s.store.RevokeInviteIn(a.counsellor.Org, c.Params("id")); err != nil {
		return storeError(err, errNotFound)
	}
	c.Status(fiber.StatusNoContent)
	return nil
}

// DELETE /api/v1/counsellors/:id rejects a pending counsellor; an active
// one leaves through a new keyring epoch (400).
func (s *Server) deleteCounsellor(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needAdmin, true)
	if err != nil {
		return err
	}
	co, err := s.store.RejectPendingIn(a.counsellor.Org, c.Params("id"))
	if err != nil {
		return storeError(err, errNotFound)
	}
	s.sessions.endCounsellor(co.ID)
	s.hub.endCounsellor(co.ID)
	c.Status(fiber.StatusNoContent)
	return nil
}
