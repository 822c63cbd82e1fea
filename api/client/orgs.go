package client

import (
	"context"
	"net/http"
	"net/url"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/domain"
)

// maxOrgs bounds the list a server may send, as the store bounds it.
const maxOrgs = 256

// Orgs lists the organisations that have a keyring, the front door first.
// Each entry is checked as Team checks a team, and its fingerprint is
// computed here, not taken from the server.
func (c *Client) Orgs(ctx context.Context) ([]Org, error) {
	var l wire.OrgList
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/orgs", path: "/orgs", want: http.StatusOK, out: &l,
		check: func(route string) error {
			if len(l.Orgs) > maxOrgs {
				return malformed(route, "organisation count")
			}
			seen := make(map[string]bool, len(l.Orgs))
			for i := range l.Orgs {
				o := &l.Orgs[i]
				if _, err := domain.ParseSlug(o.Slug); err != nil || seen[o.Slug] {
					return malformed(route, "slug")
				}
				seen[o.Slug] = true
				if _, err := domain.ParseStoredDisplayName(o.Name); err != nil {
					return malformed(route, "name")
				}
				if o.FrontDoor != (i == 0) {
					return malformed(route, "front door")
				}
				t := Team{Epoch: o.Epoch, Recipient: o.Recipient}
				if err := checkTeam(route, &t); err != nil {
					return err
				}
				o.Fingerprint = crypto.Fingerprint(o.Recipient)
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return l.Orgs, nil
}

// TeamOf is Team for organisation org ("" the front door).
func (c *Client) TeamOf(ctx context.Context, org string) (*Team, error) {
	if org == "" {
		return c.Team(ctx)
	}
	var t Team
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/team", path: "/team", query: url.Values{"org": {org}}, want: http.StatusOK, out: &t,
		check: func(route string) error { return checkTeam(route, &t) }})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateOrg creates an organisation (admins of the front door) and
// returns the one-time setup token for its first admin.
func (c *Client) CreateOrg(ctx context.Context, slug, name string) (*CreatedOrg, error) {
	var out CreatedOrg
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/orgs", path: "/orgs", body: NewOrg{Slug: slug, Name: name}, want: http.StatusCreated, out: &out,
		check: func(route string) error {
			if out.Slug != slug || out.Setup == "" || len(out.Setup) > 256 {
				return malformed(route, "setup token")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteOrg deletes an organisation with its counsellors and cases
// (admins of the front door).
func (c *Client) DeleteOrg(ctx context.Context, slug string) error {
	return c.do(ctx, request{method: http.MethodDelete, route: "/api/v1/orgs/{slug}", path: "/orgs/" + url.PathEscape(slug), want: http.StatusNoContent})
}
