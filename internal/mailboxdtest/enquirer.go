package mailboxdtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"time"

	"lotse/crypto"
)

// Mailbox is a mailbox's credentials drawn at random: the server cannot
// tell them from derived ones, and most tests and the load tool are not
// about the derivation (Argon2id, 64 MiB a mailbox).
type Mailbox struct {
	ID       string // 32 lower-case hex digits
	Auth     [32]byte
	Verifier [32]byte // what the server stores of Auth
}

// RandomMailbox draws a mailbox's credentials.
func RandomMailbox() Mailbox {
	var id [16]byte
	rand.Read(id[:])
	m := Mailbox{ID: hex.EncodeToString(id[:])}
	rand.Read(m.Auth[:])
	m.Verifier = crypto.VerifierOf(m.Auth)
	return m
}

// Bearer is the mailbox's credential in an Authorization header.
func (m Mailbox) Bearer() string {
	return m.ID + "." + base64.RawURLEncoding.EncodeToString(m.Auth[:])
}

// Enquirer is a pickup code and passphrase drawn as the web client draws
// them, with the keys the real derivation gives.
type Enquirer struct {
	Code       string
	Passphrase string
	Keys       *crypto.EnquirerKeys
}

// DrawEnquirer draws an enquirer's code and passphrase and derives the
// keys.
func DrawEnquirer() (*Enquirer, error) {
	code, err := crypto.GeneratePickupCode(rand.Reader)
	if err != nil {
		return nil, err
	}
	pass, err := crypto.GeneratePassphrase(rand.Reader)
	if err != nil {
		return nil, err
	}
	keys, err := crypto.DeriveEnquirerKeys(code, pass)
	if err != nil {
		return nil, err
	}
	return &Enquirer{Code: code, Passphrase: pass, Keys: keys}, nil
}

// MessageDoc is a message document as a client writes one: a fresh id,
// sent now, in German. mk is the mailbox key as the document carries it
// (standard base64); from is crypto.FromEnquirer or crypto.FromCounsellor.
func MessageDoc(mailbox, mk, from, body string) (*crypto.Document, error) {
	id, err := crypto.NewDocumentID(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &crypto.Document{V: 1, Type: "message", Mailbox: mailbox, ID: id, MK: mk, From: from,
		Sent: time.Now().UTC().Format(time.RFC3339), Lang: "de", Body: body}, nil
}
