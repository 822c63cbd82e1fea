package crypto

import (
	"bytes"
	"encoding/json"
	mathrand "math/rand/v2"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
)

// Identities shared by the tests; generating ML-KEM keys is cheap, but
// there is no need to do it in every test.
var testKeys = sync.OnceValue(func() (k struct{ team, enquirer, other *age.HybridIdentity }) {
	rng := mathrand.NewChaCha8([32]byte{42})
	gen := func() *age.HybridIdentity {
		seed := make([]byte, 32)
		rng.Read(seed)
		id, err := IdentityFromSeed(seed)
		if err != nil {
			panic(err)
		}
		return id
	}
	k.team, k.enquirer, k.other = gen(), gen(), gen()
	return k
})

const testMailbox = "f8ee9348bac6af4ee846fb2803a75774"

var testMK = bytes.Repeat([]byte{0x5a}, 32)

// testDocument returns a valid enquirer document whose JSON is exactly n
// bytes long (n ≥ 300).
func testDocument(t testing.TB, n int) *Document {
	t.Helper()
	d := &Document{
		V:       1,
		Type:    "message",
		Mailbox: testMailbox,
		ID:      "mUJ2nB3t0nQy8o1XQmLk3A",
		MK:      "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=",
		From:    FromEnquirer,
		Sent:    "2026-11-28T13:05:00Z",
		Lang:    "de",
		Role:    "affected",
	}
	js, err := marshalDocument(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) > n {
		t.Fatalf("a document of %d bytes is too short", n)
	}
	d.Body = strings.Repeat("x", n-len(js))
	if js, _ := marshalDocument(d); len(js) != n {
		t.Fatalf("document of %d bytes, want %d", len(js), n)
	}
	return d
}

// marshalDocument is PadDocument's JSON without the padding.
func marshalDocument(d *Document) ([]byte, error) {
	pt, err := PadDocument(d)
	if err != nil {
		return nil, err
	}
	return bytes.TrimRight(pt, " "), nil
}

// sealMessage seals a valid 1024-byte document to team and enquirer.
func sealMessage(t testing.TB) []byte {
	t.Helper()
	k := testKeys()
	ct, err := SealDocument(testDocument(t, 500), k.team.Recipient(), k.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func mustEncrypt(t testing.TB, pt []byte, to ...age.Recipient) []byte {
	t.Helper()
	ct, err := encrypt(pt, to...)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
