package wire

// The public and enquirer requests of PROTOCOL.md §6 ("Public and enquirer").

// Team is GET /api/v1/team: the newest epoch and its team recipient.
// Clients compute the fingerprint themselves; the server's is a
// convenience.
type Team struct {
	Epoch       int    `json:"epoch"`
	Recipient   string `json:"recipient"` // age1pq1…
	Fingerprint string `json:"fingerprint"`
	// Online tells that at least one counsellor's desk follows the team's
	// event stream now (PROTOCOL.md §6.3, an extension of v1 that
	// older clients ignore). No names, no count.
	Online bool `json:"online"`
}

// Pow is a proof-of-work challenge, GET /api/v1/pow (PROTOCOL.md §6).
type Pow struct {
	Challenge  Bytes  `json:"challenge"`
	Difficulty int    `json:"difficulty"` // leading zero bits, 0 to 24
	Expires    string `json:"expires"`    // RFC 3339 UTC
}

// PowSolution answers a Pow: Nonce is 8 bytes from crypto.SolvePow.
type PowSolution struct {
	Challenge Bytes `json:"challenge"`
	Nonce     Bytes `json:"nonce"`
}

// UnmarshalJSON reads a field that is not standard base64 as nil instead of
// failing: a proof of work is refused as a whole (403 pow_invalid, and only
// when one is required), never as malformed JSON.
func (p *PowSolution) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var raw struct {
		Challenge string `json:"challenge"`
		Nonce     string `json:"nonce"`
	}
	if err := decodeStrict(data, &raw); err != nil {
		return err
	}
	p.Challenge, _ = decodeBase64([]byte(raw.Challenge))
	p.Nonce, _ = decodeBase64([]byte(raw.Nonce))
	return nil
}

// NewMailbox is the body of POST /api/v1/mailboxes (PROTOCOL.md §6).
type NewMailbox struct {
	ID       string       `json:"id"`       // 32 lower-case hex characters
	Verifier Bytes        `json:"verifier"` // SHA-256 of the enquirer's auth key
	Epoch    int          `json:"epoch"`
	Message  Bytes        `json:"message"`       // the first message, age
	Pow      *PowSolution `json:"pow,omitempty"` // may be left out at difficulty 0
	// Org is the organisation the mailbox belongs to (PROTOCOL.md §8);
	// left out, the front door.
	Org string `json:"org,omitempty"`
}

// CreatedMailbox is the answer to POST /api/v1/mailboxes.
type CreatedMailbox struct {
	Seq     uint64 `json:"seq"`     // 1
	Expires string `json:"expires"` // date, "2027-02-26"
}

// Message is a stored message as the server returns it; it carries no
// server time (PROTOCOL.md §6).
type Message struct {
	Seq        uint64 `json:"seq"`
	From       string `json:"from"` // "enquirer" or "counsellor"
	Ciphertext Bytes  `json:"ciphertext"`
}

// Mailbox is GET /api/v1/mailbox?after=N: the enquirer's mailbox and its
// messages after seq N.
type Mailbox struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`  // "new", "open" or "closed"
	Created  string    `json:"created"` // date
	Expires  string    `json:"expires"` // date
	Messages []Message `json:"messages"`
	// Org is the slug of the organisation the mailbox belongs to (the
	// front door's for a mailbox created without "org"), and Handover the
	// open offer to move it (PROTOCOL.md §9.3), null while none is open.
	Org      string           `json:"org"`
	Handover *MailboxHandover `json:"handover"`
}

// NewMessage is the body of POST /api/v1/mailbox/messages and of
// POST /api/v1/cases/{id}/messages (PROTOCOL.md §6).
type NewMessage struct {
	Epoch      int   `json:"epoch"`
	Ciphertext Bytes `json:"ciphertext"`
	// Attachments are the ids of this mailbox's uploads that the message
	// references (PROTOCOL.md §10); the server records them as the
	// message's, so they outlive the 30 minutes of an unreferenced upload.
	// At most 5, each uploaded by the same side, none referenced before.
	Attachments []string `json:"attachments,omitempty"`
}

// Posted is the answer to a new message: its seq.
type Posted struct {
	Seq uint64 `json:"seq"`
}
