package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/domain"
	"lotse/mailbox"
)

// Paging of GET /api/v1/cases (PROTOCOL.md §6.8): without limit the
// whole list, as in version 1; with limit=N (1…maxPage) a page and, if
// more follow, the cursor of the next. The cursor is opaque to clients;
// it is "<hour, Unix seconds>.<mailbox id>" of the page's last case, so
// that a page is the same however the list changed before it. In
// order=waiting it starts with the group the case was in: "w" (waiting,
// the hour is its waiting_since) or "r" (the rest, its last activity), so
// that a cursor of one order is refused in the other.
const maxPage = 1000

// queryOrder reads ?order=.
func queryOrder(c *fiber.Ctx) (mailbox.CaseOrder, error) {
	args := c.Context().QueryArgs()
	if !args.Has("order") {
		return mailbox.OrderActivity, nil
	}
	switch string(args.Peek("order")) {
	case wire.OrderActivity:
		return mailbox.OrderActivity, nil
	case wire.OrderWaiting:
		return mailbox.OrderWaiting, nil
	}
	return 0, badRequest("order: want %s or %s", wire.OrderActivity, wire.OrderWaiting)
}

// queryPage reads ?limit= and ?cursor= of a list in order; limit 0 means
// no paging.
func queryPage(c *fiber.Ctx, order mailbox.CaseOrder) (int, *mailbox.CaseCursor, error) {
	args := c.Context().QueryArgs()
	if !args.Has("limit") {
		if args.Has("cursor") {
			return 0, nil, badRequest("cursor: needs a limit")
		}
		return 0, nil, nil
	}
	v := string(args.Peek("limit"))
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage || strings.TrimLeft(v, "0123456789") != "" {
		return 0, nil, badRequest("limit: want 1 to %d", maxPage)
	}
	if !args.Has("cursor") {
		return n, nil, nil
	}
	cur, ok := parseCursor(order, string(args.Peek("cursor")))
	if !ok {
		return 0, nil, badRequest("cursor: not one this server gave for this order")
	}
	return n, cur, nil
}

func formatCursor(order mailbox.CaseOrder, c mailbox.CaseCursor) string {
	s := strconv.FormatInt(c.Hour.Unix(), 10) + "." + c.ID
	switch {
	case order != mailbox.OrderWaiting:
		return s
	case c.Waiting:
		return "w" + s
	}
	return "r" + s
}

func parseCursor(order mailbox.CaseOrder, s string) (*mailbox.CaseCursor, bool) {
	var cur mailbox.CaseCursor
	if order == mailbox.OrderWaiting {
		switch {
		case strings.HasPrefix(s, "w"):
			cur.Waiting = true
		case !strings.HasPrefix(s, "r"):
			return nil, false
		}
		s = s[1:]
	}
	ts, id, ok := strings.Cut(s, ".")
	if !ok || ts == "" || len(ts) > 12 || strings.TrimLeft(ts, "0123456789") != "" || (len(ts) > 1 && ts[0] == '0') {
		return nil, false
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || secs%3600 != 0 {
		return nil, false
	}
	if _, err := domain.ParseMailboxID(id); err != nil {
		return nil, false
	}
	cur.Hour, cur.ID = time.Unix(secs, 0).UTC(), id
	return &cur, true
}
