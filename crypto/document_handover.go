package crypto

import (
	"bytes"
	"encoding/json"
	"unicode"
	"unicode/utf8"

	"lotse/domain"
)

// Handover is a reply document's "handover": organisation A offers the
// case to organisation B, named here with the team recipient A's desk
// pinned for it (PROTOCOL.md §9.2). The enquirer's device re-seals the
// conversation to Recipient, taken from this document, never from the
// server.
type Handover struct {
	Org       string `json:"org"`       // B's slug
	Name      string `json:"name"`      // B's display name
	Epoch     int    `json:"epoch"`     // B's epoch of Recipient
	Recipient string `json:"recipient"` // B's team recipient, a hybrid recipient
	Note      string `json:"note"`      // text for the enquirer
}

// MaxHandoverNote is the longest note, in characters (code points).
const MaxHandoverNote = 2000

// validHandoverNote: at most 2000 characters, and of the control
// characters (C0, DEL, C1) only line feed and tab, as in a body a person
// types; the note is shown where the enquirer decides.
func validHandoverNote(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxHandoverNote {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return false
		}
	}
	return true
}

// checkHandover applies the reader rules of the handover field; it returns
// a RejectError reason.
func checkHandover(h *Handover, from string) string {
	if h == nil {
		return ""
	}
	if from != FromCounsellor {
		return "handover in an enquirer document"
	}
	if _, err := domain.ParseSlug(h.Org); err != nil {
		return "malformed handover org"
	}
	if _, err := domain.ParseStoredDisplayName(h.Name); err != nil {
		return "malformed handover name"
	}
	if h.Epoch < 1 || h.Epoch > maxRecordEpoch {
		return "malformed handover epoch"
	}
	if _, err := ParseRecipient(h.Recipient); err != nil {
		return "malformed handover recipient"
	}
	if !validHandoverNote(h.Note) {
		return "malformed handover note"
	}
	return ""
}

// decodeHandover reads the handover field by exact names, as
// decodeDocument reads the document: org, name, epoch, recipient and note,
// in this order, each present and of its type, and no other field. A shape
// error is a RejectError reason.
func decodeHandover(raw json.RawMessage) (*Handover, string) {
	if !bytes.HasPrefix(raw, []byte("{")) {
		return nil, "handover is not an object"
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, "handover is not an object"
	}
	h := &Handover{}
	for _, f := range []struct {
		name string
		dst  *string // nil: epoch
	}{{"org", &h.Org}, {"name", &h.Name}, {"epoch", nil}, {"recipient", &h.Recipient}, {"note", &h.Note}} {
		r, ok := m[f.name]
		switch {
		case !ok:
		case f.dst == nil:
			h.Epoch, ok = epochLiteral(r)
		default:
			ok = bytes.HasPrefix(r, []byte(`"`)) && json.Unmarshal(r, f.dst) == nil
		}
		if !ok {
			return nil, "malformed handover " + f.name
		}
	}
	if len(m) != 5 { // all five are there: any other key is unknown
		return nil, "unknown field in handover"
	}
	return h, ""
}
