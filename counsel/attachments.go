package counsel

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"image"
	_ "image/jpeg" // DecodeConfig of previews
	_ "image/png"
	"net/http"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
)

// Attachments (PROTOCOL.md §10) as counsel shows them: every file a
// message references is fetched, decrypted with the team's identities and
// checked by crypto.OpenAttachment before anyone sees it. A file that
// fails is a warning in its place, never the file.

// The states of an attachment.
const (
	// attUnchecked: not fetched yet, or the server could not be reached.
	attUnchecked = "unchecked"
	// attChecked: decrypted, its size fits its bucket and its bytes hash
	// to the document's sha256.
	attChecked = "checked"
	// attWarning: missing, undecryptable, truncated or not the file the
	// message names.
	attWarning = "warning"
)

// Attachment is one file a message references. Name and Type are what
// the sender wrote and untrusted: printed through oneLine, shown as text.
type Attachment struct {
	// Index is its place among the message's attachments, which the
	// desk's routes name it by (a hostile sender may reuse an id).
	Index   int    `json:"index"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	Size    int64  `json:"size"`
	State   string `json:"state"` // "unchecked", "checked" or "warning" (att…)
	Warning string `json:"warning,omitempty"`
	// Image is "jpeg", "png" or "webp" when the checked bytes are one of
	// these, as its type says, small enough to decode: the desk may
	// preview it.
	Image string `json:"image,omitempty"`

	ref crypto.Attachment
}

// maxAttachments is the most a document references (PROTOCOL.md §10).
const maxAttachments = crypto.MaxAttachments

// maxAttachmentFile is the largest file: the largest attachment bucket.
const maxAttachmentFile = crypto.MaxAttachmentFile

// maxAttachmentName is the longest file name in characters, as the
// reader rules of crypto allow it; NewFile says so before anything is
// sealed.
const maxAttachmentName = 128

// maxPreviewPixels bounds what the desk's browser decodes: a 12-megapixel
// photo fits three times over; a crafted 30000×30000 PNG does not.
const maxPreviewPixels = 40_000_000

// attachmentsOf lists a document's references, each unchecked.
func attachmentsOf(d *crypto.Document) []Attachment {
	if len(d.Attachments) == 0 {
		return nil
	}
	out := make([]Attachment, len(d.Attachments))
	for i, a := range d.Attachments {
		out[i] = Attachment{Index: i, ID: a.ID, Name: a.Name, Type: a.Type, Size: int64(a.Size),
			State: attUnchecked, ref: a}
	}
	return out
}

// cloneMessages copies messages deep enough that checking an attachment
// later does not change a copy already handed out.
func cloneMessages(ms []Message) []Message {
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = m
		if m.Attachments != nil {
			out[i].Attachments = append([]Attachment(nil), m.Attachments...)
		}
	}
	return out
}

// attachment finds the index-th attachment of message seq.
func (t *Thread) attachment(seq uint64, index int) *Attachment {
	for i := range t.Messages {
		m := &t.Messages[i]
		if m.Seq == seq && index >= 0 && index < len(m.Attachments) {
			return &m.Attachments[index]
		}
	}
	return nil
}

// attachmentByID finds the first attachment with the server id id.
func (t *Thread) attachmentByID(id string) *Attachment {
	for i := range t.Messages {
		for j := range t.Messages[i].Attachments {
			if a := &t.Messages[i].Attachments[j]; a.ID == id {
				return a
			}
		}
	}
	return nil
}

// verdict is what the check of one attachment id found, for the
// reference (size and sha256) it was checked against.
type verdict struct {
	size          int
	sha256        string
	state, reason string
	image         string
}

// otherReference is the warning for a second reference to one id: an
// upload is one file, so a reference that differs from one already
// checked cannot be right, and a thread that names one upload a
// thousand times must not make the desk fetch it a thousand times.
const otherReference = "another message names this file differently"

// known applies an earlier verdict on a's id, if any, and reports
// whether there was one.
func (t *Thread) known(a *Attachment) bool {
	v, ok := t.verdicts[a.ID]
	switch {
	case !ok:
		return false
	case v.size != a.ref.Size || v.sha256 != a.ref.SHA256:
		a.State, a.Warning, a.Image = attWarning, otherReference, ""
	default:
		a.State, a.Warning, a.Image = v.state, v.reason, v.image
	}
	return true
}

func (t *Thread) remember(a *Attachment) {
	if t.verdicts == nil {
		t.verdicts = map[string]verdict{}
	}
	t.verdicts[a.ID] = verdict{size: a.ref.Size, sha256: a.ref.SHA256, state: a.State, reason: a.Warning, image: a.Image}
}

// openAttachment fetches, decrypts and checks a; it records the state.
// A file that fails the check is an error (the warning), and its bytes
// are not returned; a server that cannot be reached leaves a unchecked.
func (s *Session) openAttachment(ctx context.Context, t *Thread, a *Attachment) ([]byte, error) {
	if t.known(a) && a.State == attWarning {
		return nil, errorf(mErrAttachmentWarning, oneLine(a.Name), a.Warning)
	}
	ids, err := s.teamIdentities(ctx)
	if err != nil {
		return nil, err
	}
	var ct []byte
	err = s.retry(ctx, func(api *client.Client) error {
		var err error
		ct, err = api.Attachment(ctx, t.id, a.ID)
		return err
	})
	if code := client.Code(err); code == "not_found" || code == "bad_request" {
		a.State, a.Warning = attWarning, "not on the server"
		t.remember(a)
		return nil, errorf(mErrAttachmentWarning, oneLine(a.Name), a.Warning)
	}
	if err != nil {
		return nil, apiError(mDoingFetchAttachment, err)
	}
	sum, err := base64.StdEncoding.DecodeString(a.ref.SHA256)
	if err != nil {
		// The reader rules checked it; nothing can match a broken sum.
		sum = nil
	}
	pt, err := crypto.OpenAttachment(ct, teamIdentity(ids), a.ref.Size, sum)
	if err != nil {
		a.State, a.Warning = attWarning, oneLine(strings.TrimPrefix(err.Error(), "crypto: "))
		t.remember(a)
		return nil, errorf(mErrAttachmentWarning, oneLine(a.Name), a.Warning)
	}
	a.State, a.Warning, a.Image = attChecked, "", previewKind(a.Type, pt)
	t.remember(a)
	return pt, nil
}

// OpenAttachment returns the checked bytes of the index-th attachment of
// message seq of t.
func (s *Session) OpenAttachment(ctx context.Context, t *Thread, seq uint64, index int) ([]byte, Attachment, error) {
	a := t.attachment(seq, index)
	if a == nil {
		return nil, Attachment{}, errorf(mErrNoSuchAttachment, t.id, index, seq)
	}
	pt, err := s.openAttachment(ctx, t, a)
	return pt, *a, err
}

// CheckAttachments checks every attachment of t not checked yet, so the
// thread shows each one's state; only a locked desk or an alarm stops it.
func (s *Session) CheckAttachments(ctx context.Context, t *Thread) error {
	for i := range t.Messages {
		for j := range t.Messages[i].Attachments {
			a := &t.Messages[i].Attachments[j]
			if a.State != attUnchecked || t.known(a) {
				continue
			}
			pt, err := s.openAttachment(ctx, t, a)
			clear(pt)
			if IsAlarm(err) || errors.Is(err, errLocked) || ctx.Err() != nil {
				return err
			}
		}
	}
	return nil
}

// File is a file a counsellor attaches to a reply: an information sheet.
type File struct {
	Name string
	Type string
	Data []byte
}

// NewFile checks a file for a reply: a name of 1 to 128 characters
// without controls, at most the largest attachment bucket. Its type
// comes from its name's extension, else from its first bytes.
func NewFile(name string, data []byte) (File, error) {
	name = filepath.Base(filepath.Clean(name))
	if n := utf8.RuneCountInString(name); name == "." || name == ".." || name == string(filepath.Separator) || n < 1 || n > maxAttachmentName || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) || bidiOverride(r) || bidiMark(r) }) {
		return File{}, withHint(errorf(mErrAttachmentName, oneLine(name), maxAttachmentName), mHintRenameAttachment)
	}
	if len(data) > maxAttachmentFile {
		return File{}, errorf(mErrAttachmentTooLarge, oneLine(name), maxAttachmentFile>>20)
	}
	if len(data) == 0 {
		return File{}, errorf(mErrAttachmentEmpty, oneLine(name))
	}
	return File{Name: name, Type: mediaTypeOf(name, data), Data: data}, nil
}

// knownTypes are the types of the files counsellors send, by extension.
// A browser's or the system's guess is not used: the type travels to
// the enquirer, whose reader rules accept plain media types only.
var knownTypes = map[string]string{
	".pdf": "application/pdf", ".txt": "text/plain",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
	".odt": "application/vnd.oasis.opendocument.text",
	".doc": "application/msword", ".rtf": "application/rtf",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

func mediaTypeOf(name string, data []byte) string {
	if t, ok := knownTypes[strings.ToLower(filepath.Ext(name))]; ok {
		return t
	}
	// "text/plain; charset=utf-8": the type without its parameters.
	t, _, _ := strings.Cut(http.DetectContentType(data), ";")
	return t
}

// previewKind is "jpeg", "png" or "webp" when the bytes are such an
// image, as typ says, of at most maxPreviewPixels; else "".
func previewKind(typ string, b []byte) string {
	kind := ""
	switch {
	case typ == "image/jpeg" && bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		kind = "jpeg"
	case typ == "image/png" && bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		kind = "png"
	case typ == "image/webp" && len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		kind = "webp"
	default:
		return ""
	}
	var w, h int
	if kind == "webp" {
		var ok bool
		if w, h, ok = webpSize(b); !ok {
			return ""
		}
	} else {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return ""
		}
		w, h = cfg.Width, cfg.Height
	}
	if w < 1 || h < 1 || w > 16384 || h > 16384 || w*h > maxPreviewPixels {
		return ""
	}
	return kind
}

// webpSize reads a WebP file's canvas size from its first chunk: VP8X
// (extended), VP8L (lossless) or VP8 (lossy), as the WebP container
// specification (RFC 9649) lays them out.
func webpSize(b []byte) (w, h int, ok bool) {
	if len(b) < 30 {
		return 0, 0, false
	}
	switch string(b[12:16]) {
	case "VP8X":
		w = 1 + (int(b[24]) | int(b[25])<<8 | int(b[26])<<16)
		h = 1 + (int(b[27]) | int(b[28])<<8 | int(b[29])<<16)
		return w, h, true
	case "VP8L":
		if b[20] != 0x2f {
			return 0, 0, false
		}
		bits := binary.LittleEndian.Uint32(b[21:25])
		return 1 + int(bits&0x3fff), 1 + int(bits>>14&0x3fff), true
	case "VP8 ":
		if b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a {
			return 0, 0, false
		}
		return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff), true
	}
	return 0, 0, false
}

// wipeFiles clears the files' bytes once they are sent or given up.
func wipeFiles(files []File) {
	for _, f := range files {
		clear(f.Data)
	}
}

// uploadFiles seals each file to the team and the enquirer, uploads it
// to the case and puts its reference in doc; it returns the ids the
// reply confirms to the server (PROTOCOL.md §10).
func (s *Session) uploadFiles(ctx context.Context, t *Thread, doc *crypto.Document, files []File, team, enquirer *age.HybridRecipient) ([]string, error) {
	doc.Attachments = nil
	var ids []string
	for _, f := range files {
		ct, err := crypto.SealAttachment(f.Data, team, enquirer)
		if err != nil {
			return nil, err
		}
		var id string
		err = s.retry(ctx, func(api *client.Client) error {
			var err error
			id, err = api.UploadAttachment(ctx, t.id, ct)
			return err
		})
		if err != nil {
			return nil, apiError(mDoingUploadAttachment, err)
		}
		doc.Attachments = append(doc.Attachments, crypto.NewAttachment(id, f.Name, f.Type, f.Data))
		ids = append(ids, id)
	}
	return ids, nil
}

// teamIdentity opens what any of the team's epochs can: an attachment
// is sealed to the team key of its day.
type teamIdentity []age.Identity

func (ids teamIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, id := range ids {
		k, err := id.Unwrap(stanzas)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		return k, err
	}
	return nil, age.ErrIncorrectIdentity
}
