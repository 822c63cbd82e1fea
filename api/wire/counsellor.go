package wire

import "encoding/json"

// The counsellor requests of PROTOCOL.md §6 ("Counsellors").

// ChallengeRequest is the body of POST /api/v1/auth/challenge.
type ChallengeRequest struct {
	Counsellor string `json:"counsellor"` // counsellor id
}

// Challenge is a login challenge, the answer to POST /api/v1/auth/challenge
// (PROTOCOL.md §6 "Login").
type Challenge struct {
	Challenge Bytes  `json:"challenge"` // age ciphertext to the counsellor's recipient
	Nonce     Bytes  `json:"nonce"`     // opaque, sent back unchanged
	Expires   string `json:"expires"`   // RFC 3339 UTC
}

// SessionRequest is the body of POST /api/v1/auth/session: the answer to a
// Challenge.
type SessionRequest struct {
	Counsellor string `json:"counsellor"`
	Nonce      Bytes  `json:"nonce"`
	Response   Bytes  `json:"response"` // 32 bytes
}

// Session is a counsellor session, the answer to POST /api/v1/auth/session.
type Session struct {
	Token   string `json:"token"`
	Expires string `json:"expires"` // RFC 3339 UTC, the 12-hour limit
}

// Case is a mailbox as the team sees it (PROTOCOL.md §6 "Cases"): an entry
// of GET /api/v1/cases and the answer to PATCH /api/v1/cases/{id}.
type Case struct {
	ID            string  `json:"id"`
	Status        string  `json:"status"`        // "new", "open" or "closed"
	Assignee      *string `json:"assignee"`      // counsellor id, null if none
	Created       string  `json:"created"`       // date
	LastActivity  string  `json:"last_activity"` // RFC 3339 UTC, truncated to the hour
	Expires       string  `json:"expires"`       // date
	MessageCount  int     `json:"message_count"`
	AwaitingReply bool    `json:"awaiting_reply"` // the newest message is the enquirer's
	// WaitingSince is the hour (RFC 3339 UTC) of the enquirer's first
	// message after the team's last reply or the case's closing, sent
	// while AwaitingReply in the answer to ?order=waiting only.
	WaitingSince string `json:"waiting_since,omitempty"`
	// Handover is the case's open or declined offer to another
	// organisation (PROTOCOL.md §9), left out when there is none.
	Handover *CaseHandover `json:"handover,omitempty"`
	// Forwarded is set when the case came to this organisation by a
	// handover (PROTOCOL.md §9.3), left out otherwise.
	Forwarded *Forwarded `json:"forwarded,omitempty"`
}

// The orders of GET /api/v1/cases?order= (PROTOCOL.md §6.8).
const (
	OrderActivity = "activity" // newest activity first, then by id (the default)
	OrderWaiting  = "waiting"  // cases waiting for the team first, longest waiting first; then the rest as OrderActivity
)

// CaseList is GET /api/v1/cases?status=&order=&limit=&cursor=, in the
// order asked for (newest activity first by default). With a limit, Next
// is the cursor of the following page, empty after the last one.
type CaseList struct {
	Cases []Case `json:"cases"`
	Next  string `json:"next,omitempty"`
}

// CaseDetail is GET /api/v1/cases/{id}?after=N: the case and its messages
// after seq N, and every counsellor action on it (PROTOCOL.md §11.4).
type CaseDetail struct {
	Case
	Messages []Message `json:"messages"`
	Actions  []Action  `json:"actions"`
}

// CasePatch is the body of PATCH /api/v1/cases/{id}: a field left out
// keeps its value.
type CasePatch struct {
	Status   string  `json:"status,omitempty"`   // "open" or "closed"; left out (Go: "") keeps it
	Assignee *string `json:"assignee,omitempty"` // counsellor id; null (Go: "") unassigns; left out (Go: nil) keeps it
}

// MarshalJSON leaves out what is not set and sends an unassignment as null.
func (p CasePatch) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	if p.Status != "" {
		m["status"] = p.Status
	}
	if p.Assignee != nil {
		if *p.Assignee == "" {
			m["assignee"] = nil
		} else {
			m["assignee"] = *p.Assignee
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON is the inverse of MarshalJSON. What MarshalJSON never
// sends (a status that is not a non-empty string, an assignee that is
// neither null nor a non-empty string) is a *FieldError.
func (p *CasePatch) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var raw struct {
		Status   json.RawMessage `json:"status"`
		Assignee json.RawMessage `json:"assignee"`
	}
	if err := decodeStrict(data, &raw); err != nil {
		return err
	}
	var out CasePatch
	if raw.Status != nil {
		if json.Unmarshal(raw.Status, &out.Status) != nil || out.Status == "" {
			return &FieldError{"status", "want open or closed"}
		}
	}
	if raw.Assignee != nil {
		var v *string
		if json.Unmarshal(raw.Assignee, &v) != nil || v != nil && *v == "" {
			return &FieldError{"assignee", "want a counsellor id or null"}
		}
		if v == nil {
			v = new(string)
		}
		out.Assignee = v
	}
	*p = out
	return nil
}

// Keyring is GET /api/v1/keyring and the answer to PUT (PROTOCOL.md §6
// "Roster and keyring").
type Keyring struct {
	Epoch     int      `json:"epoch"`
	Recipient string   `json:"recipient"` // the team recipient of Epoch
	Envelope  Bytes    `json:"envelope"`  // the team identity, age, one stanza per member
	Members   []string `json:"members"`   // counsellor ids, in stanza order
}

// KeyringUpdate is the body of PUT /api/v1/keyring. Replaces is the
// SHA-256 of the current envelope, left out only for the first keyring.
type KeyringUpdate struct {
	Epoch     int      `json:"epoch"`
	Recipient string   `json:"recipient"`
	Envelope  Bytes    `json:"envelope"`
	Members   []string `json:"members"`
	Replaces  Bytes    `json:"replaces,omitempty"`
}

// Counsellor is one entry of GET /api/v1/counsellors.
type Counsellor struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Role        string `json:"role"`  // "admin" or "counsellor"
	State       string `json:"state"` // "pending", "active" or "removed"
	Recipient   string `json:"recipient"`
	Fingerprint string `json:"fingerprint"`
}

// CounsellorList is GET /api/v1/counsellors: every counsellor in every
// state; a pending counsellor sees only themselves.
type CounsellorList struct {
	Counsellors []Counsellor `json:"counsellors"`
}

// InviteRequest is the body of POST /api/v1/invites.
type InviteRequest struct {
	Role string `json:"role"` // "counsellor" or "admin"
}

// Invite is the answer to POST /api/v1/invites: a single-use code.
type Invite struct {
	Invite  string `json:"invite"`
	Expires string `json:"expires"` // RFC 3339 UTC
}

// OpenInvite is an invite as admins list it: ID is the hash of its code
// (64 lower-case hex digits), never the code.
type OpenInvite struct {
	ID      string `json:"id"`
	Role    string `json:"role"`
	Expires string `json:"expires"` // RFC 3339 UTC
}

// InviteList is GET /api/v1/invites: the invites neither used nor
// expired, soonest expiry first.
type InviteList struct {
	Invites []OpenInvite `json:"invites"`
}

// Registration is the body of POST /api/v1/counsellors (PROTOCOL.md §6
// "Bootstrap"): exactly one of Setup and Invite is sent.
type Registration struct {
	Setup     string `json:"setup,omitempty"`
	Invite    string `json:"invite,omitempty"`
	Name      string `json:"name"`
	Recipient string `json:"recipient"` // age1pq1…
	// Org is the organisation the setup token or invite is for
	// (PROTOCOL.md §8); left out, the front door.
	Org string `json:"org,omitempty"`

	// Which of setup and invite a decoded body carried, empty or not.
	setupSent, inviteSent bool
}

// Sent reports which of setup and invite r carries: for a decoded body,
// the fields it held, also as empty strings; for a value built in Go, the
// non-empty ones (what encoding would send).
func (r *Registration) Sent() (setup, invite bool) {
	return r.setupSent || r.Setup != "", r.inviteSent || r.Invite != ""
}

// UnmarshalJSON notes which of setup and invite the body held.
func (r *Registration) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var raw struct {
		Setup     *string `json:"setup"`
		Invite    *string `json:"invite"`
		Name      string  `json:"name"`
		Recipient string  `json:"recipient"`
		Org       string  `json:"org"`
	}
	if err := decodeStrict(data, &raw); err != nil {
		return err
	}
	*r = Registration{Name: raw.Name, Recipient: raw.Recipient, Org: raw.Org, setupSent: raw.Setup != nil, inviteSent: raw.Invite != nil}
	if raw.Setup != nil {
		r.Setup = *raw.Setup
	}
	if raw.Invite != nil {
		r.Invite = *raw.Invite
	}
	return nil
}

// Registered is the answer to POST /api/v1/counsellors.
type Registered struct {
	ID    string `json:"id"`    // chosen by the server, [a-z0-9]{1,32}
	State string `json:"state"` // "active" after setup, "pending" after an invite
}

// Compaction is the answer to POST /api/v1/admin/compact, an extension of
// PROTOCOL.md §6: the server's report of one purge and compaction.
type Compaction struct {
	Purged      int   `json:"purged"`       // expired mailboxes deleted first
	BytesBefore int64 `json:"bytes_before"` // data file size before
	BytesAfter  int64 `json:"bytes_after"`  // and after the compaction
	DurationMS  int64 `json:"duration_ms"`  // purge and compaction
}

// CasePurgeRequest is the body of POST /api/v1/cases/purge (PROTOCOL.md
// §6.8, an extension): the window of creation days, from inclusive, to
// exclusive, both "YYYY-MM-DD" in UTC, as the store keeps a case's creation
// as a day only.
type CasePurgeRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	DryRun bool   `json:"dry_run"` // count only, delete nothing
}

// CasePurge is the answer to POST /api/v1/cases/purge: how many unanswered
// new cases the window held and how many were deleted (0 on a dry run;
// fewer than matched when a counsellor answered one meanwhile).
type CasePurge struct {
	Matched int `json:"matched"`
	Deleted int `json:"deleted"`
}
