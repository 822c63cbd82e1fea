package wire

// Organisations (PROTOCOL.md §8).

// Org is one organisation of GET /api/v1/orgs: its slug and name and its
// keyring's newest epoch and team recipient.
type Org struct {
	Slug        string `json:"slug"` // [a-z0-9-]{1,32}
	Name        string `json:"name"`
	Epoch       int    `json:"epoch"`
	Recipient   string `json:"recipient"` // age1pq1…
	Fingerprint string `json:"fingerprint"`
	FrontDoor   bool   `json:"front_door"`
}

// OrgList is GET /api/v1/orgs: the organisations with a keyring, the
// front door first.
type OrgList struct {
	Orgs []Org `json:"orgs"`
}

// NewOrg is the body of POST /api/v1/orgs.
type NewOrg struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// CreatedOrg is the answer to POST /api/v1/orgs: the one-time setup token
// for the organisation's first admin.
type CreatedOrg struct {
	Slug    string `json:"slug"`
	Setup   string `json:"setup"`
	Expires string `json:"expires"` // RFC 3339 UTC
}
