package crypto

import (
	"encoding/hex"
	"errors"
	"testing"

	"filippo.io/age"
)

// Known answers computed independently (Python hmac and hashlib).
func TestChallengeKnownAnswer(t *testing.T) {
	secret := []byte("server secret 0123456789abcdef!!")
	nonce := make([]byte, 24)
	for i := range nonce {
		nonce[i] = byte(i)
	}
	r := ChallengeR(secret, "c0ffee", nonce, "2026-11-28T13:06:00Z")
	if got := hex.EncodeToString(r[:]); got != "4f34efe0fa2c8e6f62df3070925ca1cb8e89f086e78a49c2063ff11a2ae9498e" {
		t.Errorf("ChallengeR = %s", got)
	}
	resp := ChallengeResponse(r, "c0ffee")
	if got := hex.EncodeToString(resp[:]); got != "91afadafc23e12a87bca636d00b93810b9760a037ac1f266b532c2d10cf2014e" {
		t.Errorf("ChallengeResponse = %s", got)
	}
	if ChallengeR(secret, "c0ffef", nonce, "2026-11-28T13:06:00Z") == r ||
		ChallengeR(secret, "c0ffee", nonce[1:], "2026-11-28T13:06:00Z") == r ||
		ChallengeR(secret, "c0ffee", nonce, "2026-11-28T13:06:01Z") == r ||
		ChallengeR([]byte("other"), "c0ffee", nonce, "2026-11-28T13:06:00Z") == r {
		t.Error("ChallengeR ignores an input")
	}
	if ChallengeResponse(r, "c0ffef") == resp {
		t.Error("ChallengeResponse ignores the counsellor id")
	}
}

func TestChallengeRoundTrip(t *testing.T) {
	k := testKeys()
	r := ChallengeR([]byte("secret"), "anna", []byte("nonce-0123456789"), "2026-11-28T13:06:00Z")
	ct, err := SealChallenge(r, k.other.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	info, err := ParseCiphertext(ct)
	if err != nil || info.Stanzas != 1 || info.PayloadLen != 47 {
		t.Fatalf("challenge ciphertext: %+v, %v", info, err)
	}
	resp, err := AnswerChallenge(ct, k.other, "anna")
	if err != nil {
		t.Fatal(err)
	}
	if resp != ChallengeResponse(r, "anna") {
		t.Error("response does not match")
	}
	if _, err := AnswerChallenge(ct, k.team, "anna"); err == nil || errors.Is(err, ErrBadChallenge) {
		t.Errorf("wrong identity: %v, want a decryption error", err)
	}
	if _, err := SealChallenge(r, nil); err == nil {
		t.Error("sealed to no recipient")
	}
}

// TestAnswerChallengeRefuses: counsel answers nothing but the fixed form.
func TestAnswerChallengeRefuses(t *testing.T) {
	k := testKeys()
	id := k.other
	var r [32]byte
	r[0] = 1
	good := loginPlaintext(r)
	x, _ := age.GenerateX25519Identity()
	for _, tc := range []struct {
		name string
		ct   []byte
		id   age.Identity
	}{
		{"two stanzas", mustEncrypt(t, good, id.Recipient(), k.team.Recipient()), id},
		{"wrong prefix", mustEncrypt(t, append([]byte("lotse/v1 LOGIN\n"), r[:]...), id.Recipient()), id},
		{"other protocol", mustEncrypt(t, append([]byte("lotse/v2 login\n"), r[:]...), id.Recipient()), id},
		{"short", mustEncrypt(t, good[:46], id.Recipient()), id},
		{"long", mustEncrypt(t, append(good, 0), id.Recipient()), id},
		{"prefix only", mustEncrypt(t, []byte(loginPrefix), id.Recipient()), id},
		{"a message", mustEncrypt(t, make([]byte, 1024), id.Recipient(), k.team.Recipient()), id},
		{"x25519", mustEncrypt(t, good, x.Recipient()), x},
		{"garbage", []byte("age-encryption.org/v1\n"), id},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := AnswerChallenge(tc.ct, tc.id, "anna")
			if !errors.Is(err, ErrBadChallenge) {
				t.Fatalf("= %x, %v; want ErrBadChallenge", resp, err)
			}
			if resp != [32]byte{} {
				t.Error("a response despite the error")
			}
		})
	}
}
