package crypto

import (
	stdsha256 "crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/hkdf"

	"lotse/domain"
)

// EnquirerKeys are everything derived from pickup code and passphrase
// (PROTOCOL.md §2).
type EnquirerKeys struct {
	MailboxID  string // 32 lower-case hex chars
	Identity   *age.HybridIdentity
	Auth       [32]byte
	MailboxKey [32]byte
	Verifier   [32]byte // SHA-256(Auth), what the server stores
}

// Parameters of PROTOCOL.md §2.
const (
	kdfTime    = 3
	kdfMemory  = 64 * 1024 // KiB
	kdfThreads = 1

	infoMailboxID  = "lotse/v1 mailbox-id"
	infoIdentity   = "lotse/v1 identity"
	infoAuth       = "lotse/v1 auth"
	infoMailboxKey = "lotse/v1 mailbox-key"

	identityHRP = "age-secret-key-pq-"
)

// checkDigits is ParsePickupCode without the normalisation: DeriveEnquirerKeys
// takes only what Parse* returned.
func checkDigits(s, field string, length int) error {
	if len(s) != length {
		return &InputError{Field: field, Reason: "length"}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return &InputError{Field: field, Reason: "character"}
		}
	}
	if !DammValid(s) {
		return &InputError{Field: field, Reason: "check digit"}
	}
	return nil
}

// hkdfSHA256 is HKDF-SHA256 with an empty salt (PROTOCOL.md §2).
func hkdfSHA256(out, ikm []byte, info string) {
	if _, err := io.ReadFull(hkdf.New(stdsha256.New, ikm, nil, []byte(info)), out); err != nil {
		panic("crypto: hkdf: " + err.Error()) // only past 255 blocks
	}
}

// DeriveEnquirerKeys runs Argon2id and HKDF over a normalised, checked code
// and passphrase (PROTOCOL.md §2; use ParsePickupCode and ParsePassphrase
// first). Errors are *InputError. It takes about 0.2 s and 64 MiB.
func DeriveEnquirerKeys(code, passphrase string) (*EnquirerKeys, error) {
	if err := checkDigits(code, "pickup code", PickupCodeLen); err != nil {
		return nil, err
	}
	if err := checkDigits(passphrase, "passphrase", PassphraseLen); err != nil {
		return nil, err
	}
	pass := []byte(passphrase)
	salt := append([]byte("lotse/v1 "), code...)
	seed := argon2.IDKey(pass, salt, kdfTime, kdfMemory, kdfThreads, 32)
	clear(pass)
	clear(salt)
	defer clear(seed)

	k := &EnquirerKeys{}
	var id [16]byte
	hkdfSHA256(id[:], seed, infoMailboxID)
	k.MailboxID = hex.EncodeToString(id[:])

	var idseed [32]byte
	hkdfSHA256(idseed[:], seed, infoIdentity)
	defer clear(idseed[:])
	identity, err := IdentityFromSeed(idseed[:])
	if err != nil {
		return nil, fmt.Errorf("crypto: derive enquirer keys: %v", err)
	}
	k.Identity = identity

	hkdfSHA256(k.Auth[:], seed, infoAuth)
	hkdfSHA256(k.MailboxKey[:], seed, infoMailboxKey)
	k.Verifier = VerifierOf(k.Auth)
	return k, nil
}

// Bearer returns the Authorization value "Bearer <mailbox_id>.<b64url(auth)>"
// without the "Bearer " prefix (PROTOCOL.md §6).
func (k *EnquirerKeys) Bearer() string {
	return k.MailboxID + "." + base64.RawURLEncoding.EncodeToString(k.Auth[:])
}

// IdentityFromSeed returns the hybrid identity whose Bech32 secret key
// encodes seed (32 bytes): upper-case Bech32 with the human-readable part
// "age-secret-key-pq-" (PROTOCOL.md §2).
func IdentityFromSeed(seed []byte) (*age.HybridIdentity, error) {
	if len(seed) != 32 {
		return nil, fmt.Errorf("crypto: identity from seed: seed is %d bytes, want 32", len(seed))
	}
	s := strings.ToUpper(domain.EncodeBech32(identityHRP, seed))
	id, err := age.ParseHybridIdentity(s)
	if err != nil {
		// age's error never contains the key.
		return nil, fmt.Errorf("crypto: identity from seed: %v", err)
	}
	return id, nil
}

var errBearer = errors.New("crypto: malformed enquirer credential")

// bearerLen is len(mailbox_id) + len(".") + len(b64url(32 bytes)).
const bearerLen = 32 + 1 + 43

// ParseBearer splits an enquirer credential "<mailbox_id>.<b64url(auth)>"
// (PROTOCOL.md §6). The error never contains the credential.
func ParseBearer(s string) (mailboxID string, auth [32]byte, err error) {
	if len(s) != bearerLen || s[32] != '.' {
		return "", auth, errBearer
	}
	if _, err := domain.ParseMailboxID(s[:32]); err != nil {
		return "", auth, errBearer
	}
	n, err := base64.RawURLEncoding.Strict().Decode(auth[:], []byte(s[33:]))
	if err != nil || n != len(auth) || strings.ContainsAny(s[33:], "\r\n") {
		clear(auth[:])
		return "", auth, errBearer
	}
	return s[:32], auth, nil
}

// VerifierOf returns SHA-256(auth), what the server stores (PROTOCOL.md §2).
func VerifierOf(auth [32]byte) [32]byte {
	return stdsha256.Sum256(auth[:])
}
