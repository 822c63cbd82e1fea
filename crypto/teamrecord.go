package crypto

import (
	"bytes"
	"crypto/hmac"
	stdsha256 "crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"filippo.io/age"

	"lotse/domain"
)

// Records the team writes for itself (protocol 1.1, §11 "What the team
// writes for itself"): case notes, tags, shared text blocks, the referral
// directory and per-case pins. Sealing to the team recipient does not
// authenticate, since the server knows that recipient, so each record's
// plaintext is
//
//	HMAC-SHA256(team_mac_key(epoch), json) || json
//	team_mac_key(epoch) = HKDF-SHA256(ikm = the 32-byte seed of that epoch's
//	                      team identity, info = "lotse/v1 team-mac", len 32)
//	json = {"v":1,"type":…,"epoch":n,"case":…,"author":…,"written":…, type fields}
//
// The MAC says that someone holding the epoch's team identity wrote the
// record; it says nothing of freshness: a server can still withhold a
// record or serve an older authentic one, so readers order by "written"
// and keep what they already trust (a pin only ever alarms).

// The record types of §11.
const (
	RecordNote      = "note"
	RecordTags      = "tags"
	RecordBlocks    = "blocks"
	RecordDirectory = "directory"
	RecordPin       = "pin"
)

const (
	infoTeamMAC = "lotse/v1 team-mac"
	teamMACSize = stdsha256.Size

	// maxTeamRecord bounds a record's JSON: the largest record is the
	// team's text blocks (counsel allows 200 of 16,000 bytes), with room
	// for JSON escapes.
	maxTeamRecord = 8 << 20

	// maxRecordEpoch keeps the epoch a plain JSON integer that every
	// reader, JavaScript's included, reads exactly.
	maxRecordEpoch = 1<<31 - 1
)

// fieldKind is the JSON shape a type-specific field must have.
type fieldKind int

const (
	kindString     fieldKind = iota + 1 // a string
	kindStringList                      // an array of strings
	kindObjectList                      // an array of objects
)

// recordSchema is one record type: whether it belongs to a case, and its
// type-specific fields, all required, no others allowed. check applies
// rules beyond the shape.
type recordSchema struct {
	withCase bool
	fields   map[string]fieldKind
	check    func(fields map[string]json.RawMessage) string
}

// teamRecordTypes is the one list of record types and their fields; the
// writer and the reader both apply it. What the objects inside blocks and
// directory entries hold is checked by their owners (counsel), which
// decode them with exact field names.
var teamRecordTypes = map[string]recordSchema{
	RecordNote:      {withCase: true, fields: map[string]fieldKind{"text": kindString}},
	RecordTags:      {withCase: true, fields: map[string]fieldKind{"tags": kindStringList}},
	RecordBlocks:    {fields: map[string]fieldKind{"blocks": kindObjectList}},
	RecordDirectory: {fields: map[string]fieldKind{"entries": kindObjectList}},
	RecordPin: {withCase: true, fields: map[string]fieldKind{
		"mk_sha256": kindString, "recipient": kindString}, check: checkPinFields},
}

// headerFields are the fields every record has; "case" only where the
// type belongs to a case.
var headerFields = []string{"v", "type", "epoch", "case", "author", "written"}

// A TeamMACKey is one epoch's team MAC key. The zero value is no key.
type TeamMACKey struct {
	epoch int
	key   [32]byte
}

// TeamMACKeyOf derives the MAC key of epoch from that epoch's team
// identity, as the verified keyring holds it (PROTOCOL.md §3).
func TeamMACKeyOf(epoch int, team *age.HybridIdentity) (TeamMACKey, error) {
	if epoch < 1 || epoch > maxRecordEpoch {
		return TeamMACKey{}, fmt.Errorf("crypto: team mac key: epoch %d out of range", epoch)
	}
	if team == nil {
		return TeamMACKey{}, errors.New("crypto: team mac key: no identity")
	}
	// The strings holding the key cannot be cleared; the seed can.
	hrp, seed, ok := domain.DecodeBech32(strings.ToLower(team.String()))
	defer clear(seed)
	if !ok || hrp != identityHRP || len(seed) != 32 {
		return TeamMACKey{}, errors.New("crypto: team mac key: not a hybrid identity with a 32-byte seed")
	}
	return teamMACKeyFromSeed(epoch, seed), nil
}

func teamMACKeyFromSeed(epoch int, seed []byte) TeamMACKey {
	k := TeamMACKey{epoch: epoch}
	hkdfSHA256(k.key[:], seed, infoTeamMAC)
	return k
}

// TeamMACKeys derives the MAC key of every epoch of a keyring the caller
// has verified (OpenKeyring, and counsel's checks of §3.2).
func TeamMACKeys(ring *Keyring) (map[int]TeamMACKey, error) {
	keys := make(map[int]TeamMACKey, len(ring.Epochs))
	for _, e := range ring.Epochs {
		id, err := age.ParseHybridIdentity(e.Identity)
		if err != nil {
			return nil, fmt.Errorf("crypto: team mac keys: epoch %d: %v", e.Epoch, err)
		}
		if _, dup := keys[e.Epoch]; dup {
			return nil, fmt.Errorf("crypto: team mac keys: epoch %d twice", e.Epoch)
		}
		k, err := TeamMACKeyOf(e.Epoch, id)
		if err != nil {
			return nil, err
		}
		keys[e.Epoch] = k
	}
	return keys, nil
}

// Epoch returns the epoch the key belongs to, 0 for the zero value.
func (k TeamMACKey) Epoch() int { return k.epoch }

// Wipe clears the key; map entries are copies and need their own Wipe.
func (k *TeamMACKey) Wipe() { *k = TeamMACKey{} }

func (k *TeamMACKey) sum(js []byte) []byte {
	m := hmac.New(stdsha256.New, k.key[:])
	m.Write(js)
	return m.Sum(nil)
}

// A TeamRecord is one record the team writes for itself. Fields holds the
// type-specific fields by their exact names, as compact JSON.
type TeamRecord struct {
	Type    string // one of the Record… constants
	Epoch   int    // the team epoch whose MAC key authenticates it
	Case    string // mailbox id where the type belongs to a case, else ""
	Author  string // counsellor id
	Written time.Time
	Fields  map[string]json.RawMessage
}

// TeamRecordError is a refused record. Reason is short English, never
// content. Authentic is false when the record carries no valid MAC under a
// key the reader holds (a forgery, a record of an epoch the reader does
// not have, or corruption): nothing of it may be shown as the team's.
// Authentic is true when the MAC verified but the record breaks the rules
// or is not the record the reader asked for.
type TeamRecordError struct {
	Reason    string
	Authentic bool
}

func (e *TeamRecordError) Error() string {
	if !e.Authentic {
		return "crypto: team record not authenticated: " + e.Reason
	}
	return "crypto: team record refused: " + e.Reason
}

func unauthenticated(reason string) error { return &TeamRecordError{Reason: reason} }

// TeamRecordExpect is what a reader asks for: a type, and the case the
// record belongs to ("" for a type of no case). A server could otherwise
// serve one case's authentic note, or a pin, in another's place.
type TeamRecordExpect struct {
	Type string
	Case string
}

// SealTeamRecord checks rec, authenticates it with key (rec.Epoch must be
// key's epoch), pads it to its type's bucket (ErrTeamRecordTooLong past
// the largest) and encrypts it to the recipients: the newest team
// recipient, and the counsellor's own for a per-counsellor record.
func SealTeamRecord(rec *TeamRecord, key TeamMACKey, to ...*age.HybridRecipient) ([]byte, error) {
	if len(to) == 0 || slices.Contains(to, nil) {
		return nil, errors.New("crypto: seal team record: missing recipient")
	}
	pt, err := recordPlaintext(rec, key, recordBuckets(rec.Type))
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	ct, err := encrypt(pt, recipientsOf(to)...)
	if err != nil {
		return nil, fmt.Errorf("crypto: seal team record: %v", err)
	}
	return ct, nil
}

func recipientsOf(to []*age.HybridRecipient) []age.Recipient {
	out := make([]age.Recipient, len(to))
	for i, r := range to {
		out[i] = r
	}
	return out
}

// teamRecordPlaintext is MAC || JSON for a checked record, unpadded (the
// form of the known-answer vectors).
func teamRecordPlaintext(rec *TeamRecord, key TeamMACKey) ([]byte, error) {
	return recordPlaintext(rec, key, nil)
}

// recordPlaintext is MAC || JSON for a checked record, the JSON padded to
// one of buckets (none: unpadded).
func recordPlaintext(rec *TeamRecord, key TeamMACKey, buckets []int) ([]byte, error) {
	if key.epoch == 0 {
		return nil, errors.New("crypto: seal team record: no MAC key")
	}
	if rec.Epoch != key.epoch {
		return nil, fmt.Errorf("crypto: seal team record: record of epoch %d, key of epoch %d", rec.Epoch, key.epoch)
	}
	js, err := marshalTeamRecord(rec)
	if err != nil {
		return nil, err
	}
	defer clear(js)
	if buckets != nil {
		padded, err := padRecordJSON(js, buckets)
		if err != nil {
			return nil, err
		}
		defer clear(padded)
		js = padded
	}
	pt := append(key.sum(js), js...)
	// Type fields come from the caller as raw JSON, which may hold a
	// repeated key or invalid UTF-8; nothing the reader refuses is sent.
	if _, err := openTeamPlaintext(pt, TeamRecordExpect{Type: rec.Type, Case: rec.Case},
		map[int]TeamMACKey{key.epoch: key}); err != nil {
		clear(pt)
		return nil, fmt.Errorf("crypto: seal team record: own record fails the reader: %v", err)
	}
	return pt, nil
}

// marshalTeamRecord writes the header in the order of §11, then the type's
// fields sorted by name, without insignificant white space.
func marshalTeamRecord(rec *TeamRecord) ([]byte, error) {
	written := rec.Written.UTC().Format(time.RFC3339Nano)
	if reason := checkTeamRecord(rec, written); reason != "" {
		return nil, fmt.Errorf("crypto: seal team record: %s", reason)
	}
	var b bytes.Buffer
	str := func(s string) {
		enc := json.NewEncoder(&b)
		// Readers display every string as text, never as markup.
		enc.SetEscapeHTML(false)
		enc.Encode(s) // a string always encodes
		b.Truncate(b.Len() - 1)
	}
	b.WriteString(`{"v":1,"type":`)
	str(rec.Type)
	b.WriteString(`,"epoch":` + strconv.Itoa(rec.Epoch))
	if rec.Case != "" {
		b.WriteString(`,"case":`)
		str(rec.Case)
	}
	b.WriteString(`,"author":`)
	str(rec.Author)
	b.WriteString(`,"written":`)
	str(written)
	for _, name := range slices.Sorted(maps.Keys(rec.Fields)) {
		b.WriteByte(',')
		str(name)
		b.WriteByte(':')
		if err := json.Compact(&b, rec.Fields[name]); err != nil {
			clear(b.Bytes())
			return nil, fmt.Errorf("crypto: seal team record: field %q is not JSON", name)
		}
	}
	b.WriteByte('}')
	if b.Len() > maxTeamRecord {
		clear(b.Bytes())
		return nil, fmt.Errorf("crypto: seal team record: longer than %d bytes", maxTeamRecord)
	}
	return b.Bytes(), nil
}

// OpenTeamRecord decrypts a record with the reader's identities, picks the
// MAC key of the record's epoch from keys (TeamMACKeys of the verified
// keyring), verifies the MAC in constant time, and only then parses the
// record strictly: exact field names, none unknown or repeated, RFC 3339
// times, and the type and case the reader expects. Refusals are
// *TeamRecordError; a record is returned only if it is authentic and valid.
func OpenTeamRecord(ciphertext []byte, want TeamRecordExpect, ids []age.Identity, keys map[int]TeamMACKey) (*TeamRecord, error) {
	pt, err := decrypt(ciphertext, teamMACSize+maxTeamRecord, ids...)
	if err != nil {
		return nil, fmt.Errorf("crypto: open team record: %v", err)
	}
	defer clear(pt)
	return openTeamPlaintext(pt, want, keys)
}

var recordEpochRE = regexp.MustCompile(`^[1-9][0-9]{0,9}$`)

// epochLiteral reads an epoch written as a JSON integer from 1 to
// maxRecordEpoch, without sign, leading zero, fraction or exponent: the
// form of every epoch inside a ciphertext (PROTOCOL.md §9.2, §11.1).
func epochLiteral(raw []byte) (int, bool) {
	if !recordEpochRE.Match(raw) {
		return 0, false
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n > maxRecordEpoch {
		return 0, false
	}
	return n, true
}

func openTeamPlaintext(pt []byte, want TeamRecordExpect, keys map[int]TeamMACKey) (*TeamRecord, error) {
	if len(pt) < teamMACSize+2 {
		return nil, unauthenticated("shorter than a MAC and a JSON object")
	}
	tag, js := pt[:teamMACSize], pt[teamMACSize:]
	// The epoch has to be read before the MAC can be checked; this reads
	// no more than the JSON's framing and that one field.
	if js[0] != '{' {
		return nil, unauthenticated("no JSON object after the MAC")
	}
	end, reason := scanObject(js)
	if reason != "" {
		return nil, unauthenticated(reason)
	}
	if end != len(js) {
		return nil, unauthenticated("data after the JSON object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, unauthenticated("malformed JSON")
	}
	defer clearFields(m)
	epoch, ok := epochLiteral(m["epoch"])
	if !ok {
		return nil, unauthenticated("epoch is not an integer from 1 to 2147483647")
	}
	key, ok := keys[epoch]
	if !ok || key.epoch != epoch {
		return nil, unauthenticated("no team key for epoch " + strconv.Itoa(epoch))
	}
	if !hmac.Equal(tag, key.sum(js)) {
		return nil, unauthenticated("MAC does not verify")
	}

	refuse := func(reason string) error { return &TeamRecordError{Reason: reason, Authentic: true} }
	if !utf8.Valid(js) {
		return nil, refuse("not UTF-8")
	}
	rec, reason := decodeTeamRecord(m)
	if reason != "" {
		return nil, refuse(reason)
	}
	if rec.Type != want.Type {
		return nil, refuse("not the record type asked for")
	}
	if rec.Case != want.Case {
		return nil, refuse("not the case asked for")
	}
	return rec, nil
}

func clearFields(m map[string]json.RawMessage) {
	for _, v := range m {
		clear(v)
	}
}

// decodeTeamRecord reads a record from its top-level fields, by their exact
// names (json.Unmarshal into a struct would match "Epoch" as "epoch").
func decodeTeamRecord(m map[string]json.RawMessage) (*TeamRecord, string) {
	if string(m["v"]) != "1" {
		return nil, "version is not 1"
	}
	rec := &TeamRecord{Fields: map[string]json.RawMessage{}}
	rec.Epoch, _ = strconv.Atoi(string(m["epoch"])) // checked before the MAC
	var written string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"type", &rec.Type}, {"case", &rec.Case}, {"author", &rec.Author}, {"written", &written}} {
		raw, ok := m[f.name]
		if !ok {
			continue
		}
		if !bytes.HasPrefix(raw, []byte(`"`)) || json.Unmarshal(raw, f.dst) != nil {
			return nil, f.name + " is not a string"
		}
	}
	schema, ok := teamRecordTypes[rec.Type]
	if !ok {
		return nil, "unknown type"
	}
	if _, ok := m["case"]; ok && !schema.withCase {
		return nil, "case in a record of no case"
	}
	for name, raw := range m {
		if slices.Contains(headerFields, name) {
			continue
		}
		if _, ok := schema.fields[name]; !ok {
			return nil, "unknown field"
		}
		rec.Fields[name] = slices.Clone(raw)
	}
	if _, ok := m["written"]; !ok {
		return nil, "no written"
	}
	t, ok := parseRecordTime(written)
	if !ok {
		return nil, "written is not RFC 3339"
	}
	rec.Written = t
	if reason := checkTeamRecord(rec, written); reason != "" {
		return nil, reason
	}
	return rec, ""
}

// checkTeamRecord applies the rules every record satisfies; written is
// rec.Written as the JSON holds it.
func checkTeamRecord(rec *TeamRecord, written string) string {
	schema, ok := teamRecordTypes[rec.Type]
	if !ok {
		return "unknown type"
	}
	if rec.Epoch < 1 || rec.Epoch > maxRecordEpoch {
		return "epoch out of range"
	}
	if schema.withCase {
		if _, err := domain.ParseMailboxID(rec.Case); err != nil {
			return "malformed case"
		}
	} else if rec.Case != "" {
		return "case in a record of no case"
	}
	if _, err := domain.ParseCounsellorID(rec.Author); err != nil {
		return "malformed author"
	}
	if _, ok := parseRecordTime(written); !ok {
		return "written is not RFC 3339"
	}
	for name, kind := range schema.fields {
		raw, ok := rec.Fields[name]
		if !ok {
			return "missing " + name
		}
		if !hasKind(raw, kind) {
			return name + " has the wrong JSON type"
		}
	}
	if len(rec.Fields) != len(schema.fields) {
		return "unknown field"
	}
	if schema.check != nil {
		return schema.check(rec.Fields)
	}
	return ""
}

func hasKind(raw json.RawMessage, kind fieldKind) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	switch kind {
	case kindString:
		var s string
		return bytes.HasPrefix(raw, []byte(`"`)) && json.Unmarshal(raw, &s) == nil
	case kindStringList:
		var l []json.RawMessage
		if !bytes.HasPrefix(raw, []byte(`[`)) || json.Unmarshal(raw, &l) != nil {
			return false
		}
		for _, e := range l {
			if !hasKind(e, kindString) {
				return false
			}
		}
		return true
	case kindObjectList:
		var l []json.RawMessage
		if !bytes.HasPrefix(raw, []byte(`[`)) || json.Unmarshal(raw, &l) != nil {
			return false
		}
		for _, e := range l {
			var o map[string]json.RawMessage
			if !bytes.HasPrefix(e, []byte(`{`)) || json.Unmarshal(e, &o) != nil {
				return false
			}
		}
		return true
	}
	return false
}

// parseRecordTime reads a record's written time by the one rule every
// reader shares (validSent, §4), then as a time.
func parseRecordTime(s string) (time.Time, bool) {
	if !validSent(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// A CasePin is what a desk keeps of a case from the first time it reads
// it: SHA-256 of the mailbox key and the enquirer's recipient, both from
// the first document (§11 "Per-case pins").
type CasePin struct {
	MKHash    [32]byte
	Recipient string // age1pq1…
}

// CasePinOf returns the pin of a case's first document, as ReadThread
// returned it (it keeps the recipient of that document only).
func CasePinOf(first *Document) (CasePin, error) {
	var p CasePin
	var mk [32]byte
	defer clear(mk[:])
	if first == nil || !decodeMK(mk[:], first.MK) {
		return p, errors.New("crypto: case pin: no mailbox key")
	}
	if _, err := domain.ParseRecipient(first.Recipient); err != nil {
		return p, errors.New("crypto: case pin: the first document has no recipient")
	}
	p.MKHash = stdsha256.Sum256(mk[:])
	p.Recipient = first.Recipient
	return p, nil
}

// PinChange says how a case's first document differs from its pin. Any
// change is an alarm, never a new conversation: a server that substitutes
// the first document could make the team reply to its own key.
type PinChange uint8

const (
	PinSame             PinChange = 0
	PinChangedMK        PinChange = 1 << 0
	PinChangedRecipient PinChange = 1 << 1
)

func (c PinChange) String() string {
	switch c {
	case PinSame:
		return "same"
	case PinChangedMK:
		return "changed mk"
	case PinChangedRecipient:
		return "changed recipient"
	case PinChangedMK | PinChangedRecipient:
		return "changed mk and recipient"
	}
	return "PinChange(" + strconv.Itoa(int(c)) + ")"
}

// Compare says what changed from the pin p to now.
func (p CasePin) Compare(now CasePin) PinChange {
	var c PinChange
	if subtle.ConstantTimeCompare(p.MKHash[:], now.MKHash[:]) != 1 {
		c |= PinChangedMK
	}
	if subtle.ConstantTimeCompare([]byte(p.Recipient), []byte(now.Recipient)) != 1 {
		c |= PinChangedRecipient
	}
	return c
}

// PinRecord is the team's record of a pin: mk_sha256 is the lower-case hex
// of SHA-256(mk).
func PinRecord(p CasePin, caseID, author string, epoch int, written time.Time) *TeamRecord {
	mk, _ := json.Marshal(hex.EncodeToString(p.MKHash[:]))
	r, _ := json.Marshal(p.Recipient)
	return &TeamRecord{Type: RecordPin, Epoch: epoch, Case: caseID, Author: author, Written: written,
		Fields: map[string]json.RawMessage{"mk_sha256": mk, "recipient": r}}
}

// CasePin returns the pin a pin record holds.
func (r *TeamRecord) CasePin() (CasePin, error) {
	var p CasePin
	if r.Type != RecordPin || checkPinFields(r.Fields) != "" {
		return p, errors.New("crypto: case pin: not a valid pin record")
	}
	var mk, rcpt string
	json.Unmarshal(r.Fields["mk_sha256"], &mk)
	json.Unmarshal(r.Fields["recipient"], &rcpt)
	hex.Decode(p.MKHash[:], []byte(mk))
	p.Recipient = rcpt
	return p, nil
}

var lowerHex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func checkPinFields(f map[string]json.RawMessage) string {
	var mk, rcpt string
	if json.Unmarshal(f["mk_sha256"], &mk) != nil || !lowerHex64.MatchString(mk) {
		return "mk_sha256 is not 64 lower-case hex digits"
	}
	if json.Unmarshal(f["recipient"], &rcpt) != nil {
		return "recipient is not a string"
	}
	if _, err := domain.ParseRecipient(rcpt); err != nil {
		return "malformed recipient"
	}
	return ""
}
