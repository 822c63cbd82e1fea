package counsel

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

	"lotse/crypto"
	"lotse/domain"
)

// Per-case pins (PROTOCOL-1.1 §11 "Per-case pins"). The first time this
// desk reads a case it keeps SHA-256(mk) and the enquirer's recipient from
// the first document; afterwards a first document with another mk or
// recipient is an alarm. A server that knows the public team recipient can
// seal a first document of its own with its own mk and recipient; without
// the pin a desk would reply to the server's key with what it knows of the
// person.
//
// The pin is kept in the config directory as a team record (crypto's
// SealTeamRecord): the MAC under the team MAC key makes a pin written by
// anyone without the team identity (another local account, a restored
// backup of someone else's) fail to open, and sealing it to the team and
// to this counsellor keeps it readable after the epoch changes.
//
// The pin is also the team's: the first desk to read a case writes it as a
// `pin` record on the server (PROTOCOL.md §11), and every desk compares
// the first document with every pin record of the case that verifies, so
// a substitution is caught by a desk that never read the case before. A
// pin record that does not verify is itself an alarm.

const (
	casePinDir  = "cases"
	casePinExt  = ".pin"
	maxCasePin  = 64 << 10
	casePinMode = 0o700
)

func casePinPath(dir string, id domain.MailboxID) string {
	return filepath.Join(dir, casePinDir, id.String()+casePinExt)
}

// checkCasePin compares the pin of a case's first document with the one
// this desk kept, and keeps it if there is none yet. ok is false for a
// first document that has no pin (no recipient): that is a change from
// any kept pin, and nothing is kept.
func (s *Session) checkCasePin(ctx context.Context, id domain.MailboxID, now crypto.CasePin, ok bool) error {
	if err := s.checkTeamPin(ctx, id, now, ok); err != nil {
		return err
	}
	ring, _, err := s.verified(ctx)
	if err != nil {
		return err
	}
	self, ids, keys, err := s.recordKeys(ctx)
	if err != nil {
		return err
	}
	defer wipeKeys(keys)
	s.pinMu.Lock()
	defer s.pinMu.Unlock()
	path := casePinPath(s.cfg.dir, id)
	b, err := readBounded(path, maxCasePin)
	switch {
	case errors.Is(err, os.ErrNotExist) && !ok:
		return nil
	case errors.Is(err, os.ErrNotExist):
		return s.writeCasePin(id, now, ring, keys, self)
	case err != nil:
		return errorf(mErrReadCasePin, short(id), err)
	}
	rec, err := crypto.OpenTeamRecord(b, crypto.TeamRecordExpect{Type: crypto.RecordPin, Case: id.String()}, ids, keys)
	if err != nil {
		// A kept pin that does not open is itself an alarm: replacing
		// or deleting it must not turn into a quiet new first read.
		return alarm(mAlarmCasePinUnreadable, short(id), oneLine(err.Error()))
	}
	kept, err := rec.CasePin()
	if err != nil {
		return alarm(mAlarmCasePinUnreadable, short(id), oneLine(err.Error()))
	}
	if !ok {
		return alarm(mAlarmCaseFirstReplaced, short(id))
	}
	switch kept.Compare(now) {
	case crypto.PinSame:
		return nil
	case crypto.PinChangedRecipient:
		return alarm(mAlarmCaseRecipientChanged, short(id))
	default:
		return alarm(mAlarmCaseFirstReplaced, short(id))
	}
}

func (s *Session) writeCasePin(id domain.MailboxID, p crypto.CasePin, ring *crypto.Keyring, keys map[int]crypto.TeamMACKey, self *age.HybridIdentity) error {
	newest := ring.Epochs[len(ring.Epochs)-1]
	teamR, err := crypto.ParseRecipient(recipientOf(newest.Identity))
	if err != nil {
		return err
	}
	rec := crypto.PinRecord(p, id.String(), s.cfg.ID, newest.Epoch, time.Now())
	ct, err := crypto.SealTeamRecord(rec, keys[newest.Epoch], teamR, self.Recipient())
	if err != nil {
		return errorf(mErrWriteCasePin, short(id), err)
	}
	if err := os.MkdirAll(filepath.Join(s.cfg.dir, casePinDir), casePinMode); err != nil {
		return errorf(mErrWriteCasePin, short(id), err)
	}
	return writeFileAtomic(casePinPath(s.cfg.dir, id), ct)
}

// short is the 8-digit form of a case id the desk shows.
func short(id domain.MailboxID) string { return domain.RefOf(id).Short() }

// checkTeamPin compares the first document with the team's pin records of
// the case, and writes one if there is none yet.
func (s *Session) checkTeamPin(ctx context.Context, id domain.MailboxID, now crypto.CasePin, ok bool) error {
	recs, err := s.caseRecords(ctx, id.String())
	if err != nil {
		return err
	}
	pins, alarms, err := s.openRecords(ctx, id.String(), recs, crypto.RecordPin)
	if err != nil {
		return err
	}
	if len(alarms) > 0 {
		return alarms[0].err
	}
	for _, r := range pins {
		kept, err := r.CasePin()
		if err != nil {
			return alarm(mAlarmCasePinUnreadable, short(id), oneLine(err.Error()))
		}
		switch {
		case !ok:
			return alarm(mAlarmCaseFirstReplaced, short(id))
		case kept.Compare(now) == crypto.PinChangedRecipient:
			return alarm(mAlarmCaseRecipientChanged, short(id))
		case kept.Compare(now) != crypto.PinSame:
			return alarm(mAlarmCaseFirstReplaced, short(id))
		}
	}
	if len(pins) > 0 || !ok {
		return nil
	}
	rec := crypto.PinRecord(now, id.String(), s.cfg.ID, 1, time.Now())
	ct, err := s.sealForTeam(ctx, crypto.RecordPin, id.String(), rec.Fields)
	if err != nil {
		return errorf(mErrWriteCasePin, short(id), err)
	}
	return s.postCaseRecord(ctx, id.String(), crypto.RecordPin, ct)
}
