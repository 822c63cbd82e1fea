package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"filippo.io/age"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/domain"
)

// Challenge asks for a login challenge for a counsellor id.
func (c *Client) Challenge(ctx context.Context, counsellorID string) (*Challenge, error) {
	var ch Challenge
	body := wire.ChallengeRequest{Counsellor: counsellorID}
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/auth/challenge", path: "/auth/challenge", body: body, want: http.StatusOK, out: &ch,
		check: func(route string) error {
			if !validTime(ch.Expires) {
				return malformed(route, "challenge")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

// Session answers a challenge and returns the session.
func (c *Client) Session(ctx context.Context, counsellorID string, nonce, response []byte) (*Session, error) {
	var s Session
	body := wire.SessionRequest{Counsellor: counsellorID, Nonce: nonce, Response: response}
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/auth/session", path: "/auth/session", body: body, want: http.StatusOK, out: &s,
		check: func(route string) error {
			if !token.MatchString(s.Token) || !validTime(s.Expires) {
				return malformed(route, "session")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Login runs the challenge login (PROTOCOL.md §6 "Login") with the
// counsellor's personal identity: it refuses, through
// crypto.AnswerChallenge, any challenge that is not one stanza of the fixed
// form, and sends only the response. Use WithToken(session.Token) for the
// counsellor's requests.
func (c *Client) Login(ctx context.Context, counsellorID string, identity age.Identity) (*Session, error) {
	ch, err := c.Challenge(ctx, counsellorID)
	if err != nil {
		return nil, err
	}
	resp, err := crypto.AnswerChallenge(ch.Challenge, identity, counsellorID)
	if err != nil {
		return nil, fmt.Errorf("client: login challenge refused: %w", err)
	}
	return c.Session(ctx, counsellorID, ch.Nonce, resp[:])
}

// Logout ends the client's session.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, request{method: http.MethodDelete, route: "/api/v1/auth/session", path: "/auth/session", want: http.StatusNoContent})
}

// Cases lists cases, newest activity first; status "" lists all.
func (c *Client) Cases(ctx context.Context, status string) ([]Case, error) {
	var out wire.CaseList
	var q url.Values
	if status != "" {
		q = url.Values{"status": {status}}
	}
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/cases", path: "/cases", query: q, want: http.StatusOK, out: &out,
		check: func(route string) error { return checkEach(route, out.Cases, checkCase) }})
	if err != nil {
		return nil, err
	}
	return out.Cases, nil
}

// CasesPage returns at most limit cases (1 to 1000) after cursor ("" for
// the first page) and the cursor of the next page, "" after the last.
func (c *Client) CasesPage(ctx context.Context, status string, limit int, cursor string) ([]Case, string, error) {
	return c.CaseList(ctx, CaseQuery{Status: status, Limit: limit, Cursor: cursor})
}

// CaseQuery is a page of the case list (PROTOCOL.md §6.8): Status "" for
// all, Order "" or wire.OrderActivity for newest activity first,
// wire.OrderWaiting for the cases waiting longest first; Limit 1 to 1000;
// Cursor "" for the first page, else the Next of the page before.
type CaseQuery struct {
	Status string
	Order  string
	Limit  int
	Cursor string
}

// CaseList returns the page q asks for and the cursor of the next page, ""
// after the last.
func (c *Client) CaseList(ctx context.Context, q CaseQuery) ([]Case, string, error) {
	var out wire.CaseList
	v := url.Values{"limit": {strconv.Itoa(q.Limit)}}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if q.Order != "" {
		v.Set("order", q.Order)
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/cases", path: "/cases", query: v, want: http.StatusOK, out: &out,
		check: func(route string) error { return checkEach(route, out.Cases, checkCase) }})
	if err != nil {
		return nil, "", err
	}
	return out.Cases, out.Next, nil
}

// Case returns a case with its messages after seq after (0: all).
func (c *Client) Case(ctx context.Context, id string, after uint64) (*CaseDetail, error) {
	var cd CaseDetail
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/cases/{id}", path: casePath(id), query: afterQuery(after), want: http.StatusOK, out: &cd,
		check: func(route string) error {
			if err := checkCase(route, &cd.Case); err != nil {
				return err
			}
			return checkMessages(route, cd.Messages)
		}})
	if err != nil {
		return nil, err
	}
	return &cd, nil
}

// Reply adds a counsellor message to a case and returns its seq.
func (c *Client) Reply(ctx context.Context, id string, m NewMessage) (uint64, error) {
	var p wire.Posted
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/cases/{id}/messages", path: casePath(id) + "/messages", body: m, want: http.StatusCreated, out: &p,
		check: func(route string) error { return checkSeq(route, p.Seq) }})
	if err != nil {
		return 0, err
	}
	return p.Seq, nil
}

// PatchCase sets a case's status and/or assignee and returns the case.
func (c *Client) PatchCase(ctx context.Context, id string, p CasePatch) (*Case, error) {
	var cs Case
	err := c.do(ctx, request{method: http.MethodPatch, route: "/api/v1/cases/{id}", path: casePath(id), body: p, want: http.StatusOK, out: &cs,
		check: func(route string) error { return checkCase(route, &cs) }})
	if err != nil {
		return nil, err
	}
	return &cs, nil
}

// DeleteCase deletes a case (its mailbox and every message).
func (c *Client) DeleteCase(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, route: "/api/v1/cases/{id}", path: casePath(id), want: http.StatusNoContent})
}

// Events opens the counsellor event stream (`event: case`, data
// {"id","seq"}). It returns once the server has answered; see EventStream.
func (c *Client) Events(ctx context.Context) (*EventStream, error) {
	return c.events(ctx, "/api/v1/events", "/events")
}

// GetKeyring returns the current keyring (404 before the first).
func (c *Client) GetKeyring(ctx context.Context) (*Keyring, error) {
	var k Keyring
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/keyring", path: "/keyring", want: http.StatusOK, out: &k,
		check: func(route string) error { return checkKeyring(route, &k) }})
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// PutKeyring stores a new keyring (admins only) and returns it as stored.
func (c *Client) PutKeyring(ctx context.Context, u KeyringUpdate) (*Keyring, error) {
	var k Keyring
	err := c.do(ctx, request{method: http.MethodPut, route: "/api/v1/keyring", path: "/keyring", body: u, want: http.StatusOK, out: &k,
		check: func(route string) error { return checkKeyring(route, &k) }})
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// Counsellors lists every counsellor in every state.
func (c *Client) Counsellors(ctx context.Context) ([]Counsellor, error) {
	var out wire.CounsellorList
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/counsellors", path: "/counsellors", want: http.StatusOK, out: &out,
		check: func(route string) error { return checkEach(route, out.Counsellors, checkCounsellor) }})
	if err != nil {
		return nil, err
	}
	return out.Counsellors, nil
}

// Invites lists the open invites (admins only): ids, roles and expiries,
// never codes.
func (c *Client) Invites(ctx context.Context) ([]OpenInvite, error) {
	var out wire.InviteList
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/invites", path: "/invites", want: http.StatusOK, out: &out})
	if err != nil {
		return nil, err
	}
	return out.Invites, nil
}

// RevokeInvite deletes an open invite by its id (admins only).
func (c *Client) RevokeInvite(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, route: "/api/v1/invites/{id}", path: "/invites/" + url.PathEscape(id), want: http.StatusNoContent})
}

// RejectCounsellor removes a pending counsellor (admins only); an active
// one leaves through a new keyring epoch instead.
func (c *Client) RejectCounsellor(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, route: "/api/v1/counsellors/{id}", path: "/counsellors/" + url.PathEscape(id), want: http.StatusNoContent})
}

// CreateInvite creates a single-use invite for role ("counsellor" or
// "admin"), admins only.
func (c *Client) CreateInvite(ctx context.Context, role string) (*Invite, error) {
	var inv Invite
	body := wire.InviteRequest{Role: role}
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/invites", path: "/invites", body: body, want: http.StatusOK, out: &inv,
		check: func(route string) error {
			if !token.MatchString(inv.Invite) || !validTime(inv.Expires) {
				return malformed(route, "invite")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// Register registers a counsellor with the setup token (the first, an
// active admin) or an invite (pending until an admin's keyring lists them).
func (c *Client) Register(ctx context.Context, r Registration) (*Registered, error) {
	var out Registered
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/counsellors", path: "/counsellors", body: r, want: http.StatusCreated, out: &out,
		check: func(route string) error {
			if _, err := domain.ParseCounsellorID(out.ID); err != nil {
				return malformed(route, "counsellor id")
			}
			if out.State != "active" && out.State != "pending" {
				return malformed(route, "counsellor state")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Backup streams a compacted copy of the live data (admins only) to w and
// returns the number of bytes written. Only the context bounds it.
func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/admin/backup", nil, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("client: GET /api/v1/admin/backup: %w", unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, readError(resp)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("client: GET /api/v1/admin/backup: %w", err)
	}
	return n, nil
}

func casePath(id string) string { return "/cases/" + url.PathEscape(id) }

// checkEach checks every item of a list the server sent.
func checkEach[T any](route string, items []T, check func(string, *T) error) error {
	for i := range items {
		if err := check(route, &items[i]); err != nil {
			return err
		}
	}
	return nil
}
