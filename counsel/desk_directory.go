package counsel

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"lotse/content"
)

// The team tab's view of the referral directory (issue 11): which centres
// are new or changed since the list was confirmed, and for an admin the
// button that confirms it for the whole team (ConfirmCentresForTeam).

// directoryStatus answers GET /api/centres-status.
type directoryStatus struct {
	Team bool `json:"team"` // compared with the team's confirmed list
	// OlderEpoch: the team's list was confirmed under an older team key;
	// an admin should confirm it again.
	OlderEpoch bool         `json:"older_epoch"`
	Total      int          `json:"total"`
	Changed    []centreName `json:"changed"`
	// Digest names the directory as shown; a confirmation carries it, so
	// that nobody confirms a list the server changed after it was shown.
	Digest string `json:"digest"`
}

// directoryDigest is SHA-256 over every centre's id and hash.
func directoryDigest(dir *content.Directory) string {
	h := sha256.New()
	for _, c := range dir.Centres() {
		h.Write([]byte(c.ID))
		h.Write([]byte{0})
		h.Write([]byte(centreHash(dir, c)))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (d *Desk) getDirectoryStatus(w http.ResponseWriter, r *http.Request, s *Session) {
	dir, err := d.refreshCentres(r.Context(), s)
	if err != nil {
		d.failCentres(w, err)
		return
	}
	d.mu.Lock()
	changes := d.changed
	d.mu.Unlock()
	st := directoryStatus{Team: changes.Team, OlderEpoch: changes.OlderEpoch, Total: dir.Len(), Changed: []centreName{}, Digest: directoryDigest(dir)}
	for _, c := range dir.Centres() {
		if changes.Has(c.ID) {
			st.Changed = append(st.Changed, centreName{c.ID, c.Name})
		}
	}
	writeJSON(w, http.StatusOK, st)
}

// postDirectoryConfirm answers POST /api/centres/confirm {"digest"}: an
// admin confirms the directory as shown for the team.
func (d *Desk) postDirectoryConfirm(w http.ResponseWriter, r *http.Request, s *Session) {
	var req confirmCentresRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	if !s.IsAdmin() {
		writeErr(w, http.StatusForbidden, "forbidden", withHint(errorf(mErrCentresTeamConfirms), mHintAskAdminCentres))
		return
	}
	dir, err := d.refreshCentres(r.Context(), s)
	if err != nil {
		d.failCentres(w, err)
		return
	}
	if req.Digest != directoryDigest(dir) {
		writeErr(w, http.StatusConflict, "centres_changed", errors.New("the list changed on the server since it was shown; compare it again"))
		return
	}
	if err := s.ConfirmCentresForTeam(r.Context(), dir); err != nil {
		d.fail(w, err)
		return
	}
	// Asked again: a lock meanwhile is answered as locked.
	d.withSession(d.getDirectoryStatus)(w, r)
}
