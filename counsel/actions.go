package counsel

import (
	"context"

	"lotse/api/client"
)

// The record of what counsellors did to a case (PROTOCOL.md §11.4): the
// server keeps who assigned, closed or reopened it, and, for admins, who
// deleted or purged which case. It is the server's word, in clear: it
// holds no enquirer data, and the desk shows it as the server's record,
// not as something the team signed.

// caseAction is one action with the names of the counsellors, from the
// verified keyring where it knows them.
type caseAction struct {
	client.Action
	ByName string `json:"by_name,omitempty"`
	ToName string `json:"to_name,omitempty"`
}

func (s *Session) caseActions(ctx context.Context, as []client.Action) []caseAction {
	names := s.memberNames(ctx)
	out := make([]caseAction, len(as))
	for i, a := range as {
		out[i] = caseAction{Action: a, ByName: names[a.By], ToName: names[a.To]}
	}
	return out
}

// TeamActions lists the deleted and purged cases of the retention period
// (admins).
func (s *Session) TeamActions(ctx context.Context) ([]client.Tombstone, error) {
	ts, err := retryRead(ctx, s, (*client.Client).TeamActions)
	if err != nil {
		return nil, apiError(mDoingReadActions, err)
	}
	if ts == nil {
		ts = []client.Tombstone{}
	}
	return ts, nil
}
