package crypto

import (
	"strings"
	"testing"

	mathrand "math/rand/v2"

	"filippo.io/age"
)

// TestBech32BIP173 re-encodes the valid Bech32 strings of BIP-173.
func TestBech32BIP173(t *testing.T) {
	for _, s := range []string{
		"A12UEL5L",
		"a12uel5l",
		"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"?1ezyfcl",
	} {
		lower := strings.ToLower(s)
		i := strings.LastIndexByte(lower, '1')
		var data []byte
		for _, c := range lower[i+1 : len(lower)-6] {
			data = append(data, byte(strings.IndexRune(bech32Charset, c)))
		}
		if got := bech32Encode5(lower[:i], data); got != lower {
			t.Errorf("bech32Encode5 = %q, want %q", got, lower)
		}
	}
	// Bytes regrouped into 5-bit values: BIP-173's P2WPKH example.
	prog := mustHex(t, "751e76e8199196d454941c45d1b3a323f1433bd6")
	want := "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
	if got := bech32Encode5("bc", append([]byte{0}, bytesTo5(prog)...)); got != want {
		t.Errorf("P2WPKH: %q, want %q", got, want)
	}
	for n, want := range map[int]int{0: 0, 1: 2, 4: 7, 5: 8, 32: 52} {
		if got := len(bytesTo5(make([]byte, n))); got != want {
			t.Errorf("bytesTo5 of %d bytes: %d values, want %d", n, got, want)
		}
	}
}

// TestIdentityFromSeed compares with age's own encoding of the same key.
func TestIdentityFromSeed(t *testing.T) {
	rng := mathrand.NewChaCha8([32]byte{4})
	for range 20 {
		seed := make([]byte, 32)
		rng.Read(seed)
		id, err := IdentityFromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		s := id.String()
		if want := strings.ToUpper(bech32Encode(identityHRP, seed)); s != want {
			t.Errorf("identity %q, want %q", s, want)
		}
		again, err := age.ParseHybridIdentity(s)
		if err != nil || again.Recipient().String() != id.Recipient().String() {
			t.Errorf("identity does not round-trip through age: %v", err)
		}
	}
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := IdentityFromSeed(make([]byte, n)); err == nil {
			t.Errorf("IdentityFromSeed of %d bytes: no error", n)
		}
	}
}
