package counsel

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"lotse/crypto"
)

// The team's shared text blocks (issue 13): written by admins as one
// `blocks` team record on the server (PROTOCOL.md §11), read by every
// desk of the team. Each counsellor's personal blocks (blocks.go) stay on
// their computer beside them. The newest record that verifies is the
// team's list; a record that does not verify is an alarm and its blocks
// are never offered for a reply.

// TeamBlocks is the team's list of text blocks as a desk read it.
type TeamBlocks struct {
	Blocks  []Block       `json:"blocks"`
	Author  string        `json:"author,omitempty"`
	Written string        `json:"written,omitempty"`
	Alarms  []RecordAlarm `json:"alarms"`
	// OlderEpoch: saved under a team key older than the newest, which a
	// counsellor removed since still holds; an admin should save them
	// again.
	OlderEpoch bool `json:"older_epoch,omitempty"`
}

// TeamBlocks reads the team's text blocks; none yet is an empty list.
func (s *Session) TeamBlocks(ctx context.Context) (*TeamBlocks, error) {
	recs, err := s.teamRecords(ctx)
	if err != nil {
		return nil, err
	}
	opened, alarms, err := s.openRecords(ctx, "", recs, crypto.RecordBlocks)
	if err != nil {
		return nil, err
	}
	tb := &TeamBlocks{Blocks: []Block{}, Alarms: alarms}
	n := newest(opened)
	if n == nil {
		return tb, nil
	}
	var bs []Block
	err = json.Unmarshal(n.Fields["blocks"], &bs)
	if err == nil {
		err = checkBlocks(bs)
	}
	if err != nil {
		// The team's MAC, but not blocks by this desk's rule.
		tb.Alarms = append(tb.Alarms, invalidRecordAlarm(crypto.RecordBlocks, "", err))
		return tb, nil
	}
	team, err := s.Team(ctx)
	if err != nil {
		return nil, err
	}
	tb.Blocks, tb.Author, tb.Written = bs, n.Author, n.Written.UTC().Format(time.RFC3339)
	tb.OlderEpoch = n.Epoch < team.Epoch
	return tb, nil
}

// SaveTeamBlocks replaces the team's text blocks (admins: the server
// refuses others).
func (s *Session) SaveTeamBlocks(ctx context.Context, bs []Block) error {
	if err := checkBlocks(bs); err != nil {
		return err
	}
	js, err := json.Marshal(bs)
	if err != nil {
		return err
	}
	ct, err := s.sealForTeam(ctx, crypto.RecordBlocks, "", map[string]json.RawMessage{"blocks": js})
	if errors.Is(err, crypto.ErrTeamRecordTooLong) {
		return errorf(mErrTeamBlocksTooLong)
	}
	if err != nil {
		return err
	}
	return s.putTeamRecord(ctx, crypto.RecordBlocks, ct)
}
