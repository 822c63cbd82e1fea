package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"filippo.io/age"

	"lotse/domain"
)

// The known-answer vectors of testdata/ (see testdata/README.md).

type kdfVector struct {
	Comment    string `json:"comment"`
	Code       string `json:"code"`
	Passphrase string `json:"passphrase"`
	Normalized struct {
		Code       string `json:"code"`
		Passphrase string `json:"passphrase"`
	} `json:"normalized"`
	MailboxID            string `json:"mailbox_id"`
	IdentitySeedHex      string `json:"identity_seed_hex"`
	Identity             string `json:"identity"`
	Recipient            string `json:"recipient"`
	RecipientFingerprint string `json:"recipient_fingerprint"`
	AuthKeyBase64URL     string `json:"auth_key_base64url"`
	MailboxKeyBase64     string `json:"mailbox_key_base64"`
	VerifierBase64       string `json:"verifier_base64"`
}

type messageVector struct {
	Comment          string   `json:"comment"`
	CiphertextBase64 string   `json:"ciphertext_base64"`
	CiphertextLength int      `json:"ciphertext_length"`
	PlaintextLength  int      `json:"plaintext_length"`
	EnquirerIdentity string   `json:"enquirer_identity"`
	TeamIdentity     string   `json:"team_identity"`
	TeamRecipient    string   `json:"team_recipient"`
	TeamFingerprint  string   `json:"team_fingerprint"`
	MailboxID        string   `json:"mailbox_id"`
	Expected         Document `json:"expected"`
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a new field in the vectors needs a new check here
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func kdfVectors(t testing.TB) []kdfVector {
	var v []kdfVector
	readJSON(t, "kdf-v1.json", &v)
	if len(v) == 0 {
		t.Fatal("kdf-v1.json: no vectors")
	}
	return v
}

func messageVectorData(t testing.TB) (messageVector, []byte) {
	var v messageVector
	readJSON(t, "message-v1.json", &v)
	ct, err := base64.StdEncoding.Strict().DecodeString(v.CiphertextBase64)
	if err != nil {
		t.Fatal(err)
	}
	return v, ct
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKDFVectors checks every field of kdf-v1.json. Each vector costs one
// Argon2id of 64 MiB.
func TestKDFVectors(t *testing.T) {
	for _, v := range kdfVectors(t) {
		t.Run(v.Comment+"/"+v.Normalized.Code, func(t *testing.T) {
			code, err := ParsePickupCode(v.Code)
			if err != nil {
				t.Fatalf("ParsePickupCode: %v", err)
			}
			if code != v.Normalized.Code {
				t.Errorf("normalised code %q, want %q", code, v.Normalized.Code)
			}
			pass, err := ParsePassphrase(v.Passphrase)
			if err != nil {
				t.Fatalf("ParsePassphrase: %v", err)
			}
			if pass != v.Normalized.Passphrase {
				t.Errorf("normalised passphrase %q, want %q", pass, v.Normalized.Passphrase)
			}

			// The identity from the seed alone, without Argon2id.
			seed := mustHex(t, v.IdentitySeedHex)
			if got := strings.ToUpper(domain.EncodeBech32(identityHRP, seed)); got != v.Identity {
				t.Errorf("Bech32 of the seed %q, want %q", got, v.Identity)
			}
			id, err := IdentityFromSeed(seed)
			if err != nil {
				t.Fatal(err)
			}
			if id.String() != v.Identity {
				t.Errorf("IdentityFromSeed: %q, want %q", id.String(), v.Identity)
			}

			k, err := DeriveEnquirerKeys(code, pass)
			if err != nil {
				t.Fatal(err)
			}
			if k.MailboxID != v.MailboxID {
				t.Errorf("mailbox_id %q, want %q", k.MailboxID, v.MailboxID)
			}
			if _, err := domain.ParseMailboxID(k.MailboxID); err != nil {
				t.Errorf("mailbox_id %q is not valid", k.MailboxID)
			}
			if k.Identity.String() != v.Identity {
				t.Errorf("identity %q, want %q", k.Identity.String(), v.Identity)
			}
			rcpt := k.Identity.Recipient().String()
			if rcpt != v.Recipient {
				t.Errorf("recipient %q, want %q", rcpt, v.Recipient)
			}
			if _, err := ParseRecipient(v.Recipient); err != nil {
				t.Errorf("ParseRecipient: %v", err)
			}
			if fp := Fingerprint(v.Recipient); fp != v.RecipientFingerprint {
				t.Errorf("fingerprint %q, want %q", fp, v.RecipientFingerprint)
			}
			if got := base64.RawURLEncoding.EncodeToString(k.Auth[:]); got != v.AuthKeyBase64URL {
				t.Errorf("auth %q, want %q", got, v.AuthKeyBase64URL)
			}
			if got := base64.StdEncoding.EncodeToString(k.MailboxKey[:]); got != v.MailboxKeyBase64 {
				t.Errorf("mk %q, want %q", got, v.MailboxKeyBase64)
			}
			if got := base64.StdEncoding.EncodeToString(k.Verifier[:]); got != v.VerifierBase64 {
				t.Errorf("verifier %q, want %q", got, v.VerifierBase64)
			}
			if VerifierOf(k.Auth) != k.Verifier {
				t.Error("VerifierOf(auth) differs from the derived verifier")
			}

			// The bearer credential round-trips.
			bearer := k.Bearer()
			if want := v.MailboxID + "." + v.AuthKeyBase64URL; bearer != want {
				t.Errorf("Bearer() %q, want %q", bearer, want)
			}
			mid, auth, err := ParseBearer(bearer)
			if err != nil || mid != v.MailboxID || auth != k.Auth {
				t.Errorf("ParseBearer(Bearer()) = %q, %x, %v", mid, auth, err)
			}
		})
	}
}

// TestMessageVector opens message-v1.json with either identity and checks
// the document, the policy and the team fingerprint.
func TestMessageVector(t *testing.T) {
	v, ct := messageVectorData(t)
	kv := kdfVectors(t)[0]
	if len(ct) != v.CiphertextLength {
		t.Fatalf("ciphertext is %d bytes, vector says %d", len(ct), v.CiphertextLength)
	}
	if err := CheckMessage(ct); err != nil {
		t.Fatalf("CheckMessage: %v", err)
	}
	info, err := ParseCiphertext(ct)
	if err != nil {
		t.Fatal(err)
	}
	if info.Stanzas != 2 || info.HeaderLen != 3184 || info.PayloadLen != v.PlaintextLength {
		t.Errorf("ParseCiphertext = %+v, want 2 stanzas, header 3184, payload %d", info, v.PlaintextLength)
	}

	if fp := Fingerprint(v.TeamRecipient); fp != v.TeamFingerprint {
		t.Errorf("team fingerprint %q, want %q", fp, v.TeamFingerprint)
	}
	team, err := age.ParseHybridIdentity(v.TeamIdentity)
	if err != nil {
		t.Fatal(err)
	}
	if team.Recipient().String() != v.TeamRecipient {
		t.Error("team identity does not match team recipient")
	}
	if v.EnquirerIdentity != kv.Identity || v.MailboxID != kv.MailboxID {
		t.Fatal("message-v1.json is not for kdf-v1.json[0]")
	}
	enquirer, err := age.ParseHybridIdentity(v.EnquirerIdentity)
	if err != nil {
		t.Fatal(err)
	}
	mk, err := base64.StdEncoding.DecodeString(kv.MailboxKeyBase64)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		id   age.Identity
	}{{"team", team}, {"enquirer", enquirer}} {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := OpenDocument(ct, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if len(pt) != v.PlaintextLength {
				t.Errorf("plaintext %d bytes, want %d", len(pt), v.PlaintextLength)
			}
			d, err := CheckDocument(pt, Expect{Mailbox: v.MailboxID, MK: mk, From: "enquirer"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*d, v.Expected) {
				t.Errorf("document\n%+v\nwant\n%+v", *d, v.Expected)
			}
			if d.Recipient != kv.Recipient {
				t.Error("the first document's recipient is not the enquirer's")
			}
			// A counsellor takes mk from it.
			d2, err := CheckDocument(pt, Expect{Mailbox: v.MailboxID, From: "enquirer"})
			if err != nil || d2.MK != kv.MailboxKeyBase64 {
				t.Errorf("counsellor read: mk %q, %v", d2.MK, err)
			}
		})
	}

	// ReadThread as counsellor (mk unknown) and as enquirer (mk known).
	msgs := []StoredMessage{{Seq: 1, From: "enquirer", Ciphertext: ct}}
	entries, gotMK := ReadThread(v.MailboxID, nil, msgs, team)
	if len(entries) != 1 || entries[0].Err != nil || entries[0].Doc == nil || !bytes.Equal(gotMK, mk) {
		t.Errorf("ReadThread as counsellor: %+v, mk %x", entries, gotMK)
	}
	entries, _ = ReadThread(v.MailboxID, mk, msgs, enquirer)
	if len(entries) != 1 || entries[0].Err != nil || !reflect.DeepEqual(*entries[0].Doc, v.Expected) {
		t.Errorf("ReadThread as enquirer: %+v", entries)
	}
}
