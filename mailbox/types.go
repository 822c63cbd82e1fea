package mailbox

import (
	"errors"
	"io"
	"time"

	"lotse/domain"
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
	// ErrStorageFull is a write that failed because the disk is full;
	// nothing of it is stored and the file stays consistent.
	ErrStorageFull = errors.New("mailbox: storage full")
	// ErrOrgExists is a new organisation whose slug is taken (orgs.go).
	ErrOrgExists = errors.New("mailbox: organisation exists")
	// ErrFrontDoor is a change only another organisation than the front
	// door allows, such as deleting it.
	ErrFrontDoor = errors.New("mailbox: front door")
)

// RateLimitError is returned when a mailbox's hourly message cap is reached.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string { return "mailbox: rate limited" }

// InvalidError is a request the domain refuses as malformed (400
// bad_request), e.g. a keyring that drops an active member without a new
// epoch. Message is human text without secrets.
type InvalidError struct{ Message string }

func (e *InvalidError) Error() string { return "mailbox: " + e.Message }

func invalidf(format string, args ...any) error {
	return &InvalidError{Message: sprintf(format, args...)}
}

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

// Bounds on what the store accepts; larger input is an *InvalidError.
const (
	MaxNameLen        = domain.MaxDisplayNameLen // counsellor display name, characters
	MaxMessageBytes   = 1 << 17                  // one message ciphertext (the largest policy-valid one has 68,752)
	MaxKeyringBytes   = 1 << 20                  // the keyring envelope
	MaxKeyringMembers = 256
	MaxSetupTokenLen  = 256
)

const (
	maxInviteCodeLen   = 128
	counsellorIDLen    = 16 // ids the store draws; valid ids have 1 to 32 characters
	inviteValidity     = 72 * time.Hour
	inviteCodeBytes    = 16
	defaultRetention   = 90
	defaultPerHour     = 20
	defaultMaxMessages = 200
	defaultMaxBytes    = 4 << 20
	maxRetentionDays   = 100 * 365
	schemaVersion      = 1
)

// Limits bound what one mailbox may hold; zero values take the defaults of
// PROTOCOL.md §6 (20 an hour, 200 messages, 4 MiB). MaxMessages and MaxBytes
// count every message in the mailbox, the team's replies included, but only
// an enquirer's message is refused for them: replies are never capped.
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
	Attachments   AttachmentLimits // attachment limits per mailbox (attach.go)
	Disk          DiskLimits       // storage budget (budget.go)
	Now           func() time.Time // default time.Now
	Rand          io.Reader        // default crypto/rand
	// FrontDoor is the slug of the organisation created at bootstrap
	// (PROTOCOL.md §8), default "main"; FrontDoorName its display name
	// when the store creates it, default "Lotse" (orgs.go).
	FrontDoor     string
	FrontDoorName string
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
	WaitingSince  time.Time // while AwaitingReply: hour of the enquirer's first message since the last reply or closing
	Expires       time.Time // day: LastActivity + retention
	Org           string    // organisation slug; "" is the front door
	// Forwarded is the day the case came by a handover, zero if it never
	// did; its messages 1 to ForwardedCount were forwarded then.
	Forwarded      time.Time
	ForwardedCount int

	// read is the record GetMailbox decoded this value from (so compare
	// Mailbox values field by field, not with ==), so that a post
	// authenticated with it decodes the record once (CheckEnquirerCap,
	// AppendEnquirer).
	read *readRecord
}

// Message is one stored message.
type Message struct {
	Seq        uint64
	From       string
	Counsellor string // counsellor id for FromCounsellor
	Ciphertext []byte
}

// Counsellor is a member of the team as the server knows them: no keys but
// the personal recipient.
type Counsellor struct {
	ID        string
	Name      string
	Role      string
	State     string
	Recipient string
	Org       string // organisation slug; "" is the front door
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
