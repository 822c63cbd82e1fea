package counsel

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
)

// The desk's attachment routes (PROTOCOL.md §10). A file reaches the page
// only after crypto.OpenAttachment passed it, as bytes the browser is
// told to save (application/octet-stream, attachment, nosniff), never to
// render; the page decodes JPEG, PNG and WebP itself for a preview.
// Files for a reply are staged here, in the case's thread, until the
// reply takes them or the desk locks.

// maxStageBody bounds one staged file's request: the largest file in
// base64 and its name.
var maxStageBody = (maxAttachmentFile+2)/3*4 + 4096

// stagedFile is a file the counsellor attached to a reply not yet sent.
type stagedFile struct {
	ID string
	File
}

// stagedView is what the page sees of a staged file.
type stagedView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Size int    `json:"size"`
}

func (d *Desk) attachmentRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/cases/{id}/messages/{seq}/attachments/{n}", d.caseHandler(d.getAttachment))
	m.HandleFunc("POST /api/cases/{id}/attachments", d.caseHandler(d.postStaged))
	m.HandleFunc("DELETE /api/cases/{id}/attachments/{sid}", d.caseHandler(d.deleteStaged))
}

// getAttachment answers the checked bytes of one attachment, or its
// warning (422 attachment_warning), which the thread shows from then on.
func (d *Desk) getAttachment(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	seq, err1 := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	n, err2 := strconv.Atoi(r.PathValue("n"))
	if err1 != nil || err2 != nil || n < 0 || n >= maxAttachments {
		writeErr(w, http.StatusBadRequest, "bad_request", errors.New("malformed attachment"))
		return
	}
	var pt []byte
	var a Attachment
	err := d.withThread(r.Context(), s, id, func(t *Thread) error {
		var err error
		pt, a, err = s.OpenAttachment(r.Context(), t, seq, n)
		return err
	})
	defer clear(pt)
	switch {
	case isMsg(err, mErrNoSuchAttachment):
		writeErr(w, http.StatusNotFound, "not_found", err)
		return
	case isMsg(err, mErrAttachmentWarning):
		writeErr(w, http.StatusUnprocessableEntity, "attachment_warning", err)
		return
	case err != nil:
		d.fail(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="`+neutralName(a.Type)+`"`)
	h.Set("Content-Length", strconv.Itoa(len(pt)))
	w.WriteHeader(http.StatusOK)
	w.Write(pt)
}

// neutralName is the name a file is offered under: never the sender's,
// which may name a person, hide an extension or be a path.
func neutralName(typ string) string {
	ext := map[string]string{"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
		"image/webp": "webp", "text/plain": "txt"}[typ]
	if ext == "" {
		ext = "bin"
	}
	return "lotse-attachment." + ext
}

// postStaged keeps a file for the case's next reply: {"name", "data"}
// (data in base64) → {"id", "name", "type", "size"}.
func (d *Desk) postStaged(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	var req stageRequest
	if err := readBodyUpTo(r, &req, maxStageBody); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err)
		return
	}
	f, err := NewFile(req.Name, req.Data)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "bad_attachment", err)
		return
	}
	var out stagedView
	err = d.withThread(r.Context(), s, id, func(t *Thread) error {
		// One reply's worth at a time, over all cases: the page drops
		// what it staged for a case when it opens another.
		if n := d.stagedCount(); n >= maxAttachments {
			return errorf(mErrTooManyAttachments, n+1, maxAttachments)
		}
		sf := stagedFile{ID: base64.RawURLEncoding.EncodeToString(randomBytes(16)), File: f}
		t.staged = append(t.staged, sf)
		out = stagedView{ID: sf.ID, Name: f.Name, Type: f.Type, Size: len(f.Data)}
		return nil
	})
	if isMsg(err, mErrTooManyAttachments) {
		writeErr(w, http.StatusBadRequest, "bad_attachment", err)
		return
	}
	if err != nil {
		clear(f.Data)
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// stagedCount is how many files every thread holds staged; the caller
// holds threadMu.
func (d *Desk) stagedCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, t := range d.threads {
		n += len(t.staged)
	}
	return n
}

func (d *Desk) deleteStaged(w http.ResponseWriter, r *http.Request, s *Session, id string) {
	sid := r.PathValue("sid")
	err := d.withThread(r.Context(), s, id, func(t *Thread) error {
		t.unstage([]string{sid})
		return nil
	})
	if err != nil {
		d.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": sid, "removed": true})
}

// replyWithStaged sends a reply with the staged files ids names, which
// it drops once sent; unknown ids are refused before anything is sent.
func (d *Desk) replyWithStaged(ctx context.Context, s *Session, t *Thread, body, lang string, ids []string) (uint64, error) {
	if len(ids) > maxAttachments {
		return 0, errorf(mErrTooManyAttachments, len(ids), maxAttachments)
	}
	files := make([]File, 0, len(ids))
	for _, id := range ids {
		f := t.stagedFile(id)
		if f == nil {
			return 0, errorf(mErrUnknownAttachment, t.id, oneLine(id))
		}
		files = append(files, *f)
	}
	seq, err := s.ReplyWith(ctx, t, body, lang, files)
	if err == nil {
		t.unstage(ids)
	}
	return seq, err
}

func (t *Thread) stagedFile(id string) *File {
	for i := range t.staged {
		if t.staged[i].ID == id {
			return &t.staged[i].File
		}
	}
	return nil
}

// unstage drops and clears the staged files ids names.
func (t *Thread) unstage(ids []string) {
	kept := t.staged[:0]
	for _, f := range t.staged {
		drop := false
		for _, id := range ids {
			drop = drop || f.ID == id
		}
		if drop {
			clear(f.Data)
		} else {
			kept = append(kept, f)
		}
	}
	clear(t.staged[len(kept):])
	t.staged = kept
}
