package crypto

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"
	"time"
)

// Known answers from the reference implementation's CLI (argon2 -id -t 1
// -k 1024 -p 1 -l 32 with salt "lotse/v1 pow").
func TestPowKnownAnswer(t *testing.T) {
	for _, tc := range []struct {
		challenge string
		nonce     uint64
		hash      string
	}{
		{"challenge-0123", 42, "62ea361a742c40c8c7831f572b8ef3502f8eab9e2d6ab94ee09be07c9571b6e0"},
		{"lotse pow kat", 732, "0008a57231ffcb278c655fc087247de0abb69e14273d6f533d4914f3353f6ac6"},
	} {
		nonce := binary.BigEndian.AppendUint64(nil, tc.nonce)
		h := PowHash([]byte(tc.challenge), nonce)
		if got := hex.EncodeToString(h[:]); got != tc.hash {
			t.Errorf("PowHash(%q, %d) = %s, want %s", tc.challenge, tc.nonce, got, tc.hash)
		}
	}
	// 0x0008… begins with 12 zero bits.
	nonce := binary.BigEndian.AppendUint64(nil, 732)
	for d, want := range map[int]bool{0: true, 1: true, 8: true, 12: true, 13: false, 24: false} {
		if PowValid([]byte("lotse pow kat"), nonce, d) != want {
			t.Errorf("PowValid at difficulty %d = %v", d, !want)
		}
	}
}

func TestLeadingZeros(t *testing.T) {
	h := []byte{0x00, 0x00, 0x1f, 0xff}
	for n, want := range map[int]bool{0: true, 8: true, 16: true, 19: true, 20: false, 24: false} {
		if leadingZeros(h, n) != want {
			t.Errorf("leadingZeros(%x, %d) = %v", h, n, !want)
		}
	}
	if !leadingZeros([]byte{0x80}, 0) || leadingZeros([]byte{0x80}, 1) || !leadingZeros([]byte{0x7f}, 1) {
		t.Error("first bit")
	}
}

func TestPowValidRefuses(t *testing.T) {
	c := []byte("challenge")
	n := make([]byte, 8)
	for _, tc := range []struct {
		name       string
		challenge  []byte
		nonce      []byte
		difficulty int
	}{
		{"short nonce", c, n[:7], 0},
		{"long nonce", c, make([]byte, 9), 0},
		{"no nonce", c, nil, 0},
		{"negative difficulty", c, n, -1},
		{"difficulty 25", c, n, 25},
		{"difficulty 256", c, n, 256},
		{"huge challenge", make([]byte, 1025), n, 0},
	} {
		if PowValid(tc.challenge, tc.nonce, tc.difficulty) {
			t.Errorf("%s: valid", tc.name)
		}
	}
	if !PowValid(c, n, 0) {
		t.Error("difficulty 0 refuses an 8-byte nonce")
	}
}

func TestSolvePow(t *testing.T) {
	ctx := context.Background()
	challenge := []byte("a challenge from the server")
	for _, d := range []int{0, 1, 4} {
		nonce, err := SolvePow(ctx, challenge, d)
		if err != nil {
			t.Fatal(err)
		}
		if !PowValid(challenge, nonce, d) {
			t.Errorf("difficulty %d: nonce %x is not valid", d, nonce)
		}
		h := PowHash(challenge, nonce)
		if d > 0 && h[0]>>(8-d) != 0 {
			t.Errorf("difficulty %d: hash %x", d, h)
		}
	}
	// Random starting points: two solutions of difficulty 0 differ.
	a, _ := SolvePow(ctx, challenge, 0)
	b, _ := SolvePow(ctx, challenge, 0)
	if string(a) == string(b) {
		t.Error("SolvePow starts at the same nonce twice")
	}
	for _, d := range []int{-1, 25} {
		if _, err := SolvePow(ctx, challenge, d); err == nil {
			t.Errorf("difficulty %d: no error", d)
		}
	}
}

func TestSolvePowContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := SolvePow(ctx, []byte("c"), 24); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := SolvePow(ctx, []byte("c"), 24); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
	// Bounded by one hash past the deadline, with room for a loaded machine.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("SolvePow ran %v past a 30 ms deadline", d)
	}
}
