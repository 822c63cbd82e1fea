package counsel

import (
	"context"
	"errors"
)

// The transport of team records (PROTOCOL.md §11) over api/client.

var errNoRecordsYet = errors.New("the server's place for team records is not built yet")

func (s *Session) caseRecords(ctx context.Context, id string) ([]serverRecord, error) {
	return nil, errNoRecordsYet
}

func (s *Session) postCaseRecord(ctx context.Context, id, kind string, ct []byte) error {
	return errNoRecordsYet
}

func (s *Session) teamRecords(ctx context.Context) ([]serverRecord, error) {
	return nil, errNoRecordsYet
}

func (s *Session) putTeamRecord(ctx context.Context, kind string, ct []byte) error {
	return errNoRecordsYet
}
