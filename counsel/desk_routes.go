package counsel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lotse/api/client"
	"lotse/api/wire"
	"lotse/crypto"
	"lotse/internal/httpsec"
	"lotse/webclient/desk"
)

// ServeHTTP is the desk's one entry: host check, headers, page secret
// (desk_session.go), routes.
func (d *Desk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	httpsec.Set(h.Set, "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	if !d.host[r.Host] {
		http.Error(w, "wrong host", http.StatusMisdirectedRequest)
		return
	}
	if o := r.Header.Get("Origin"); o != "" && !d.host[strings.TrimPrefix(o, "http://")] {
		http.Error(w, "foreign origin", http.StatusForbidden)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		desk.Handler().ServeHTTP(w, r)
		return
	}
	// POST /api/open is the one request without a page secret: it trades
	// the one-time token for one.
	if r.URL.Path != "/api/open" {
		p := d.pageOf(r.Header.Get("X-Lotse-Desk"))
		if p == nil {
			writeErr(w, http.StatusUnauthorized, "token", errors.New("the desk's address is not valid any more; open it again from counsel"))
			return
		}
		r = withPage(r, p)
	}
	if r.Method != http.MethodGet {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/json" {
			writeErr(w, http.StatusUnsupportedMediaType, "bad_request", errors.New("want application/json"))
			return
		}
	}
	d.api.ServeHTTP(w, r)
}

type apiReply struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	MessageDE string `json:"message_de,omitempty"` // what counsel itself says, in German
	Hint      string `json:"hint,omitempty"`
}

func writeErr(w http.ResponseWriter, status int, code string, err error) {
	r := apiReply{Error: code, Message: err.Error(), Hint: hintOf(err)}
	if de := localize("de", err); de != r.Message {
		r.MessageDE = de
	}
	writeJSON(w, status, r)
}

// alarmReasonDE is an alarm's reason in German, without the prefix.
func alarmReasonDE(a *AlarmError) string {
	return strings.TrimPrefix(localize("de", a), "ALARM: ")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// maxDeskBody bounds a request body; the page sends nothing larger.
const maxDeskBody = 1 << 20

// readBody decodes exactly one JSON value of at most maxDeskBody bytes,
// like the API's decoder: unknown fields and anything after the value
// are refused.
func readBody(r *http.Request, v any) error { return readBodyUpTo(r, v, maxDeskBody) }

// readBodyUpTo is readBody for a route that takes up to limit bytes.
func readBodyUpTo(r *http.Request, v any, limit int) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return err
	}
	if len(b) > limit {
		return errors.New("request too large")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New("malformed request")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed request: data after the JSON value")
	}
	return nil
}

// fail answers an error; an alarm also locks the desk and raises the
// banner.
func (d *Desk) fail(w http.ResponseWriter, err error) {
	switch {
	case IsAlarm(err):
		d.setAlarm(err)
		writeErr(w, http.StatusConflict, "alarm", err)
	case errors.Is(err, errLocked):
		writeErr(w, http.StatusLocked, "locked", err)
	case errors.Is(err, errWrongPassphrase):
		writeErr(w, http.StatusForbidden, "wrong_passphrase", err)
	case isMsg(err, mErrNoSuchInvite), isMsg(err, mErrNoSuchCounsellor):
		writeErr(w, http.StatusNotFound, "not_found", err)
	case isMsg(err, mErrNotPending):
		writeErr(w, http.StatusConflict, "not_pending", err)
	default:
		var ae *client.Error
		if errors.As(err, &ae) && ae.Code == "not_found" {
			writeErr(w, http.StatusNotFound, "not_found", err)
			return
		}
		writeErr(w, http.StatusBadGateway, "failed", err)
	}
}

// session returns the unlocked session and counts the request as use.
func (d *Desk) session(w http.ResponseWriter) *Session {
	d.mu.Lock()
	s, al := d.sess, d.alarm
	if s != nil {
		d.lastUse = time.Now()
	}
	d.mu.Unlock()
	if al != nil {
		writeErr(w, http.StatusConflict, "alarm", al)
		return nil
	}
	if s == nil {
		writeErr(w, http.StatusLocked, "locked", errLocked)
		return nil
	}
	return s
}

// routes is the desk's API, behind ServeHTTP's checks. A path or method
// it does not know is a JSON not_found, as the page expects.
func (d *Desk) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /api/open", d.postOpen)
	m.HandleFunc("GET /api/work", d.withSession(d.getWork))
	m.HandleFunc("PUT /api/drafts/{id}", d.caseHandler(d.putDraft))
	m.HandleFunc("PUT /api/prefs", d.withSession(d.putPrefs))
	m.HandleFunc("GET /api/previews", withInput(d, previewIDs, d.getPreviews))
	m.HandleFunc("GET /api/state", d.getState)
	m.HandleFunc("POST /api/unlock", d.postUnlock)
	m.HandleFunc("POST /api/lock", d.postLock)
	m.HandleFunc("POST /api/touch", d.withSession(d.postTouch))
	m.HandleFunc("GET /api/events", d.events)
	m.HandleFunc("GET /api/cases", d.withSession(d.getCases))
	m.HandleFunc("GET /api/cases/{id}", d.caseHandler(d.getCase))
	m.HandleFunc("GET /api/cases/{id}/summary", d.caseHandler(d.getCaseSummary))
	m.HandleFunc("PATCH /api/cases/{id}", d.caseHandler(d.patchCase))
	m.HandleFunc("DELETE /api/cases/{id}", d.caseHandler(d.deleteCase))
	m.HandleFunc("POST /api/cases/{id}/reply", d.caseHandler(d.postReply))
	m.HandleFunc("GET /api/cases/{id}/memory", d.caseHandler(d.getMemory))
	m.HandleFunc("POST /api/cases/{id}/notes", d.caseHandler(d.postNote))
	m.HandleFunc("PUT /api/cases/{id}/tags", d.caseHandler(d.putTags))
	m.HandleFunc("GET /api/roster", d.withSession(d.getRoster))
	m.HandleFunc("GET /api/blocks", d.withSession(d.getBlocks))
	m.HandleFunc("PUT /api/blocks", d.withSession(d.putBlocks))
	m.HandleFunc("GET /api/team-blocks", d.withSession(d.getTeamBlocks))
	m.HandleFunc("PUT /api/team-blocks", d.withSession(d.putTeamBlocks))
	m.HandleFunc("GET /api/stats.csv", d.withSession(d.getStatsCSV))
	m.HandleFunc("GET /api/team-actions", d.withSession(d.getTeamActions))
	m.HandleFunc("GET /api/centres-status", d.withSession(d.getDirectoryStatus))
	m.HandleFunc("GET /api/cases-tagged", d.withSession(d.getCasesTagged))
	m.HandleFunc("POST /api/centres/confirm", d.withSession(d.postDirectoryConfirm))
	m.HandleFunc("GET /api/centres", d.withSession(d.getCentres))
	m.HandleFunc("GET /api/centres/{id}", d.withSession(d.getCentreBlock))
	m.HandleFunc("POST /api/invites", d.withSession(d.postInvite))
	m.HandleFunc("POST /api/approve", d.withSession(d.postApprove))
	m.HandleFunc("POST /api/remove", d.withSession(d.postRemove))
	m.HandleFunc("GET /api/invites", d.withSession(d.getInvites))
	m.HandleFunc("DELETE /api/invites/{id}", withInput(d, pathValue("id", isInviteID, "malformed invite id"), d.deleteInvite))
	m.HandleFunc("POST /api/reject", d.withSession(d.postReject))
	m.HandleFunc("POST /api/purge", d.withSession(d.postPurge))
	d.attachmentRoutes(m)
	d.orgRoutes(m)      // desk_orgs.go
	d.handoverRoutes(m) // desk_orgs.go
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, http.StatusNotFound, "not_found", errors.New("no such request"))
	})
	return m
}

func (d *Desk) postLock(w http.ResponseWriter, r *http.Request) {
	d.lock()
	writeJSON(w, http.StatusOK, lockAnswer{Locked: true})
}

func (d *Desk) postTouch(w http.ResponseWriter, r *http.Request, _ *Session) {
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (d *Desk) getState(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	s, al := d.sess, d.alarm
	d.mu.Unlock()
	reason, reasonDE := "", ""
	if al != nil {
		reason, reasonDE = al.Reason, alarmReasonDE(al)
	}
	st := deskState{
		Locked:           s == nil,
		Alarm:            reason,
		AlarmDE:          reasonDE,
		AlarmAdvice:      AlarmAdvice,
		LockAfterSeconds: int(d.opts.LockAfter / time.Second),
		Me:               deskMe{ID: d.cfg.ID, Name: d.cfg.Name, Fingerprint: crypto.Fingerprint(d.cfg.Recipient)},
		Server:           d.cfg.Server,
	}
	if s != nil && al == nil {
		me := s.Me()
		st.Me = deskMe{ID: me.ID, Name: me.Name, Role: me.Role, State: me.State,
			Fingerprint: crypto.Fingerprint(d.cfg.Recipient)}
		if me.State != "pending" {
			if team, err := s.Team(r.Context()); err == nil {
				st.Team = &team
			}
		}
	}
	writeJSON(w, http.StatusOK, st)
}

func (d *Desk) postUnlock(w http.ResponseWriter, r *http.Request) {
	var req unlockRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	d.mu.Lock()
	al := d.alarm
	d.mu.Unlock()
	if al != nil {
		writeErr(w, http.StatusConflict, "alarm", al)
		return
	}
	p := []byte(req.Passphrase)
	err := d.unlock(r.Context(), p)
	clear(p)
	if err != nil {
		if errors.Is(err, errWrongPassphrase) {
			time.Sleep(500 * time.Millisecond)
		}
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, lockAnswer{Locked: false})
}

// events is the page's live stream: "case", "lock", "alarm", "online",
// "offline". Keeping it open does not count as use.
func (d *Desk) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeErr(w, http.StatusInternalServerError, "failed", errors.New("streaming unsupported"))
		return
	}
	ch := make(chan deskEvent, 32)
	d.mu.Lock()
	d.subs[ch] = struct{}{}
	d.mu.Unlock()
	// An open stream is the page's sign of life (desk_session.go).
	p := pageFrom(r)
	d.streamOpened(p)
	defer func() {
		d.mu.Lock()
		delete(d.subs, ch)
		d.mu.Unlock()
		d.streamClosed(p)
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, ": hello\n\n")
	fl.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-d.closed:
			return
		case <-ping.C:
			io.WriteString(w, ": ping\n\n")
		case ev := <-ch:
			b, _ := json.Marshal(ev.data)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.name, b)
		}
		fl.Flush()
	}
}

// getCases answers a page of the inbox when asked with ?limit= (and
// ?cursor= for the next), so that a flooded inbox opens with its newest
// cases at once; without limit, every case, as before.
func (d *Desk) getCases(w http.ResponseWriter, r *http.Request, s *Session) {
	q := r.URL.Query()
	status := q.Get("status")
	switch status {
	case "", "new", "open", "closed":
	default:
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("unknown status"))
		return
	}
	if !q.Has("limit") {
		if q.Has("cursor") {
			writeErr(w, http.StatusBadRequest, "bad_request", errors.New("cursor needs a limit"))
			return
		}
		cs, err := s.Cases(r.Context(), status)
		if err != nil {
			d.fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, caseList{Cases: d.decorate(cs)})
		return
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > maxCasePage {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("limit: want 1 to 1000"))
		return
	}
	cursor := q.Get("cursor")
	if len(cursor) > 64 {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("cursor too long"))
		return
	}
	order := q.Get("order")
	if order != "" && order != wire.OrderActivity && order != wire.OrderWaiting {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("unknown order"))
		return
	}
	cs, next, err := casePage(r.Context(), s, client.CaseQuery{Status: status, Order: order, Limit: limit, Cursor: cursor}) // desk_inbox.go
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, inboxPage{Cases: d.decorate(cs), Next: next})
}

// getCaseSummary is one case's line of the inbox, which the page fetches
// when an event names the case instead of the whole list again.
func (d *Desk) getCaseSummary(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	c, err := s.CaseSummary(r.Context(), id)
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, d.decorate([]client.Case{*c})[0])
}

// withThread brings the case's thread up to date, decrypting only what is
// new since the last look, and runs f with it. Threads are used only
// under threadMu, so a lock cannot wipe one that is in use.
func (d *Desk) withThread(ctx context.Context, s *Session, id string, f func(t *Thread) error) error {
	d.threadMu.Lock()
	defer d.threadMu.Unlock()
	d.mu.Lock()
	t := d.threads[id]
	d.mu.Unlock()
	if t == nil {
		t = &Thread{seen: map[string]bool{}}
	}
	if err := s.updateThread(ctx, id, t); err != nil {
		return err
	}
	d.mu.Lock()
	current := d.sess == s
	if current {
		d.threads[id] = t
	}
	d.mu.Unlock()
	if !current {
		t.wipe()
		return errLocked
	}
	return f(t)
}

// withSession is a route that needs the unlocked session: a locked desk
// or one with an alarm is answered here (session), and f runs with the
// session otherwise.
func (d *Desk) withSession(f func(w http.ResponseWriter, r *http.Request, s *Session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s := d.session(w); s != nil {
			f(w, r, s)
		}
	}
}

// withInput is withSession for a route whose request names what it acts
// on: parse reads that first, so malformed input is a bad_request
// whether the desk is locked or not.
func withInput[T any](d *Desk, parse func(*http.Request) (T, error), f func(w http.ResponseWriter, r *http.Request, s *Session, in T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, err := parse(r)
		if err != nil {
			writeErr(w, http.StatusBadRequest, "bad_request", err)
			return
		}
		d.withSession(func(w http.ResponseWriter, r *http.Request, s *Session) { f(w, r, s, in) })(w, r)
	}
}

// pathValue reads the path's value name for withInput; one that ok
// refuses is the error malformed.
func pathValue(name string, ok func(string) bool, malformed string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		v := r.PathValue(name)
		if !ok(v) {
			return "", errors.New(malformed)
		}
		return v, nil
	}
}

// caseHandler is withInput for /api/cases/{id}: f runs with the case id.
func (d *Desk) caseHandler(f func(w http.ResponseWriter, r *http.Request, s *Session, id string)) http.HandlerFunc {
	return withInput(d, pathValue("id", isMailboxID, "malformed case id"), f)
}

func (d *Desk) getCase(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	var out caseView
	err := d.withThread(r.Context(), s, id, func(t *Thread) error {
		if err := s.CheckAttachments(r.Context(), t); err != nil {
			return err
		}
		out = caseView{Case: t.Case, Messages: cloneMessages(t.Messages),
			CanReply: t.CanReply(), Lang: t.ReplyLang(), CentreLang: centreLang(t.ReplyLang()),
			Actions: s.caseActions(r.Context(), t.Actions)}
		return nil
	})
	if err != nil {
		d.fail(w, err)
		return
	}
	// Read now: not unread, and the case to reopen after a lock. Failing
	// to note it must not hide the thread.
	d.work.opened(id, out.Case.MessageCount)
	writeJSON(w, http.StatusOK, out)
}

func (d *Desk) postReply(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	var req replyRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	if req.Lang != "" && !validLang(req.Lang) {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("lang is not a language tag"))
		return
	}
	ctx := r.Context()
	var seq uint64
	err := d.withThread(ctx, s, id, func(t *Thread) error {
		var err error
		seq, err = d.replyWithStaged(ctx, s, t, req.Body, req.Lang, req.Attachments)
		return err
	})
	if err != nil {
		d.fail(w, err)
		return
	}
	d.saveDraft(id, "") // sent: the draft has done its work
	writeJSON(w, http.StatusOK, sentAnswer{Seq: seq})
}

func (d *Desk) patchCase(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	var req casePatch
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	p := client.CasePatch{Status: req.Status, Assignee: req.Assignee}
	if req.Unassign {
		none := ""
		p.Assignee = &none
	}
	if p.Status != "" && p.Status != "open" && p.Status != "closed" || p.Assignee != nil && *p.Assignee != "" && !isCounsellorID(*p.Assignee) {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("bad status or assignee"))
		return
	}
	c, err := s.PatchCase(r.Context(), id, p)
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (d *Desk) deleteCase(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	if err := s.DeleteCase(r.Context(), id); err != nil {
		d.fail(w, err)
		return
	}
	d.threadMu.Lock()
	d.mu.Lock()
	if t := d.threads[id]; t != nil {
		t.wipe()
		delete(d.threads, id)
	}
	d.mu.Unlock()
	d.threadMu.Unlock()
	d.work.forget(id)
	writeJSON(w, http.StatusOK, deletedAnswer{Deleted: true})
}

func (d *Desk) getRoster(w http.ResponseWriter, r *http.Request, s *Session) {
	cs, err := s.Roster(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rosterList{Counsellors: cs})
}

func (d *Desk) getBlocks(w http.ResponseWriter, r *http.Request, s *Session) {
	bs, err := s.Blocks()
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, blockList{Blocks: bs})
}

func (d *Desk) putBlocks(w http.ResponseWriter, r *http.Request, s *Session) {
	bs, ok := readBlocks(w, r) // desk_memory.go
	if !ok {
		return
	}
	if err := s.SaveBlocks(bs); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	writeJSON(w, http.StatusOK, blockList{Blocks: bs})
}

func (d *Desk) postInvite(w http.ResponseWriter, r *http.Request, s *Session) {
	var req inviteRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	inv, err := s.Invite(r.Context(), req.Admin)
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, inv)
}

func (d *Desk) postApprove(w http.ResponseWriter, r *http.Request, s *Session) {
	var req approveRequest
	if err := readBody(r, &req); err != nil || !isCounsellorID(req.ID) {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("malformed request"))
		return
	}
	if err := s.Approve(r.Context(), req.ID, req.Fingerprint); err != nil {
		if isMsg(err, mErrFingerprintMismatch) {
			writeErr(w, http.StatusBadRequest, "fingerprint_mismatch", err)
			return
		}
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, counsellorState{ID: req.ID, State: "active"})
}

func (d *Desk) postRemove(w http.ResponseWriter, r *http.Request, s *Session) {
	d.onCounsellor(w, r, s, func(ctx context.Context, s *Session, id string) (any, error) {
		if err := s.Remove(ctx, id); err != nil {
			return nil, err
		}
		team, _ := s.Team(ctx)
		return removedAnswer{ID: id, Team: team}, nil
	})
}

// onCounsellor runs an admin's action on the counsellor whose id the body
// names ({"id": …}) and answers with what it returns.
func (d *Desk) onCounsellor(w http.ResponseWriter, r *http.Request, s *Session, do func(context.Context, *Session, string) (any, error)) {
	var req counsellorRequest
	if err := readBody(r, &req); err != nil || !isCounsellorID(req.ID) {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("malformed request"))
		return
	}
	out, err := do(r.Context(), s, req.ID)
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (d *Desk) getInvites(w http.ResponseWriter, r *http.Request, s *Session) {
	invs, err := s.Invites(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, inviteList{Invites: invs})
}

// isInviteID is the form of an invite id the desk passes on: short,
// printable ASCII.
func isInviteID(id string) bool {
	return id != "" && len(id) <= 64 && !strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' })
}

func (d *Desk) deleteInvite(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	if err := s.RevokeInvite(r.Context(), id); err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, revokedAnswer{ID: id, Revoked: true})
}

func (d *Desk) postReject(w http.ResponseWriter, r *http.Request, s *Session) {
	d.onCounsellor(w, r, s, func(ctx context.Context, s *Session, id string) (any, error) {
		if err := s.Reject(ctx, id); err != nil {
			return nil, err
		}
		return counsellorState{ID: id, State: "rejected"}, nil
	})
}

// postPurge deletes (admins) the unanswered new cases created on a day in
// [from, to): a flood of fake enquiries. With dry_run it only counts, so
// the page can show the number before the counsellor confirms.
func (d *Desk) postPurge(w http.ResponseWriter, r *http.Request, s *Session) {
	var req wire.CasePurgeRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("malformed request"))
		return
	}
	res, err := s.PurgeCases(r.Context(), req.From, req.To, req.DryRun)
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
