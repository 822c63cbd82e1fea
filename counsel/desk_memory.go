package counsel

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"lotse/api/client"
	"lotse/crypto"
)

// The team's memory of the open case in the desk (teammemory.go): its
// notes and tags, and an alarm for each record that is not the team's.

func (d *Desk) getMemory(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	// An alarm stays beside the case's authentic records: it does not
	// lock the desk, because nothing of the forged record is shown or
	// used, and the counsellor can still work on the case.
	m, err := s.CaseMemory(r.Context(), id)
	d.answer(w, m, err)
}

func (d *Desk) postNote(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	var req noteRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	if _, err := checkNote(req.Text); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	if err := s.AddNote(r.Context(), id, req.Text); err != nil {
		d.fail(w, err)
		return
	}
	d.getMemory(w, r, s, id)
}

func (d *Desk) putTags(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	var req tagsRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	if _, err := normalTags(req.Tags); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	if _, err := s.SetTags(r.Context(), id, req.Tags); err != nil {
		d.fail(w, err)
		return
	}
	d.getMemory(w, r, s, id)
}

// getTeamBlocks answers GET /api/team-blocks: the team's text blocks, and
// an alarm for each record that is not the team's.
func (d *Desk) getTeamBlocks(w http.ResponseWriter, r *http.Request, s *Session) {
	tb, err := s.TeamBlocks(r.Context())
	d.answer(w, tb, err)
}

// putTeamBlocks answers PUT /api/team-blocks {"blocks":[…]} (admins).
func (d *Desk) putTeamBlocks(w http.ResponseWriter, r *http.Request, s *Session) {
	bs, ok := readBlocks(w, r)
	if !ok {
		return
	}
	if err := s.SaveTeamBlocks(r.Context(), bs); err != nil {
		d.fail(w, err)
		return
	}
	// Asked again: a lock meanwhile is answered as locked.
	d.withSession(d.getTeamBlocks)(w, r)
}

// onRecord passes a new team record on to the page: it reloads the open
// case's notes, or the team's text blocks; a new directory record is
// compared with the server's directory at once.
func (d *Desk) onRecord(ctx context.Context, s *Session, ev client.Event) {
	if ev.Kind == crypto.RecordDirectory {
		go d.refreshCentres(ctx, s)
	}
	d.broadcast(deskEvent{name: "record", data: recordEvent{ID: ev.ID, Kind: ev.Kind}})
}

// getStatsCSV answers GET /api/stats.csv?from=YYYY-MM&to=YYYY-MM: the
// anonymous counts per month (stats.go) as a CSV file to save.
func (d *Desk) getStatsCSV(w http.ResponseWriter, r *http.Request, s *Session) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from != "" && !validMonth(from) || to != "" && !validMonth(to) {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("from and to are months YYYY-MM"))
		return
	}
	dir, _, err := d.directory(r.Context(), s)
	if err != nil {
		d.failCentres(w, err)
		return
	}
	st, err := s.Stats(r.Context(), from, to, dir)
	if err != nil {
		d.fail(w, err)
		return
	}
	var b bytes.Buffer
	if err := st.WriteCSV(&b); err != nil {
		d.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="lotse-statistics.csv"`)
	w.Write(b.Bytes())
}

// getTeamActions answers GET /api/team-actions: the cases deleted or
// purged in the retention period, and by whom (admins).
func (d *Desk) getTeamActions(w http.ResponseWriter, r *http.Request, s *Session) {
	ts, err := s.TeamActions(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	names := s.memberNames(r.Context())
	out := make([]teamAction, len(ts))
	for i, t := range ts {
		out[i] = teamAction{t, names[t.By]}
	}
	writeJSON(w, http.StatusOK, teamActionList{Actions: out})
}

// getCasesTagged answers GET /api/cases-tagged?tag=…: the ids of the
// cases the team gave that tag, for the inbox's tag filter.
func (d *Desk) getCasesTagged(w http.ResponseWriter, r *http.Request, s *Session) {
	tag := r.URL.Query().Get("tag")
	if _, err := ParseTag(tag); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	ids, err := s.CasesTagged(r.Context(), tag)
	d.answer(w, taggedList{IDs: ids}, err)
}

// readBlocks reads a body {"blocks":[…]} of text blocks by their rules;
// false once it answered 400.
func readBlocks(w http.ResponseWriter, r *http.Request) ([]Block, bool) {
	var req blockList
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return nil, false
	}
	if req.Blocks == nil {
		req.Blocks = []Block{}
	}
	if err := checkBlocks(req.Blocks); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return nil, false
	}
	return req.Blocks, true
}

// answer writes v, or the error as fail does.
func (d *Desk) answer(w http.ResponseWriter, v any, err error) {
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
