package counsel

import (
	"context"

	"lotse/api/client"
)

// The transport of team records (PROTOCOL.md §11) over api/client. Of
// what the server lists only the kind (to pick what to open) and the
// ciphertext are used; author and time come from inside the record.

func serverRecords(rs []client.Record) []serverRecord {
	out := make([]serverRecord, len(rs))
	for i, r := range rs {
		out[i] = serverRecord{ID: r.ID, Kind: r.Kind, Ciphertext: r.Ciphertext}
	}
	return out
}

func (s *Session) caseRecords(ctx context.Context, id string) ([]serverRecord, error) {
	var rs []client.Record
	err := s.retry(ctx, func(api *client.Client) error {
		var err error
		rs, err = api.CaseRecords(ctx, id)
		return err
	})
	if err != nil {
		return nil, apiError(mDoingReadRecords, err)
	}
	return serverRecords(rs), nil
}

func (s *Session) postCaseRecord(ctx context.Context, id, kind string, ct []byte) error {
	err := s.retry(ctx, func(api *client.Client) error {
		_, err := api.AddCaseRecord(ctx, id, kind, ct)
		return err
	})
	if err != nil {
		return apiError(mDoingWriteRecord, err)
	}
	return nil
}

// teamRecords lists the team's records; a server without them (older
// than §11) has none.
func (s *Session) teamRecords(ctx context.Context) ([]serverRecord, error) {
	rs, err := retryRead(ctx, s, (*client.Client).TeamRecords)
	if client.Code(err) == "not_found" {
		return nil, nil
	}
	if err != nil {
		return nil, apiError(mDoingReadRecords, err)
	}
	return serverRecords(rs), nil
}

func (s *Session) putTeamRecord(ctx context.Context, kind string, ct []byte) error {
	err := s.retry(ctx, func(api *client.Client) error {
		_, err := api.PutTeamRecord(ctx, kind, ct)
		return err
	})
	if err != nil {
		return apiError(mDoingWriteRecord, err)
	}
	return nil
}
