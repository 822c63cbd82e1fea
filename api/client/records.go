package client

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"lotse/api/wire"
	"lotse/domain"
)

// The records the team writes for itself (PROTOCOL.md §11). The client
// checks the envelope the server sends (ids, kinds, authors, times); what
// a record says, and whether the team wrote it, only crypto.OpenTeamRecord
// can tell.

// Record kinds (PROTOCOL.md §11.2).
var (
	CaseRecordKinds = []string{"note", "tags", "pin"}
	TeamRecordKinds = []string{"blocks", "directory"}
)

// CaseRecords returns the records of case id in the order written.
func (c *Client) CaseRecords(ctx context.Context, id string) ([]Record, error) {
	var out wire.RecordList
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/cases/{id}/records", path: casePath(id) + "/records", want: http.StatusOK, out: &out,
		check: func(route string) error { return checkRecords(route, out.Records, CaseRecordKinds) }})
	if err != nil {
		return nil, err
	}
	return out.Records, nil
}

// AddCaseRecord stores a record of kind ("note", "tags" or "pin") with
// case id and returns the id the server gave it. ciphertext is a sealed
// team record (crypto.SealTeamRecord).
func (c *Client) AddCaseRecord(ctx context.Context, id, kind string, ciphertext []byte) (string, error) {
	var out wire.RecordCreated
	body := wire.NewRecord{Kind: kind, Ciphertext: ciphertext}
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/cases/{id}/records", path: casePath(id) + "/records", body: body, want: http.StatusCreated, out: &out,
		check: func(route string) error { return checkRecordID(route, out.ID) }})
	if err != nil {
		return "", err
	}
	return out.ID, nil
}

// TeamRecords returns the team's records: per kind the newest and, if
// there is one, the one it replaced, newest first.
func (c *Client) TeamRecords(ctx context.Context) ([]Record, error) {
	var out wire.RecordList
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/team/records", path: "/team/records", want: http.StatusOK, out: &out,
		check: func(route string) error { return checkRecords(route, out.Records, TeamRecordKinds) }})
	if err != nil {
		return nil, err
	}
	return out.Records, nil
}

// PutTeamRecord stores the team's newest record of kind ("blocks" or
// "directory"), admins only, and returns its id.
func (c *Client) PutTeamRecord(ctx context.Context, kind string, ciphertext []byte) (string, error) {
	var out wire.RecordCreated
	body := wire.TeamRecordUpdate{Ciphertext: ciphertext}
	err := c.do(ctx, request{method: http.MethodPut, route: "/api/v1/team/records/{kind}", path: "/team/records/" + url.PathEscape(kind), body: body, want: http.StatusCreated, out: &out,
		check: func(route string) error { return checkRecordID(route, out.ID) }})
	if err != nil {
		return "", err
	}
	return out.ID, nil
}

// TeamActions returns what is left of deleted and purged cases (admins
// only), newest first.
func (c *Client) TeamActions(ctx context.Context) ([]Tombstone, error) {
	var out wire.TombstoneList
	err := c.do(ctx, request{method: http.MethodGet, route: "/api/v1/team/actions", path: "/team/actions", want: http.StatusOK, out: &out,
		check: func(route string) error { return checkEach(route, out.Actions, checkTombstone) }})
	if err != nil {
		return nil, err
	}
	return out.Actions, nil
}

// checkRecordID requires the server's record id form (domain.ParseRecordID).
func checkRecordID(route, id string) error {
	if _, err := domain.ParseRecordID(id); err != nil {
		return malformed(route, "record id")
	}
	return nil
}

func checkRecords(route string, rs []Record, kinds []string) error {
	for i := range rs {
		r := &rs[i]
		if err := checkRecordID(route, r.ID); err != nil {
			return err
		}
		if !slices.Contains(kinds, r.Kind) {
			return malformed(route, "record kind")
		}
		if _, err := domain.ParseCounsellorID(r.Author); err != nil {
			return malformed(route, "record author")
		}
		if !validTime(r.Created) {
			return malformed(route, "record time")
		}
		if len(r.Ciphertext) == 0 {
			return malformed(route, "record ciphertext")
		}
	}
	return nil
}

// checkActions checks a case's action record (PROTOCOL.md §11.4).
func checkActions(route string, as []Action) error {
	for _, a := range as {
		switch a.Action {
		case "assigned":
			if _, err := domain.ParseCounsellorID(a.To); err != nil {
				return malformed(route, "action assignee")
			}
		case "unassigned", "closed", "reopened":
			if a.To != "" {
				return malformed(route, "action assignee")
			}
		default:
			return malformed(route, "action")
		}
		if _, err := domain.ParseCounsellorID(a.By); err != nil {
			return malformed(route, "action counsellor")
		}
		if !validTime(a.At) {
			return malformed(route, "action time")
		}
	}
	return nil
}

func checkTombstone(route string, t *Tombstone) error {
	if _, err := domain.ParseMailboxID(t.Case); err != nil {
		return malformed(route, "case id")
	}
	if t.Action != "deleted" && t.Action != "purged" {
		return malformed(route, "action")
	}
	if _, err := domain.ParseCounsellorID(t.By); err != nil {
		return malformed(route, "action counsellor")
	}
	if !validTime(t.At) {
		return malformed(route, "action time")
	}
	return nil
}

// recordKinds are the kinds an "event: record" may name.
var recordKinds = slices.Concat(CaseRecordKinds, TeamRecordKinds)
