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
