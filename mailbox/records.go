package mailbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"lotse/domain"
)

// Bucket and key names (schema.go lists them as the allow-list).
var (
	bucketMeta        = []byte("meta")
	bucketMailboxes   = []byte("mailboxes")
	bucketMessages    = []byte("messages")
	bucketCiphertexts = []byte("ciphertexts")
	bucketExpiry      = []byte("expiry")
	bucketCounsellors = []byte("counsellors")
	bucketKeyring     = []byte("keyring")
	bucketEpochs      = []byte("epochs")
	bucketInvites     = []byte("invites")

	keySchema   = []byte("schema")
	keySetup    = []byte("setup")
	keyEnvelope = []byte("envelope")
	keyCurrent  = []byte("current")
)

var topBuckets = append([][]byte{bucketMeta, bucketMailboxes, bucketMessages, bucketCiphertexts, bucketExpiry, bucketCounsellors, bucketKeyring, bucketInvites,
	bucketRecords, bucketRecordCiphertexts, bucketActions, bucketTombstones, bucketCaseOrder}, append(attachmentBuckets, handoverBuckets...)...)

// Records. Their JSON field names are the allow-list: adding a field means
// adding it to Schema, which the auditor reads.

type schemaRecord struct {
	Version int `json:"version"`
}

// setupRecord is a setup token's hash: the front door's in meta (version
// 1, no expiry: mailboxd sets it anew at each start while nobody is set
// up), another organisation's in its bucket, with an expiry.
type setupRecord struct {
	TokenHash []byte `json:"token_hash"`        // SHA-256 of the setup token
	Expires   string `json:"expires,omitempty"` // hour, rounded up; "" for the front door
}

type mailboxRecord struct {
	Verifier      []byte  `json:"verifier"`
	Status        string  `json:"status"`
	Assignee      *string `json:"assignee"`
	Created       string  `json:"created"`       // date
	LastActivity  string  `json:"last_activity"` // hour
	MessageCount  int     `json:"message_count"`
	Bytes         int64   `json:"bytes"`
	AwaitingReply bool    `json:"awaiting_reply"`
	// WaitingSince is the hour of the enquirer's first message after the
	// team's last reply or the case's closing, kept while AwaitingReply
	// for the case list's order (index.go).
	WaitingSince string `json:"waiting_since,omitempty"` // hour
	// The enquirer's hourly cap: messages in the hour starting HourStart.
	HourStart string `json:"hour_start"` // hour
	HourCount int    `json:"hour_count"`
	// Org is the organisation's slug, absent for the front door, so
	// that a file written before organisations is the front door's.
	Org string `json:"org,omitempty"`
	// Forwarded is the date the case came to its organisation by a
	// handover and ForwardedCount the messages the enquirer's device
	// forwarded then (handover.go); absent for a case that never moved.
	Forwarded      string `json:"forwarded,omitempty"` // date
	ForwardedCount int    `json:"forwarded_count,omitempty"`
}

// messageMeta is a message's entry in its mailbox's index
// (messages/<id>/<seq>); the ciphertext itself is ciphertexts/<Ciphertext>.
type messageMeta struct {
	From       string `json:"from"`
	Counsellor string `json:"counsellor,omitempty"`
	Ciphertext uint64 `json:"ciphertext_key"`
}

type counsellorRecord struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	State     string `json:"state"`
	Recipient string `json:"recipient"`
	Org       string `json:"org,omitempty"` // as mailboxRecord.Org
}

type keyringRecord struct {
	Epoch     int      `json:"epoch"`
	Recipient string   `json:"recipient"`
	Members   []string `json:"members"`
}

type epochRecord struct {
	Epoch     int    `json:"epoch"`
	Recipient string `json:"recipient"`
}

type inviteRecord struct {
	Role    string `json:"role"`
	Expires string `json:"expires"`       // hour, rounded up
	Org     string `json:"org,omitempty"` // as mailboxRecord.Org
}

func initSchema(tx *bolt.Tx) error {
	if err := ensureCaseIndex(tx); err != nil {
		return err
	}
	for _, name := range topBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	if _, err := tx.Bucket(bucketKeyring).CreateBucketIfNotExists(bucketEpochs); err != nil {
		return err
	}
	if err := migrateHandoverDone(tx); err != nil {
		return err
	}
	if err := repairSequence(tx.Bucket(bucketCiphertexts)); err != nil {
		return err
	}
	meta := tx.Bucket(bucketMeta)
	if v := meta.Get(keySchema); v != nil {
		var r schemaRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("schema record: %v", err)
		}
		if r.Version != schemaVersion {
			return fmt.Errorf("data file has schema version %d, this program knows %d", r.Version, schemaVersion)
		}
		return nil
	}
	return putJSON(meta, keySchema, schemaRecord{Version: schemaVersion})
}

// repairSequence makes sure the next key NextSequence hands out in b is
// above every key b holds. The store keeps the sequence itself (and so do
// backups and compaction); this guards against a copy made by a tool that
// does not, which would otherwise make new messages collide with old ones.
func repairSequence(b *bolt.Bucket) error {
	k, _ := b.Cursor().Last()
	if len(k) != 8 {
		return nil
	}
	if last := binary.BigEndian.Uint64(k); last > b.Sequence() {
		return b.SetSequence(last)
	}
	return nil
}

// expiryKey is a mailbox's key in the expiry index: the day of its last
// activity ("2006-01-02", the first ten characters of the stored hour)
// followed by its id, so that the index runs from the longest idle.
func expiryKey(lastActivity string, id []byte) []byte {
	k := make([]byte, 0, len(dateLayout)+len(id))
	if len(lastActivity) >= len(dateLayout) {
		k = append(k, lastActivity[:len(dateLayout)]...)
	}
	return append(k, id...)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// getJSON decodes the record under key into v; false if there is none.
func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	return true, decodeJSON(data, v)
}

func decodeJSON(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("mailbox: corrupt record: %v", err)
	}
	return nil
}

// seqKey is the 8-byte big-endian key of a message seq or keyring epoch.
func seqKey(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

// Time formats. The store keeps no time finer than an hour.
const dateLayout = "2006-01-02"

func hourOf(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ceilHour rounds t up to the next full hour.
func ceilHour(t time.Time) time.Time {
	h := hourOf(t)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}

func formatDate(t time.Time) string { return dayOf(t).Format(dateLayout) }

func formatHour(t time.Time) string { return hourOf(t).Format(time.RFC3339) }

func parseDate(s string) (time.Time, error) { return time.Parse(dateLayout, s) }

func parseHour(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }

// The shapes of ids, names and recipients are domain's; these adapt its
// constructors to the store's string fields.

func validMailboxID(s string) bool {
	_, err := domain.ParseMailboxID(s)
	return err == nil
}

func validCounsellorID(s string) bool {
	_, err := domain.ParseCounsellorID(s)
	return err == nil
}

// validRecipient checks the form of an age hybrid recipient. (The API
// parses it fully with lotse/crypto; this guards the store and the
// allow-list.)
func validRecipient(s string) bool {
	_, err := domain.ParseRecipient(s)
	return err == nil
}

// checkNewName says what is wrong with a display name the store is asked
// to write, or "".
func checkNewName(s string) string {
	if _, err := domain.ParseDisplayName(s); err != nil {
		return "name: " + reason(err)
	}
	return ""
}

// checkName says what is wrong with a stored display name, or "": names
// an earlier version stored stay valid (domain.ParseStoredDisplayName).
func checkName(s string) string {
	if _, err := domain.ParseStoredDisplayName(s); err != nil {
		return "name: " + reason(err)
	}
	return ""
}

func reason(err error) string {
	if de, ok := err.(*domain.Error); ok {
		return de.Reason
	}
	return err.Error()
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func validRole(s string) bool { return s == RoleAdmin || s == RoleCounsellor }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// mailboxOf converts a stored record to a Mailbox.
func (s *Store) mailboxOf(id string, r *mailboxRecord) (Mailbox, error) {
	m := Mailbox{
		ID:            id,
		Org:           r.Org,
		Status:        r.Status,
		MessageCount:  r.MessageCount,
		Bytes:         r.Bytes,
		AwaitingReply: r.AwaitingReply,
	}
	if len(r.Verifier) != len(m.Verifier) {
		return Mailbox{}, fmt.Errorf("mailbox: corrupt mailbox record %s: verifier", id)
	}
	copy(m.Verifier[:], r.Verifier)
	if r.Assignee != nil {
		m.Assignee = *r.Assignee
	}
	var err error
	if m.Created, err = parseDate(r.Created); err != nil {
		return Mailbox{}, fmt.Errorf("mailbox: corrupt mailbox record %s: created", id)
	}
	if m.LastActivity, err = parseHour(r.LastActivity); err != nil {
		return Mailbox{}, fmt.Errorf("mailbox: corrupt mailbox record %s: last_activity", id)
	}
	m.LastActivity = m.LastActivity.UTC()
	if r.AwaitingReply {
		if m.WaitingSince, err = parseHour(r.waitingSince()); err != nil {
			return Mailbox{}, fmt.Errorf("mailbox: corrupt mailbox record %s: waiting_since", id)
		}
		m.WaitingSince = m.WaitingSince.UTC()
	}
	m.Expires = s.expires(m.LastActivity)
	if r.Forwarded != "" {
		if m.Forwarded, err = parseDate(r.Forwarded); err != nil {
			return Mailbox{}, fmt.Errorf("mailbox: corrupt mailbox record %s: forwarded", id)
		}
		m.ForwardedCount = r.ForwardedCount
	}
	return m, nil
}

// expires is the day a mailbox last active at t expires.
func (s *Store) expires(lastActivity time.Time) time.Time {
	return dayOf(lastActivity).AddDate(0, 0, s.retention)
}
