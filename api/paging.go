package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/domain"
	"lotse/mailbox"
)

// Paging of GET /api/v1/cases (PROTOCOL.md §6.8): without limit the
// whole list, as in version 1; with limit=N (1…maxPage) a page and, if
// more follow, the cursor of the next. The cursor is opaque to clients;
// it is "<activity hour, Unix seconds>.<mailbox id>" of the page's last
// case, so that a page is the same however the list changed before it.
const maxPage = 1000

// queryPage reads ?limit= and ?cursor=; limit 0 means no paging.
func queryPage(c *fiber.Ctx) (int, *mailbox.CaseCursor, error) {
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
	cur, ok := parseCursor(string(args.Peek("cursor")))
	if !ok {
		return 0, nil, badRequest("cursor: not one this server gave")
	}
	return n, cur, nil
}

func formatCursor(m mailbox.Mailbox) string {
	return strconv.FormatInt(m.LastActivity.Unix(), 10) + "." + m.ID
}

func parseCursor(s string) (*mailbox.CaseCursor, bool) {
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
	return &mailbox.CaseCursor{LastActivity: time.Unix(secs, 0).UTC(), ID: id}, true
}
