package crypto

import (
	mathrand "math/rand/v2"
	"strings"
	"testing"

	"filippo.io/age"

	"lotse/domain"
)

func TestParseBearer(t *testing.T) {
	const id = "f8ee9348bac6af4ee846fb2803a75774"
	const auth = "ZwquVjSS6PNoo0jFFNgI4rkmX2DhxMRz26teu-KhqoM"
	if mid, a, err := ParseBearer(id + "." + auth); err != nil || mid != id || a[0] != 0x67 {
		t.Fatalf("valid credential: %q, %x, %v", mid, a, err)
	}
	for name, s := range map[string]string{
		"empty":             "",
		"no dot":            id + auth,
		"two dots":          id + "." + auth[:21] + "." + auth[21:],
		"upper-case id":     strings.ToUpper(id) + "." + auth,
		"short id":          id[:31] + "." + auth + "A",
		"id not hex":        id[:31] + "g." + auth,
		"padded auth":       id + "." + auth + "=",
		"std base64 auth":   id + "." + strings.ReplaceAll(auth, "-", "+"),
		"short auth":        id + "." + auth[:42],
		"long auth":         id + "." + auth + "AAAA",
		"non-canonical":     id + "." + auth[:42] + "N", // trailing bits set
		"newline in auth":   id + "." + auth[:20] + "\n" + auth[21:],
		"with Bearer":       "Bearer " + id + "." + auth,
		"trailing space":    id + "." + auth + " ",
		"dot at wrong spot": id[:30] + "." + id[30:] + auth[:42],
	} {
		if _, _, err := ParseBearer(s); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), auth[:10]) {
			t.Errorf("%s: error %q echoes the credential", name, err)
		}
	}
}

func TestFingerprint(t *testing.T) {
	// Computed independently (Python hashlib, int.from_bytes).
	for in, want := range map[string]string{
		"abc": "73807 03137 88322 66979 05876",
		"":    "28312 71035 19033 54212 51492",
	} {
		if got := Fingerprint(in); got != want {
			t.Errorf("Fingerprint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRecipient(t *testing.T) {
	hy, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	good := hy.Recipient().String()
	if r, err := ParseRecipient(good); err != nil || r.String() != good {
		t.Fatalf("hybrid recipient: %v", err)
	}
	x, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	flip := []byte(good)
	flip[100] ^= 1 // breaks the checksum
	for name, s := range map[string]string{
		"x25519":        x.Recipient().String(),
		"identity":      hy.String(),
		"upper case":    strings.ToUpper(good),
		"empty":         "",
		"truncated":     good[:len(good)-1],
		"extended":      good + "q",
		"bad checksum":  string(flip),
		"space":         " " + good,
		"ssh":           "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN",
		"plugin":        "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t",
		"wrong hrp":     "age1pr1" + good[7:],
		"tag recipient": "age1tag1" + good[8:],
	} {
		if _, err := ParseRecipient(s); err == nil {
			t.Errorf("%s: accepted", name)
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
		if want := strings.ToUpper(domain.EncodeBech32(identityHRP, seed)); s != want {
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
