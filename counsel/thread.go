package counsel

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/domain"
)

// Message is one message of a thread as the desk shows it. Warning is set
// (and Body empty) for a message that could not be decrypted or fails the
// reader rules of PROTOCOL.md §4: it is shown, never silently dropped.
type Message struct {
	Seq       uint64 `json:"seq"`
	From      string `json:"from"` // "enquirer" or "counsellor" (crypto.From…)
	Name      string `json:"name"`
	Sent      string `json:"sent"` // the sender's RFC 3339 time; "" with a warning
	Body      string `json:"body"`
	Lang      string `json:"lang,omitempty"`
	Role      string `json:"role,omitempty"` // the enquirer's: "affected", "relative" or "professional"
	Duplicate bool   `json:"duplicate,omitempty"`
	Warning   string `json:"warning,omitempty"`
	// OlderEpoch marks an enquirer message that the newest team key
	// does not open: it was sealed to an older epoch, whose key a
	// counsellor removed since may still hold.
	OlderEpoch bool `json:"older_epoch,omitempty"`
	// Attachments are the files the document references (attachments.go).
	Attachments []Attachment `json:"attachments,omitempty"`
	// Forwarded marks a message from before a handover to this
	// organisation (PROTOCOL.md §9.5): the enquirer's device forwarded
	// it, so it comes from the mailbox, but which counsellor of the
	// earlier organisation wrote a reply cannot be verified.
	Forwarded bool `json:"forwarded,omitempty"`
	// Offer is the handover a counsellor's reply offered (§9.2): to
	// which organisation, under which team key.
	Offer *MessageOffer `json:"offer,omitempty"`
}

// MessageOffer is what a reply offered the enquirer: the case to
// organisation Org (Name) under its team key of Epoch, whose fingerprint
// the reader computes.
type MessageOffer struct {
	Org         string `json:"org"`
	Name        string `json:"name"`
	Epoch       int    `json:"epoch"`
	Fingerprint string `json:"fingerprint"`
}

// Thread is a decrypted case. It keeps what a reply needs: the mailbox key
// and the recipient from the enquirer's first document.
type Thread struct {
	Case     client.Case `json:"case"`
	Messages []Message   `json:"messages"`
	// Actions: who assigned, closed or reopened the case, as the server
	// recorded it (PROTOCOL.md §11.4).
	Actions []client.Action `json:"actions"`

	id        string // the case id asked for, which the documents name
	mk        []byte
	recipient string // from the enquirer's first document only
	lang      string
	seen      map[string]bool
	lastSeq   uint64
	staged    []stagedFile       // files for the next reply (desk_attachments.go)
	verdicts  map[string]verdict // each attachment id's check (attachments.go)
	actions   []caseAction       // Actions with names, for counsel read
}

// ReplyLang is the language of the enquirer's first document ("de" if
// unknown).
func (t *Thread) ReplyLang() string {
	if t.lang == "" {
		return "de"
	}
	return t.lang
}

// CanReply reports whether a reply can be encrypted: the enquirer's first
// document passed the reader rules.
func (t *Thread) CanReply() bool { return t.mk != nil && t.recipient != "" }

// wipe drops the thread's secrets.
func (t *Thread) wipe() {
	clear(t.mk)
	t.mk = nil
	for _, f := range t.staged {
		clear(f.Data)
	}
	t.staged = nil
	t.verdicts = nil
	for i := range t.Messages {
		t.Messages[i] = Message{}
	}
	t.Messages = nil
}

// ReadCase fetches a case and decrypts its whole thread.
func (s *Session) ReadCase(ctx context.Context, id string) (*Thread, error) {
	t := &Thread{seen: map[string]bool{}}
	if err := s.updateThread(ctx, id, t); err != nil {
		return nil, err
	}
	t.actions = s.caseActions(ctx, t.Actions)
	return t, nil
}

// updateThread fetches and decrypts the messages after the thread's last.
// The case id is the one asked for, never the one the server echoes:
// the reader rules check that every document names it, and a reply goes
// to it.
func (s *Session) updateThread(ctx context.Context, id string, t *Thread) error {
	mid, err := domain.ParseMailboxID(id)
	if err != nil {
		return withHint(errorf(mErrBadCaseId, oneLine(id)), mHintCaseIdForm)
	}
	id = mid.String()
	if t.id != "" && t.id != id {
		panic("counsel: thread of case " + t.id + " updated as " + id)
	}
	ids, err := s.teamIdentities(ctx)
	if err != nil {
		return err
	}
	var cd *client.CaseDetail
	err = s.retry(ctx, func(api *client.Client) error {
		var err error
		cd, err = api.Case(ctx, id, t.lastSeq)
		return err
	})
	if err != nil {
		return apiError(mDoingFetchCase, err)
	}
	if cd.Case.ID != id {
		return alarm(mAlarmCaseIdDiffers, short(mid))
	}
	msgs := make([]crypto.StoredMessage, len(cd.Messages))
	for i, m := range cd.Messages {
		msgs[i] = crypto.StoredMessage{Seq: m.Seq, From: m.From, Ciphertext: m.Ciphertext}
	}
	entries, mk := readThreadParallel(id, t.mk, msgs, ids)
	if t.mk == nil && mk != nil {
		// The first document gave the mailbox key: it must be the one
		// this desk read the first time (§11 "Per-case pins").
		// A first document without a recipient is never pinned: nobody
		// can reply to it, and where a pin exists it is a change.
		pin, perr := crypto.CasePinOf(entries[0].Doc)
		if err := s.checkCasePin(ctx, mid, pin, perr == nil); err != nil {
			clear(mk)
			return err
		}
		if perr == nil {
			t.mk = mk
		} else {
			clear(mk)
		}
	}
	t.id = id
	t.Case = cd.Case
	cleanCase(&t.Case)
	t.Actions = cd.Actions
	fw := t.Case.Forwarded
	for i, e := range entries {
		m := Message{Seq: e.Seq, From: e.From, Forwarded: fw != nil && e.Seq <= fw.Count}
		// With one epoch, every message is sealed to the newest.
		if e.Doc != nil && e.From == crypto.FromEnquirer && len(ids) > 1 && msgs[i].Seq == e.Seq {
			m.OlderEpoch = !opensWith(msgs[i].Ciphertext, ids[0])
		}
		if e.Doc != nil {
			d := e.Doc
			m.Name, m.Sent, m.Body, m.Lang, m.Role = d.Name, d.Sent, d.Body, d.Lang, d.Role
			m.Duplicate = t.seen[d.ID]
			t.seen[d.ID] = true
			if !m.Duplicate {
				m.Attachments = attachmentsOf(d)
			}
			if h := d.Handover; h != nil {
				m.Offer = &MessageOffer{Org: h.Org, Name: h.Name, Epoch: h.Epoch, Fingerprint: crypto.Fingerprint(h.Recipient)}
			}
			if e.Seq == 1 && e.From == crypto.FromEnquirer && d.Recipient != "" {
				t.recipient = d.Recipient
				t.lang = d.Lang
			}
		} else {
			m.Warning = warningOf(e.Err)
		}
		if m.Duplicate {
			m.Body = ""
		}
		t.Messages = append(t.Messages, m)
		if e.Seq > t.lastSeq {
			t.lastSeq = e.Seq
		}
	}
	return nil
}

// opensWith reports whether id unwraps the file key of the age file ct:
// only the header is read.
func opensWith(ct []byte, id age.Identity) bool {
	_, err := age.Decrypt(bytes.NewReader(ct), id)
	return err == nil
}

func warningOf(err error) string {
	var re *crypto.RejectError
	if errors.As(err, &re) {
		return "fails the reader rules: " + re.Reason
	}
	if err == nil {
		return "unreadable"
	}
	return "cannot be decrypted: " + oneLine(err.Error())
}

// readThreadParallel is crypto.ReadThread spread over the cores: the first
// document (which gives the mailbox key when mk is nil) alone, then the
// rest in chunks, each with the mailbox key. Duplicates are left to the
// caller, who sees the whole thread.
func readThreadParallel(mailbox string, mk []byte, msgs []crypto.StoredMessage, ids []age.Identity) ([]crypto.ThreadEntry, []byte) {
	if len(msgs) == 0 {
		return nil, mk
	}
	var head []crypto.ThreadEntry
	if mk == nil {
		head, mk = crypto.ReadThread(mailbox, nil, msgs[:1], ids...)
		msgs = msgs[1:]
		if mk == nil {
			// Without the mailbox key nothing else passes; ReadThread
			// says so for each message.
			rest, _ := crypto.ReadThread(mailbox, nil, msgs, ids...)
			return append(head, rest...), nil
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if workers > len(msgs) {
		workers = len(msgs)
	}
	out := make([][]crypto.ThreadEntry, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(msgs)/workers, (w+1)*len(msgs)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[w], _ = crypto.ReadThread(mailbox, mk, msgs[lo:hi], ids...)
		}()
	}
	wg.Wait()
	entries := head
	for _, o := range out {
		entries = append(entries, o...)
	}
	return entries, mk
}

// maxBody keeps a reply inside the largest bucket with room for the rest
// of the document.
const maxBody = 60000

// Reply encrypts body to the newest verified team key and to the
// recipient in the enquirer's first document (never one the server
// serves), and sends it. A stale epoch re-verifies the keyring once.
func (s *Session) Reply(ctx context.Context, t *Thread, body, lang string) (uint64, error) {
	return s.ReplyWith(ctx, t, body, lang, nil)
}

// ReplyWith is Reply with files attached, each sealed to the same two
// recipients and uploaded before the reply that references them; after
// a stale epoch they are sealed and uploaded again (the server deletes
// the first uploads, which nothing references).
func (s *Session) ReplyWith(ctx context.Context, t *Thread, body, lang string, files []File) (uint64, error) {
	return s.sendReply(ctx, t, body, lang, files, nil)
}

// sendReply is ReplyWith for a document that may carry a handover offer
// (handover.go), which is sealed exactly as a reply.
func (s *Session) sendReply(ctx context.Context, t *Thread, body, lang string, files []File, offer *crypto.Handover) (uint64, error) {
	if !t.CanReply() {
		return 0, withHint(errorf(mErrNoEnquirerKey),
			mHintCannotReply)
	}
	if body == "" {
		return 0, withHint(errorf(mErrReplyEmpty), mHintWriteText)
	}
	if !utf8.ValidString(body) {
		return 0, errorf(mErrReplyNotUtf8)
	}
	if len(body) > maxBody {
		return 0, errorf(mErrReplyTooManyBytes, len(body), maxBody)
	}
	if len(files) > maxAttachments {
		return 0, errorf(mErrTooManyAttachments, len(files), maxAttachments)
	}
	if lang == "" {
		lang = t.ReplyLang()
	}
	enquirer, err := crypto.ParseRecipient(t.recipient)
	if err != nil {
		return 0, errorf(mErrEnquirerKey, err)
	}
	docID, err := crypto.NewDocumentID(rand.Reader)
	if err != nil {
		return 0, err
	}
	doc := &crypto.Document{V: 1, Type: "message", Mailbox: t.id, ID: docID,
		MK: base64.StdEncoding.EncodeToString(t.mk), From: crypto.FromCounsellor, Name: s.cfg.Name,
		Sent: time.Now().UTC().Format(time.RFC3339), Lang: lang, Body: body, Handover: offer}
	for attempt := 0; ; attempt++ {
		team, err := s.Team(ctx)
		if err != nil {
			return 0, err
		}
		teamR, err := crypto.ParseRecipient(team.Recipient)
		if err != nil {
			return 0, err
		}
		ids, err := s.uploadFiles(ctx, t, doc, files, teamR, enquirer)
		if err != nil {
			return 0, err
		}
		ct, err := crypto.SealDocument(doc, teamR, enquirer)
		if errors.Is(err, crypto.ErrTooLong) {
			return 0, withHint(errorf(mErrReplyTooLong), mHintSplitReply)
		}
		if err != nil {
			return 0, err
		}
		var seq uint64
		err = s.retry(ctx, func(api *client.Client) error {
			var err error
			seq, err = api.Reply(ctx, t.id, client.NewMessage{Epoch: team.Epoch, Ciphertext: ct, Attachments: ids})
			return err
		})
		if client.Code(err) == "stale_epoch" && attempt == 0 {
			if err := s.Verify(ctx); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, apiError(mDoingSendReply, err)
		}
		return seq, nil
	}
}

// ReadCaseRef reads the case a reference names (see ResolveCase).
func (s *Session) ReadCaseRef(ctx context.Context, ref string) (*Thread, error) {
	id, err := s.ResolveCase(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.ReadCase(ctx, id)
}

// ResolveCase finds the case a reference names: a full id as it is, a
// prefix of at least 4 digits (the desk shows 8) among the team's cases.
// A prefix that matches no case or several is an error, never a guess;
// for several, the error lists them, each by the shortest prefix that
// tells it apart.
func (s *Session) ResolveCase(ctx context.Context, ref string) (string, error) {
	r, err := domain.ParseCaseRef(ref)
	if err != nil {
		return "", withHint(errorf(mErrBadCaseId, oneLine(ref)), mHintCaseIdForm)
	}
	if id, ok := r.MailboxID(); ok {
		return id.String(), nil
	}
	cs, err := s.Cases(ctx, "")
	if err != nil {
		return "", err
	}
	ids := make([]domain.MailboxID, 0, len(cs))
	for _, c := range cs {
		if id, err := domain.ParseMailboxID(c.ID); err == nil {
			ids = append(ids, id)
		}
	}
	return resolveRef(r, ids)
}

// resolveRef is the one case among ids that r names, or the error that
// says why there is none.
func resolveRef(r domain.CaseRef, ids []domain.MailboxID) (string, error) {
	id, err := r.Resolve(ids)
	switch {
	case errors.Is(err, domain.ErrAmbiguousCase):
		const shown = 10
		matches := r.Matching(ids, shown+1)
		names := make([]string, 0, shown+1)
		for i, m := range matches {
			if i == shown {
				names = append(names, "…")
				break
			}
			names = append(names, uniquePrefix(m, ids))
		}
		return "", withHint(errorf(mErrAmbiguousCase, r.String(), strings.Join(names, ", ")), mHintUseFullCaseId)
	case err != nil:
		return "", withHint(errorf(mErrNoSuchCase, r.String()), mHintCaseIdForm)
	}
	return id.String(), nil
}

// uniquePrefix is the shortest prefix of id, at least the desk's 8
// digits, that no other of ids begins with.
func uniquePrefix(id domain.MailboxID, ids []domain.MailboxID) string {
	full := id.String()
	n := domain.ShortCaseRefLen
	for _, o := range ids {
		if o.Equal(id) {
			continue
		}
		other := o.String()
		for n < len(full) && full[:n] == other[:n] {
			n++
		}
	}
	return full[:n]
}

// maxCasePage is the largest page the server gives (api/paging.go).
const maxCasePage = 1000

// Cases lists cases (status "" for all), newest activity first. It reads
// page by page, so that a flooded inbox is never one answer too large for
// the client's limit.
func (s *Session) Cases(ctx context.Context, status string) ([]client.Case, error) {
	cs := []client.Case{}
	cursor := ""
	for {
		page, next, err := s.CasesPage(ctx, status, maxCasePage, cursor)
		if err != nil {
			return nil, err
		}
		cs = append(cs, page...)
		if next == "" {
			return cs, nil
		}
		cursor = next
	}
}

// CasesPage returns at most limit cases after cursor ("" for the first
// page) and the cursor of the next page, "" after the last.
func (s *Session) CasesPage(ctx context.Context, status string, limit int, cursor string) ([]client.Case, string, error) {
	return casePage(ctx, s, client.CaseQuery{Status: status, Limit: limit, Cursor: cursor}) // desk_inbox.go
}

// CaseSummary returns one case's metadata without its messages: what the
// desk's inbox needs when an event names the case.
func (s *Session) CaseSummary(ctx context.Context, id string) (*client.Case, error) {
	var cd *client.CaseDetail
	err := s.retry(ctx, func(api *client.Client) error {
		var err error
		// No message has this seq, so the answer carries none.
		cd, err = api.Case(ctx, id, math.MaxUint64)
		return err
	})
	if client.Code(err) == "not_found" {
		// As it is, so that the desk answers 404 and the page drops the line.
		return nil, err
	}
	if err != nil {
		return nil, apiError(mDoingFetchCase, err)
	}
	cleanCase(&cd.Case)
	return &cd.Case, nil
}

// PatchCase sets a case's status and/or assignee.
func (s *Session) PatchCase(ctx context.Context, id string, p client.CasePatch) (*client.Case, error) {
	var c *client.Case
	err := s.retry(ctx, func(api *client.Client) error {
		var err error
		c, err = api.PatchCase(ctx, id, p)
		return err
	})
	if err != nil {
		return nil, apiError(mDoingChangeCase, err)
	}
	cleanCase(c)
	return c, nil
}

// DeleteCase deletes a case and every message in it.
func (s *Session) DeleteCase(ctx context.Context, id string) error {
	err := s.retry(ctx, func(api *client.Client) error { return api.DeleteCase(ctx, id) })
	if err != nil {
		return apiError(mDoingDeleteCase, err)
	}
	// The pin of a case that is gone only says that it existed.
	if mid, err := domain.ParseMailboxID(id); err == nil {
		s.pinMu.Lock()
		os.Remove(casePinPath(s.cfg.dir, mid))
		s.pinMu.Unlock()
	}
	return nil
}

// validLang is the reader's rule for a document's "lang"
// (domain.ParseLangTag): a reply in a language the counsellor names is
// never one the enquirer's reader refuses.
func validLang(s string) bool {
	_, err := domain.ParseLangTag(s)
	return err == nil
}
