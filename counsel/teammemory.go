package counsel

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"lotse/crypto"
	"lotse/domain"
)

// Team memory (PROTOCOL-1.1 §11, PROTOCOL.md §11): case notes and tags
// the team writes for itself, sealed to the newest team recipient and
// authenticated with that epoch's team MAC key. The server stores them
// append-only and cannot read them; it knows the team recipient, so it
// could seal records of its own, and the MAC is what tells them apart. A
// record that does not verify, or verifies as another case's or another
// kind's, is never shown as the team's: it becomes an alarm beside the
// records that do.

const (
	// maxNote bounds a note's text; a note is a few lines, not a file.
	maxNote = 8000
	// maxTags and maxTag bound a case's tags.
	maxTags = 20
	maxTag  = 40
)

// serverRecord is one record as the server lists it: its kind, the author
// the server saw, and the ciphertext. Nothing of it but the ciphertext is
// believed.
type serverRecord struct {
	ID         string
	Kind       string
	Ciphertext []byte
}

// CaseNote is one authenticated note.
type CaseNote struct {
	Author     string `json:"author"`
	AuthorName string `json:"author_name,omitempty"`
	Written    string `json:"written"`
	Text       string `json:"text"`
	// OlderEpoch: authenticated with an older team key than the newest,
	// which a counsellor removed since also holds.
	OlderEpoch bool `json:"older_epoch,omitempty"`
}

// RecordAlarm is a record that is not the team's: shown as an alarm, in
// English and German, never as its content.
type RecordAlarm struct {
	Reason   string `json:"reason"`
	ReasonDE string `json:"reason_de"`
	err      *AlarmError
}

// CaseMemory is what the team wrote about a case.
type CaseMemory struct {
	Notes       []CaseNote    `json:"notes"`
	Tags        []string      `json:"tags"`
	TagsAuthor  string        `json:"tags_author,omitempty"`
	TagsWritten string        `json:"tags_written,omitempty"`
	Alarms      []RecordAlarm `json:"alarms"`
}

// ParseTag is the one rule for a topic tag: 1 to maxTag letters, digits,
// '-' or '_', lower-cased, so that "Arbeit" and "arbeit" are one tag.
func ParseTag(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" || utf8.RuneCountInString(t) > maxTag || !utf8.ValidString(t) {
		return "", errorf(mErrBadTag, oneLine(s), maxTag)
	}
	for _, r := range t {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
			return "", errorf(mErrBadTag, oneLine(s), maxTag)
		}
	}
	return t, nil
}

// normalTags checks tags, drops repeats and sorts them.
func normalTags(tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	for _, s := range tags {
		t, err := ParseTag(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, errorf(mErrTooManyTags, maxTags)
	}
	slices.Sort(out)
	return out, nil
}

// changeTags applies "+tag" (or "tag") and "-tag" to cur, in order.
func changeTags(cur []string, changes []string) ([]string, error) {
	next := slices.Clone(cur)
	for _, c := range changes {
		remove := strings.HasPrefix(c, "-")
		t, err := ParseTag(strings.TrimPrefix(strings.TrimPrefix(c, "-"), "+"))
		if err != nil {
			return nil, err
		}
		next = slices.DeleteFunc(next, func(x string) bool { return x == t })
		if !remove {
			next = append(next, t)
		}
	}
	return normalTags(next)
}

// checkNote applies the rule for a note's text.
func checkNote(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", errorf(mErrNoteEmpty)
	}
	if !utf8.ValidString(text) || len(text) > maxNote {
		return "", errorf(mErrNoteTooLong, maxNote)
	}
	return text, nil
}

// sealForTeam authenticates a record with the newest verified epoch's
// MAC key and seals it to that epoch's team recipient only: every member
// holds every epoch's identity, and the record is the team's, not the
// author's.
func (s *Session) sealForTeam(ctx context.Context, typ, caseID string, fields map[string]json.RawMessage) ([]byte, error) {
	ring, _, err := s.verified(ctx)
	if err != nil {
		return nil, err
	}
	_, _, keys, err := s.recordKeys(ctx)
	if err != nil {
		return nil, err
	}
	defer wipeKeys(keys)
	newest := ring.Epochs[len(ring.Epochs)-1]
	teamR, err := crypto.ParseRecipient(recipientOf(newest.Identity))
	if err != nil {
		return nil, err
	}
	rec := &crypto.TeamRecord{Type: typ, Epoch: newest.Epoch, Case: caseID, Author: s.cfg.ID,
		Written: time.Now(), Fields: fields}
	return crypto.SealTeamRecord(rec, keys[newest.Epoch], teamR)
}

// openedRecord is an authenticated record and where the server listed it.
type openedRecord struct {
	*crypto.TeamRecord
	at int
}

// openRecords opens the records the server listed for caseID ("" for the
// team's own) that are of one of the kinds; every other kind is skipped.
// Each record that does not open as the team's record of that kind and
// case becomes an alarm.
func (s *Session) openRecords(ctx context.Context, caseID string, recs []serverRecord, kinds ...string) ([]openedRecord, []RecordAlarm, error) {
	_, ids, keys, err := s.recordKeys(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer wipeKeys(keys)
	var ok []openedRecord
	alarms := []RecordAlarm{}
	for i, r := range recs {
		if !slices.Contains(kinds, r.Kind) {
			continue
		}
		rec, err := crypto.OpenTeamRecord(r.Ciphertext, crypto.TeamRecordExpect{Type: r.Kind, Case: caseID}, ids, keys)
		if err != nil {
			alarms = append(alarms, recordAlarm(r.Kind, caseID, err))
			continue
		}
		ok = append(ok, openedRecord{rec, i})
	}
	return ok, alarms, nil
}

// recordAlarm says why a record is not the team's.
func recordAlarm(kind, caseID string, err error) RecordAlarm {
	reason := oneLine(err.Error())
	var te *crypto.TeamRecordError
	if errors.As(err, &te) {
		reason = te.Reason
	}
	if caseID == "" {
		return alarmOf(alarm(mAlarmTeamRecordForged, kind, reason))
	}
	return alarmOf(alarm(mAlarmCaseRecordForged, kind, shortRef(caseID), reason))
}

// invalidRecordAlarm is a record that verifies as the team's but whose
// content breaks this desk's rules: a member's desk wrote what this one
// cannot read, and nothing of it is guessed at.
func invalidRecordAlarm(kind, caseID string, err error) RecordAlarm {
	return alarmOf(alarm(mAlarmRecordInvalid, kind, shortRef(caseID), oneLine(localize("en", err))))
}

func alarmOf(err error) RecordAlarm {
	var a *AlarmError
	errors.As(err, &a)
	return RecordAlarm{Reason: a.Reason, ReasonDE: alarmReasonDE(a), err: a}
}

// shortRef is the 8-digit form of a case id, "-" for the team's records.
func shortRef(caseID string) string {
	if id, err := domain.ParseMailboxID(caseID); err == nil {
		return short(id)
	}
	return "-"
}

// newest is the authenticated record of the newest epoch written last;
// on equal times the one the server listed later. A counsellor removed
// since still holds the older epochs' keys and, with the server, could
// write a record of such an epoch dated later: it never outranks a record
// of a newer epoch.
func newest(recs []openedRecord) *openedRecord {
	if len(recs) == 0 {
		return nil
	}
	n := slices.MaxFunc(recs, func(a, b openedRecord) int {
		if c := cmp.Compare(a.Epoch, b.Epoch); c != 0 {
			return c
		}
		if c := a.Written.Compare(b.Written); c != 0 {
			return c
		}
		return cmp.Compare(a.at, b.at)
	})
	return &n
}

// CaseMemory reads what the team wrote about a case: its notes in the
// order written, its newest tags, and an alarm for every record that is
// not the team's.
func (s *Session) CaseMemory(ctx context.Context, id string) (*CaseMemory, error) {
	mid, err := domain.ParseMailboxID(id)
	if err != nil {
		return nil, withHint(errorf(mErrBadCaseId, oneLine(id)), mHintCaseIdForm)
	}
	recs, err := s.caseRecords(ctx, mid.String())
	if err != nil {
		return nil, err
	}
	opened, alarms, err := s.openRecords(ctx, mid.String(), recs, crypto.RecordNote, crypto.RecordTags)
	if err != nil {
		return nil, err
	}
	names := s.memberNames(ctx)
	team, err := s.Team(ctx)
	if err != nil {
		return nil, err
	}
	m := &CaseMemory{Notes: []CaseNote{}, Tags: []string{}, Alarms: alarms}
	var tagRecs []openedRecord
	for _, r := range opened {
		switch r.Type {
		case crypto.RecordNote:
			var text string
			json.Unmarshal(r.Fields["text"], &text) // the reader checked it is a string
			m.Notes = append(m.Notes, CaseNote{Author: r.Author, AuthorName: names[r.Author],
				Written: r.Written.UTC().Format(time.RFC3339), Text: text, OlderEpoch: r.Epoch < team.Epoch})
		case crypto.RecordTags:
			tagRecs = append(tagRecs, r)
		}
	}
	slices.SortStableFunc(m.Notes, func(a, b CaseNote) int { return strings.Compare(a.Written, b.Written) })
	if t := newest(tagRecs); t != nil {
		var tags []string
		json.Unmarshal(t.Fields["tags"], &tags)
		if tags, err = normalTags(tags); err != nil {
			// Authentic but not by this desk's rule: a member's
			// desk of another version; shown as an alarm, not guessed.
			m.Alarms = append(m.Alarms, invalidRecordAlarm(crypto.RecordTags, mid.String(), err))
		} else {
			m.Tags, m.TagsAuthor, m.TagsWritten = tags, t.Author, t.Written.UTC().Format(time.RFC3339)
		}
	}
	return m, nil
}

// memberNames maps the verified keyring's member ids to their names; an
// author who left the team is shown by id.
func (s *Session) memberNames(ctx context.Context) map[string]string {
	ms, err := s.Members(ctx)
	names := map[string]string{}
	if err != nil {
		return names
	}
	for _, m := range ms {
		names[m.ID] = m.Name
	}
	return names
}

// AddNote writes a note on a case for the team.
func (s *Session) AddNote(ctx context.Context, id, text string) error {
	mid, err := domain.ParseMailboxID(id)
	if err != nil {
		return withHint(errorf(mErrBadCaseId, oneLine(id)), mHintCaseIdForm)
	}
	text, err = checkNote(text)
	if err != nil {
		return err
	}
	js, _ := json.Marshal(text)
	ct, err := s.sealForTeam(ctx, crypto.RecordNote, mid.String(), map[string]json.RawMessage{"text": js})
	if err != nil {
		return err
	}
	return s.postCaseRecord(ctx, mid.String(), crypto.RecordNote, ct)
}

// SetTags replaces a case's tags for the team.
func (s *Session) SetTags(ctx context.Context, id string, tags []string) ([]string, error) {
	mid, err := domain.ParseMailboxID(id)
	if err != nil {
		return nil, withHint(errorf(mErrBadCaseId, oneLine(id)), mHintCaseIdForm)
	}
	tags, err = normalTags(tags)
	if err != nil {
		return nil, err
	}
	js, _ := json.Marshal(tags)
	ct, err := s.sealForTeam(ctx, crypto.RecordTags, mid.String(), map[string]json.RawMessage{"tags": js})
	if err != nil {
		return nil, err
	}
	if err := s.postCaseRecord(ctx, mid.String(), crypto.RecordTags, ct); err != nil {
		return nil, err
	}
	return tags, nil
}

// tagWorkers bounds the requests CasesTagged has in flight.
const tagWorkers = 4

// CasesTagged returns the ids of the cases whose tags, as the team last
// set them in a record that verifies, hold tag. It reads every case's
// records but no messages; a record that is not the team's counts for
// nothing here (the case's own view shows its alarm).
func (s *Session) CasesTagged(ctx context.Context, tag string) ([]string, error) {
	tag, err := ParseTag(tag)
	if err != nil {
		return nil, err
	}
	cs, err := s.Cases(ctx, "")
	if err != nil {
		return nil, err
	}
	found := make([]bool, len(cs))
	errs := make([]error, len(cs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(tagWorkers, len(cs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				found[i], errs[i] = s.caseHasTag(ctx, cs[i].ID, tag)
			}
		}()
	}
	for i := range cs {
		next <- i
	}
	close(next)
	wg.Wait()
	out := []string{}
	for i, c := range cs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if found[i] {
			out = append(out, c.ID)
		}
	}
	return out, nil
}

func (s *Session) caseHasTag(ctx context.Context, id, tag string) (bool, error) {
	recs, err := s.caseRecords(ctx, id)
	if err != nil {
		return false, err
	}
	opened, _, err := s.openRecords(ctx, id, recs, crypto.RecordTags)
	if err != nil {
		return false, err
	}
	n := newest(opened)
	if n == nil {
		return false, nil
	}
	var tags []string
	json.Unmarshal(n.Fields["tags"], &tags)
	return slices.Contains(tags, tag), nil
}
