package counsel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"time"

	"filippo.io/age"

	"lotse/content"
	"lotse/crypto"
)

// The referral directory comes from the server, which could swap a
// centre's phone number or address for its own; a counsellor would then
// send it, in an encrypted reply the enquirer trusts as the team's. So the
// desk keeps what it has confirmed of every centre: SHA-256 of the details
// a reply would carry (the block in both languages), in a `directory`
// team record (PROTOCOL-1.1 §11) in the config directory, authenticated
// with the team MAC key. A centre that is new or whose details differ from
// the confirmed ones is marked in the desk and in `counsel centres`, and
// never inserted without a second look; `counsel centres --confirm`, after
// comparing with the admin (or the centre's own site), confirms the
// directory as it is. The first directory a desk sees is confirmed as it
// is (trust on first use, like the team key before a fingerprint check).
//
// Once an admin has confirmed the directory for the team (issue 11), that
// `directory` record on the server (PROTOCOL.md §11) is what every desk
// compares with, and the per-desk record is only the fallback while no
// team record exists. A centre not as the team's record says is then not
// offered at all: its details cannot go into a reply until an admin has
// compared and confirmed them. The MAC says a member of the team wrote the
// record; that the member was an admin only the server says.

const (
	centresPinFile = "centres.pin"
	maxCentresPin  = 8 << 20
)

// centreEntry is one confirmed centre in the directory record.
type centreEntry struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
}

// centreHash is SHA-256 of what a reply would carry of c, and of the
// organisation on the server the centre names, if any: the desk offers a
// handover to it, so a server that changes or adds it changes the entry.
// An entry without one hashes as before organisations existed.
func centreHash(dir *content.Directory, c content.Centre) string {
	h := sha256.New()
	for _, lang := range []string{"de", "en"} {
		h.Write([]byte(dir.CentreBlock(c, lang)))
		h.Write([]byte{0})
	}
	if c.Org != "" {
		h.Write([]byte("org\x00" + c.Org))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// CentreChanges are the centres of a directory not as confirmed: new ones
// and those whose details changed.
type CentreChanges struct {
	ids map[string]bool
	// Team: compared with the team's record, which an admin confirmed; a
	// changed centre is then not offered. Else with this desk's own.
	Team bool
	// OlderEpoch: the team's list was confirmed under a team key older
	// than the newest, which a counsellor removed since still holds; an
	// admin should confirm it again.
	OlderEpoch bool
}

// Has reports whether the centre id is new or changed.
func (c CentreChanges) Has(id string) bool { return c.ids[id] }

// Blocked reports whether the centre id may not go into a reply at all.
func (c CentreChanges) Blocked(id string) bool { return c.Team && c.ids[id] }

// centreChanges compares dir with the confirmed record, which it writes
// from dir if there is none yet.
func (s *Session) centreChanges(ctx context.Context, dir *content.Directory) (CentreChanges, error) {
	confirmed, epoch, err := s.teamDirectory(ctx)
	if err != nil {
		return CentreChanges{}, err
	}
	team := confirmed != nil
	older := false
	if team {
		k, err := s.Team(ctx)
		if err != nil {
			return CentreChanges{}, err
		}
		older = epoch < k.Epoch
	} else {
		var ok bool
		confirmed, ok, err = s.readCentresPin(ctx)
		if err != nil {
			return CentreChanges{}, err
		}
		if !ok {
			return CentreChanges{ids: map[string]bool{}}, s.ConfirmCentres(ctx, dir)
		}
	}
	changed := CentreChanges{ids: map[string]bool{}, Team: team, OlderEpoch: older}
	for _, c := range dir.Centres() {
		if confirmed[c.ID] != centreHash(dir, c) {
			changed.ids[c.ID] = true
		}
	}
	return changed, nil
}

// teamDirectory returns the confirmed hashes of the newest directory
// record the team wrote and its epoch, nil if there is none. A directory
// record that is not the team's is an alarm: the server may be trying to
// pass off its own centres.
func (s *Session) teamDirectory(ctx context.Context) (map[string]string, int, error) {
	recs, err := s.teamRecords(ctx)
	if err != nil {
		return nil, 0, err
	}
	opened, alarms, err := s.openRecords(ctx, "", recs, crypto.RecordDirectory)
	if err != nil {
		return nil, 0, err
	}
	if len(alarms) > 0 {
		return nil, 0, alarms[0].err
	}
	n := newest(opened)
	if n == nil {
		return nil, 0, nil
	}
	out, err := directoryEntries(n.TeamRecord)
	if err != nil {
		return nil, 0, invalidRecordAlarm(crypto.RecordDirectory, "", err).err
	}
	return out, n.Epoch, nil
}

// directoryEntries reads the confirmed hashes of a directory record.
func directoryEntries(rec *crypto.TeamRecord) (map[string]string, error) {
	var entries []centreEntry
	if err := json.Unmarshal(rec.Fields["entries"], &entries); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		out[e.ID] = e.SHA256
	}
	return out, nil
}

// readCentresPin returns the confirmed hashes by centre id; false if this
// desk has confirmed none yet.
func (s *Session) readCentresPin(ctx context.Context) (map[string]string, bool, error) {
	b, err := readBounded(filepath.Join(s.cfg.dir, centresPinFile), maxCentresPin)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, errorf(mErrReadCentresPin, err)
	}
	_, ids, keys, err := s.recordKeys(ctx)
	if err != nil {
		return nil, false, err
	}
	defer wipeKeys(keys)
	rec, err := crypto.OpenTeamRecord(b, crypto.TeamRecordExpect{Type: crypto.RecordDirectory}, ids, keys)
	if err != nil {
		return nil, false, alarm(mAlarmCentresPinUnreadable, oneLine(err.Error()))
	}
	out, err := directoryEntries(rec)
	if err != nil {
		return nil, false, alarm(mAlarmCentresPinUnreadable, "entries")
	}
	return out, true, nil
}

// ConfirmCentres records dir's centres as confirmed by this counsellor.
func (s *Session) ConfirmCentres(ctx context.Context, dir *content.Directory) error {
	ring, _, err := s.verified(ctx)
	if err != nil {
		return err
	}
	self, _, keys, err := s.recordKeys(ctx)
	if err != nil {
		return err
	}
	defer wipeKeys(keys)
	js, err := directoryFields(dir)
	if err != nil {
		return err
	}
	newest := ring.Epochs[len(ring.Epochs)-1]
	teamR, err := crypto.ParseRecipient(recipientOf(newest.Identity))
	if err != nil {
		return err
	}
	rec := &crypto.TeamRecord{Type: crypto.RecordDirectory, Epoch: newest.Epoch, Author: s.cfg.ID,
		Written: time.Now(), Fields: map[string]json.RawMessage{"entries": js}}
	ct, err := crypto.SealTeamRecord(rec, keys[newest.Epoch], teamR, self.Recipient())
	if err != nil {
		return errorf(mErrWriteCentresPin, err)
	}
	return writeFileAtomic(filepath.Join(s.cfg.dir, centresPinFile), ct)
}

// ConfirmCentresForTeam records dir's centres as confirmed for the whole
// team: a directory record on the server (admins only), which every desk
// then compares with.
func (s *Session) ConfirmCentresForTeam(ctx context.Context, dir *content.Directory) error {
	js, err := directoryFields(dir)
	if err != nil {
		return err
	}
	ct, err := s.sealForTeam(ctx, crypto.RecordDirectory, "", map[string]json.RawMessage{"entries": js})
	if err != nil {
		return errorf(mErrWriteCentresPin, err)
	}
	return s.putTeamRecord(ctx, crypto.RecordDirectory, ct)
}

// directoryFields is the entries field of a directory record for dir:
// each centre's id and hash, sorted by id.
func directoryFields(dir *content.Directory) (json.RawMessage, error) {
	entries := []centreEntry{}
	for _, c := range dir.Centres() {
		entries = append(entries, centreEntry{ID: c.ID, SHA256: centreHash(dir, c)})
	}
	slices.SortFunc(entries, func(a, b centreEntry) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return json.Marshal(entries)
}

// recordKeys are what writes and opens a team record kept by this desk:
// the counsellor's own identity, that and every epoch's team identity,
// and the team MAC keys of the verified keyring. The caller wipes the
// keys.
func (s *Session) recordKeys(ctx context.Context) (*age.HybridIdentity, []age.Identity, map[int]crypto.TeamMACKey, error) {
	ring, _, err := s.verified(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	s.mu.Lock()
	self, teamIDs := s.id, s.teamIDs
	s.mu.Unlock()
	if self == nil || teamIDs == nil {
		return nil, nil, nil, errLocked
	}
	keys, err := crypto.TeamMACKeys(ring)
	if err != nil {
		return nil, nil, nil, err
	}
	return self, append([]age.Identity{self}, teamIDs...), keys, nil
}

func wipeKeys(keys map[int]crypto.TeamMACKey) {
	for e := range keys {
		k := keys[e]
		k.Wipe()
		keys[e] = k
	}
}
