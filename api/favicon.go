package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// favicon is the icon every browser asks for at /favicon.ico: a blue disc
// with a white wave (16 and 32 px PNGs in an ICO). It is deliberately
// neutral: a tab, a bookmark or a browser's icon cache that someone else
// looks at should not say what the site is for. It is served from the
// binary, like everything else, and with the API's no-store, so no
// third party is asked and nothing marks the visit beyond what history
// already does.
//
//go:embed favicon.ico
var favicon []byte

func (s *Server) serveFavicon(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "image/x-icon")
	c.Status(fiber.StatusOK)
	return c.Send(favicon)
}

// mountOps registers what serves the machines and browsers around the
// API rather than its clients: the health checks (health.go) and the
// favicon. Before the web client's "/:file", which would take them.
func (s *Server) mountOps(app *fiber.App) {
	s.route(app, fiber.MethodGet, "/healthz", s.getHealthz)
	s.route(app, fiber.MethodGet, "/readyz", s.getReadyz)
	for _, m := range []string{fiber.MethodGet, fiber.MethodHead} {
		s.route(app, m, "/favicon.ico", s.serveFavicon)
	}
}
