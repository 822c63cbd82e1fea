package counsel

import (
	"context"

	"lotse/api/client"
)

// Roster hygiene (issue 10): an invite that leaked, or a pending
// counsellor nobody knows, must be removable without a new team key,
// since neither ever held one.

// Invites lists the open invites: ids, roles and expiries, never codes.
func (s *Session) Invites(ctx context.Context) ([]client.OpenInvite, error) {
	out, err := retryRead(ctx, s, (*client.Client).Invites)
	if err != nil {
		return nil, apiError(mDoingListInvites, err)
	}
	if out == nil {
		out = []client.OpenInvite{}
	}
	return out, nil
}

// RevokeInvite deletes an open invite, so that its code no longer joins.
func (s *Session) RevokeInvite(ctx context.Context, id string) error {
	err := s.retry(ctx, func(api *client.Client) error { return api.RevokeInvite(ctx, id) })
	if client.Code(err) == "not_found" {
		return withHint(errorf(mErrNoSuchInvite, oneLine(id)), mHintInvitesListsIds)
	}
	if err != nil {
		return apiError(mDoingRevokeInvite, err)
	}
	return nil
}

// Reject removes a pending counsellor. An active one is refused here,
// before the server is asked: leaving the team needs a new team key
// (Remove), which the server cannot make.
func (s *Session) Reject(ctx context.Context, id string) error {
	cs, err := s.Roster(ctx)
	if err != nil {
		return err
	}
	found := false
	for _, c := range cs {
		if c.ID == id {
			if c.State != "pending" {
				return withHint(errorf(mErrNotPending, id), mHintUseRemove)
			}
			found = true
		}
	}
	if !found {
		return withHint(errorf(mErrNoSuchCounsellor, id), mHintRosterListsCounsellors)
	}
	err = s.retry(ctx, func(api *client.Client) error { return api.RejectCounsellor(ctx, id) })
	if err != nil {
		return apiError(mDoingRejectCounsellor, err)
	}
	return nil
}
