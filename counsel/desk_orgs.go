package counsel

import (
	"errors"
	"net/http"
)

// The desk's organisations (orgs.go): the list with pin states, pinning
// after the fingerprint was read out, and for admins of the front door
// creating and deleting organisations. A changed team key of another
// organisation is shown on its line and blocks handovers to it; it does
// not lock the desk, which stays the team's own.

func (d *Desk) orgRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/orgs", d.withSession(d.getOrgs))
	m.HandleFunc("POST /api/orgs", d.withSession(d.postOrg))
	m.HandleFunc("POST /api/orgs/pin", d.withSession(d.postOrgPin))
	m.HandleFunc("DELETE /api/orgs/{slug}", withInput(d, pathValue("slug", validSlug, "malformed slug"), d.deleteOrg))
}

// frontDoorAdmin reports whether s may create and delete organisations.
func frontDoorAdmin(s *Session) bool { return s.IsAdmin() && s.cfg.Org == "" }

func (d *Desk) getOrgs(w http.ResponseWriter, r *http.Request, s *Session) {
	orgs, err := s.Orgs(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, orgList{FrontDoorAdmin: frontDoorAdmin(s), Orgs: orgs})
}

func (d *Desk) postOrgPin(w http.ResponseWriter, r *http.Request, s *Session) {
	var req pinOrgRequest
	if err := readBody(r, &req); err != nil || !validSlug(req.Slug) || len(req.Fingerprint) > 256 {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("malformed request"))
		return
	}
	o, err := s.PinOrg(r.Context(), req.Slug, req.Fingerprint)
	if isAlarmMsg(err, mAlarmOrgFingerprintDiffers) {
		// What was read out is not what the server shows: nothing is
		// pinned, and the page says not to hand over to it.
		writeErr(w, http.StatusBadRequest, "fingerprint_mismatch", err)
		return
	}
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (d *Desk) postOrg(w http.ResponseWriter, r *http.Request, s *Session) {
	var req newOrgRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("malformed request"))
		return
	}
	created, err := s.CreateOrg(r.Context(), req.Slug, req.Name)
	switch {
	case isMsg(err, mErrBadSlug), isMsg(err, mErrBadOrgName):
		writeErr(w, http.StatusBadRequest, "bad_request", err)
	case isMsg(err, mErrOrgExists):
		writeErr(w, http.StatusConflict, "org_exists", err)
	case err != nil:
		d.fail(w, err)
	default:
		writeJSON(w, http.StatusOK, created)
	}
}

func (d *Desk) deleteOrg(w http.ResponseWriter, r *http.Request, s *Session, slug string) {
	err := s.DeleteOrg(r.Context(), slug)
	switch {
	case isMsg(err, mErrNoSuchOrg):
		writeErr(w, http.StatusNotFound, "not_found", err)
	case isMsg(err, mErrDeleteFrontDoor):
		writeErr(w, http.StatusConflict, "front_door", err)
	case err != nil:
		d.fail(w, err)
	default:
		writeJSON(w, http.StatusOK, deletedAnswer{Deleted: true, Slug: slug})
	}
}

// The desk's handover of a case (handover.go): the offer, its withdrawal
// and the organisation's list of offers.
func (d *Desk) handoverRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/cases/{id}/handover", d.caseHandler(d.postHandover))
	m.HandleFunc("DELETE /api/cases/{id}/handover", d.caseHandler(d.deleteHandover))
	m.HandleFunc("GET /api/handovers", d.withSession(d.getHandovers))
}

func (d *Desk) postHandover(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	var req handoverRequest
	if err := readBody(r, &req); err != nil || !validSlug(req.Org) || req.Lang != "" && !validLang(req.Lang) {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("malformed request"))
		return
	}
	if _, err := checkOfferNote(req.Note); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	ctx := r.Context()
	var seq uint64
	err := d.withThread(ctx, s, id, func(t *Thread) error {
		var err error
		seq, err = s.OfferHandover(ctx, t, req.Org, req.Note, req.Lang)
		return err
	})
	switch {
	case isAlarmMsg(err, mAlarmOrgKeyChanged):
		// Another organisation's key, not the team's: the desk stays
		// open, and the page asks for the new fingerprint.
		writeErr(w, http.StatusConflict, "org_changed", err)
	case isMsg(err, mErrOrgNotPinned):
		writeErr(w, http.StatusConflict, "org_unpinned", err)
	case isMsg(err, mErrOwnOrg):
		writeErr(w, http.StatusBadRequest, "bad_request", err)
	case err != nil:
		d.fail(w, err)
	default:
		writeJSON(w, http.StatusOK, sentAnswer{Seq: seq})
	}
}

func (d *Desk) deleteHandover(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	err := s.WithdrawHandover(r.Context(), id)
	if isMsg(err, mErrNoOpenOffer) {
		writeErr(w, http.StatusNotFound, "not_found", err)
		return
	}
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"withdrawn": true})
}

func (d *Desk) getHandovers(w http.ResponseWriter, r *http.Request, s *Session) {
	hs, err := s.Handovers(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, handoverList{Handovers: hs})
}
