package api

import (
	"github.com/gofiber/fiber/v2"

	"lotse/content"
)

// The information pages and the referral directory (package content),
// rendered on the server so that they work without JavaScript:
//
//	/info                  → /info/{de|en}/ by Accept-Language
//	/info/{lang}/          the start page
//	/info/{lang}/{slug}    a page, e.g. /info/de/safety
//	/info/assets/{name}    pages.css, pages.js
//	/info/centres.json     the referral directory as JSON (public), for
//	                       the counsellor desktop
//
// They carry the web client's headers: the page CSP (webHeaders in
// static.go, marked by ctxWeb = "page") on top of setSecurityHeaders, and
// no-store, so that nothing of them stays in a cache on the device.

// mountPages registers the page routes; without Config.Content, none.
func (s *Server) mountPages(app *fiber.App) {
	if s.cfg.Content == nil {
		return
	}
	for _, m := range []string{fiber.MethodGet, fiber.MethodHead} {
		s.route(app, m, "/info", s.pagesRedirect)
		s.route(app, m, "/info/", s.pagesRedirect)
		s.route(app, m, "/info/assets/:name", s.pageAsset)
		s.route(app, m, "/info/centres.json", s.centresJSON) // before /info/:lang
		s.route(app, m, "/info/:lang", s.pagesRedirect)
		s.route(app, m, "/info/:lang/", s.servePage)
		s.route(app, m, "/info/:lang/:slug", s.servePage)
	}
}

// pagesRedirect sends /info and /info/ to the start page in the language
// the browser asks for, and /info/{lang} to /info/{lang}/.
func (s *Server) pagesRedirect(c *fiber.Ctx) error {
	c.Context().SetUserValue(ctxWeb, "page")
	lang := c.Params("lang")
	if _, ok := s.cfg.Content.Page(lang, ""); !ok {
		lang = s.cfg.Content.Language(c.Get(fiber.HeaderAcceptLanguage))
	}
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptLanguage)
	c.Set(fiber.HeaderLocation, content.BasePath+lang+"/")
	return c.SendStatus(fiber.StatusFound)
}

func (s *Server) servePage(c *fiber.Ctx) error {
	c.Context().SetUserValue(ctxWeb, "page")
	lang := c.Params("lang")
	c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
	b, ok := s.cfg.Content.PageWith(lang, c.Params("slug"), s.writeHere()) // orgs.go
	if !ok {
		c.Status(fiber.StatusNotFound)
		return c.Send(s.cfg.Content.NotFound(lang))
	}
	c.Status(fiber.StatusOK)
	return c.Send(b)
}

func (s *Server) pageAsset(c *fiber.Ctx) error {
	c.Context().SetUserValue(ctxWeb, "page")
	a, ok := s.cfg.Content.Asset(c.Params("name"))
	if !ok {
		c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
		c.Status(fiber.StatusNotFound)
		return c.Send(s.cfg.Content.NotFound(""))
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Status(fiber.StatusOK)
	return c.Send(a.Body)
}

// centresJSON serves the validated referral directory in the form of
// centres.json (content.Site.CentresJSON), which the counsellor desktop
// reads with content.ParseCentres. It is public information, served with
// the API's headers (CSP default-src 'none', no-store) and without a
// credential.
func (s *Server) centresJSON(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/json; charset=utf-8")
	c.Status(fiber.StatusOK)
	return c.Send(s.cfg.Content.CentresJSON())
}
