package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Team is GET /api/v1/team. Clients compute the fingerprint themselves
// (crypto.Fingerprint); the server's is a convenience.
type Team struct {
	Epoch       int    `json:"epoch"`
	Recipient   string `json:"recipient"`
	Fingerprint string `json:"fingerprint"`
}

// Pow is a proof-of-work challenge, GET /api/v1/pow.
type Pow struct {
	Challenge  []byte `json:"challenge"`
	Difficulty int    `json:"difficulty"`
	Expires    string `json:"expires"` // RFC 3339 UTC
}

// PowSolution answers a Pow: Nonce is 8 bytes from crypto.SolvePow.
type PowSolution struct {
	Challenge []byte `json:"challenge"`
	Nonce     []byte `json:"nonce"`
}

// NewMailbox is the body of POST /api/v1/mailboxes.
type NewMailbox struct {
	ID       string       `json:"id"`
	Verifier []byte       `json:"verifier"`
	Epoch    int          `json:"epoch"`
	Message  []byte       `json:"message"`
	Pow      *PowSolution `json:"pow,omitempty"` // may be nil at difficulty 0
}

// CreatedMailbox is the answer to POST /api/v1/mailboxes.
type CreatedMailbox struct {
	Seq     uint64 `json:"seq"`
	Expires string `json:"expires"` // date, "2027-02-26"
}

// Message is a stored message as the server returns it.
type Message struct {
	Seq        uint64 `json:"seq"`
	From       string `json:"from"` // "enquirer" or "counsellor"
	Ciphertext []byte `json:"ciphertext"`
}

// Mailbox is GET /api/v1/mailbox.
type Mailbox struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Created  string    `json:"created"` // date
	Expires  string    `json:"expires"` // date
	Messages []Message `json:"messages"`
}

// NewMessage is the body of POST /api/v1/mailbox/messages and
// POST /api/v1/cases/{id}/messages.
type NewMessage struct {
	Epoch      int    `json:"epoch"`
	Ciphertext []byte `json:"ciphertext"`
}

type posted struct {
	Seq uint64 `json:"seq"`
}

// Team returns the newest epoch and its team recipient (503 team_not_ready
// before the first keyring).
func (c *Client) Team(ctx context.Context) (*Team, error) {
	var t Team
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/team", path: "/team", want: http.StatusOK, out: &t})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Pow fetches a proof-of-work challenge for CreateMailbox.
func (c *Client) Pow(ctx context.Context) (*Pow, error) {
	var p Pow
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/pow", path: "/pow", want: http.StatusOK, out: &p})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateMailbox creates a mailbox with its first message (seq 1). It needs
// no credential.
func (c *Client) CreateMailbox(ctx context.Context, m NewMailbox) (*CreatedMailbox, error) {
	var out CreatedMailbox
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/mailboxes", path: "/mailboxes", body: m, want: http.StatusCreated, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Mailbox returns the enquirer's mailbox with the messages after seq after
// (0: all). The client's token must be the enquirer's bearer.
func (c *Client) Mailbox(ctx context.Context, after uint64) (*Mailbox, error) {
	var m Mailbox
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/mailbox", path: "/mailbox", query: afterQuery(after), want: http.StatusOK, out: &m})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// PostMessage adds an enquirer message and returns its seq.
func (c *Client) PostMessage(ctx context.Context, m NewMessage) (uint64, error) {
	var p posted
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/mailbox/messages", path: "/mailbox/messages", body: m, want: http.StatusCreated, out: &p})
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
