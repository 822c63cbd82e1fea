package counsel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"lotse/content"
)

// The referral directory in the desk: the counsellor searches the
// operator's list of counselling centres and inserts a centre's details
// into a reply as a short plain-text block in the enquirer's language.
//
// The directory is public information that mailboxd publishes at
// /info/centres.json. The desk fetches it from the counsellor's own server
// only, after every unlock and every reconnection of the event stream,
// and checks it entry by entry with the same rules mailboxd applies at
// start-up (content.ParseCentres): a server that sends anything else gets
// its directory refused, and the desk keeps the last good one.

// maxCentreResults bounds one search answer; the counsellor narrows the
// search for more.
const maxCentreResults = 50

// centresTimeout bounds one fetch of the directory.
const centresTimeout = 30 * time.Second

var errNoCentres = errors.New("the list of counselling centres could not be loaded from the server")

// refreshCentres fetches and checks the server's directory and keeps it;
// on failure the last good one stays.
func (d *Desk) refreshCentres(ctx context.Context, s *Session) (*content.Directory, error) {
	d.centresMu.Lock()
	defer d.centresMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, centresTimeout)
	defer cancel()
	b, err := s.Centres(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoCentres, err)
	}
	dir, err := content.ParseCentres(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoCentres, err)
	}
	changed, err := s.centreChanges(ctx, dir)
	if IsAlarm(err) {
		d.setAlarm(err)
	}
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.centres, d.changed = dir, changed
	d.mu.Unlock()
	return dir, nil
}

// directory is the last good directory, fetched now if there is none,
// and its centres not as confirmed.
func (d *Desk) directory(ctx context.Context, s *Session) (*content.Directory, CentreChanges, error) {
	d.mu.Lock()
	dir, changed := d.centres, d.changed
	d.mu.Unlock()
	if dir != nil {
		return dir, changed, nil
	}
	if _, err := d.refreshCentres(ctx, s); err != nil {
		return nil, CentreChanges{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.centres, d.changed, nil
}

// languageLabel names the language tag lang (from an enquirer's document)
// for a counsellor reading ui: its name in ui and in itself, and the tag,
// e.g. "Arabisch (العربية, ar)"; the tag alone, made safe for a terminal,
// for a language the directory does not know.
func languageLabel(lang, ui string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	here, self := content.LanguageName(base, ui), content.SelfName(base)
	switch {
	case here == "":
		return oneLine(lang)
	case self == "" || self == here:
		return here + " (" + oneLine(lang) + ")"
	}
	return here + " (" + self + ", " + oneLine(lang) + ")"
}

// centreLang is the language of a centre block for an enquirer who wrote
// in lang (a language tag): theirs if it is a language of the service,
// else English; German if the tag is missing.
func centreLang(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	switch {
	case base == "":
		return "de"
	case slices.Contains(content.Languages, base):
		return base
	}
	return "en"
}

// centreHit is one search result, in the counsellor's interface language.
type centreHit struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Organisation  string   `json:"organisation"`
	City          string   `json:"city"`
	State         string   `json:"state"`      // code, e.g. DE-BE
	StateName     string   `json:"state_name"` // in the interface language
	Languages     []string `json:"languages"`  // ISO 639-1 codes
	LanguageNames []string `json:"language_names"`
	Anonymous     bool     `json:"anonymous"`
	// Changed marks a centre that is new or whose details differ from
	// what this desk confirmed: the server may have changed them.
	Changed bool `json:"changed,omitempty"`
	// Blocked: changed since an admin confirmed the list for the team;
	// the desk does not insert it.
	Blocked bool `json:"blocked,omitempty"`
	// Org is the organisation on this server the centre is (its "org",
	// content.ParseCentres checked the slug), but for this desk's own: it
	// can take the case by handover (handover.go), once pinned.
	Org string `json:"org,omitempty"`
}

// getCentres answers GET /api/centres?q=…&lang=de|en: the centres that
// match every word of q, at most maxCentreResults, and how many matched.
func (d *Desk) getCentres(w http.ResponseWriter, r *http.Request, s *Session) {
	q := r.URL.Query()
	ui := q.Get("lang")
	if ui == "" {
		ui = content.Languages[0]
	}
	if ui != "de" && ui != "en" {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("lang must be de or en"))
		return
	}
	dir, changed, err := d.directory(r.Context(), s)
	if err != nil {
		d.failCentres(w, err)
		return
	}
	found := dir.SearchCentres(q.Get("q"))
	hits := make([]centreHit, 0, min(len(found), maxCentreResults))
	for _, c := range found[:min(len(found), maxCentreResults)] {
		h := centreHit{ID: c.ID, Name: c.Name, Organisation: c.Organisation, City: c.City, State: c.State,
			StateName: content.StateName(c.State, ui), Languages: c.Languages, Anonymous: c.Anonymous, Changed: changed.Has(c.ID), Blocked: changed.Blocked(c.ID)}
		for _, l := range c.Languages {
			h.LanguageNames = append(h.LanguageNames, content.LanguageName(l, ui))
		}
		h.Org = c.Org
		hits = append(hits, h)
	}
	dropOwnOrg(r.Context(), s, hits)
	writeJSON(w, http.StatusOK, centresAnswer{Centres: hits, Total: len(found), All: dir.Len()})
}

// dropOwnOrg clears the organisation of hits that name this desk's own
// (or one the server does not list): no handover to it is offered.
func dropOwnOrg(ctx context.Context, s *Session, hits []centreHit) {
	if !slices.ContainsFunc(hits, func(h centreHit) bool { return h.Org != "" }) {
		return
	}
	orgs, err := s.Orgs(ctx)
	for i := range hits {
		if hits[i].Org == "" {
			continue
		}
		o, ferr := findOrg(orgs, hits[i].Org)
		if err != nil || ferr != nil || o.Pin == OrgOwn {
			hits[i].Org = ""
		}
	}
}

// getCentreBlock answers GET /api/centres/{id}?lang=xx: the centre's
// details as a plain-text block for a reply, in any language of the
// service (content.Languages).
func (d *Desk) getCentreBlock(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	lang := r.URL.Query().Get("lang")
	if !slices.Contains(content.Languages, lang) {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("lang must be a language of the service"))
		return
	}
	if len(id) > 63 {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("malformed centre id"))
		return
	}
	dir, changed, err := d.directory(r.Context(), s)
	if err != nil {
		d.failCentres(w, err)
		return
	}
	c, ok := dir.Centre(id)
	if !ok {
		writeErr(w, http.StatusNotFound, "centre_not_found", errors.New("no such centre in the list; it may have been removed"))
		return
	}
	if changed.Blocked(c.ID) {
		writeErr(w, http.StatusConflict, "centre_unconfirmed", errorf(mErrCentreUnconfirmed, oneLine(c.Name)))
		return
	}
	writeJSON(w, http.StatusOK, centreBlockAnswer{ID: c.ID, Name: c.Name, Lang: lang, Block: dir.CentreBlock(c, lang), Changed: changed.Has(c.ID)})
}

// failCentres answers a directory that could not be had; an alarm (this
// desk's record of it does not open) raises the alarm.
func (d *Desk) failCentres(w http.ResponseWriter, err error) {
	if IsAlarm(err) {
		d.fail(w, err)
		return
	}
	writeErr(w, http.StatusBadGateway, "centres_unavailable", err)
}
