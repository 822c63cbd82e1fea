package crypto

import (
	"errors"
	"fmt"

	"filippo.io/age"
)

// Reseal decrypts a message or attachment ciphertext with identity and
// encrypts the same plaintext, unchanged, to the team recipient of the
// receiving organisation and the enquirer's own (PROTOCOL.md §9.3): what
// the enquirer's device does for a consented handover. The result has the
// original's length, and so its bucket, and passes the same policy (§5
// for a message, §10 for an attachment).
func Reseal(ciphertext []byte, identity age.Identity, team, enquirer *age.HybridRecipient) ([]byte, error) {
	if team == nil || enquirer == nil {
		return nil, errors.New("crypto: reseal: missing recipient")
	}
	check := CheckMessage
	if CheckMessage(ciphertext) != nil {
		check = CheckAttachment
		if err := CheckAttachment(ciphertext); err != nil {
			return nil, fmt.Errorf("crypto: reseal: %v", err)
		}
	}
	pt, err := decrypt(ciphertext, MaxAttachmentFile, identity)
	if err != nil {
		return nil, fmt.Errorf("crypto: reseal: %v", err)
	}
	defer clear(pt)
	ct, err := encrypt(pt, team, enquirer)
	if err != nil {
		return nil, fmt.Errorf("crypto: reseal: %v", err)
	}
	if len(ct) != len(ciphertext) || check(ct) != nil {
		return nil, errors.New("crypto: reseal: the new ciphertext differs in form from the original")
	}
	return ct, nil
}
