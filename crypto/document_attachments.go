package crypto

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"unicode/utf8"

	"lotse/domain"
)

// Attachment is one entry of a message document's "attachments": the
// reference to an attachment ciphertext the server holds (PROTOCOL.md §10).
type Attachment struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// MaxAttachments is the most attachments one document references.
const MaxAttachments = 5

// maxAttachmentName is the longest file name, in characters (code points).
const maxAttachmentName = 128

// mediaType is a media type's shape, type/subtype with RFC 6838's
// restricted-name characters, no parameters; neither reader needs more.
var mediaType = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$`)

// maxMediaTypeLen keeps the regular expression's input short.
const maxMediaTypeLen = 129

// validAttachmentName: 1–128 characters, no control character (readers put
// names in front of a person: a terminal, a page), valid UTF-8.
func validAttachmentName(s string) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxAttachmentName {
		return false
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return false
		}
	}
	return true
}

func validAttachmentID(s string) bool {
	_, err := domain.ParseAttachmentID(s)
	return err == nil
}

// checkAttachments applies the reader rules of the attachments field; it
// returns a RejectError reason.
func checkAttachments(as []Attachment) string {
	if len(as) > MaxAttachments {
		return "more than 5 attachments"
	}
	seen := make(map[string]bool, len(as))
	for _, a := range as {
		switch {
		case !validAttachmentID(a.ID):
			return "malformed attachment id"
		case !validAttachmentName(a.Name):
			return "malformed attachment name"
		case len(a.Type) > maxMediaTypeLen || !mediaType.MatchString(a.Type):
			return "malformed attachment type"
		case a.Size < 0 || a.Size > MaxAttachmentFile:
			return "malformed attachment size"
		}
		var sum [32]byte
		if !decodeMK(sum[:], a.SHA256) {
			return "malformed attachment sha256"
		}
		if seen[a.ID] {
			return "repeated attachment id"
		}
		seen[a.ID] = true
	}
	return ""
}

// integerLiteral is a JSON number without sign, fraction or exponent: what Go
// unmarshals into an int and protocol.ts accepts alike.
var integerLiteral = regexp.MustCompile(`^(?:0|[1-9][0-9]{0,18})$`)

// decodeAttachments reads the attachments field by exact names, as
// decodeDocument reads the document; unknown fields of an entry are
// ignored. A shape error is a RejectError reason.
func decodeAttachments(raw json.RawMessage) ([]Attachment, string) {
	if !bytes.HasPrefix(raw, []byte("[")) {
		return nil, "attachments is not a list"
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, "attachments is not a list"
	}
	if len(list) > MaxAttachments {
		return nil, "more than 5 attachments"
	}
	as := make([]Attachment, 0, len(list))
	for _, item := range list {
		if !bytes.HasPrefix(item, []byte("{")) {
			return nil, "attachment is not an object"
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(item, &m); err != nil {
			return nil, "attachment is not an object"
		}
		var a Attachment
		for _, f := range []struct {
			name string
			dst  *string
		}{{"id", &a.ID}, {"name", &a.Name}, {"type", &a.Type}, {"sha256", &a.SHA256}} {
			r, ok := m[f.name]
			if !ok || !bytes.HasPrefix(r, []byte(`"`)) || json.Unmarshal(r, f.dst) != nil {
				return nil, "malformed attachment " + f.name
			}
		}
		r, ok := m["size"]
		if !ok || !integerLiteral.Match(r) {
			return nil, "malformed attachment size"
		}
		n, err := strconv.ParseInt(string(r), 10, 64)
		if err != nil || n < 0 || n > MaxAttachmentFile {
			return nil, "malformed attachment size"
		}
		a.Size = int(n)
		as = append(as, a)
	}
	return as, ""
}
