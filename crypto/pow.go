package crypto

import (
	"context"
	stdrand "crypto/rand"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// Proof of work for creating a mailbox (PROTOCOL.md §6).
const (
	PowNonceLen      = 8
	MaxPowDifficulty = 24
	// maxPowChallenge bounds what PowValid hashes; a server's challenges
	// are far shorter.
	maxPowChallenge = 1024
)

var powSalt = []byte("lotse/v1 pow")

// PowHash is Argon2id(challenge || nonce, "lotse/v1 pow", t=1, m=1024 KiB,
// p=1, 32) (PROTOCOL.md §6).
func PowHash(challenge, nonce []byte) [32]byte {
	pw := make([]byte, 0, len(challenge)+len(nonce))
	pw = append(append(pw, challenge...), nonce...)
	var h [32]byte
	copy(h[:], argon2.IDKey(pw, powSalt, 1, 1024, 1, 32))
	return h
}

// leadingZeros reports whether h begins with n zero bits.
func leadingZeros(h []byte, n int) bool {
	for i := 0; n > 0; i++ {
		if n >= 8 {
			if h[i] != 0 {
				return false
			}
			n -= 8
			continue
		}
		return h[i]>>(8-n) == 0
	}
	return true
}

// PowValid reports whether nonce (8 bytes) solves challenge at difficulty
// (0…24, PROTOCOL.md §6). Anything out of range, and a challenge longer
// than 1024 bytes, is invalid.
func PowValid(challenge, nonce []byte, difficulty int) bool {
	if len(nonce) != PowNonceLen || difficulty < 0 || difficulty > MaxPowDifficulty ||
		len(challenge) > maxPowChallenge {
		return false
	}
	if difficulty == 0 {
		return true
	}
	h := PowHash(challenge, nonce)
	return leadingZeros(h[:], difficulty)
}

// SolvePow searches nonces, counting up from a random start, until one is
// valid or ctx ends (PROTOCOL.md §6).
func SolvePow(ctx context.Context, challenge []byte, difficulty int) ([]byte, error) {
	if difficulty < 0 || difficulty > MaxPowDifficulty {
		return nil, fmt.Errorf("crypto: solve pow: difficulty %d outside 0…%d", difficulty, MaxPowDifficulty)
	}
	if len(challenge) > maxPowChallenge {
		return nil, fmt.Errorf("crypto: solve pow: challenge longer than %d bytes", maxPowChallenge)
	}
	var start [PowNonceLen]byte
	if _, err := stdrand.Read(start[:]); err != nil {
		return nil, fmt.Errorf("crypto: solve pow: %v", err)
	}
	n := binary.BigEndian.Uint64(start[:])
	nonce := make([]byte, PowNonceLen)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("crypto: solve pow: %w", err)
		}
		binary.BigEndian.PutUint64(nonce, n)
		if PowValid(challenge, nonce, difficulty) {
			return nonce, nil
		}
		n++
	}
}
