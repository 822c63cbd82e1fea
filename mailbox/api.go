// Package mailbox is Lotse's domain and its bbolt store: mailboxes and their
// messages, cases (a mailbox as the team sees it), counsellors, the keyring,
// invites and the setup token. It acknowledges a write only after a durable
// commit, groups concurrent writers into shared commits, purges expired
// mailboxes, writes compacted backups, and carries the metadata allow-list
// (Schema) that mailbox-audit checks snapshots against.
//
// Nothing here sees plaintext: message and keyring values are age
// ciphertext that the caller has already checked against the policy.
package mailbox

// This file is the contract other packages code against. Signatures change
// only by agreement.

import (
	"errors"
	"io"
	"time"
)

// Errors the API maps to protocol error codes.
var (
	ErrNotFound        = errors.New("mailbox: not found")
	ErrMailboxExists   = errors.New("mailbox: mailbox exists")
	ErrMailboxFull     = errors.New("mailbox: mailbox full")
	ErrStaleEpoch      = errors.New("mailbox: stale epoch")
	ErrTeamNotReady    = errors.New("mailbox: no keyring yet")
	ErrKeyringConflict = errors.New("mailbox: keyring conflict")
	ErrAlreadySetUp    = errors.New("mailbox: already set up")
	ErrSetupInvalid    = errors.New("mailbox: setup token invalid")
	ErrInviteInvalid   = errors.New("mailbox: invite invalid")
	ErrRecipientExists = errors.New("mailbox: recipient exists")
	ErrClosed          = errors.New("mailbox: store closed")
)

// RateLimitError is returned when a mailbox's hourly message cap is reached.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string { return "mailbox: rate limited" }

// InvalidError is a request the domain refuses as malformed (400
// bad_request), e.g. a keyring that drops an active member without a new
// epoch. Message is human text without secrets.
type InvalidError struct{ Message string }

func (e *InvalidError) Error() string { return "mailbox: " + e.Message }

// Message senders.
const (
	FromEnquirer   = "enquirer"
	FromCounsellor = "counsellor"
)

// Case status.
const (
	StatusNew    = "new"
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Counsellor roles and states.
const (
	RoleAdmin      = "admin"
	RoleCounsellor = "counsellor"
	StatePending   = "pending"
	StateActive    = "active"
	StateRemoved   = "removed"
)

// Limits bound what one mailbox may hold; zero values take the defaults of
// PROTOCOL.md §6 (20 an hour, 200 messages, 4 MiB).
type Limits struct {
	MessagesPerHour int
	MaxMessages     int
	MaxBytes        int64
}

// Options configure a Store.
type Options struct {
	Path          string
	RetentionDays int              // default 90
	Limits        Limits           // enquirer limits per mailbox
	Now           func() time.Time // default time.Now
	Rand          io.Reader        // default crypto/rand
}

// Mailbox is a mailbox's metadata; as a case it is what counsellors list.
type Mailbox struct {
	ID            string
	Verifier      [32]byte
	Status        string
	Assignee      string    // "" if none
	Created       time.Time // truncated to the day (UTC)
	LastActivity  time.Time // truncated to the hour (UTC)
	MessageCount  int
	Bytes         int64
	AwaitingReply bool      // the newest message is the enquirer's
	Expires       time.Time // day: LastActivity + retention
}

// Message is one stored message.
type Message struct {
	Seq        uint64
	From       string
	Counsellor string // counsellor id for FromCounsellor
	Ciphertext []byte
}

type Counsellor struct {
	ID        string
	Name      string
	Role      string
	State     string
	Recipient string
}

// Keyring is the stored keyring: the envelope and what the server must know
// about it.
type Keyring struct {
	Epoch     int
	Recipient string // the epoch's team recipient
	Envelope  []byte
	Members   []string // counsellor ids
}

// KeyringUpdate is an admin's PUT /api/v1/keyring, policy-checked already.
type KeyringUpdate struct {
	Keyring
	Replaces []byte // SHA-256 of the current envelope; nil for the first
	Stanzas  int    // stanza count of Envelope
}

// Store is the bbolt-backed store. Safe for concurrent use.
type Store struct{}

// Open opens or creates the data file.
func Open(opts Options) (*Store, error) { panic("todo") }

// Close waits for pending commits and closes the file.
func (s *Store) Close() error { panic("todo") }

// Retention returns the configured retention.
func (s *Store) Retention() time.Duration { panic("todo") }

// --- mailboxes and cases ---

// CreateMailbox stores a new mailbox with its first (enquirer) message at
// seq 1. epoch must be the current keyring epoch.
func (s *Store) CreateMailbox(id string, verifier [32]byte, epoch int, ciphertext []byte) (Mailbox, error) {
	panic("todo")
}

// GetMailbox returns a mailbox's metadata (ErrNotFound if none).
func (s *Store) GetMailbox(id string) (Mailbox, error) { panic("todo") }

// Messages returns messages with seq > after, in order.
func (s *Store) Messages(id string, after uint64) ([]Message, error) { panic("todo") }

// AppendEnquirer stores an enquirer message: checks, in order, the hourly
// cap (*RateLimitError), epoch (ErrStaleEpoch), existence (ErrNotFound) and
// totals (ErrMailboxFull). Reopens a closed case.
func (s *Store) AppendEnquirer(id string, epoch int, ciphertext []byte) (uint64, error) {
	panic("todo")
}

// AppendCounsellor stores a counsellor reply (no caps); a new case becomes open.
func (s *Store) AppendCounsellor(id, counsellorID string, epoch int, ciphertext []byte) (uint64, error) {
	panic("todo")
}

// DeleteMailbox removes a mailbox and all its messages.
func (s *Store) DeleteMailbox(id string) error { panic("todo") }

// Cases lists mailboxes, newest activity first; status "" means all.
func (s *Store) Cases(status string) ([]Mailbox, error) { panic("todo") }

// UpdateCase sets status ("open"/"closed") and/or assignee (nil: leave;
// pointer to "": none). The assignee must be an active counsellor.
func (s *Store) UpdateCase(id string, status *string, assignee *string) (Mailbox, error) {
	panic("todo")
}

// --- team ---

// NeedsSetup reports whether no counsellor exists yet.
func (s *Store) NeedsSetup() (bool, error) { panic("todo") }

// SetSetupToken stores the hash of the bootstrap token (replacing any
// earlier one) while no counsellor exists.
func (s *Store) SetSetupToken(token string) error { panic("todo") }

// RegisterSetup creates the first counsellor, an active admin, if token
// matches (constant time). ErrAlreadySetUp once any counsellor exists.
func (s *Store) RegisterSetup(token, name, recipient string) (Counsellor, error) {
	panic("todo")
}

// CreateInvite stores a single-use invite for role, valid 72 h, and
// returns the invite code (only its hash is stored) and its expiry.
func (s *Store) CreateInvite(role string) (code string, expires time.Time, err error) {
	panic("todo")
}

// RegisterInvite consumes an invite and creates a pending counsellor.
func (s *Store) RegisterInvite(code, name, recipient string) (Counsellor, error) {
	panic("todo")
}

func (s *Store) GetCounsellor(id string) (Counsellor, error) { panic("todo") }

func (s *Store) Counsellors() ([]Counsellor, error) { panic("todo") }

// GetKeyring returns the current keyring (ErrNotFound before the first).
func (s *Store) GetKeyring() (Keyring, error) { panic("todo") }

// PutKeyring applies PROTOCOL.md §6 "Roster and keyring" and returns the
// stored keyring and the ids of counsellors who were removed by it.
func (s *Store) PutKeyring(u KeyringUpdate) (Keyring, []string, error) { panic("todo") }

// --- maintenance ---

// Purge deletes mailboxes whose expiry has passed; returns how many.
func (s *Store) Purge() (int, error) { panic("todo") }

// Backup writes a compacted copy of the live data (no free pages).
func (s *Store) Backup(w io.Writer) error { panic("todo") }

// ContentHash is SHA-256 over every bucket, key and value in order: equal
// hashes mean an unchanged database (tests of "bad input changes nothing").
func (s *Store) ContentHash() ([32]byte, error) { panic("todo") }
