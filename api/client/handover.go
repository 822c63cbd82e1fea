package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"lotse/api/wire"
	"lotse/domain"
)

// maxHandovers bounds the list a server may send.
const maxHandovers = 100000

// OfferHandover records that a reply of case id offered it to
// organisation org (§9.2); send that reply first. A later offer replaces
// an open one.
func (c *Client) OfferHandover(ctx context.Context, id, org string) error {
	return c.do(ctx, request{method: http.MethodPut, route: "/api/v1/cases/{id}/handover", path: casePath(id) + "/handover",
		body: HandoverOffer{Org: org}, want: http.StatusNoContent})
}

// WithdrawHandover withdraws case id's open offer.
func (c *Client) WithdrawHandover(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, route: "/api/v1/cases/{id}/handover", path: casePath(id) + "/handover", want: http.StatusNoContent})
}

// Handovers lists the session's organisation's offers, open, declined and
// completed, newest first.
func (c *Client) Handovers(ctx context.Context) ([]Handover, error) {
	var l wire.HandoverList
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/handovers", path: "/handovers", want: http.StatusOK, out: &l,
		check: func(route string) error {
			if len(l.Handovers) > maxHandovers {
				return malformed(route, "handover count")
			}
			for _, h := range l.Handovers {
				if _, err := domain.ParseMailboxID(h.Case); err != nil {
					return malformed(route, "case id")
				}
				if _, err := domain.ParseSlug(h.Org); err != nil {
					return malformed(route, "organisation")
				}
				switch h.State {
				case wire.HandoverOffered, wire.HandoverDeclined, wire.HandoverCompleted:
				default:
					return malformed(route, "state")
				}
				if !validTime(h.Since) {
					return malformed(route, "since")
				}
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return l.Handovers, nil
}

// DeclineHandover is the enquirer's no to the open offer (§9.3).
func (c *Client) DeclineHandover(ctx context.Context) error {
	return c.do(ctx, request{method: http.MethodDelete, route: "/api/v1/mailbox/handover", path: "/mailbox/handover", want: http.StatusNoContent})
}

// StartHandover opens the enquirer's upload of the re-sealed conversation
// (§9.3) and returns its id.
func (c *Client) StartHandover(ctx context.Context, s HandoverStart) (string, error) {
	var u wire.HandoverUpload
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/mailbox/handover", path: "/mailbox/handover", body: s, want: http.StatusOK, out: &u,
		check: func(route string) error {
			if u.Upload == "" || len(u.Upload) > 64 || url.PathEscape(u.Upload) != u.Upload {
				return malformed(route, "upload")
			}
			return nil
		}})
	if err != nil {
		return "", err
	}
	return u.Upload, nil
}

// PutHandoverMessage uploads message seq re-sealed for the receiving
// organisation.
func (c *Client) PutHandoverMessage(ctx context.Context, upload string, seq uint64, ciphertext []byte) error {
	return c.do(ctx, request{method: http.MethodPut, route: "/api/v1/mailbox/handover/{upload}/{seq}",
		path: handoverPath(upload) + "/" + strconv.FormatUint(seq, 10), body: wire.HandoverMessage{Ciphertext: ciphertext}, want: http.StatusNoContent})
}

// PutHandoverAttachment uploads attachment id re-sealed for the receiving
// organisation, as a raw body.
func (c *Client) PutHandoverAttachment(ctx context.Context, upload, id string, ciphertext []byte) error {
	route := "/api/v1/mailbox/handover/{upload}/attachments/{id}"
	resp, err := c.putRaw(ctx, http.MethodPut, route, handoverPath(upload)+"/attachments/"+url.PathEscape(id), ciphertext, http.StatusNoContent)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// CommitHandover moves the mailbox to the receiving organisation in one
// transaction and returns its slug.
func (c *Client) CommitHandover(ctx context.Context, upload string) (string, error) {
	var d wire.HandoverDone
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/mailbox/handover/{upload}/commit", path: handoverPath(upload) + "/commit", want: http.StatusOK, out: &d,
		check: func(route string) error {
			if _, err := domain.ParseSlug(d.Org); err != nil {
				return malformed(route, "organisation")
			}
			return nil
		}})
	if err != nil {
		return "", err
	}
	return d.Org, nil
}

func handoverPath(upload string) string { return "/mailbox/handover/" + url.PathEscape(upload) }
