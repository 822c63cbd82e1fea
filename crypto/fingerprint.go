package crypto

import (
	stdsha256 "crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
)

// Fingerprint returns "NNNNN NNNNN NNNNN NNNNN NNNNN" for a recipient
// string: group i is the big-endian integer of bytes 5i…5i+4 of
// SHA-256(recipient) modulo 100000 (PROTOCOL.md §3).
func Fingerprint(recipient string) string {
	h := stdsha256.Sum256([]byte(recipient))
	var b strings.Builder
	for i := range 5 {
		var v [8]byte
		copy(v[3:], h[5*i:5*i+5])
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%05d", binary.BigEndian.Uint64(v[:])%100000)
	}
	return b.String()
}

const (
	hybridRecipientPrefix = "age1pq1"
	// hybridRecipientLen is the length of every "age1pq1…" recipient: an
	// ML-KEM-768 + X25519 public key of 1,216 bytes.
	hybridRecipientLen = 1959
)

// ParseRecipient parses an "age1pq1…" hybrid recipient (and nothing else:
// X25519 "age1…" recipients, plugins and upper case are refused). The
// string must be the canonical encoding of the key (PROTOCOL.md §2–3).
func ParseRecipient(s string) (*age.HybridRecipient, error) {
	if !strings.HasPrefix(s, hybridRecipientPrefix) {
		if strings.HasPrefix(s, "age1") {
			return nil, errors.New("crypto: parse recipient: not a hybrid (age1pq1) recipient")
		}
		return nil, errors.New("crypto: parse recipient: not an age recipient")
	}
	if len(s) != hybridRecipientLen {
		return nil, fmt.Errorf("crypto: parse recipient: %d characters, want %d", len(s), hybridRecipientLen)
	}
	r, err := age.ParseHybridRecipient(s)
	if err != nil {
		// age quotes the whole recipient; it is public but long.
		return nil, errors.New("crypto: parse recipient: malformed hybrid recipient")
	}
	if r.String() != s {
		return nil, errors.New("crypto: parse recipient: not the canonical encoding")
	}
	return r, nil
}
