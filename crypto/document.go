package crypto

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"unicode/utf8"

	"filippo.io/age"

	"lotse/domain"
	"lotse/internal/bounded"
)

// BucketSizes are the plaintext sizes of message documents, padding
// included (PROTOCOL.md §4).
var BucketSizes = [...]int{1024, 2048, 4096, 8192, 16384, 32768, 65536}

// maxDocument is the largest bucket.
const maxDocument = 65536

// ErrTooLong is returned by PadDocument and SealDocument for a document
// whose JSON is longer than the largest bucket (65536 bytes).
var ErrTooLong = errors.New("crypto: document longer than 65536 bytes")

// Document is a message document's JSON object (PROTOCOL.md §4).
type Document struct {
	V         int    `json:"v"`
	Type      string `json:"type"`
	Mailbox   string `json:"mailbox"`
	ID        string `json:"id"`
	MK        string `json:"mk"`
	From      string `json:"from"`
	Name      string `json:"name,omitempty"`
	Sent      string `json:"sent"`
	Lang      string `json:"lang"`
	Body      string `json:"body"`
	Role      string `json:"role,omitempty"`
	Recipient string `json:"recipient,omitempty"`
	// Attachments are the files the message references (PROTOCOL.md §10).
	Attachments []Attachment `json:"attachments,omitempty"`
	// Handover offers the case to another organisation (PROTOCOL.md §9.2);
	// counsellor documents only.
	Handover *Handover `json:"handover,omitempty"`
}

const (
	FromEnquirer   = "enquirer"
	FromCounsellor = "counsellor"
)

// NewDocumentID returns b64url of 16 random bytes (PROTOCOL.md §4).
func NewDocumentID(rand io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", fmt.Errorf("crypto: new document id: read random: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func validMailbox(s string) bool {
	_, err := domain.ParseMailboxID(s)
	return err == nil
}

// checkFields applies the reader rules that need no expectation: what
// every well-formed document satisfies. It returns a RejectError reason.
func checkFields(d *Document) string {
	switch {
	case d.V != 1:
		return "version is not 1"
	case d.Type != "message":
		return "unknown type"
	case !validMailbox(d.Mailbox):
		return "malformed mailbox"
	case !validDocumentID(d.ID):
		return "malformed id"
	case d.From != FromEnquirer && d.From != FromCounsellor:
		return "unknown from"
	case !validLang(d.Lang):
		return "lang is not a language tag"
	case d.Role != "" && d.Role != "affected" && d.Role != "relative" && d.Role != "professional":
		return "unknown role"
	}
	if !validSent(d.Sent) {
		return "sent is not RFC 3339"
	}
	var mk [32]byte
	defer clear(mk[:])
	if !decodeMK(mk[:], d.MK) {
		return "malformed mk"
	}
	if d.Recipient != "" {
		if _, err := ParseRecipient(d.Recipient); err != nil {
			return "malformed recipient"
		}
	}
	if reason := checkAttachments(d.Attachments); reason != "" {
		return reason
	}
	return checkHandover(d.Handover, d.From)
}

// sentPattern is RFC 3339's date-time (§5.6) with the choices every reader
// can parse: upper-case T and Z, a '.' fraction of 1 to 9 digits. Go's
// time.Parse also takes a ',' fraction and offsets such as +24:00, which a
// browser's Date cannot parse; so the rule is this pattern and the ranges
// in validSent, written identically in protocol.ts.
var sentPattern = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?(?:Z|[+-]([0-9]{2}):([0-9]{2}))$`)

// maxSentLen keeps the regular expression's input short.
const maxSentLen = 35

// validSent reports whether s is a document's sent: sentPattern with month
// 01–12, a day that exists in that month, hour 00–23, minute and second
// 00–59 (no leap second: Go and browsers refuse it), offset hours 00–23 and
// minutes 00–59.
func validSent(s string) bool {
	if len(s) > maxSentLen {
		return false
	}
	m := sentPattern.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	num := func(i int) int {
		n := 0
		for _, c := range m[i] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, se := num(1), num(2), num(3), num(4), num(5), num(6)
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || se > 59 {
		return false
	}
	return m[7] == "" || (num(7) <= 23 && num(8) <= 59)
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func validDocumentID(id string) bool {
	if len(id) != 22 {
		return false
	}
	var b [16]byte
	n, err := base64.RawURLEncoding.Strict().Decode(b[:], []byte(id))
	return err == nil && n == 16
}

// decodeMK decodes the padded standard base64 of a 32-byte mailbox key.
// The decoder writes whole 3-byte groups, so it gets a buffer of 33.
func decodeMK(dst []byte, s string) bool {
	if len(s) != 44 {
		return false
	}
	var buf [33]byte
	n, err := base64.StdEncoding.Strict().Decode(buf[:], []byte(s))
	ok := err == nil && n == 32
	if ok {
		copy(dst, buf[:32])
	}
	clear(buf[:])
	return ok
}

// PadDocument marshals d and pads it with spaces to the smallest bucket
// (PROTOCOL.md §4); ErrTooLong past 65536 bytes. A document that the
// reader rules would reject is an error too, so nothing unreadable is sent.
func PadDocument(d *Document) ([]byte, error) {
	if reason := checkFields(d); reason != "" {
		return nil, fmt.Errorf("crypto: pad document: %s", reason)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Readers display every string as text, never as markup.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("crypto: pad document: %v", err)
	}
	js := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(js) > maxDocument {
		clear(buf.Bytes())
		return nil, ErrTooLong
	}
	size := BucketSizes[0]
	for _, s := range BucketSizes {
		if s >= len(js) {
			size = s
			break
		}
	}
	out := make([]byte, size)
	n := copy(out, js)
	for i := n; i < size; i++ {
		out[i] = ' '
	}
	clear(buf.Bytes())
	return out, nil
}

// SealDocument pads d and encrypts it to exactly the team and enquirer
// recipients, in that order (PROTOCOL.md §4).
func SealDocument(d *Document, team, enquirer *age.HybridRecipient) ([]byte, error) {
	if team == nil || enquirer == nil {
		return nil, errors.New("crypto: seal document: missing recipient")
	}
	pt, err := PadDocument(d)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	ct, err := encrypt(pt, team, enquirer)
	if err != nil {
		return nil, fmt.Errorf("crypto: seal document: %v", err)
	}
	if err := CheckMessage(ct); err != nil {
		return nil, fmt.Errorf("crypto: seal document: own ciphertext fails the policy: %v", err)
	}
	return ct, nil
}

// encrypt is age encryption of a plaintext held in memory.
func encrypt(pt []byte, to ...age.Recipient) ([]byte, error) {
	var out bytes.Buffer
	w, err := age.Encrypt(&out, to...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(pt); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// decrypt is age decryption of at most limit bytes of plaintext.
func decrypt(ct []byte, limit int, ids ...age.Identity) ([]byte, error) {
	if len(ids) == 0 {
		return nil, errors.New("no identity")
	}
	r, err := age.Decrypt(bytes.NewReader(ct), ids...)
	if err != nil {
		return nil, err
	}
	pt, err := bounded.ReadAll(r, int64(limit))
	if err != nil {
		clear(pt)
		if _, ok := err.(*bounded.TooLargeError); ok {
			return nil, fmt.Errorf("plaintext longer than %d bytes", limit)
		}
		return nil, err
	}
	return pt, nil
}

// OpenDocument checks the message ciphertext policy (PROTOCOL.md §5) and
// decrypts with the first of ids that matches. Check the plaintext with
// CheckDocument before showing anything of it.
func OpenDocument(ciphertext []byte, ids ...age.Identity) ([]byte, error) {
	if err := CheckMessage(ciphertext); err != nil {
		return nil, err
	}
	pt, err := decrypt(ciphertext, maxDocument, ids...)
	if err != nil {
		return nil, fmt.Errorf("crypto: open document: %v", err)
	}
	return pt, nil
}

// Expect is what a reader knows before reading a document.
type Expect struct {
	Mailbox string // the mailbox it was fetched from
	MK      []byte // the mailbox key; nil only for a counsellor's first document
	From    string // the from the server stored
}

// RejectError is a document that fails the reader rules; Reason is short
// English for logs and warnings, never the content.
type RejectError struct{ Reason string }

func (e *RejectError) Error() string { return "document rejected: " + e.Reason }

func reject(reason string) error { return &RejectError{Reason: reason} }

// CheckDocument applies the reader rules of PROTOCOL.md §4: the plaintext
// is exactly a bucket size, a UTF-8 JSON object from its first byte,
// followed by spaces only, with no key repeated in any object and nesting
// at most maxDepth deep; v is 1, type "message", mailbox and from as
// expected, mk the mailbox's (taken as is when want.MK is nil), lang a
// language tag, role empty or known, sent as validSent says, id the b64url
// of 16 bytes, a recipient, if any, a hybrid recipient, and attachments,
// if any, a list of at most 5 references (PROTOCOL.md §10:
// document_attachments.go), and a handover, if any, an offer in a
// counsellor document (PROTOCOL.md §9.2: document_handover.go). Fields
// match by their exact names. Unknown fields are ignored. Fields that do not belong to the sender are dropped: name from
// enquirer documents, role and recipient from counsellor documents.
// Errors are *RejectError.
func CheckDocument(plaintext []byte, want Expect) (*Document, error) {
	if !slices.Contains(BucketSizes[:], len(plaintext)) {
		return nil, reject("not a bucket size")
	}
	end, reason := scanObject(plaintext)
	if reason != "" {
		return nil, reject(reason)
	}
	for _, c := range plaintext[end:] {
		if c != ' ' {
			return nil, reject("bytes other than spaces after the object")
		}
	}
	if !utf8.Valid(plaintext[:end]) {
		return nil, reject("not UTF-8")
	}
	d, reason := decodeDocument(plaintext[:end])
	if reason != "" {
		return nil, reject(reason)
	}
	if reason := checkFields(d); reason != "" {
		return nil, reject(reason)
	}
	if d.Mailbox != want.Mailbox {
		return nil, reject("wrong mailbox")
	}
	if d.From != want.From {
		return nil, reject("from differs from the server's")
	}
	if want.MK != nil {
		var mk [32]byte
		decodeMK(mk[:], d.MK) // checkFields made sure it decodes
		ok := subtle.ConstantTimeCompare(mk[:], want.MK) == 1
		clear(mk[:])
		if !ok {
			return nil, reject("wrong mk")
		}
	}
	switch d.From {
	case FromEnquirer:
		d.Name = ""
	case FromCounsellor:
		d.Role = ""
		d.Recipient = ""
	}
	return d, nil
}

// maxDepth is how deeply objects and arrays may nest in a document or a
// keyring, the outer object counting as 1. Documents nest 1 deep today;
// the limit leaves room for later fields and is small enough that no
// reader, recursive or not, runs out of stack (protocol.ts has the same).
const maxDepth = 32

// scanObject walks the JSON object that b starts with, its '{' the first
// byte, and returns where it ends. It refuses a key repeated within any
// object at any depth, compared after unescaping (parsers disagree on
// which of two repeated keys wins), and nesting deeper than maxDepth.
func scanObject(b []byte) (end int, reason string) {
	if len(b) == 0 || b[0] != '{' {
		return 0, "not a JSON object"
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return 0, "not a JSON object"
	}
	type frame struct {
		keys      map[string]struct{} // nil for an array
		expectKey bool
	}
	stack := []frame{{keys: map[string]struct{}{}, expectKey: true}}
	for len(stack) > 0 {
		tok, err := dec.Token()
		if err != nil {
			return 0, "malformed JSON"
		}
		top := &stack[len(stack)-1]
		if top.keys != nil && top.expectKey {
			if tok == json.Delim('}') {
				stack = stack[:len(stack)-1]
			} else {
				key, ok := tok.(string)
				if !ok {
					return 0, "malformed JSON"
				}
				if _, dup := top.keys[key]; dup {
					return 0, "repeated key"
				}
				top.keys[key] = struct{}{}
				top.expectKey = false
				continue
			}
		} else {
			switch tok {
			case json.Delim('{'), json.Delim('['):
				if len(stack) >= maxDepth {
					return 0, "nested too deeply"
				}
				f := frame{}
				if tok == json.Delim('{') {
					f = frame{keys: map[string]struct{}{}, expectKey: true}
				}
				stack = append(stack, f)
				continue
			case json.Delim(']'), json.Delim('}'):
				stack = stack[:len(stack)-1]
			}
		}
		// A value ended: its object, if any, expects a key next.
		if len(stack) > 0 && stack[len(stack)-1].keys != nil {
			stack[len(stack)-1].expectKey = true
		}
	}
	return int(dec.InputOffset()), ""
}

// decodeDocument reads the known fields by their exact names. json.Unmarshal
// into a struct would match names case-insensitively, so {"mk":…,"MK":…}
// could smuggle in a second mk; here "MK" is an unknown field.
func decodeDocument(obj []byte) (*Document, string) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, "malformed JSON"
	}
	d := &Document{}
	if raw, ok := m["v"]; ok {
		if err := json.Unmarshal(raw, &d.V); err != nil {
			return nil, "v is not an integer"
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"type", &d.Type}, {"mailbox", &d.Mailbox}, {"id", &d.ID}, {"mk", &d.MK},
		{"from", &d.From}, {"name", &d.Name}, {"sent", &d.Sent}, {"lang", &d.Lang},
		{"body", &d.Body}, {"role", &d.Role}, {"recipient", &d.Recipient},
	} {
		raw, ok := m[f.name]
		if !ok {
			continue
		}
		if !bytes.HasPrefix(raw, []byte(`"`)) {
			return nil, f.name + " is not a string"
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return nil, f.name + " is not a string"
		}
	}
	if raw, ok := m["attachments"]; ok {
		as, reason := decodeAttachments(raw)
		if reason != "" {
			return nil, reason
		}
		d.Attachments = as
	}
	if raw, ok := m["handover"]; ok {
		h, reason := decodeHandover(raw)
		if reason != "" {
			return nil, reason
		}
		d.Handover = h
	}
	return d, ""
}

// StoredMessage is a message as the server returns it.
type StoredMessage struct {
	Seq        uint64
	From       string
	Ciphertext []byte
}

// ThreadEntry is one message after reading: Doc set if it passed, Err set
// (a *RejectError or decryption error) if it is to be shown as a warning.
// Duplicate marks a document whose id an earlier entry already had: show
// it once, not again.
type ThreadEntry struct {
	Seq       uint64
	From      string
	Doc       *Document
	Duplicate bool
	Err       error
}

// ReadThread decrypts and checks messages in order (PROTOCOL.md §4). mk is
// the mailbox key if known (enquirer); with nil, it is taken from the first
// document, which must be seq 1 from the enquirer (counsellor). Only that
// first enquirer document keeps its recipient. It returns the entries and
// the mailbox key used (nil if none could be taken).
func ReadThread(mailbox string, mk []byte, msgs []StoredMessage, ids ...age.Identity) ([]ThreadEntry, []byte) {
	mk = slices.Clone(mk)
	entries := make([]ThreadEntry, 0, len(msgs))
	seen := make(map[string]bool, len(msgs))
	for i, m := range msgs {
		e := ThreadEntry{Seq: m.Seq, From: m.From}
		pt, err := OpenDocument(m.Ciphertext, ids...)
		if err != nil {
			e.Err = err
			entries = append(entries, e)
			continue
		}
		first := i == 0 && m.Seq == 1 && m.From == FromEnquirer
		if mk == nil && !first {
			e.Err = reject("mailbox key unknown: the first document is missing or was rejected")
		} else {
			e.Doc, e.Err = CheckDocument(pt, Expect{Mailbox: mailbox, MK: mk, From: m.From})
		}
		clear(pt)
		if e.Doc != nil {
			if mk == nil {
				mk = make([]byte, 32)
				decodeMK(mk, e.Doc.MK)
			}
			if !first {
				e.Doc.Recipient = ""
			}
			e.Duplicate = seen[e.Doc.ID]
			seen[e.Doc.ID] = true
		}
		entries = append(entries, e)
	}
	return entries, mk
}

// validLang is domain.ParseLangTag's verdict: the one rule for a
// document's "lang".
func validLang(s string) bool {
	_, err := domain.ParseLangTag(s)
	return err == nil
}
