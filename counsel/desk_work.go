package counsel

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"unicode/utf8"

	"filippo.io/age"

	"lotse/crypto"
)

// A shift's work in progress survives a lock, a closed tab and a crash of
// the page: the reply drafts, the case that was open, and which messages
// this counsellor has read. The desk process holds them while unlocked
// and writes every change to the config directory, encrypted with age to
// the counsellor's own recipient (so writing needs no identity) and 0600:
// desk-drafts.age and desk-read.age. A lock wipes them from memory; the
// next unlock reads them back with the identity. Nothing of it goes to
// the server.

const (
	draftsFile   = "desk-drafts.age"
	readFile     = "desk-read.age"
	maxDrafts    = 100
	maxReadMarks = 50000
	maxWorkFile  = 8 << 20
)

// workDrafts is desk-drafts.age.
type workDrafts struct {
	Open   string            `json:"open"`   // the case open in the page, "" for none
	Drafts map[string]string `json:"drafts"` // case id → reply draft
	Sound  bool              `json:"sound"`  // a sound for new enquiries
}

// workRead is desk-read.age: case id → the message count when this
// counsellor last opened the case.
type workRead struct {
	Read map[string]int `json:"read"`
}

type deskWork struct {
	dir, recipient string

	mu     sync.Mutex
	loaded bool // unlocked: the fields below hold the files' contents
	drafts workDrafts
	read   workRead
}

func newDeskWork(cfg *Config) *deskWork {
	return &deskWork{dir: cfg.dir, recipient: cfg.Recipient}
}

// load decrypts both files with the session's identity. A file that is
// missing or cannot be read starts empty.
func (w *deskWork) load(s *Session) {
	s.mu.Lock()
	id := s.id
	s.mu.Unlock()
	var dr workDrafts
	var rd workRead
	if id != nil {
		openFromSelf(filepath.Join(w.dir, draftsFile), id, &dr)
		openFromSelf(filepath.Join(w.dir, readFile), id, &rd)
	}
	if dr.Drafts == nil {
		dr.Drafts = map[string]string{}
	}
	if rd.Read == nil {
		rd.Read = map[string]int{}
	}
	for k, v := range dr.Drafts {
		if !isMailboxID(k) || len(v) > maxBody || !utf8.ValidString(v) {
			delete(dr.Drafts, k)
		}
	}
	if !isMailboxID(dr.Open) {
		dr.Open = ""
	}
	w.mu.Lock()
	w.drafts, w.read, w.loaded = dr, rd, true
	w.mu.Unlock()
}

// wipe forgets the plaintext; the files stay as they are.
func (w *deskWork) wipe() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k := range w.drafts.Drafts {
		w.drafts.Drafts[k] = ""
	}
	w.drafts, w.read, w.loaded = workDrafts{}, workRead{}, false
}

// setDraft keeps (body "" drops) the draft of case id, and writes the
// drafts file.
func (w *deskWork) setDraft(id, body string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.loaded {
		return errLocked
	}
	if body == "" {
		delete(w.drafts.Drafts, id)
	} else {
		if _, ok := w.drafts.Drafts[id]; !ok && len(w.drafts.Drafts) >= maxDrafts {
			return errorf(mErrDeskTooManyDrafts, maxDrafts)
		}
		w.drafts.Drafts[id] = body
	}
	return sealToSelf(filepath.Join(w.dir, draftsFile), w.recipient, w.drafts)
}

// opened records that the counsellor opened case id, holding n messages.
func (w *deskWork) opened(id string, n int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.loaded {
		return errLocked
	}
	var err error
	if w.drafts.Open != id {
		w.drafts.Open = id
		err = sealToSelf(filepath.Join(w.dir, draftsFile), w.recipient, w.drafts)
	}
	if old, ok := w.read.Read[id]; (ok || len(w.read.Read) < maxReadMarks) && old != n {
		w.read.Read[id] = n
		err = errors.Join(err, sealToSelf(filepath.Join(w.dir, readFile), w.recipient, w.read))
	}
	return err
}

// forget drops what the desk holds of a deleted case.
func (w *deskWork) forget(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.loaded {
		return
	}
	delete(w.drafts.Drafts, id)
	delete(w.read.Read, id)
	if w.drafts.Open == id {
		w.drafts.Open = ""
	}
	sealToSelf(filepath.Join(w.dir, draftsFile), w.recipient, w.drafts)
	sealToSelf(filepath.Join(w.dir, readFile), w.recipient, w.read)
}

// unread reports whether case id, now holding n messages, has more than
// when the counsellor last opened it: a case never opened is unread.
func (w *deskWork) unread(id string, n int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return n > w.read.Read[id]
}

func (w *deskWork) setSound(on bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.loaded {
		return errLocked
	}
	w.drafts.Sound = on
	return sealToSelf(filepath.Join(w.dir, draftsFile), w.recipient, w.drafts)
}

// snapshot is a copy of the drafts for the page.
func (w *deskWork) snapshot() (workDrafts, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := workDrafts{Open: w.drafts.Open, Sound: w.drafts.Sound, Drafts: make(map[string]string, len(w.drafts.Drafts))}
	for k, v := range w.drafts.Drafts {
		out.Drafts[k] = v
	}
	return out, w.loaded
}

// sealToSelf writes v as JSON, encrypted to the counsellor's recipient.
func sealToSelf(path, recipient string, v any) error {
	r, err := crypto.ParseRecipient(recipient)
	if err != nil {
		return err
	}
	pt, err := json.Marshal(v)
	if err != nil {
		return err
	}
	defer clear(pt)
	var out bytes.Buffer
	aw, err := age.Encrypt(&out, r)
	if err != nil {
		return errorf(mErrDeskSaveWork, err)
	}
	if _, err := aw.Write(pt); err != nil {
		return errorf(mErrDeskSaveWork, err)
	}
	if err := aw.Close(); err != nil {
		return errorf(mErrDeskSaveWork, err)
	}
	return writeFileAtomic(path, out.Bytes())
}

// openFromSelf reads what sealToSelf wrote; false if there is nothing
// readable.
func openFromSelf(path string, id age.Identity, v any) bool {
	b, err := readBounded(path, maxWorkFile)
	if err != nil {
		return false
	}
	r, err := age.Decrypt(bytes.NewReader(b), id)
	if err != nil {
		return false
	}
	pt, err := io.ReadAll(io.LimitReader(r, maxWorkFile))
	if err != nil {
		return false
	}
	defer clear(pt)
	return json.Unmarshal(pt, v) == nil
}

// getWork answers the page after an unlock or a new tab: the open case
// and the drafts.
func (d *Desk) getWork(w http.ResponseWriter, r *http.Request, _ *Session) {
	snap, ok := d.work.snapshot()
	if !ok {
		writeErr(w, http.StatusLocked, "locked", errLocked)
		return
	}
	writeJSON(w, http.StatusOK, snap)
}

// putDraft keeps a case's reply draft; the page sends it while the
// counsellor types.
func (d *Desk) putDraft(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	var req draftRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	if len(req.Body) > maxBody || !utf8.ValidString(req.Body) {
		writeErr(w, http.StatusBadRequest, "bad_request", errorf(mErrReplyOverLimit, maxBody))
		return
	}
	if err := d.saveDraft(id, req.Body); err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"saved": true})
}

// saveDraft keeps case id's draft ("" drops it) and tells every page: a
// second tab with the case open then shows the draft as it is now, and
// types on from there rather than from its own older copy, which would
// overwrite what the other tab typed (or bring back a reply it sent).
// The event names the case, never the text.
func (d *Desk) saveDraft(id, body string) error {
	if err := d.work.setDraft(id, body); err != nil {
		return err
	}
	d.broadcast(deskEvent{name: "draft", data: draftEvent{ID: id}})
	return nil
}

func (d *Desk) putPrefs(w http.ResponseWriter, r *http.Request, _ *Session) {
	var req prefsRequest
	if err := readBody(r, &req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	if err := d.work.setSound(req.Sound); err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sound": req.Sound})
}
