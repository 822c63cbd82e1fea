package counsel

import "lotse/api/client"

// The desk's answers that carry more than a field or two, as the page
// (webclient/desk) reads them. Field names are the page's contract: the
// page's types are generated from these declarations and the others that
// counsel/deskgen lists (webclient/desk/src/deskwire.ts).

//go:generate go run ./deskgen

// deskState answers GET /api/state.
type deskState struct {
	Locked           bool     `json:"locked"`
	Alarm            string   `json:"alarm"`    // English, "" without an alarm
	AlarmDE          string   `json:"alarm_de"` // German
	AlarmAdvice      string   `json:"alarm_advice"`
	LockAfterSeconds int      `json:"lock_after_seconds"`
	Me               deskMe   `json:"me"`
	Server           string   `json:"server"`
	Team             *TeamKey `json:"team,omitempty"` // unlocked and approved only
}

// deskMe is the counsellor at this desk; role and state only once
// unlocked, as the server lists them.
type deskMe struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Role        string `json:"role,omitempty"`
	State       string `json:"state,omitempty"`
	Fingerprint string `json:"fingerprint"`
}

// caseView answers GET /api/cases/{id}: the decrypted thread.
type caseView struct {
	Case     client.Case `json:"case"`
	Messages []Message   `json:"messages"`
	CanReply bool        `json:"can_reply"`
	// Actions: who assigned, closed or reopened the case (actions.go).
	Actions []caseAction `json:"actions"`
	// Lang is the enquirer's language, CentreLang the language of a
	// centre block for them.
	Lang       string `json:"lang"`
	CentreLang string `json:"centre_lang"`
}

// centresAnswer answers GET /api/centres: at most maxCentreResults hits,
// how many matched and how many the directory holds.
type centresAnswer struct {
	Centres []centreHit `json:"centres"`
	Total   int         `json:"total"`
	All     int         `json:"all"`
}

// centreBlockAnswer answers GET /api/centres/{id}.
type centreBlockAnswer struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Lang  string `json:"lang"`
	Block string `json:"block"`
	// Changed: the centre is new or its details differ from what this
	// desk confirmed; the page asks before it inserts them.
	Changed bool `json:"changed,omitempty"`
}

// The desk's lists and small answers. Each envelope's fields are in the
// order of their JSON names, as the maps these replaced wrote them.

// caseList answers GET /api/cases without a limit: every case.
type caseList struct {
	Cases []deskCase `json:"cases"`
}

// inboxPage answers GET /api/cases?limit=…: a page of the inbox. Next is
// the cursor of the page after it, "" after the last.
type inboxPage struct {
	Cases []deskCase `json:"cases"`
	Next  string     `json:"next"`
}

// previewList answers GET /api/previews: the first line of each case's
// newest message, by case id.
type previewList struct {
	Previews map[string]string `json:"previews"`
}

// orgList answers GET /api/orgs: the organisations with this desk's pins,
// and whether this counsellor may create and delete them.
type orgList struct {
	FrontDoorAdmin bool      `json:"front_door_admin"`
	Orgs           []OrgView `json:"orgs"`
}

// sentAnswer answers a reply or a handover offer: the seq of the message
// sent.
type sentAnswer struct {
	Seq uint64 `json:"seq"`
}

// deletedAnswer answers DELETE /api/cases/{id} and, with the slug,
// DELETE /api/orgs/{slug}.
type deletedAnswer struct {
	Deleted bool   `json:"deleted"`
	Slug    string `json:"slug,omitempty"`
}

// lockAnswer answers POST /api/lock and POST /api/unlock.
type lockAnswer struct {
	Locked bool `json:"locked"`
}

// rosterList answers GET /api/roster.
type rosterList struct {
	Counsellors []client.Counsellor `json:"counsellors"`
}

// inviteList answers GET /api/invites: the open invites, by the hash of
// their codes.
type inviteList struct {
	Invites []client.OpenInvite `json:"invites"`
}

// blockList is this desk's own text blocks: GET and PUT /api/blocks
// answer with it, and PUT /api/blocks and /api/team-blocks send it.
type blockList struct {
	Blocks []Block `json:"blocks"`
}

// handoverList answers GET /api/handovers.
type handoverList struct {
	Handovers []client.Handover `json:"handovers"`
}

// teamActionList answers GET /api/team-actions.
type teamActionList struct {
	Actions []teamAction `json:"actions"`
}

// teamAction is a case deleted or purged, with the name of who did it
// where the verified keyring knows it.
type teamAction struct {
	client.Tombstone
	ByName string `json:"by_name,omitempty"`
}

// taggedList answers GET /api/cases-tagged: the ids of the cases with the
// tag.
type taggedList struct {
	IDs []string `json:"ids"`
}

// counsellorState answers POST /api/approve ("active") and POST
// /api/reject ("rejected").
type counsellorState struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// removedAnswer answers POST /api/remove: the team key the removal made.
type removedAnswer struct {
	ID   string  `json:"id"`
	Team TeamKey `json:"team"`
}

// revokedAnswer answers DELETE /api/invites/{id}.
type revokedAnswer struct {
	ID      string `json:"id"`
	Revoked bool   `json:"revoked"`
}

// The data of the events of GET /api/events that carry any; the others
// ("lock", "state", "approved", "online", "offline") carry {}.

// caseEvent: a case changed on the server, or has a new message Seq.
type caseEvent struct {
	ID  string `json:"id"`
	Seq uint64 `json:"seq"`
}

// alarmEvent: the desk locked on an alarm, in English and German.
type alarmEvent struct {
	Reason   string `json:"reason"`
	ReasonDE string `json:"reason_de"`
}

// recordEvent: a new team record of Kind, about case ID ("" for the
// team's own).
type recordEvent struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

// draftEvent: a page saved or sent case ID's draft; never its text.
type draftEvent struct {
	ID string `json:"id"`
}

// The bodies the page sends. A field the page may leave out is omitempty,
// which changes nothing in reading it: it makes the field optional in
// deskwire.ts.

// openRequest is POST /api/open: the one-time token of the desk's address.
type openRequest struct {
	Open string `json:"open"`
}

// unlockRequest is POST /api/unlock.
type unlockRequest struct {
	Passphrase string `json:"passphrase"`
}

// draftRequest is PUT /api/drafts/{id}: the reply draft, "" to drop it.
type draftRequest struct {
	Body string `json:"body"`
}

// prefsRequest is PUT /api/prefs.
type prefsRequest struct {
	Sound bool `json:"sound"`
}

// casePatch is PATCH /api/cases/{id}: a status ("open" or "closed"), an
// assignee, or Unassign.
type casePatch struct {
	Status   string  `json:"status,omitempty"`
	Assignee *string `json:"assignee,omitempty"`
	Unassign bool    `json:"unassign,omitempty"`
}

// replyRequest is POST /api/cases/{id}/reply.
type replyRequest struct {
	Body        string   `json:"body"`
	Lang        string   `json:"lang,omitempty"`
	Attachments []string `json:"attachments,omitempty"` // staged files (desk_attachments.go)
}

// stageRequest is POST /api/cases/{id}/attachments: a file for the next
// reply, its bytes in base64.
type stageRequest struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// noteRequest is POST /api/cases/{id}/notes.
type noteRequest struct {
	Text string `json:"text"`
}

// tagsRequest is PUT /api/cases/{id}/tags: the case's tags, all of them.
type tagsRequest struct {
	Tags []string `json:"tags"`
}

// confirmCentresRequest is POST /api/centres/confirm: the digest of the
// directory as shown.
type confirmCentresRequest struct {
	Digest string `json:"digest"`
}

// inviteRequest is POST /api/invites.
type inviteRequest struct {
	Admin bool `json:"admin"`
}

// approveRequest is POST /api/approve: the counsellor and the fingerprint
// read out to the admin.
type approveRequest struct {
	ID          string `json:"id"`
	Fingerprint string `json:"fingerprint"`
}

// counsellorRequest is POST /api/remove and POST /api/reject.
type counsellorRequest struct {
	ID string `json:"id"`
}

// newOrgRequest is POST /api/orgs.
type newOrgRequest struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// pinOrgRequest is POST /api/orgs/pin: the fingerprint read out.
type pinOrgRequest struct {
	Slug        string `json:"slug"`
	Fingerprint string `json:"fingerprint"`
}

// handoverRequest is POST /api/cases/{id}/handover: the organisation, and
// the note (the offering reply's body) and its language.
type handoverRequest struct {
	Org  string `json:"org"`
	Note string `json:"note"`
	Lang string `json:"lang,omitempty"`
}
