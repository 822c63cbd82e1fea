package crypto

import (
	"bytes"
	stdhmac "crypto/hmac"
	stdsha256 "crypto/sha256"
	"errors"
	"fmt"

	"filippo.io/age"
)

const (
	loginPrefix    = "lotse/v1 login\n"
	challengeLabel = "lotse/v1 challenge "
	responseLabel  = "lotse/v1 login-response "
	loginLen       = len(loginPrefix) + 32
)

// ErrBadChallenge is wrapped by AnswerChallenge's error for a challenge
// that decrypts but is not of the form PROTOCOL.md §6 fixes, or has other
// than one stanza: something tried to make the desk sign or leak chosen
// bytes, so counsel raises an alarm.
var ErrBadChallenge = errors.New("login challenge is not of the protocol's form")

// ChallengeR returns HMAC-SHA256(secret, "lotse/v1 challenge " || id ||
// nonce || expires) (PROTOCOL.md §6 Login). The input is a plain
// concatenation, so it identifies (id, nonce, expires) only if the server
// gives every nonce the same length and expires one fixed format; a server
// must refuse a nonce of any other length.
func ChallengeR(secret []byte, counsellorID string, nonce []byte, expires string) [32]byte {
	m := stdhmac.New(stdsha256.New, secret)
	m.Write([]byte(challengeLabel))
	m.Write([]byte(counsellorID))
	m.Write(nonce)
	m.Write([]byte(expires))
	var r [32]byte
	m.Sum(r[:0])
	return r
}

// loginPlaintext returns "lotse/v1 login\n" || r.
func loginPlaintext(r [32]byte) []byte {
	pt := make([]byte, 0, loginLen)
	pt = append(pt, loginPrefix...)
	return append(pt, r[:]...)
}

// SealChallenge encrypts "lotse/v1 login\n" || r to one recipient
// (PROTOCOL.md §6 Login).
func SealChallenge(r [32]byte, to age.Recipient) ([]byte, error) {
	if to == nil {
		return nil, errors.New("crypto: seal challenge: missing recipient")
	}
	pt := loginPlaintext(r)
	defer clear(pt)
	ct, err := encrypt(pt, to)
	if err != nil {
		return nil, fmt.Errorf("crypto: seal challenge: %v", err)
	}
	return ct, nil
}

// ChallengeResponse returns HMAC-SHA256(key = "lotse/v1 login\n" || r,
// "lotse/v1 login-response " || id) (PROTOCOL.md §6 Login).
func ChallengeResponse(r [32]byte, counsellorID string) [32]byte {
	key := loginPlaintext(r)
	defer clear(key)
	m := stdhmac.New(stdsha256.New, key)
	m.Write([]byte(responseLabel))
	m.Write([]byte(counsellorID))
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// AnswerChallenge decrypts a challenge, refuses any that is not one stanza
// of the fixed form, and returns the response (PROTOCOL.md §6 Login). A
// refusal for the form wraps ErrBadChallenge; the decrypted bytes never
// leave this function.
func AnswerChallenge(ciphertext []byte, id age.Identity, counsellorID string) ([32]byte, error) {
	var zero [32]byte
	info, err := ParseCiphertext(ciphertext)
	if err != nil {
		return zero, fmt.Errorf("crypto: answer challenge: %w: %v", ErrBadChallenge, err)
	}
	if info.Stanzas != 1 {
		return zero, fmt.Errorf("crypto: answer challenge: %w: %d stanzas, want 1", ErrBadChallenge, info.Stanzas)
	}
	if info.PayloadLen != loginLen {
		return zero, fmt.Errorf("crypto: answer challenge: %w: plaintext is %d bytes, want %d", ErrBadChallenge, info.PayloadLen, loginLen)
	}
	pt, err := decrypt(ciphertext, loginLen, id)
	if err != nil {
		return zero, fmt.Errorf("crypto: answer challenge: %v", err)
	}
	defer clear(pt)
	if len(pt) != loginLen || !bytes.HasPrefix(pt, []byte(loginPrefix)) {
		return zero, fmt.Errorf("crypto: answer challenge: %w: wrong prefix", ErrBadChallenge)
	}
	var r [32]byte
	copy(r[:], pt[len(loginPrefix):])
	defer clear(r[:])
	return ChallengeResponse(r, counsellorID), nil
}
