package crypto_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"time"

	"filippo.io/age"

	"lotse/crypto"
)

// A desk pins a case the first time it reads it, and writes the pin for
// the team; a later reader checks a first document against the pin.
func ExampleSealTeamRecord() {
	team, _ := age.GenerateHybridIdentity()
	me, _ := age.GenerateHybridIdentity()
	enquirer, _ := age.GenerateHybridIdentity()
	ring := &crypto.Keyring{V: 1,
		Members: []crypto.Member{{ID: "alice", Name: "Alice", Recipient: me.Recipient().String()}},
		Epochs:  []crypto.EpochKey{{Epoch: 1, Identity: team.String()}}}
	keys, _ := crypto.TeamMACKeys(ring)
	epoch, newest, _ := ring.Newest()

	mk := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	first := &crypto.Document{MK: mk, Recipient: enquirer.Recipient().String()}
	pin, _ := crypto.CasePinOf(first)
	const caseID = "f8ee9348bac6af4ee846fb2803a75774"
	rec := crypto.PinRecord(pin, caseID, "alice", epoch, time.Now())
	ct, err := crypto.SealTeamRecord(rec, keys[epoch], newest.Recipient())
	if err != nil {
		panic(err)
	}

	ids, _ := ring.Identities()
	got, err := crypto.OpenTeamRecord(ct, crypto.TeamRecordExpect{Type: crypto.RecordPin, Case: caseID}, ids, keys)
	if err != nil {
		panic(err)
	}
	kept, _ := got.CasePin()
	substituted, _ := crypto.CasePinOf(&crypto.Document{MK: mk, Recipient: me.Recipient().String()})
	fmt.Println(kept.Compare(pin))
	fmt.Println(kept.Compare(substituted))
	// Output:
	// same
	// changed recipient
}
