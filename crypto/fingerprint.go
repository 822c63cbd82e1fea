package crypto

import (
	stdsha256 "crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"

	"lotse/domain"
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

// ParseRecipient parses an "age1pq1…" hybrid recipient (and nothing else:
// X25519 "age1…" recipients, plugins and upper case are refused). The
// string must be the canonical encoding of the key (PROTOCOL.md §2–3):
// domain.ParseRecipient checks the form, age the key.
func ParseRecipient(s string) (*age.HybridRecipient, error) {
	if _, err := domain.ParseRecipient(s); err != nil {
		return nil, fmt.Errorf("crypto: parse recipient: %v", err)
	}
	r, err := age.ParseHybridRecipient(s)
	if err != nil {
		// age quotes the whole recipient; it is public but long.
		return nil, errors.New("crypto: parse recipient: malformed hybrid recipient")
	}
	return r, nil
}
