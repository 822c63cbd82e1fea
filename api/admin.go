package api

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/mailbox"
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
	if _, err := s.frontDoorAdmin(c); err != nil {
		return err
	}
	start := time.Now()
	purged, err := s.store.Purge()
	if err != nil {
		return err
	}
	st, err := s.store.CompactStats()
	if errors.Is(err, mailbox.ErrStorageFull) {
		// Not enough room for the copy: the operator reads why in the
		// log, the admin gets a 503 to try again later.
		s.log.internal("/api/v1/admin/compact", err)
		return errStorageFull
	}
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
