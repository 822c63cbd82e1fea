package counsel

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode"

	"lotse/api/client"
)

// What the inbox shows beyond the server's list: whether this counsellor
// has read a case since its newest message (desk_work.go), and the first
// line of that message, decrypted here.

const (
	maxPreviewIDs   = 50
	previewRunes    = 80
	maxPreviewQuery = maxPreviewIDs * 33
)

// deskCase is a case of the inbox as the page reads it.
type deskCase struct {
	client.Case
	Unread bool `json:"unread"`
}

func (d *Desk) decorate(cs []client.Case) []deskCase {
	out := make([]deskCase, len(cs))
	for i, c := range cs {
		out[i] = deskCase{Case: c, Unread: d.work.unread(c.ID, c.MessageCount)}
	}
	return out
}

// previewOf is the first previewRunes characters of the newest message
// that has a text, on one line; "" if there is none.
func previewOf(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Warning != "" || m.Duplicate {
			continue
		}
		// Line breaks, tabs and other controls become one space each run.
		f := strings.FieldsFunc(m.Body, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
		line := strings.Join(f, " ")
		if line == "" {
			continue
		}
		rs := []rune(line)
		if len(rs) > previewRunes {
			return strings.TrimSpace(string(rs[:previewRunes])) + "…"
		}
		return line
	}
	return ""
}

// previewIDs reads the case ids of GET /api/previews?ids=a,b,….
func previewIDs(r *http.Request) ([]string, error) {
	q := r.URL.Query().Get("ids")
	if len(q) > maxPreviewQuery {
		return nil, errors.New("too many ids")
	}
	if q == "" {
		return nil, nil
	}
	ids := strings.Split(q, ",")
	for _, id := range ids {
		if !isMailboxID(id) {
			return nil, errors.New("malformed case id")
		}
	}
	return ids, nil
}

// getPreviews answers ?ids=a,b,… (at most maxPreviewIDs) with the
// first line of each case's newest message. A case that cannot be read
// now is left out; the page shows it without a preview.
func (d *Desk) getPreviews(w http.ResponseWriter, r *http.Request, s *Session, ids []string) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		err := d.withThread(r.Context(), s, id, func(t *Thread) error {
			out[id] = previewOf(t.Messages)
			return nil
		})
		if IsAlarm(err) || errors.Is(err, errLocked) {
			d.fail(w, err)
			return
		}
		if r.Context().Err() != nil {
			return
		}
	}
	writeJSON(w, http.StatusOK, previewList{Previews: out})
}

// casePage is a page of the inbox in the order q asks for: the desk asks
// for the cases waiting longest first (PROTOCOL.md §6.8).
func casePage(ctx context.Context, s *Session, q client.CaseQuery) ([]client.Case, string, error) {
	var cs []client.Case
	var next string
	err := s.retry(ctx, func(api *client.Client) error {
		var err error
		cs, next, err = api.CaseList(ctx, q)
		return err
	})
	if client.Code(err) == "forbidden" {
		return nil, "", withHint(errorf(mErrNotApproved), mHintGetApproved)
	}
	if err != nil {
		return nil, "", apiError(mDoingListCases, err)
	}
	if cs == nil {
		cs = []client.Case{}
	}
	for i := range cs {
		cleanCase(&cs[i])
	}
	return cs, next, nil
}
