package mailbox

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The metadata allow-list.
//
// Schema describes everything the data file may hold: every bucket, the
// form of every key and what each value is. mailbox-audit checks every
// entry of a snapshot against it (CheckEntry, AuditFile); a record field
// that is not listed here is a violation, so adding one to a record in
// records.go means adding it here, where reviewers of the allow-list see it.

// Kind is what a key holds.
type Kind int

// Kinds of values.
const (
	KindBucket     Kind = iota + 1 // a nested bucket
	KindMessage                    // a message's age ciphertext, exactly as the client sent it
	KindKeyring                    // the keyring envelope, age ciphertext
	KindRecord                     // a compact JSON object with exactly the listed fields
	KindEmpty                      // an empty value: the key is all there is
	KindCaseRecord                 // a case's team record, age ciphertext (PROTOCOL.md §11.2)
	KindTeamRecord                 // the team's record, age ciphertext (PROTOCOL.md §11.2)
	KindAttachment                 // an attachment's age ciphertext, exactly as the client sent it
)

func (k Kind) String() string {
	switch k {
	case KindBucket:
		return "bucket"
	case KindMessage:
		return "message ciphertext"
	case KindKeyring:
		return "keyring ciphertext"
	case KindRecord:
		return "JSON record"
	case KindEmpty:
		return "empty"
	case KindCaseRecord:
		return "case record ciphertext"
	case KindTeamRecord:
		return "team record ciphertext"
	case KindAttachment:
		return "attachment ciphertext"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// KeyFormat is the form a key (or a nested bucket's name) must have.
type KeyFormat struct {
	Doc   string // for people, e.g. "mailbox id (32 lower-hex)"
	Fixed string // if set, the one key of this format
	match func(key []byte) bool
}

// Match reports whether key has this format.
func (f KeyFormat) Match(key []byte) bool {
	if f.Fixed != "" {
		return string(key) == f.Fixed
	}
	return f.match(key)
}

func fixedKey(name string) KeyFormat { return KeyFormat{Doc: strconv.Quote(name), Fixed: name} }

var (
	keyFormatMailbox = KeyFormat{Doc: "mailbox id (32 lower-hex)", match: func(k []byte) bool {
		return validMailboxID(string(k))
	}}
	keyFormatSeq = KeyFormat{Doc: "seq (8-byte big-endian, from 1)", match: isSeqKey}
	// Ciphertext keys come from the bucket's sequence, shared by all
	// mailboxes; a message's index entry names its key.
	keyFormatCiphertext = KeyFormat{Doc: "ciphertext key (8-byte big-endian, from 1)", match: isSeqKey}
	keyFormatExpiry     = KeyFormat{Doc: "day and mailbox id (the day of last activity, 2006-01-02, then the mailbox id)", match: isExpiryKey}
	// Epoch keys share the seq form; the record repeats the epoch.
	keyFormatEpoch      = KeyFormat{Doc: "epoch (8-byte big-endian, from 1)", match: isSeqKey}
	keyFormatCounsellor = KeyFormat{Doc: "counsellor id ([a-z0-9]{1,32})", match: func(k []byte) bool {
		return validCounsellorID(string(k))
	}}
	keyFormatAttachment = KeyFormat{Doc: "mailbox id and attachment id (32 lower-hex, then 22 base64url)", match: isAttachmentKey}
	keyFormatPending    = KeyFormat{Doc: "hour, mailbox id and attachment id (2006-01-02T15:00:00Z, then an attachment key)", match: isPendingKey}
	keyFormatInvite     = KeyFormat{Doc: "lower-hex SHA-256 of the invite code", match: func(k []byte) bool {
		return len(k) == 64 && isLowerHex(string(k))
	}}
)

func isExpiryKey(k []byte) bool {
	if len(k) != len(dateLayout)+32 || !validMailboxID(string(k[len(dateLayout):])) {
		return false
	}
	d := string(k[:len(dateLayout)])
	t, err := parseDate(d)
	return err == nil && t.Format(dateLayout) == d
}

func isSeqKey(k []byte) bool {
	return len(k) == 8 && binary.BigEndian.Uint64(k) >= 1 && binary.BigEndian.Uint64(k) <= 1<<40
}

// FieldType is the type and form of a record field.
type FieldType int

// Field types. Every time is UTC and no finer than an hour.
const (
	FieldID        FieldType = iota + 1 // counsellor id, [a-z0-9]{1,32}
	FieldEnum                           // one of Field.Enum
	FieldDate                           // "2006-01-02"
	FieldHour                           // RFC 3339 UTC truncated to the hour, "2006-01-02T15:00:00Z"
	FieldInt                            // integer in [Field.Min, Field.Max]
	FieldBool                           // true or false
	FieldHash                           // b64 of 32 bytes (a SHA-256 output)
	FieldAssignee                       // null or a counsellor id
	FieldRecipient                      // age hybrid recipient, "age1pq1…" (1,959 characters)
	FieldName                           // counsellor display name: domain.ParseStoredDisplayName
	FieldMembers                        // array of 1 to 256 distinct counsellor ids
	FieldRecordID                       // b64url of 16 random bytes (a team record's id)
	FieldSlug                           // organisation slug: domain.ParseSlug
)

var fieldTypeNames = map[FieldType]string{
	FieldID: "counsellor id", FieldEnum: "enum", FieldDate: "date", FieldHour: "hour (RFC 3339 UTC)",
	FieldInt: "int", FieldBool: "bool", FieldHash: "b64 SHA-256", FieldAssignee: "null or counsellor id",
	FieldRecipient: "age1pq1 recipient", FieldName: "display name (≤ 64 characters)", FieldMembers: "counsellor ids (1–256)",
	FieldRecordID: "record id (b64url of 16 bytes)", FieldSlug: "organisation slug",
}

func (t FieldType) String() string {
	if s, ok := fieldTypeNames[t]; ok {
		return s
	}
	return "FieldType(" + strconv.Itoa(int(t)) + ")"
}

// Field is one allowed field of a record.
type Field struct {
	Name     string
	Type     FieldType
	Enum     []string // FieldEnum
	Min, Max int64    // FieldInt
	Optional bool     // may be absent
}

// Node is one allowed kind of entry in a bucket: its key format and what
// it holds.
type Node struct {
	Key      KeyFormat
	Kind     Kind
	Fields   []Field // KindRecord
	Children []Node  // KindBucket
	Doc      string
	// rule checks what one field cannot say alone; "" if fine.
	rule func(key []byte, fields map[string]json.RawMessage) string
}

const maxInt31 = 1<<31 - 1

// Schema is the allow-list: the top-level buckets of the data file.
var Schema = []Node{
	{Key: fixedKey("meta"), Kind: KindBucket, Doc: "the store's own metadata", Children: []Node{
		{Key: fixedKey("schema"), Kind: KindRecord, Doc: "schema version", Fields: []Field{
			{Name: "version", Type: FieldInt, Min: schemaVersion, Max: schemaVersion},
		}},
		{Key: fixedKey("setup"), Kind: KindRecord, Doc: "hash of the bootstrap token, until the first counsellor exists", Fields: []Field{
			{Name: "token_hash", Type: FieldHash},
		}},
	}},
	{Key: fixedKey("mailboxes"), Kind: KindBucket, Doc: "one record per mailbox (case)", Children: []Node{
		{Key: keyFormatMailbox, Kind: KindRecord, Fields: []Field{
			{Name: "verifier", Type: FieldHash},
			{Name: "status", Type: FieldEnum, Enum: []string{StatusNew, StatusOpen, StatusClosed}},
			{Name: "assignee", Type: FieldAssignee},
			{Name: "created", Type: FieldDate},
			{Name: "last_activity", Type: FieldHour},
			{Name: "message_count", Type: FieldInt, Min: 1, Max: maxInt31},
			{Name: "bytes", Type: FieldInt, Min: 1, Max: 1 << 40},
			{Name: "awaiting_reply", Type: FieldBool},
			{Name: "waiting_since", Type: FieldHour, Optional: true},
			{Name: "hour_start", Type: FieldHour},
			{Name: "hour_count", Type: FieldInt, Min: 0, Max: maxInt31},
			orgField,
			{Name: "forwarded", Type: FieldDate, Optional: true},
			{Name: "forwarded_count", Type: FieldInt, Min: 1, Max: maxInt31, Optional: true},
		}, rule: ruleForwarded},
	}},
	{Key: fixedKey("expiry"), Kind: KindBucket, Doc: "index of mailboxes by the day of their last activity, for the purge", Children: []Node{
		{Key: keyFormatExpiry, Kind: KindEmpty},
	}},
	{Key: fixedKey("caseorder"), Kind: KindBucket, Doc: "index of the case list: each mailbox by status, newest activity and, while it waits, waiting_since (index.go)", Children: []Node{
		{Key: keyFormatCaseOrder, Kind: KindEmpty},
	}},
	{Key: fixedKey("messages"), Kind: KindBucket, Doc: "each mailbox's messages in order, one bucket per mailbox", Children: []Node{
		{Key: keyFormatMailbox, Kind: KindBucket, Children: []Node{
			{Key: keyFormatSeq, Kind: KindRecord, Fields: []Field{
				{Name: "from", Type: FieldEnum, Enum: []string{FromEnquirer, FromCounsellor}},
				{Name: "counsellor", Type: FieldID, Optional: true},
				{Name: "ciphertext_key", Type: FieldInt, Min: 1, Max: 1 << 40},
			}, rule: ruleMessageMeta},
		}},
	}},
	{Key: fixedKey("ciphertexts"), Kind: KindBucket, Doc: "the message ciphertexts of all mailboxes: in the live file in the order they arrived, in a backup or compacted file by mailbox and seq", Children: []Node{
		{Key: keyFormatCiphertext, Kind: KindMessage},
	}},
	{Key: fixedKey("counsellors"), Kind: KindBucket, Doc: "the team as the server knows it", Children: []Node{
		{Key: keyFormatCounsellor, Kind: KindRecord, Fields: []Field{
			{Name: "id", Type: FieldID},
			{Name: "name", Type: FieldName},
			{Name: "role", Type: FieldEnum, Enum: []string{RoleCounsellor, RoleAdmin}},
			{Name: "state", Type: FieldEnum, Enum: []string{StatePending, StateActive, StateRemoved}},
			{Name: "recipient", Type: FieldRecipient},
			orgField,
		}, rule: ruleKeyIsField("id")},
	}},
	{Key: fixedKey("keyring"), Kind: KindBucket, Doc: "the front door's current keyring and the team recipients of every epoch", Children: keyringChildren},
	{Key: fixedKey("invites"), Kind: KindBucket, Doc: "unused invites, by hash of the code", Children: []Node{
		{Key: keyFormatInvite, Kind: KindRecord, Fields: []Field{
			{Name: "role", Type: FieldEnum, Enum: []string{RoleCounsellor, RoleAdmin}},
			{Name: "expires", Type: FieldHour},
			orgField,
		}},
	}},
	recordsNode, recordCiphertextsNode, actionsNode, tombstonesNode, withOrgTeamRecords(orgsNode),
	// Attachments (attach.go, PROTOCOL.md §10).
	{Key: fixedKey("attachments"), Kind: KindBucket, Doc: "one record per attachment: who uploaded it, and the message that references it or, until one does, the hour of the upload", Children: []Node{
		{Key: keyFormatAttachment, Kind: KindRecord, Fields: []Field{
			{Name: "from", Type: FieldEnum, Enum: []string{FromEnquirer, FromCounsellor}},
			{Name: "seq", Type: FieldInt, Min: 1, Max: maxInt31, Optional: true},
			{Name: "uploaded", Type: FieldHour, Optional: true},
		}, rule: ruleAttachment},
	}},
	{Key: fixedKey("attachment_ciphertexts"), Kind: KindBucket, Doc: "the attachment ciphertexts, each alone in a bucket under its record's key", Children: []Node{
		{Key: keyFormatAttachment, Kind: KindBucket, Children: []Node{
			{Key: fixedKey("ciphertext"), Kind: KindAttachment},
		}},
	}},
	{Key: fixedKey("attachment_pending"), Kind: KindBucket, Doc: "index of the attachments no message references yet, by the hour of their upload, for the purge", Children: []Node{
		{Key: keyFormatPending, Kind: KindEmpty},
	}},
	{Key: fixedKey("attachment_hours"), Kind: KindBucket, Doc: "each mailbox's enquirer uploads in the current hour, for the hourly cap", Children: []Node{
		{Key: keyFormatMailbox, Kind: KindRecord, Fields: []Field{
			{Name: "hour_start", Type: FieldHour},
			{Name: "hour_count", Type: FieldInt, Min: 1, Max: maxInt31},
		}},
	}},
	// Consented handover (handover.go, PROTOCOL.md §9).
	handoverOffersNode, handoverUploadsNode, handoverDoneNode,
}

// keyringChildren is what a keyring bucket holds: the front door's at the
// top, every other organisation's in its bucket under orgs (orgs.go).
var keyringChildren = []Node{
	{Key: fixedKey("envelope"), Kind: KindKeyring},
	{Key: fixedKey("current"), Kind: KindRecord, Fields: []Field{
		{Name: "epoch", Type: FieldInt, Min: 1, Max: maxInt31},
		{Name: "recipient", Type: FieldRecipient},
		{Name: "members", Type: FieldMembers},
	}},
	{Key: fixedKey("epochs"), Kind: KindBucket, Children: []Node{
		{Key: keyFormatEpoch, Kind: KindRecord, Fields: []Field{
			{Name: "epoch", Type: FieldInt, Min: 1, Max: maxInt31},
			{Name: "recipient", Type: FieldRecipient},
		}, rule: ruleEpochKey},
	}},
}

// ruleForwarded: a forwarded case has its date and its count.
func ruleForwarded(_ []byte, f map[string]json.RawMessage) string {
	_, date := f["forwarded"]
	_, count := f["forwarded_count"]
	if date != count {
		return "forwarded and forwarded_count are set together"
	}
	return ""
}

// ruleAttachment: a record names its message or its upload hour, not both.
func ruleAttachment(_ []byte, f map[string]json.RawMessage) string {
	_, seq := f["seq"]
	_, uploaded := f["uploaded"]
	if seq == uploaded {
		return "exactly one of seq and uploaded is set"
	}
	return ""
}

func ruleMessageMeta(_ []byte, f map[string]json.RawMessage) string {
	_, named := f["counsellor"]
	if (string(f["from"]) == `"counsellor"`) != named {
		return "counsellor is set if and only if from is counsellor"
	}
	return ""
}

func ruleKeyIsField(name string) func([]byte, map[string]json.RawMessage) string {
	return func(key []byte, f map[string]json.RawMessage) string {
		var s string
		if json.Unmarshal(f[name], &s) != nil || s != string(key) {
			return name + " differs from the key"
		}
		return ""
	}
}

func ruleEpochKey(key []byte, f map[string]json.RawMessage) string {
	if string(f["epoch"]) != strconv.FormatUint(binary.BigEndian.Uint64(key), 10) {
		return "epoch differs from the key"
	}
	return ""
}

// Violation is an entry that the allow-list does not allow. It locates the
// entry and never carries its value.
type Violation struct {
	Path    string // enclosing buckets, "/"-separated
	Key     string // the key: printable ASCII as it is, else 0x-hex (first 32 bytes)
	Field   string // the record field, if the problem is in one
	Problem string
}

func (v Violation) String() string {
	loc := v.Path
	if v.Key != "" {
		loc += " " + v.Key
	}
	if v.Field != "" {
		loc += " ." + v.Field
	}
	return loc + ": " + v.Problem
}

// ShowKey renders a key or bucket name for a report: printable ASCII as it
// is, anything else as hex (at most 32 bytes of it), so a report never
// carries a value's bytes.
func ShowKey(k []byte) string {
	printable := len(k) > 0 && len(k) <= 64
	for _, c := range k {
		if c <= ' ' || c >= 0x7f || c == '/' {
			printable = false
			break
		}
	}
	if printable {
		return string(k)
	}
	if len(k) > 32 {
		return "0x" + hex.EncodeToString(k[:32]) + fmt.Sprintf("…(%d bytes)", len(k))
	}
	return "0x" + hex.EncodeToString(k)
}

// ShowPath renders the enclosing buckets of an entry, "/"-separated, each
// as ShowKey does.
func ShowPath(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = ShowKey([]byte(p))
	}
	return strings.Join(parts, "/")
}

// Policy checks the ciphertext values. mailbox-audit passes lotse/crypto's
// CheckMessage and CheckKeyring, which must be set, and CheckCaseRecord and
// CheckTeamRecord, which must be set where a file holds team records.
type Policy struct {
	Message    func(ciphertext []byte) error
	Keyring    func(ciphertext []byte) (stanzas int, err error)
	CaseRecord func(ciphertext []byte) error
	TeamRecord func(ciphertext []byte) error
	// Attachment is lotse/crypto's CheckAttachment; needed once a file
	// holds attachments.
	Attachment func(ciphertext []byte) error
}

// lookup finds the node for key among nodes, preferring one of the right
// kind; ok is false if none matches the key at all.
func lookup(nodes []Node, key []byte, bucket bool) (n *Node, ok bool) {
	for i := range nodes {
		if nodes[i].Key.Match(key) {
			if (nodes[i].Kind == KindBucket) == bucket {
				return &nodes[i], true
			}
			if n == nil {
				n = &nodes[i]
			}
		}
	}
	return n, n != nil
}

// Resolve returns the nodes of Schema that an entry passes through, the
// enclosing buckets first and the entry's own node last, or ok false if
// Schema does not allow the entry (bucket says whether it is a nested
// bucket).
func Resolve(path []string, key []byte, bucket bool) (nodes []*Node, ok bool) {
	level := Schema
	for _, name := range path {
		n, ok := lookup(level, []byte(name), true)
		if !ok || n.Kind != KindBucket {
			return nil, false
		}
		nodes = append(nodes, n)
		level = n.Children
	}
	n, ok := lookup(level, key, bucket)
	if !ok || (n.Kind == KindBucket) != bucket {
		return nil, false
	}
	return append(nodes, n), true
}

// CheckEntry checks one entry of a data file against Schema: path names
// the enclosing buckets from the top, key is the entry's key, value its
// value, or nil if the entry is a nested bucket (a top-level bucket is the
// entry with an empty path). It returns nothing if the entry is allowed.
func (p Policy) CheckEntry(path []string, key, value []byte) []Violation {
	if p.Message == nil || p.Keyring == nil {
		panic("mailbox: Policy without ciphertext checks")
	}
	nodes := Schema
	for i, name := range path {
		n, ok := lookup(nodes, []byte(name), true)
		if !ok || n.Kind != KindBucket {
			return []Violation{{Path: ShowPath(path[:i]), Key: ShowKey([]byte(name)), Problem: "inside a bucket not in the allow-list"}}
		}
		nodes = n.Children
	}
	v := Violation{Path: ShowPath(path), Key: ShowKey(key)}
	bucket := value == nil
	n, ok := lookup(nodes, key, bucket)
	switch {
	case !ok && bucket:
		v.Problem = "bucket not in the allow-list"
		return []Violation{v}
	case !ok:
		v.Problem = "key not in the allow-list"
		return []Violation{v}
	case bucket && n.Kind != KindBucket:
		v.Problem = "a bucket where the allow-list has a " + n.Kind.String()
		return []Violation{v}
	case !bucket && n.Kind == KindBucket:
		v.Problem = "a value where the allow-list has a bucket"
		return []Violation{v}
	}
	switch n.Kind {
	case KindMessage:
		if err := p.Message(value); err != nil {
			v.Problem = "message ciphertext: " + err.Error()
			return []Violation{v}
		}
	case KindAttachment:
		if p.Attachment == nil {
			panic("mailbox: Policy without an attachment check")
		}
		if err := p.Attachment(value); err != nil {
			v.Problem = "attachment ciphertext: " + err.Error()
			return []Violation{v}
		}
	case KindKeyring:
		if _, err := p.Keyring(value); err != nil {
			v.Problem = "keyring ciphertext: " + err.Error()
			return []Violation{v}
		}
	case KindCaseRecord, KindTeamRecord:
		check := p.CaseRecord
		if n.Kind == KindTeamRecord {
			check = p.TeamRecord
		}
		if check == nil {
			panic("mailbox: Policy without team record checks")
		}
		if err := check(value); err != nil {
			v.Problem = n.Kind.String() + ": " + err.Error()
			return []Violation{v}
		}
	case KindRecord:
		return checkRecord(n, v, key, value)
	case KindEmpty:
		if len(value) != 0 {
			v.Problem = "a value where the allow-list has none"
			return []Violation{v}
		}
	}
	return nil
}

// checkRecord checks a JSON record against n.Fields and n.rule.
func checkRecord(n *Node, at Violation, key, value []byte) []Violation {
	var out []Violation
	add := func(field, problem string) {
		v := at
		v.Field, v.Problem = field, problem
		out = append(out, v)
	}
	names, fields, ok := jsonObject(value)
	if !ok {
		add("", "not a JSON object")
		return out
	}
	var compact bytes.Buffer
	if json.Compact(&compact, value) != nil || !bytes.Equal(compact.Bytes(), value) {
		add("", "JSON with extra white space")
	}
	seen := make(map[string]bool, len(names))
	for i, name := range names {
		shown := showField(name, i)
		if seen[name] {
			add(shown, "field repeated")
			continue
		}
		seen[name] = true
		j := slices.IndexFunc(n.Fields, func(f Field) bool { return f.Name == name })
		if j < 0 {
			add(shown, "field not in the allow-list")
			continue
		}
		if problem := checkField(&n.Fields[j], fields[name]); problem != "" {
			add(name, problem)
		}
	}
	for _, f := range n.Fields {
		if !f.Optional && !seen[f.Name] {
			add(f.Name, "missing field")
		}
	}
	if len(out) == 0 && n.rule != nil {
		if problem := n.rule(key, fields); problem != "" {
			add("", problem)
		}
	}
	return out
}

// showField names a field in a report: an unknown name is shown only if
// it looks like a field name, so a report cannot leak data hidden in one.
func showField(name string, index int) string {
	ok := len(name) > 0 && len(name) <= 32
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			ok = false
		}
	}
	if ok {
		return name
	}
	return fmt.Sprintf("(field %d)", index+1)
}

// jsonObject parses a JSON object, keeping repeated names (in names) that
// json.Unmarshal would silently merge.
func jsonObject(data []byte) (names []string, fields map[string]json.RawMessage, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, false
	}
	fields = make(map[string]json.RawMessage)
	for dec.More() {
		t, err := dec.Token()
		name, isString := t.(string)
		if err != nil || !isString {
			return nil, nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, false
		}
		names = append(names, name)
		if _, dup := fields[name]; !dup {
			fields[name] = raw
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, false
	}
	return names, fields, true
}

// checkField says what is wrong with one field's JSON value, or "".
func checkField(f *Field, raw json.RawMessage) string {
	str := func() (string, bool) {
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	}
	switch f.Type {
	case FieldInt:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != string(raw) {
			return "not an integer"
		}
		if n < f.Min || n > f.Max {
			return fmt.Sprintf("out of range [%d, %d]", f.Min, f.Max)
		}
		return ""
	case FieldBool:
		if s := string(raw); s != "true" && s != "false" {
			return "not a bool"
		}
		return ""
	case FieldAssignee:
		if string(raw) == "null" {
			return ""
		}
		if s, ok := str(); !ok || !validCounsellorID(s) {
			return "not null or a counsellor id"
		}
		return ""
	case FieldMembers:
		var ids []string
		if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &ids) != nil {
			return "not an array of strings"
		}
		if len(ids) < 1 || len(ids) > MaxKeyringMembers {
			return fmt.Sprintf("not 1 to %d members", MaxKeyringMembers)
		}
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if !validCounsellorID(id) || seen[id] {
				return "a member is not a distinct counsellor id"
			}
			seen[id] = true
		}
		return ""
	}
	s, ok := str()
	if !ok {
		return "not a string"
	}
	switch f.Type {
	case FieldID:
		if !validCounsellorID(s) {
			return "not a counsellor id"
		}
	case FieldEnum:
		if !slices.Contains(f.Enum, s) {
			return "not one of " + strings.Join(f.Enum, ", ")
		}
	case FieldDate:
		if t, err := parseDate(s); err != nil || t.Format(dateLayout) != s {
			return "not a date (2006-01-02)"
		}
	case FieldHour:
		if t, err := parseHour(s); err != nil || formatHour(t) != s {
			return "not an RFC 3339 UTC time truncated to the hour"
		}
	case FieldHash:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != 32 || base64.StdEncoding.EncodeToString(b) != s {
			return "not b64 of 32 bytes"
		}
	case FieldRecipient:
		if !validRecipient(s) {
			return "not an age hybrid recipient"
		}
	case FieldName:
		if problem := checkName(s); problem != "" {
			return problem
		}
	case FieldRecordID:
		if !validRecordID(s) {
			return "not a record id"
		}
	case FieldSlug:
		if !validSlug(s) {
			return "not an organisation slug"
		}
	default:
		return "field type unknown to the checker"
	}
	return ""
}
