package crypto

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestDecodeCanonicalAlphabet checks that decodeCanonical refuses every
// byte outside the standard base64 alphabet, wherever it stands, and that
// it accepts the canonical encoding.
func TestDecodeCanonicalAlphabet(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(i * 37)
	}
	enc := base64.RawStdEncoding.EncodeToString(raw)
	dst := make([]byte, 32)
	if !decodeCanonical(dst, []byte(enc)) || string(dst) != string(raw) {
		t.Fatal("canonical encoding refused")
	}
	for c := 0; c < 256; c++ {
		if strings.IndexByte(alphabet, byte(c)) >= 0 {
			continue
		}
		for _, at := range []int{0, 1, len(enc) / 2, len(enc) - 1} {
			src := []byte(enc)
			src[at] = byte(c)
			if decodeCanonical(make([]byte, 32), src) {
				t.Errorf("byte %#x at %d accepted", c, at)
			}
		}
	}
}
