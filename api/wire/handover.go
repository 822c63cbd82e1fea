package wire

// Consented handover (PROTOCOL.md §9): organisation A offers a case to
// organisation B, the enquirer's device re-seals the conversation for B
// and the server moves the case in one transaction.

// Handover states of an offer as organisation A sees it.
const (
	HandoverOffered   = "offered"   // open: the enquirer has not decided yet
	HandoverDeclined  = "declined"  // the enquirer said no; the case stays at A
	HandoverCompleted = "completed" // the case moved to the organisation; A no longer sees it
)

// HandoverOffer is the body of PUT /api/v1/cases/{id}/handover: the
// organisation a reply document of the case offered the case to.
type HandoverOffer struct {
	Org string `json:"org"` // slug of another organisation with a keyring
}

// CaseHandover is a case's open or declined offer in the case answer
// (Case.Handover), for the offering organisation's counsellors.
type CaseHandover struct {
	Org   string `json:"org"`
	State string `json:"state"` // HandoverOffered or HandoverDeclined
	Since string `json:"since"` // RFC 3339 UTC, truncated to the hour
}

// Forwarded marks a case that came by handover (Case.Forwarded), for the
// receiving organisation: the messages with seq 1 to Count were forwarded
// by the enquirer's device on Date; their authors at the earlier
// organisation cannot be verified (PROTOCOL.md §9.3).
type Forwarded struct {
	Date  string `json:"date"` // date of the commit
	Count uint64 `json:"count"`
}

// Handover is one entry of GET /api/v1/handovers: an offer of the
// session's organisation, open, declined or completed (completed ones are
// kept for 30 days; the case itself is then another organisation's).
type Handover struct {
	Case  string `json:"case"`
	Org   string `json:"org"`
	State string `json:"state"` // HandoverOffered, HandoverDeclined or HandoverCompleted
	Since string `json:"since"` // RFC 3339 UTC, truncated to the hour
}

// HandoverList is GET /api/v1/handovers, newest first.
type HandoverList struct {
	Handovers []Handover `json:"handovers"`
}

// MailboxHandover is the open offer in GET /api/v1/mailbox (Mailbox.Handover),
// null while none is open. The client takes everything else (name,
// recipient, epoch, note) from the newest reply document that carries a
// handover for this slug, never from the server.
type MailboxHandover struct {
	Org string `json:"org"`
}

// HandoverStart is the body of POST /api/v1/mailbox/handover.
type HandoverStart struct {
	Org   string `json:"org"`
	Epoch int    `json:"epoch"` // the receiving organisation's current epoch
	Count uint64 `json:"count"` // the mailbox's number of messages
}

// HandoverUpload answers POST /api/v1/mailbox/handover: the upload the
// re-sealed messages and attachments go to, valid for 10 minutes.
type HandoverUpload struct {
	Upload string `json:"upload"`
}

// HandoverMessage is the body of PUT /api/v1/mailbox/handover/{upload}/{seq}.
type HandoverMessage struct {
	Ciphertext Bytes `json:"ciphertext"`
}

// HandoverDone answers POST /api/v1/mailbox/handover/{upload}/commit.
type HandoverDone struct {
	Org string `json:"org"`
}
