package domain

import (
	"encoding/hex"
	"strings"
	"testing"
)

// TestBech32BIP173 checks the codec against the test vectors of BIP 173
// (github.com/bitcoin/bips, bip-0173.mediawiki).
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
		var five []byte
		for _, c := range lower[i+1 : len(lower)-6] {
			five = append(five, byte(strings.IndexRune(bech32Charset, c)))
		}
		if got := encode5(lower[:i], five); got != lower {
			t.Errorf("encode5 = %q, want %q", got, lower)
		}
		if bech32Polymod(bech32Polymod(1, hrpExpand(lower[:i])), append(five, mustBech32Values(t, lower[len(lower)-6:])...)) != 1 {
			t.Errorf("%q: checksum does not verify", s)
		}
	}
	// Invalid checksums and characters of BIP 173.
	for _, s := range []string{
		"a1lqfn3a", "pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "10a06t8",
		"1qzzfhee", "a12UEL5L",
	} {
		if _, _, ok := decodeBech32(s); ok {
			t.Errorf("%q: accepted", s)
		}
	}
	// Bytes regrouped into 5-bit values: BIP 173's P2WPKH example.
	prog, err := hex.DecodeString("751e76e8199196d454941c45d1b3a323f1433bd6")
	if err != nil {
		t.Fatal(err)
	}
	want := "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
	if got := encode5("bc", append([]byte{0}, regroup(prog, 8, 5)...)); got != want {
		t.Errorf("P2WPKH: %q, want %q", got, want)
	}
	for n, want := range map[int]int{0: 0, 1: 2, 4: 7, 5: 8, 32: 52, HybridKeySize: 1946} {
		if got := len(regroup(make([]byte, n), 8, 5)); got != want {
			t.Errorf("regroup of %d bytes: %d values, want %d", n, got, want)
		}
	}
}

func mustBech32Values(t *testing.T, s string) []byte {
	var v []byte
	for _, c := range s {
		i := strings.IndexRune(bech32Charset, c)
		if i < 0 {
			t.Fatalf("%q is not Bech32", s)
		}
		v = append(v, byte(i))
	}
	return v
}
