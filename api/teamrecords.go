package api

import (
	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/mailbox"
)

// What the team writes for itself (PROTOCOL.md §11): records kept with a
// case or for the team, stored as the ciphertext that came, and the record
// of counsellor actions, each organisation's own (§8). Each handler reads
// in the order of §11.3: body, session, role, kind, ciphertext, case, the
// store's bounds.

const teamRecordsPath = "/api/v1/team/records/"

func recordsOf(rs []mailbox.Record) []wire.Record {
	out := make([]wire.Record, 0, len(rs))
	for _, r := range rs {
		out = append(out, wire.Record{ID: r.ID, Kind: r.Kind, Author: r.Author, Created: formatHour(r.Created), Ciphertext: r.Ciphertext})
	}
	return out
}

func actionsOf(as []mailbox.Action) []wire.Action {
	out := make([]wire.Action, 0, len(as))
	for _, a := range as {
		out = append(out, wire.Action{Action: a.Action, By: a.By, To: a.To, At: formatHour(a.At)})
	}
	return out
}

// GET /api/v1/cases/:id/records
func (s *Server) getCaseRecords(c *fiber.Ctx) error {
	_, m, err := s.ownCaseAs(c, nil)
	if err != nil {
		return err
	}
	rs, err := s.store.CaseRecords(m.ID)
	if err != nil {
		return storeError(err, errNotFound)
	}
	return writeJSON(c, fiber.StatusOK, wire.RecordList{Records: recordsOf(rs)})
}

// POST /api/v1/cases/:id/records
func (s *Server) postCaseRecord(c *fiber.Ctx) error {
	var req wire.NewRecord
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	if !mailbox.IsCaseRecordKind(req.Kind) {
		return badRequest("kind: want note, tags or pin")
	}
	if len(req.Ciphertext) == 0 {
		return badRequest("ciphertext: missing")
	}
	a, m, err := s.ownCaseAs(c, ciphertextUnder(crypto.CheckCaseRecord, req.Ciphertext))
	if err != nil {
		return err
	}
	rid, err := s.store.AddCaseRecord(m.ID, req.Kind, a.counsellor.ID, req.Ciphertext)
	if err != nil {
		return storeError(err, errNotFound)
	}
	s.hub.publishTeam(a.counsellor.Org, eventFrame("record", wire.RecordEvent{ID: m.ID, Kind: req.Kind}))
	return writeJSON(c, fiber.StatusCreated, wire.RecordCreated{ID: rid})
}

// GET /api/v1/team/records: the session's organisation's (PROTOCOL.md §8)
func (s *Server) getTeamRecords(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needActive, true)
	if err != nil {
		return err
	}
	rs, err := s.store.TeamRecords(a.counsellor.Org)
	if err != nil {
		return storeError(err, errNotFound)
	}
	return writeJSON(c, fiber.StatusOK, wire.RecordList{Records: recordsOf(rs)})
}

// PUT /api/v1/team/records/:kind (the organisation's admins)
func (s *Server) putTeamRecord(c *fiber.Ctx) error {
	var req wire.TeamRecordUpdate
	if err := readJSON(c, maxKeyringBody, &req); err != nil {
		return err
	}
	if len(req.Ciphertext) == 0 {
		return badRequest("ciphertext: missing")
	}
	a, err := s.counsellor(c, needAdmin, true)
	if err != nil {
		return err
	}
	kind := c.Params("kind")
	if !mailbox.IsTeamRecordKind(kind) {
		return errNotFound
	}
	if err := crypto.CheckTeamRecord(req.Ciphertext); err != nil {
		return policyError(err)
	}
	org := a.counsellor.Org
	rid, err := s.store.PutTeamRecord(org, kind, a.counsellor.ID, req.Ciphertext)
	if err != nil {
		return storeError(err, errNotFound)
	}
	s.hub.publishTeam(org, eventFrame("record", wire.RecordEvent{Kind: kind}))
	return writeJSON(c, fiber.StatusCreated, wire.RecordCreated{ID: rid})
}

// GET /api/v1/team/actions (the organisation's admins)
func (s *Server) getTeamActions(c *fiber.Ctx) error {
	a, err := s.counsellor(c, needAdmin, true)
	if err != nil {
		return err
	}
	ts, err := s.store.Tombstones(a.counsellor.Org)
	if err != nil {
		return err
	}
	out := wire.TombstoneList{Actions: make([]wire.Tombstone, 0, len(ts))}
	for _, t := range ts {
		out.Actions = append(out.Actions, wire.Tombstone{Case: t.Case, Action: t.Action, By: t.By, At: formatHour(t.At)})
	}
	return writeJSON(c, fiber.StatusOK, out)
}
