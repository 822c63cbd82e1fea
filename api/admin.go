package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
)

// POST /api/v1/admin/compact (admin): delete the mailboxes whose retention
// has run out, then rewrite the data file with the live data only, so what
// was deleted is physically gone from it. Writes wait while the copy is
// made; reads go on. The body is empty (or {}).
func (s *Server) postCompact(c *fiber.Ctx) error {
	if len(c.BodyRaw()) > 0 || c.Request().Header.ContentLength() > 0 {
		var empty struct{}
		if err := readJSON(c, maxBody, &empty); err != nil {
			return err
		}
	}
	if _, err := s.counsellor(c, needAdmin, true); err != nil {
		return err
	}
	start := time.Now()
	purged, err := s.store.Purge()
	if err != nil {
		return err
	}
	st, err := s.store.CompactStats()
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, wire.Compaction{
		Purged:      purged,
		BytesBefore: st.BytesBefore,
		BytesAfter:  st.BytesAfter,
		DurationMS:  time.Since(start).Milliseconds(),
	})
}
