package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"lotse/api/wire"
	"lotse/internal/httpsec"
)

// User values on the fasthttp request (fiber's Locals share them).
const (
	ctxRoute     = "lotse.route"     // the route pattern, for the log
	ctxInHandler = "lotse.inHandler" // set while our handler wrapper runs
)

func (s *Server) newApp() *fiber.App {
	app := fiber.New(fiber.Config{
		// Fiber's BodyLimit is for the whole app and the keyring and the
		// team's records need the most; readJSON holds every other route
		// to maxBody. Bodies up to
		// BodyLimit are read, so that they get a clean 413 rather than a
		// connection reset.
		BodyLimit: maxKeyringBody,
		// Streamed, so that an announced length reserves nothing: readBody
		// (admission.go) reads each body against its route's limit.
		StreamRequestBody:     true,
		Concurrency:           s.cfg.MaxConns,
		ReadBufferSize:        maxHeader,
		ReadTimeout:           s.cfg.ReadTimeout,
		WriteTimeout:          s.cfg.WriteTimeout,
		IdleTimeout:           s.cfg.IdleTimeout,
		DisableStartupMessage: true,
		// Strings from the request outlive the handler in the store,
		// sessions and event hub: copy them.
		Immutable:                    true,
		CaseSensitive:                true,
		StrictRouting:                true,
		DisableDefaultContentType:    true,
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 s.handleError,
		JSONEncoder:                  json.Marshal,
		JSONDecoder:                  json.Unmarshal,
	})

	const v1 = "/api/v1"
	s.route(app, fiber.MethodGet, v1+"/team", s.getTeam)
	s.route(app, fiber.MethodGet, v1+"/pow", s.getPow)
	s.route(app, fiber.MethodPost, v1+"/mailboxes", s.createMailbox)
	s.route(app, fiber.MethodGet, v1+"/mailbox", s.getMailbox)
	s.route(app, fiber.MethodPost, v1+"/mailbox/messages", s.postEnquirerMessage)
	s.route(app, fiber.MethodDelete, v1+"/mailbox", s.deleteMailbox)
	s.route(app, fiber.MethodGet, v1+"/mailbox/events", s.mailboxEvents)
	s.route(app, fiber.MethodPost, v1+"/mailbox/attachments", s.postEnquirerAttachment)
	s.route(app, fiber.MethodGet, v1+"/mailbox/attachments/:attachment", s.getEnquirerAttachment)

	s.route(app, fiber.MethodPost, v1+"/auth/challenge", s.postChallenge)
	s.route(app, fiber.MethodPost, v1+"/auth/session", s.postSession)
	s.route(app, fiber.MethodDelete, v1+"/auth/session", s.deleteSession)
	s.route(app, fiber.MethodGet, v1+"/cases", s.getCases)
	s.route(app, fiber.MethodPost, v1+"/cases/purge", s.purgeCases)
	s.route(app, fiber.MethodGet, v1+"/cases/:id", s.getCase)
	s.route(app, fiber.MethodPost, v1+"/cases/:id/messages", s.postCounsellorMessage)
	s.route(app, fiber.MethodPost, v1+"/cases/:id/attachments", s.postCounsellorAttachment)
	s.route(app, fiber.MethodGet, v1+"/cases/:id/attachments/:attachment", s.getCounsellorAttachment)
	s.route(app, fiber.MethodPatch, v1+"/cases/:id", s.patchCase)
	s.route(app, fiber.MethodDelete, v1+"/cases/:id", s.deleteCase)
	s.route(app, fiber.MethodGet, v1+"/events", s.teamEvents)
	s.route(app, fiber.MethodGet, v1+"/keyring", s.getKeyring)
	s.route(app, fiber.MethodPut, v1+"/keyring", s.putKeyring)
	s.route(app, fiber.MethodGet, v1+"/counsellors", s.getCounsellors)
	s.route(app, fiber.MethodPost, v1+"/invites", s.postInvite)
	s.route(app, fiber.MethodPost, v1+"/counsellors", s.postCounsellor)
	// Roster hygiene (roster.go).
	s.route(app, fiber.MethodGet, v1+"/invites", s.getInvites)
	s.route(app, fiber.MethodDelete, v1+"/invites/:id", s.deleteInvite)
	s.route(app, fiber.MethodDelete, v1+"/counsellors/:id", s.deleteCounsellor)
	s.route(app, fiber.MethodGet, v1+"/admin/backup", s.getBackup)
	// What the team writes for itself (teamrecords.go).
	s.route(app, fiber.MethodGet, v1+"/cases/:id/records", s.getCaseRecords)
	s.route(app, fiber.MethodPost, v1+"/cases/:id/records", s.postCaseRecord)
	s.route(app, fiber.MethodGet, v1+"/team/records", s.getTeamRecords)
	s.route(app, fiber.MethodPut, v1+"/team/records/:kind", s.putTeamRecord)
	s.route(app, fiber.MethodGet, v1+"/team/actions", s.getTeamActions)
	// Organisations (orgs.go, PROTOCOL.md §8).
	s.route(app, fiber.MethodGet, v1+"/orgs", s.getOrgs)
	s.route(app, fiber.MethodPost, v1+"/orgs", s.postOrg)
	s.route(app, fiber.MethodDelete, v1+"/orgs/:slug", s.deleteOrg)
	// Consented handover (handover.go, PROTOCOL.md §9).
	s.route(app, fiber.MethodPut, v1+"/cases/:id/handover", s.putHandover)
	s.route(app, fiber.MethodDelete, v1+"/cases/:id/handover", s.deleteHandover)
	s.route(app, fiber.MethodGet, v1+"/handovers", s.getHandovers)
	s.route(app, fiber.MethodDelete, v1+"/mailbox/handover", s.declineHandover)
	s.route(app, fiber.MethodPost, v1+"/mailbox/handover", s.startHandover)
	s.route(app, fiber.MethodPut, v1+"/mailbox/handover/:upload/:seq", s.putHandoverMessage)
	s.route(app, fiber.MethodPut, v1+"/mailbox/handover/:upload/attachments/:attachment", s.putHandoverAttachment)
	s.route(app, fiber.MethodPost, v1+"/mailbox/handover/:upload/commit", s.commitHandover)
	s.mountOps(app) // health.go: /healthz, /readyz, /favicon.ico
	// The information pages (pages.go), before the web client's "/:file".
	s.mountPages(app)
	// The web client (static.go): one page and its assets.
	for _, m := range []string{fiber.MethodGet, fiber.MethodHead} {
		s.route(app, m, "/", s.serveWeb)
		s.route(app, m, "/:file", s.serveWeb)
		s.route(app, m, "/o/:slug/", s.serveOrgWeb) // orgs.go
		s.route(app, m, "/o/:slug/:file", s.serveOrgWeb)
	}
	s.route(app, fiber.MethodPost, v1+"/admin/compact", s.postCompact)

	// Wrap fiber's fasthttp handler so that every response that passes
	// through it, including fiber's own 404/405 and invalid-method
	// answers, gets the security headers and one log line.
	app.Server().HeaderReceived = refuseLength
	inner := app.Handler()
	app.Server().Handler = func(ctx *fasthttp.RequestCtx) {
		start := time.Now()
		ctx.SetUserValue(ctxInHandler, true)
		method := string(ctx.Method())
		defer func() {
			if r := recover(); r != nil {
				s.log.internal("panic", fmt.Errorf("%v", r))
				ctx.Response.Reset()
				c := app.AcquireCtx(ctx)
				writeError(c, errInternal)
				app.ReleaseCtx(c)
			}
			setSecurityHeaders(&ctx.Response.Header)
			if s.hsts != "" && ctx.IsTLS() {
				ctx.Response.Header.Set("Strict-Transport-Security", s.hsts)
			}
			webHeaders(ctx, &ctx.Response.Header) // the page's CSP and caching
			route, _ := ctx.UserValue(ctxRoute).(string)
			if route == "" {
				route = "-"
			}
			if !knownMethod(method) {
				method = "-"
			}
			s.log.request(method, route, ctx.Response.StatusCode(), time.Since(start))
			s.metrics.observe(method, route, ctx.Response.StatusCode(), time.Since(start))
		}()
		if !knownMethod(method) {
			// fiber would answer in plain text.
			c := app.AcquireCtx(ctx)
			writeError(c, errNotFound)
			app.ReleaseCtx(c)
			return
		}
		taken, aerr := s.readBody(ctx)
		defer s.bodies.give(taken)
		if aerr != nil {
			c := app.AcquireCtx(ctx)
			writeError(c, aerr)
			app.ReleaseCtx(c)
			return
		}
		inner(ctx)
	}
	return app
}

// route registers a handler that records its own pattern for the log, so
// the log never sees a raw path.
func (s *Server) route(app *fiber.App, method, path string, h fiber.Handler) {
	app.Add(method, path, func(c *fiber.Ctx) error {
		c.Locals(ctxRoute, path)
		return h(c)
	})
}

func knownMethod(m string) bool {
	switch m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodConnect, fiber.MethodOptions, fiber.MethodTrace:
		return true
	}
	return false
}

// setSecurityHeaders sets them for every response; the web client's
// pages get their own CSP on top (webHeaders).
func setSecurityHeaders(h *fasthttp.ResponseHeader) {
	httpsec.Set(h.Set, "default-src 'none'")
}

// requestLog writes one line a request: method, route pattern, status and
// latency. Nothing in it identifies a person.
type requestLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *requestLog) request(method, route string, status int, latency time.Duration) {
	line := fmt.Sprintf("mailboxd: %s %s %d %s\n", method, route, status, latency.Round(time.Microsecond))
	l.mu.Lock()
	defer l.mu.Unlock()
	io.WriteString(l.w, line)
}

// internal logs an unexpected error with mailbox ids blanked out.
func (l *requestLog) internal(route string, err error) {
	if !strings.HasPrefix(route, "/api/") {
		route = "-"
	}
	msg := hexID.ReplaceAllString(err.Error(), "…")
	msg = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, msg)
	line := fmt.Sprintf("mailboxd: error: %s: %s\n", route, msg)
	l.mu.Lock()
	defer l.mu.Unlock()
	io.WriteString(l.w, line)
}

// writeJSON answers with a JSON body.
func writeJSON(c *fiber.Ctx, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

// readJSON checks, in this order, size (413), media type (415) and shape
// (400), and decodes the body into v strictly: no unknown fields, no
// trailing data. Required fields are the caller's to check.
func readJSON(c *fiber.Ctx, limit int, v any) error {
	body, err := jsonBody(c, limit)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// jsonBody returns the raw body of a JSON request after checking its
// size, encoding and media type. It belongs to fasthttp and is valid only
// while the handler runs.
func jsonBody(c *fiber.Ctx, limit int) ([]byte, error) {
	req := c.Request()
	if cl := req.Header.ContentLength(); cl > limit {
		return nil, errTooLarge
	}
	// BodyRaw, not Body: fiber's Body would inflate a Content-Encoding.
	body := c.BodyRaw()
	if len(body) > limit {
		return nil, errTooLarge
	}
	if len(req.Header.Peek(fiber.HeaderContentEncoding)) != 0 {
		if enc := strings.TrimSpace(string(req.Header.Peek(fiber.HeaderContentEncoding))); !strings.EqualFold(enc, "identity") {
			return nil, errMediaType
		}
	}
	// The common forms without mime.ParseMediaType's allocations.
	switch string(req.Header.ContentType()) {
	case fiber.MIMEApplicationJSON, fiber.MIMEApplicationJSONCharsetUTF8:
		return body, nil
	}
	mt, params, err := mime.ParseMediaType(string(req.Header.ContentType()))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return nil, errMediaType
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, errMediaType
	}
	return body, nil
}

func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("trailing data after the JSON object")
	}
	return nil
}

// jsonError turns a decoding error into a message that names at most a
// field, never a value.
func jsonError(err error) *apiError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var fe *wire.FieldError
	switch {
	case errors.As(err, &fe):
		return badRequest("%s", fe.Error())
	case errors.As(err, &te) && te.Type == bytesType && te.Value == "string" && te.Field != "":
		return badRequest("%s: not standard base64", te.Field)
	case errors.As(err, &te):
		if te.Field == "" {
			return badRequest("the body must be a JSON object")
		}
		return badRequest("field %q has the wrong type", te.Field)
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badRequest("malformed JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if len(name) > 40 || !printable(name) {
			return badRequest("unknown field")
		}
		return badRequest("unknown field %q", name)
	}
	return badRequest("malformed JSON")
}

// bytesType marks wire.Bytes' refusal of a string that is not standard
// base64.
var bytesType = reflect.TypeFor[wire.Bytes]()

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// queryAfter reads ?after=N: absent is 0, anything but a decimal
// non-negative integer is 400.
func queryAfter(c *fiber.Ctx) (uint64, error) {
	args := c.Context().QueryArgs()
	if !args.Has("after") {
		return 0, nil
	}
	v := string(args.Peek("after"))
	if v == "" || len(v) > 20 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, badRequest("after: want a non-negative integer")
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, badRequest("after: want a non-negative integer")
	}
	return n, nil
}

// clientAddr is the client prefix the per-address limits key on
// (admission.go); it is hashed at once and never kept or logged.
func (s *Server) clientAddr(c *fiber.Ctx) string {
	if s.cfg.ProxyHeader != "" {
		v := c.Get(s.cfg.ProxyHeader)
		if i := strings.LastIndexByte(v, ','); i >= 0 {
			v = v[i+1:]
		}
		if v = strings.TrimSpace(v); v != "" {
			return s.addrKey(v)
		}
	}
	addr := c.Context().RemoteAddr()
	if ta, ok := addr.(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			return s.prefixKey(a)
		}
	}
	return addr.String()
}

func formatDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func formatHour(t time.Time) string { return t.UTC().Truncate(time.Hour).Format(time.RFC3339) }
