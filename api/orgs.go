package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/content"
	"lotse/crypto"
	"lotse/domain"
	"lotse/mailbox"
)

// Organisations (PROTOCOL.md §8). A session acts inside its counsellor's
// organisation: a case, counsellor, invite or keyring of another is 404,
// as an unknown one. Internally "" is the front door, as the store's
// records name it; a slug on the wire is translated by orgParam.

// orgParam is the organisation a request names by slug ("" or the front
// door's slug: the front door); one that does not exist is 404.
func (s *Server) orgParam(slug string) (string, error) {
	if slug == "" || slug == s.store.FrontDoor() {
		return "", nil
	}
	if _, err := domain.ParseSlug(slug); err != nil {
		return "", errNotFound
	}
	if _, err := s.store.GetOrg(slug); err != nil {
		return "", storeError(err, errNotFound)
	}
	return slug, nil
}

// teamOf is the current epoch and team recipient of organisation org; the
// front door's come from the cache (currentTeam).
func (s *Server) teamOf(org string) (epoch int, recipient, fingerprint string, err error) {
	if org == "" {
		return s.currentTeam()
	}
	epoch, recipient, err = s.store.TeamIn(org)
	if errors.Is(err, mailbox.ErrNotFound) {
		return 0, "", "", errTeamNotReady
	}
	if err != nil {
		return 0, "", "", err
	}
	return epoch, recipient, crypto.Fingerprint(recipient), nil
}

// ownCaseAs is the prologue of a counsellor's request on a case route, in
// the order of §6.2: an active counsellor's session (401, 403), then check
// (if not nil) of what the request carries, then the route's case, which
// must be the session's organisation's: another's is 404, as an unknown
// one (§8).
func (s *Server) ownCaseAs(c *fiber.Ctx, check func(*counsellorAuth) error) (*counsellorAuth, mailbox.Mailbox, error) {
	a, err := s.counsellor(c, needActive, true)
	if err != nil {
		return nil, mailbox.Mailbox{}, err
	}
	if check != nil {
		if err := check(a); err != nil {
			return nil, mailbox.Mailbox{}, err
		}
	}
	id, err := caseID(c)
	if err != nil {
		return nil, mailbox.Mailbox{}, err
	}
	m, err := s.store.GetMailbox(id)
	if err != nil {
		return nil, mailbox.Mailbox{}, storeError(err, errNotFound)
	}
	if m.Org != a.counsellor.Org {
		return nil, mailbox.Mailbox{}, errNotFound
	}
	return a, m, nil
}

// ciphertextUnder is ownCaseAs's check of a ciphertext the request
// carries: policy refuses it with 422.
func ciphertextUnder(policy func([]byte) error, ciphertext []byte) func(*counsellorAuth) error {
	return func(*counsellorAuth) error {
		if err := policy(ciphertext); err != nil {
			return policyError(err)
		}
		return nil
	}
}

// frontDoorAdmin authenticates an admin of the front door: what concerns
// the whole data file (backups, compaction, purges, organisations) is not
// another organisation's to do.
func (s *Server) frontDoorAdmin(c *fiber.Ctx) (*counsellorAuth, error) {
	a, err := s.counsellor(c, needAdmin, true)
	if err != nil {
		return nil, err
	}
	if a.counsellor.Org != "" {
		return nil, errForbidden
	}
	return a, nil
}

// GET /api/v1/orgs
func (s *Server) getOrgs(c *fiber.Ctx) error {
	orgs, err := s.enquiryOrgs()
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, wire.OrgList{Orgs: orgs})
}

// enquiryOrgs are the organisations that take enquiries, those with a
// keyring, each with its current team: the front door first, then by
// slug.
func (s *Server) enquiryOrgs() ([]wire.Org, error) {
	orgs, err := s.store.Orgs()
	if err != nil {
		return nil, err
	}
	out := make([]wire.Org, 0, len(orgs))
	for _, o := range orgs {
		org := o.Slug
		if o.FrontDoor {
			org = ""
		}
		epoch, recipient, fp, err := s.teamOf(org)
		if errors.Is(err, errTeamNotReady) {
			continue // listed once it has a keyring
		}
		if err != nil {
			return nil, err
		}
		out = append(out, wire.Org{Slug: o.Slug, Name: o.Name, Epoch: epoch, Recipient: recipient, Fingerprint: fp, FrontDoor: o.FrontDoor})
	}
	return out, nil
}

// writeHere is, for the referral directory's page, the address at which
// to write to each organisation that takes enquiries: /o/<slug>/, and /
// for the front door ("" for any other). The organisations are read once
// per request, and only for the directory's page (content.Site.PageWith).
func (s *Server) writeHere() func(org string) string {
	var hrefs map[string]string
	return func(org string) string {
		if hrefs == nil {
			hrefs = map[string]string{}
			orgs, err := s.enquiryOrgs()
			if err != nil {
				s.log.internal("/info/:lang/:slug", err)
			}
			for _, o := range orgs {
				hrefs[o.Slug] = "/o/" + o.Slug + "/"
				if o.FrontDoor {
					hrefs[o.Slug] = content.AppPath
				}
			}
		}
		return hrefs[org]
	}
}

// POST /api/v1/orgs (admins of the front door)
func (s *Server) postOrg(c *fiber.Ctx) error {
	var req wire.NewOrg
	if err := readJSON(c, maxBody, &req); err != nil {
		return err
	}
	if _, err := domain.ParseSlug(req.Slug); err != nil {
		return badRequest("slug: want 1 to 32 characters of [a-z0-9-]")
	}
	if _, err := domain.ParseDisplayName(req.Name); err != nil {
		return badRequest("name: want 1 to 64 characters, no control or format characters, no space at either end")
	}
	if _, err := s.frontDoorAdmin(c); err != nil {
		return err
	}
	token, expires, err := s.store.CreateOrg(req.Slug, req.Name)
	if err != nil {
		return storeError(err, errNotFound)
	}
	return writeJSON(c, fiber.StatusCreated, wire.CreatedOrg{Slug: req.Slug, Setup: token, Expires: formatTime(expires)})
}

// DELETE /api/v1/orgs/:slug (admins of the front door)
func (s *Server) deleteOrg(c *fiber.Ctx) error {
	if _, err := s.frontDoorAdmin(c); err != nil {
		return err
	}
	gone, err := s.store.DeleteOrg(c.Params("slug"))
	if err != nil {
		return storeError(err, errNotFound)
	}
	for _, id := range gone.Counsellors {
		s.sessions.endCounsellor(id)
		s.hub.endCounsellor(id)
	}
	for _, id := range gone.Cases {
		s.hub.endMailbox(id)
	}
	for _, o := range gone.Offers {
		s.hub.publishCase(o.Org, o.Case, o.Seq)
	}
	c.Status(fiber.StatusNoContent)
	return nil
}

// GET /o/<slug>/ and its assets: the web client for an organisation that
// takes enquiries directly. The page is the front door's with the
// organisation's name where the service's stands; it reads the slug from
// its path and names it when it fetches the team and creates a mailbox.
// Its assets are the same files as at /, by relative URL. The front door
// is at / only.
func (s *Server) serveOrgWeb(c *fiber.Ctx) error {
	slug := c.Params("slug")
	if slug == s.store.FrontDoor() {
		return errNotFound
	}
	if _, err := domain.ParseSlug(slug); err != nil {
		return errNotFound
	}
	o, err := s.store.GetOrg(slug)
	if err != nil {
		return storeError(err, errNotFound)
	}
	file := "/" + c.Params("file")
	if file != "/" {
		return s.sendWeb(c, file)
	}
	f, err := s.web.orgPage(o.Name)
	if err != nil {
		return err
	}
	return s.sendWebFile(c, file, f)
}
