package domain

import "crypto/subtle"

const (
	// HybridKeySize is the size of an age hybrid public key: ML-KEM-768's
	// encapsulation key (1,184 bytes) and an X25519 point (32).
	HybridKeySize = 1216
	// RecipientPrefix starts every recipient Lotse accepts.
	RecipientPrefix = recipientHRP + "1"
	// RecipientLen is the length of every recipient: the prefix, the
	// Bech32 of HybridKeySize bytes and a 6-character checksum.
	RecipientLen = len(RecipientPrefix) + (HybridKeySize*8+4)/5 + 6

	recipientHRP = "age1pq"
)

// A Recipient is an age hybrid (ML-KEM-768 + X25519) recipient, the only
// kind the protocol allows (docs/PROTOCOL.md §2–3): "age1pq1" and the
// lower-case Bech32 of the key. Its form is checked here; whether the key
// itself is usable (an ML-KEM key with coefficients below q) is left to
// age, which lotse/crypto calls.
type Recipient struct{ key [HybridKeySize]byte }

// ParseRecipient parses the canonical text of a hybrid recipient.
func ParseRecipient(s string) (Recipient, error) {
	var r Recipient
	if len(s) != RecipientLen || s[:len(RecipientPrefix)] != RecipientPrefix {
		return r, invalid("recipient", "want an age1pq1… hybrid recipient")
	}
	hrp, data, ok := decodeBech32(s)
	if !ok || hrp != recipientHRP || len(data) != HybridKeySize {
		return r, invalid("recipient", "malformed Bech32")
	}
	copy(r.key[:], data)
	return r, nil
}

// String returns "age1pq1…", 1,959 characters.
func (r Recipient) String() string { return EncodeBech32(recipientHRP, r.key[:]) }

// Bytes returns a copy of the public key.
func (r Recipient) Bytes() []byte { return append([]byte(nil), r.key[:]...) }

// Equal compares in constant time: a team's recipient says which key
// readers trust, and pins are compared with it.
func (r Recipient) Equal(o Recipient) bool {
	return subtle.ConstantTimeCompare(r.key[:], o.key[:]) == 1
}
