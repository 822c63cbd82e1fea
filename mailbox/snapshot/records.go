package snapshot

// What the cross-checks read of the store's records. The store's own types
// stay private to it; these name only the fields the checks need, by the
// JSON names that mailbox.Schema lists for each record (TestRecordFields
// holds them to it).

type mailboxRecord struct {
	Assignee      *string `json:"assignee"`
	LastActivity  string  `json:"last_activity"`
	MessageCount  int     `json:"message_count"`
	Bytes         int64   `json:"bytes"`
	AwaitingReply bool    `json:"awaiting_reply"`
	Org           string  `json:"org"`
}

type messageMeta struct {
	From       string `json:"from"`
	Counsellor string `json:"counsellor"`
	Ciphertext uint64 `json:"ciphertext_key"`
}

type counsellorRecord struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Org   string `json:"org"`
}

// keyringRecord reads both keyring/current and keyring/epochs/{epoch}; an
// epoch record has no members.
type keyringRecord struct {
	Epoch     int      `json:"epoch"`
	Recipient string   `json:"recipient"`
	Members   []string `json:"members"`
}

// dateLayout is the day that begins an expiry key (mailbox.Schema's
// "day and mailbox id").
const dateLayout = "2006-01-02"
