package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
)

// POST /api/v1/cases/purge (admin): delete the unanswered new cases created
// in a window of days, the way out of a flood of fake enquiries that
// deleting case by case cannot keep up with. A case a counsellor answered
// or claimed is never deleted (the store checks that per case inside each
// transaction); each deleted case ends its streams and sends the team the
// same event as DELETE /api/v1/cases/{id}.
func (s *Server) purgeCases(c *fiber.Ctx) error {
	var req wire.CasePurgeRequest
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	from, err := purgeDay("from", req.From)
	if err != nil {
		return err
	}
	to, err := purgeDay("to", req.To)
	if err != nil {
		return err
	}
	if !from.Before(to) {
		return badRequest("to: not after from")
	}
	a, err := s.frontDoorAdmin(c)
	if err != nil {
		return err
	}
	res, err := s.store.PurgeNewCasesBy(from, to, req.DryRun, a.counsellor.ID)
	// Cases already deleted before an error are gone: tell the team.
	for _, id := range res.Deleted {
		s.hub.endMailbox(id)
		s.hub.publishCase("", id, 0)
	}
	if err != nil {
		return storeError(err, errNotFound)
	}
	return writeJSON(c, fiber.StatusOK, wire.CasePurge{Matched: res.Matched, Deleted: len(res.Deleted)})
}

// purgeDay parses a "YYYY-MM-DD" day of a purge window, in one spelling only.
func purgeDay(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, badRequest("%s: required", field)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return time.Time{}, badRequest("%s: not a date YYYY-MM-DD", field)
	}
	return t, nil
}
