package crypto

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"filippo.io/age"
)

func testKeyring(t testing.TB) *Keyring {
	t.Helper()
	k := testKeys()
	e1, _ := age.GenerateHybridIdentity()
	e2, _ := age.GenerateHybridIdentity()
	return &Keyring{
		V: 1,
		Members: []Member{
			{ID: "anna", Name: "Anna", Recipient: k.team.Recipient().String()},
			{ID: "b0b", Name: "Bob ✓", Recipient: k.enquirer.Recipient().String()},
		},
		Epochs: []EpochKey{{1, e1.String()}, {2, e2.String()}},
	}
}

func TestKeyringRoundTrip(t *testing.T) {
	k := testKeys()
	kr := testKeyring(t)
	env, err := SealKeyring(kr)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := CheckKeyring(env); err != nil || n != 2 {
		t.Fatalf("CheckKeyring = %d, %v", n, err)
	}
	for _, id := range []age.Identity{k.team, k.enquirer} {
		got, err := OpenKeyring(env, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, kr) {
			t.Errorf("keyring changed: %+v", got)
		}
	}
	if _, err := OpenKeyring(env, k.other); err == nil {
		t.Error("a non-member opens the keyring")
	}

	epoch, newest, err := kr.Newest()
	if err != nil || epoch != 2 || newest.String() != kr.Epochs[1].Identity {
		t.Errorf("Newest = %d, %v", epoch, err)
	}
	ids, err := kr.Identities()
	if err != nil || len(ids) != 2 ||
		ids[0].(*age.HybridIdentity).String() != kr.Epochs[1].Identity ||
		ids[1].(*age.HybridIdentity).String() != kr.Epochs[0].Identity {
		t.Errorf("Identities not newest first: %v", err)
	}

	// A message to an old epoch's team key opens with Identities.
	old, _ := age.ParseHybridIdentity(kr.Epochs[0].Identity)
	ct, err := SealDocument(testDocument(t, 500), old.Recipient(), k.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDocument(ct, ids...); err != nil {
		t.Errorf("old epoch: %v", err)
	}
}

func TestKeyringValidate(t *testing.T) {
	x, _ := age.GenerateX25519Identity()
	for _, tc := range []struct {
		name   string
		mutate func(*Keyring)
		want   string
	}{
		{"version", func(k *Keyring) { k.V = 2 }, "version"},
		{"no members", func(k *Keyring) { k.Members = nil }, "members"},
		{"257 members", func(k *Keyring) {
			for len(k.Members) < 257 {
				k.Members = append(k.Members, k.Members[0])
			}
		}, "members"},
		{"duplicate member id", func(k *Keyring) { k.Members[1].ID = "anna" }, "listed twice"},
		{"duplicate recipient", func(k *Keyring) { k.Members[1].Recipient = k.Members[0].Recipient }, "listed twice"},
		{"member id upper case", func(k *Keyring) { k.Members[0].ID = "Anna" }, "malformed id"},
		{"member id empty", func(k *Keyring) { k.Members[0].ID = "" }, "malformed id"},
		{"member id long", func(k *Keyring) { k.Members[0].ID = strings.Repeat("a", 33) }, "malformed id"},
		{"member x25519", func(k *Keyring) { k.Members[0].Recipient = x.Recipient().String() }, "recipient"},
		{"member no recipient", func(k *Keyring) { k.Members[0].Recipient = "" }, "recipient"},
		{"no epochs", func(k *Keyring) { k.Epochs = nil }, "no epochs"},
		{"gap in epochs", func(k *Keyring) { k.Epochs[1].Epoch = 3 }, "epoch 3 at position 2"},
		{"starts at 2", func(k *Keyring) { k.Epochs = k.Epochs[1:] }, "epoch 2 at position 1"},
		{"starts at 0", func(k *Keyring) { k.Epochs[0].Epoch = 0 }, "epoch 0 at position 1"},
		{"out of order", func(k *Keyring) { k.Epochs[0], k.Epochs[1] = k.Epochs[1], k.Epochs[0] }, "epoch 2 at position 1"},
		{"repeated epoch", func(k *Keyring) { k.Epochs[1].Epoch = 1 }, "epoch 1 at position 2"},
		{"bad identity", func(k *Keyring) { k.Epochs[1].Identity = "AGE-SECRET-KEY-PQ-1XYZ" }, "epoch 2"},
		{"x25519 identity", func(k *Keyring) { k.Epochs[0].Identity = x.String() }, "epoch 1"},
		{"reused team key", func(k *Keyring) { k.Epochs[1].Identity = k.Epochs[0].Identity }, "reuses"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kr := testKeyring(t)
			secret := kr.Epochs[0].Identity
			tc.mutate(kr)
			err := kr.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret[20:]) || strings.Contains(err.Error(), x.String()[20:]) {
				t.Errorf("error %q shows a secret key", err)
			}
			if _, err := SealKeyring(kr); err == nil {
				t.Error("SealKeyring seals it")
			}
		})
	}
}

// TestOpenKeyringRefuses decrypts envelopes that a member can open but that
// hold no valid keyring.
func TestOpenKeyringRefuses(t *testing.T) {
	k := testKeys()
	to := k.team.Recipient()
	kr := testKeyring(t)
	gap := testKeyring(t)
	gap.Epochs[1].Epoch = 3
	js := func(kr *Keyring) string {
		b, err := jsonMarshal(kr)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	good := js(kr)
	x, _ := age.GenerateX25519Identity()
	for _, tc := range []struct {
		name string
		env  []byte
		id   age.Identity
	}{
		{"gap in epochs", mustEncrypt(t, []byte(js(gap)), to), k.team},
		{"not JSON", mustEncrypt(t, []byte("keyring"), to), k.team},
		{"empty", mustEncrypt(t, nil, to), k.team},
		{"trailing data", mustEncrypt(t, []byte(good+"{}"), to), k.team},
		{"repeated key", mustEncrypt(t, []byte(`{"v":1,`+good[1:]), to), k.team},
		{"wrong types", mustEncrypt(t, []byte(`{"v":"1","members":{},"epochs":7}`), to), k.team},
		{"member not an object", mustEncrypt(t, []byte(strings.Replace(good, `"members":[`, `"members":["x",`, 1)), to), k.team},
		{"epoch a string", mustEncrypt(t, []byte(strings.Replace(good, `"epoch":1`, `"epoch":"1"`, 1)), to), k.team},
		{"identity a number", mustEncrypt(t, []byte(strings.Replace(good, `"identity":"`+kr.Epochs[0].Identity+`"`, `"identity":1`, 1)), to), k.team},
		{"nested too deeply", mustEncrypt(t, []byte(`{"x":`+strings.Repeat("[", maxDepth)+strings.Repeat("]", maxDepth)+","+good[1:]), to), k.team},
		{"epochs only in upper case", mustEncrypt(t, []byte(strings.Replace(good, `"epochs"`, `"Epochs"`, 1)), to), k.team},
		{"leading white space", mustEncrypt(t, []byte("\t"+good), to), k.team},
		{"x25519 envelope", mustEncrypt(t, []byte(good), x.Recipient()), x},
		{"armored", []byte("-----BEGIN AGE ENCRYPTED FILE-----\n"), k.team},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OpenKeyring(tc.env, tc.id)
			if err == nil {
				t.Fatalf("= %+v", got)
			}
			for _, e := range kr.Epochs {
				if strings.Contains(err.Error(), e.Identity[20:40]) {
					t.Errorf("error %q shows a team key", err)
				}
			}
		})
	}
	if _, err := OpenKeyring(mustEncrypt(t, []byte(good+" \n"), to), k.team); err != nil {
		t.Errorf("white space after the object: %v", err)
	}
	if _, err := OpenKeyring(mustEncrypt(t, []byte(" \n"+good), to), k.team); err == nil {
		t.Error("white space before the object: accepted; the object starts at the first byte")
	}
	var pe *PolicyError
	if _, err := OpenKeyring(mustEncrypt(t, []byte(good), x.Recipient()), x); !errors.As(err, &pe) {
		t.Errorf("x25519 envelope: %v, want a *PolicyError", err)
	}
}

// TestOpenKeyringExactNames: field names match exactly, at every level, so
// a key that differs only in case is an unknown field and cannot override
// the real one (json.Unmarshal into a struct would let the later win).
func TestOpenKeyringExactNames(t *testing.T) {
	k := testKeys()
	to := k.team.Recipient()
	kr := testKeyring(t)
	other := testKeyring(t)
	other.Epochs[0].Identity, other.Epochs[1].Identity = other.Epochs[1].Identity, other.Epochs[0].Identity
	b, err := jsonMarshal(kr)
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	ob, err := jsonMarshal(other.Epochs)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := age.GenerateHybridIdentity()
	for name, pt := range map[string]string{
		"Epochs after epochs":     strings.TrimSuffix(good, "}") + `,"Epochs":` + string(ob) + `}`,
		"EPOCHS before epochs":    `{"EPOCHS":` + string(ob) + `,` + good[1:],
		"V before v":              `{"V":2,` + good[1:],
		"Members after members":   strings.TrimSuffix(good, "}") + `,"Members":[]}`,
		"Recipient in a member":   strings.Replace(good, `"recipient":"`, `"Recipient":"`+x.Recipient().String()+`","recipient":"`, 1),
		"Identity in an epoch":    strings.Replace(good, `"identity":"`, `"Identity":"`+x.String()+`","identity":"`, 1),
		"ID and Name in a member": strings.Replace(good, `"id":"`, `"ID":"zz","Name":"Mallory","id":"`, 1),
	} {
		got, err := OpenKeyring(mustEncrypt(t, []byte(pt), to), k.team)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, kr) {
			t.Errorf("%s: the keyring changed", name)
		}
	}
}
