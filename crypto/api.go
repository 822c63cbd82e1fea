// Package crypto implements the cryptography of the Lotse protocol, version 1
// (PROTOCOL.md §1–5): digit normalisation and Damm check digits, pickup codes
// and passphrases, the enquirer key derivation (Argon2id + HKDF), fingerprints,
// message documents (padding, sealing, the reader rules), the strict ciphertext
// policy, the keyring, counsellor login challenges and the proof of work.
//
// It does no I/O beyond reading randomness: no HTTP, no storage. Every
// function is covered by the known-answer vectors in testdata/.
package crypto

// This file is the contract other packages code against. The bodies are
// filled in by the crypto work; signatures change only by agreement.

import (
	"context"
	"io"

	"filippo.io/age"
)

// ---- §1 digits ----

// InputError says which typed input is wrong and why, so a client can tell
// the person which field has a typo. It never contains the input.
type InputError struct {
	Field  string // "pickup code" or "passphrase"
	Reason string // "character", "length" or "check digit"
}

func (e *InputError) Error() string { return e.Field + ": wrong " + e.Reason }

const (
	PickupCodeLen = 10
	PassphraseLen = 16
)

// NormalizeDigits maps every Unicode decimal digit (category Nd) to ASCII,
// drops white space, punctuation and '+', and fails on anything else.
func NormalizeDigits(s string) (string, error) { panic("todo") }

// DammDigit returns the Damm check digit ('0'…'9') of ASCII digits.
func DammDigit(digits string) byte { panic("todo") }

// DammValid reports whether ASCII digits end in their Damm check digit.
func DammValid(digits string) bool { panic("todo") }

// GeneratePickupCode draws 9 uniform digits and appends the check digit.
func GeneratePickupCode(rand io.Reader) (string, error) { panic("todo") }

// GeneratePassphrase draws 15 uniform digits and appends the check digit.
func GeneratePassphrase(rand io.Reader) (string, error) { panic("todo") }

// ParsePickupCode normalises what a person typed and checks length and check
// digit; errors are *InputError with Field "pickup code".
func ParsePickupCode(typed string) (string, error) { panic("todo") }

// ParsePassphrase is ParsePickupCode for the passphrase.
func ParsePassphrase(typed string) (string, error) { panic("todo") }

// FormatPickupCode groups a normalised code as "XXXXX XXXXX".
func FormatPickupCode(code string) string { panic("todo") }

// FormatPassphrase groups a normalised passphrase as "XXXX XXXX XXXX XXXX".
func FormatPassphrase(pass string) string { panic("todo") }

// ---- §2 enquirer keys ----

// EnquirerKeys are everything derived from pickup code and passphrase.
type EnquirerKeys struct {
	MailboxID  string // 32 lower-case hex chars
	Identity   *age.HybridIdentity
	Auth       [32]byte
	MailboxKey [32]byte
	Verifier   [32]byte // SHA-256(Auth), what the server stores
}

// DeriveEnquirerKeys runs Argon2id and HKDF over a normalised, checked code
// and passphrase (use ParsePickupCode and ParsePassphrase first).
func DeriveEnquirerKeys(code, passphrase string) (*EnquirerKeys, error) { panic("todo") }

// Bearer returns the Authorization value "Bearer <mailbox_id>.<b64url(auth)>"
// without the "Bearer " prefix.
func (k *EnquirerKeys) Bearer() string { panic("todo") }

// IdentityFromSeed returns the hybrid identity whose Bech32 secret key
// encodes seed (32 bytes).
func IdentityFromSeed(seed []byte) (*age.HybridIdentity, error) { panic("todo") }

// ParseBearer splits an enquirer credential "<mailbox_id>.<b64url(auth)>".
func ParseBearer(s string) (mailboxID string, auth [32]byte, err error) { panic("todo") }

// VerifierOf returns SHA-256(auth).
func VerifierOf(auth [32]byte) [32]byte { panic("todo") }

// ValidMailboxID reports whether s is 32 lower-case hex characters.
func ValidMailboxID(s string) bool { panic("todo") }

// ---- §3 fingerprints and keyring ----

// Fingerprint returns "NNNNN NNNNN NNNNN NNNNN NNNNN" for a recipient string.
func Fingerprint(recipient string) string { panic("todo") }

// ParseRecipient parses an "age1pq1…" hybrid recipient (and nothing else).
func ParseRecipient(s string) (*age.HybridRecipient, error) { panic("todo") }

type Member struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Recipient string `json:"recipient"`
}

type EpochKey struct {
	Epoch    int    `json:"epoch"`
	Identity string `json:"identity"` // AGE-SECRET-KEY-PQ-1…
}

// Keyring is the plaintext of the team's keyring envelope.
type Keyring struct {
	V       int        `json:"v"`
	Members []Member   `json:"members"`
	Epochs  []EpochKey `json:"epochs"`
}

// Validate checks v, contiguous epochs from 1, parseable identities and
// recipients, unique member ids and recipients.
func (k *Keyring) Validate() error { panic("todo") }

// Newest returns the newest epoch number and its team identity.
func (k *Keyring) Newest() (int, *age.HybridIdentity, error) { panic("todo") }

// Identities returns every epoch's team identity, newest first.
func (k *Keyring) Identities() ([]age.Identity, error) { panic("todo") }

// SealKeyring validates k and encrypts it to every member's recipient.
func SealKeyring(k *Keyring) ([]byte, error) { panic("todo") }

// OpenKeyring decrypts and validates a keyring envelope.
func OpenKeyring(envelope []byte, id age.Identity) (*Keyring, error) { panic("todo") }

// ---- §4 message documents ----

var BucketSizes = [...]int{1024, 2048, 4096, 8192, 16384, 32768, 65536}

// Document is a message document's JSON object.
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
}

// NewDocumentID returns b64url of 16 random bytes.
func NewDocumentID(rand io.Reader) (string, error) { panic("todo") }

// PadDocument marshals d and pads it with spaces to the smallest bucket;
// ErrTooLong past 65536 bytes.
func PadDocument(d *Document) ([]byte, error) { panic("todo") }

// SealDocument pads d and encrypts it to exactly the team and enquirer
// recipients.
func SealDocument(d *Document, team, enquirer *age.HybridRecipient) ([]byte, error) {
	panic("todo")
}

// OpenDocument checks the message ciphertext policy and decrypts.
func OpenDocument(ciphertext []byte, ids ...age.Identity) ([]byte, error) { panic("todo") }

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

// CheckDocument applies the reader rules of PROTOCOL.md §4.
func CheckDocument(plaintext []byte, want Expect) (*Document, error) { panic("todo") }

// StoredMessage is a message as the server returns it.
type StoredMessage struct {
	Seq        uint64
	From       string
	Ciphertext []byte
}

// ThreadEntry is one message after reading: Doc set if it passed, Err set
// (a *RejectError or decryption error) if it is to be shown as a warning.
type ThreadEntry struct {
	Seq       uint64
	From      string
	Doc       *Document
	Duplicate bool
	Err       error
}

// ReadThread decrypts and checks messages in order. mk is the mailbox key if
// known (enquirer); with nil, it is taken from the first enquirer document
// (counsellor). It returns the entries and the mailbox key used.
func ReadThread(mailbox string, mk []byte, msgs []StoredMessage, ids ...age.Identity) ([]ThreadEntry, []byte) {
	panic("todo")
}

// ---- §5 ciphertext policy ----

// PolicyError is a ciphertext that the server must refuse (422).
type PolicyError struct{ Reason string }

func (e *PolicyError) Error() string { return "ciphertext policy: " + e.Reason }

// CiphertextInfo is what the policy parser learned about a ciphertext.
type CiphertextInfo struct {
	Stanzas    int
	HeaderLen  int // up to and including the "--- mac" line
	PayloadLen int // plaintext bytes implied by the STREAM framing
}

// ParseCiphertext strictly parses binary age v1 whose every stanza is
// mlkem768x25519 with one argument and a well-formed body.
func ParseCiphertext(b []byte) (*CiphertextInfo, error) { panic("todo") }

// CheckMessage enforces the message policy: 2 stanzas, one chunk of a
// bucket size.
func CheckMessage(b []byte) error { panic("todo") }

// CheckKeyring enforces the keyring policy (1…256 stanzas) and returns the
// stanza count.
func CheckKeyring(b []byte) (int, error) { panic("todo") }

// ---- §6 login challenges ----

// ChallengeR returns HMAC-SHA256(secret, "lotse/v1 challenge " || id || nonce || expires).
func ChallengeR(secret []byte, counsellorID string, nonce []byte, expires string) [32]byte {
	panic("todo")
}

// SealChallenge encrypts "lotse/v1 login\n" || r to one recipient.
func SealChallenge(r [32]byte, to age.Recipient) ([]byte, error) { panic("todo") }

// ChallengeResponse returns HMAC-SHA256(key = "lotse/v1 login\n" || r,
// "lotse/v1 login-response " || id).
func ChallengeResponse(r [32]byte, counsellorID string) [32]byte { panic("todo") }

// AnswerChallenge decrypts a challenge, refuses any that is not one stanza
// of the fixed form, and returns the response.
func AnswerChallenge(ciphertext []byte, id age.Identity, counsellorID string) ([32]byte, error) {
	panic("todo")
}

// ---- §6 proof of work ----

// PowHash is Argon2id(challenge || nonce, "lotse/v1 pow", t=1, m=1024 KiB, p=1, 32).
func PowHash(challenge, nonce []byte) [32]byte { panic("todo") }

// PowValid reports whether nonce (8 bytes) solves challenge at difficulty.
func PowValid(challenge, nonce []byte, difficulty int) bool { panic("todo") }

// SolvePow searches nonces until one is valid or ctx ends.
func SolvePow(ctx context.Context, challenge []byte, difficulty int) ([]byte, error) {
	panic("todo")
}
