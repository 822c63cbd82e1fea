package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"lotse/api/wire"
)

// Team returns the newest epoch and its team recipient (503 team_not_ready
// before the first keyring).
func (c *Client) Team(ctx context.Context) (*Team, error) {
	var t Team
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/team", path: "/team", want: http.StatusOK, out: &t,
		check: func(route string) error { return checkTeam(route, &t) }})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Pow fetches a proof-of-work challenge for CreateMailbox.
func (c *Client) Pow(ctx context.Context) (*Pow, error) {
	var p Pow
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/pow", path: "/pow", want: http.StatusOK, out: &p,
		check: func(route string) error {
			if p.Difficulty < 0 || p.Difficulty > 24 || !validTime(p.Expires) {
				return malformed(route, "proof of work")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateMailbox creates a mailbox with its first message (seq 1). It needs
// no credential.
func (c *Client) CreateMailbox(ctx context.Context, m NewMailbox) (*CreatedMailbox, error) {
	var out CreatedMailbox
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/mailboxes", path: "/mailboxes", body: m, want: http.StatusCreated, out: &out,
		check: func(route string) error {
			if out.Seq != 1 || !validDate(out.Expires) {
				return malformed(route, "answer")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Mailbox returns the enquirer's mailbox with the messages after seq after
// (0: all). The client's token must be the enquirer's bearer.
func (c *Client) Mailbox(ctx context.Context, after uint64) (*Mailbox, error) {
	var m Mailbox
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/mailbox", path: "/mailbox", query: afterQuery(after), want: http.StatusOK, out: &m,
		check: func(route string) error { return checkMailbox(route, &m) }})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// PostMessage adds an enquirer message and returns its seq.
func (c *Client) PostMessage(ctx context.Context, m NewMessage) (uint64, error) {
	var p wire.Posted
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/mailbox/messages", path: "/mailbox/messages", body: m, want: http.StatusCreated, out: &p,
		check: func(route string) error { return checkSeq(route, p.Seq) }})
	if err != nil {
		return 0, err
	}
	return p.Seq, nil
}

// DeleteMailbox deletes the enquirer's mailbox and all its messages.
func (c *Client) DeleteMailbox(ctx context.Context) error {
	return c.do(ctx, request{method: http.MethodDelete, route: "/api/v1/mailbox", path: "/mailbox", want: http.StatusNoContent})
}

// MailboxEvents opens the enquirer's event stream (`event: message`, data
// {"seq":N}). It returns once the server has answered; see EventStream.
func (c *Client) MailboxEvents(ctx context.Context) (*EventStream, error) {
	return c.events(ctx, "/api/v1/mailbox/events", "/mailbox/events")
}

func afterQuery(after uint64) url.Values {
	if after == 0 {
		return nil
	}
	return url.Values{"after": {strconv.FormatUint(after, 10)}}
}
