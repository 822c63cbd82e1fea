package crypto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"filippo.io/age"

	"lotse/domain"
)

// Member is a counsellor in the keyring (PROTOCOL.md §3).
type Member struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Recipient string `json:"recipient"`
}

// EpochKey is one epoch's team identity (PROTOCOL.md §3).
type EpochKey struct {
	Epoch    int    `json:"epoch"`
	Identity string `json:"identity"` // AGE-SECRET-KEY-PQ-1…
}

// Keyring is the plaintext of the team's keyring envelope (PROTOCOL.md §3).
type Keyring struct {
	V       int        `json:"v"`
	Members []Member   `json:"members"`
	Epochs  []EpochKey `json:"epochs"`
}

// maxKeyring bounds a keyring's plaintext, as the server bounds its
// envelope (PROTOCOL.md §6: 1 MiB).
const maxKeyring = 1 << 20

// Validate checks v, contiguous epochs from 1, parseable identities and
// recipients, unique member ids and recipients (PROTOCOL.md §3). It also
// requires 1 to 256 members with ids of the form [a-z0-9]{1,32}, and a
// different team key in every epoch.
func (k *Keyring) Validate() error {
	if k.V != 1 {
		return fmt.Errorf("crypto: keyring: version %d, want 1", k.V)
	}
	if len(k.Members) == 0 || len(k.Members) > maxStanzas {
		return fmt.Errorf("crypto: keyring: %d members, want 1 to %d", len(k.Members), maxStanzas)
	}
	ids := make(map[string]bool, len(k.Members))
	recipients := make(map[string]bool, len(k.Members))
	for i, m := range k.Members {
		if _, err := domain.ParseCounsellorID(m.ID); err != nil {
			return fmt.Errorf("crypto: keyring: member %d: malformed id", i+1)
		}
		if ids[m.ID] {
			return fmt.Errorf("crypto: keyring: member id %q is listed twice", m.ID)
		}
		ids[m.ID] = true
		if _, err := ParseRecipient(m.Recipient); err != nil {
			return fmt.Errorf("crypto: keyring: member %q: %v", m.ID, err)
		}
		if recipients[m.Recipient] {
			return fmt.Errorf("crypto: keyring: member %q: recipient is listed twice", m.ID)
		}
		recipients[m.Recipient] = true
	}
	if len(k.Epochs) == 0 {
		return errors.New("crypto: keyring: no epochs")
	}
	teamKeys := make(map[string]bool, len(k.Epochs))
	for i, e := range k.Epochs {
		if e.Epoch != i+1 {
			return fmt.Errorf("crypto: keyring: epoch %d at position %d, want epochs 1, 2, 3, … in order", e.Epoch, i+1)
		}
		id, err := age.ParseHybridIdentity(e.Identity)
		if err != nil {
			// age's error never contains the key.
			return fmt.Errorf("crypto: keyring: epoch %d: %v", e.Epoch, err)
		}
		r := id.Recipient().String()
		if teamKeys[r] {
			return fmt.Errorf("crypto: keyring: epoch %d reuses an earlier epoch's team key", e.Epoch)
		}
		teamKeys[r] = true
	}
	return nil
}

// Newest returns the newest epoch number and its team identity.
func (k *Keyring) Newest() (int, *age.HybridIdentity, error) {
	if len(k.Epochs) == 0 {
		return 0, nil, errors.New("crypto: keyring: no epochs")
	}
	e := k.Epochs[len(k.Epochs)-1]
	id, err := age.ParseHybridIdentity(e.Identity)
	if err != nil {
		return 0, nil, fmt.Errorf("crypto: keyring: epoch %d: %v", e.Epoch, err)
	}
	return e.Epoch, id, nil
}

// Identities returns every epoch's team identity, newest first.
func (k *Keyring) Identities() ([]age.Identity, error) {
	ids := make([]age.Identity, 0, len(k.Epochs))
	for i := len(k.Epochs) - 1; i >= 0; i-- {
		id, err := age.ParseHybridIdentity(k.Epochs[i].Identity)
		if err != nil {
			return nil, fmt.Errorf("crypto: keyring: epoch %d: %v", k.Epochs[i].Epoch, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// SealKeyring validates k and encrypts it to every member's recipient, in
// the order of Members (PROTOCOL.md §3).
func SealKeyring(k *Keyring) ([]byte, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	to := make([]age.Recipient, 0, len(k.Members))
	for _, m := range k.Members {
		r, err := ParseRecipient(m.Recipient)
		if err != nil {
			return nil, fmt.Errorf("crypto: seal keyring: member %q: %v", m.ID, err)
		}
		to = append(to, r)
	}
	pt, err := json.Marshal(k)
	if err != nil {
		return nil, fmt.Errorf("crypto: seal keyring: %v", err)
	}
	defer clear(pt)
	if len(pt) > maxKeyring {
		return nil, fmt.Errorf("crypto: seal keyring: plaintext longer than %d bytes", maxKeyring)
	}
	ct, err := encrypt(pt, to...)
	if err != nil {
		return nil, fmt.Errorf("crypto: seal keyring: %v", err)
	}
	return ct, nil
}

// OpenKeyring checks the keyring policy (PROTOCOL.md §5), decrypts with
// id and validates the plaintext. The plaintext must be one JSON object
// starting at its first byte, with no key repeated; fields are matched by
// their exact names and unknown fields are ignored.
func OpenKeyring(envelope []byte, id age.Identity) (*Keyring, error) {
	if _, err := CheckKeyring(envelope); err != nil {
		return nil, err
	}
	pt, err := decrypt(envelope, maxKeyring, id)
	if err != nil {
		return nil, fmt.Errorf("crypto: open keyring: %v", err)
	}
	defer clear(pt)
	end, reason := scanObject(pt)
	if reason != "" {
		return nil, fmt.Errorf("crypto: open keyring: %s", reason)
	}
	if len(bytes.TrimLeft(pt[end:], " \t\r\n")) != 0 {
		return nil, errors.New("crypto: open keyring: data after the JSON object")
	}
	k, ok := decodeKeyring(pt[:end])
	if !ok {
		// No detail: a decoder's message may quote the plaintext, which
		// holds keys.
		return nil, errors.New("crypto: open keyring: plaintext is not a keyring")
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return k, nil
}

// decodeKeyring reads a keyring's fields by their exact names, as
// decodeDocument does: json.Unmarshal into a struct matches names
// case-insensitively, so a later "Epochs" would replace "epochs". Every
// known field that is present must have its type; null is no value.
func decodeKeyring(obj []byte) (*Keyring, bool) {
	top, ok := exactFields(obj, "v", "members", "epochs")
	k := &Keyring{}
	var members, epochs []json.RawMessage
	if !ok || !decodeInt(top["v"], &k.V) || !decodeArray(top["members"], &members) || !decodeArray(top["epochs"], &epochs) {
		return nil, false
	}
	for _, raw := range members {
		f, ok := exactFields(raw, "id", "name", "recipient")
		var m Member
		if !ok || !decodeString(f["id"], &m.ID) || !decodeString(f["name"], &m.Name) ||
			!decodeString(f["recipient"], &m.Recipient) {
			return nil, false
		}
		k.Members = append(k.Members, m)
	}
	for _, raw := range epochs {
		f, ok := exactFields(raw, "epoch", "identity")
		var e EpochKey
		if !ok || !decodeInt(f["epoch"], &e.Epoch) || !decodeString(f["identity"], &e.Identity) {
			return nil, false
		}
		k.Epochs = append(k.Epochs, e)
	}
	return k, true
}

// exactFields returns the values of the named keys of a JSON object; a
// missing key has a nil value. It fails for anything but an object.
func exactFields(obj []byte, names ...string) (map[string]json.RawMessage, bool) {
	if !bytes.HasPrefix(bytes.TrimLeft(obj, " \t\r\n"), []byte("{")) {
		return nil, false
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(obj, &all); err != nil {
		return nil, false
	}
	out := make(map[string]json.RawMessage, len(names))
	for _, n := range names {
		if raw, ok := all[n]; ok && !bytes.Equal(raw, []byte("null")) {
			out[n] = raw
		}
	}
	return out, true
}

func decodeString(raw json.RawMessage, dst *string) bool {
	if raw == nil {
		return true
	}
	return bytes.HasPrefix(raw, []byte(`"`)) && json.Unmarshal(raw, dst) == nil
}

func decodeInt(raw json.RawMessage, dst *int) bool {
	return raw == nil || json.Unmarshal(raw, dst) == nil
}

func decodeArray(raw json.RawMessage, dst *[]json.RawMessage) bool {
	if raw == nil {
		return true
	}
	return bytes.HasPrefix(raw, []byte("[")) && json.Unmarshal(raw, dst) == nil
}
