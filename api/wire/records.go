package wire

// What the team writes for itself (PROTOCOL.md §11): records kept with a
// case or for the whole team, and the record of counsellor actions. The
// server stores each record's ciphertext as it came and never reads it;
// whether a record is the team's is for the reader to decide (§11.1).

// Record is one stored team record: an entry of GET
// /api/v1/cases/{id}/records and of GET /api/v1/team/records.
type Record struct {
	ID         string `json:"id"`         // b64url of 16 random bytes, chosen by the server
	Kind       string `json:"kind"`       // "note", "tags", "pin"; for the team "blocks", "directory"
	Author     string `json:"author"`     // counsellor id of the session that wrote it
	Created    string `json:"created"`    // RFC 3339 UTC, truncated to the hour
	Ciphertext Bytes  `json:"ciphertext"` // age, as written (§11.2)
}

// RecordList is GET /api/v1/cases/{id}/records (in the order written) and
// GET /api/v1/team/records (per kind the newest, then the one before it).
type RecordList struct {
	Records []Record `json:"records"`
}

// NewRecord is the body of POST /api/v1/cases/{id}/records.
type NewRecord struct {
	Kind       string `json:"kind"` // "note", "tags" or "pin"
	Ciphertext Bytes  `json:"ciphertext"`
}

// TeamRecordUpdate is the body of PUT /api/v1/team/records/{kind}.
type TeamRecordUpdate struct {
	Ciphertext Bytes `json:"ciphertext"`
}

// RecordCreated is the answer to POST /api/v1/cases/{id}/records and PUT
// /api/v1/team/records/{kind}.
type RecordCreated struct {
	ID string `json:"id"`
}

// RecordEvent is the data of "event: record" on GET /api/v1/events
// (PROTOCOL.md §6.9): a record of Kind was written, for case ID, or for
// the team when ID is left out.
type RecordEvent struct {
	ID   string `json:"id,omitempty"`
	Kind string `json:"kind"`
}

// Action is one counsellor action on a case, an entry of "actions" in GET
// /api/v1/cases/{id} (PROTOCOL.md §11.4), oldest first.
type Action struct {
	Action string `json:"action"`       // "assigned", "unassigned", "closed", "reopened"
	By     string `json:"by"`           // counsellor id
	To     string `json:"to,omitempty"` // the assignee, for "assigned"
	At     string `json:"at"`           // RFC 3339 UTC, truncated to the hour
}

// Tombstone is what is left of a case a counsellor deleted or an admin
// purged: an entry of GET /api/v1/team/actions, newest first.
type Tombstone struct {
	Case   string `json:"case"`   // the case id
	Action string `json:"action"` // "deleted" or "purged"
	By     string `json:"by"`     // counsellor id
	At     string `json:"at"`     // RFC 3339 UTC, truncated to the hour
}

// TombstoneList is GET /api/v1/team/actions (admins).
type TombstoneList struct {
	Actions []Tombstone `json:"actions"`
}
