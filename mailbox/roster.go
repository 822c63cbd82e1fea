package mailbox

import (
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Roster hygiene: an admin sees the open invites and can revoke one, and
// can reject a pending counsellor, who never held a team key, without a
// new epoch. Without these, one invite made a pending counsellor nobody
// could remove short of editing the data file.

// InviteInfo is an open invite as admins list it. ID is the stored hash
// of the code, which does not give the code back.
type InviteInfo struct {
	ID      string
	Role    string
	Expires time.Time
}

// Invites returns the invites that are neither used nor expired, soonest
// expiry first.
func (s *Store) Invites() ([]InviteInfo, error) {
	return s.InvitesIn("")
}

// InvitesIn is Invites for organisation org.
func (s *Store) InvitesIn(org string) ([]InviteInfo, error) {
	org = s.orgKey(org)
	now := s.clock()
	var out []InviteInfo
	err := s.view(func(tx *bolt.Tx) error {
		return eachOf(tx.Bucket(bucketInvites), org, func(k []byte, inv *inviteRecord) {
			if exp, err := parseHour(inv.Expires); err == nil && now.Before(exp) {
				out = append(out, InviteInfo{ID: string(k), Role: inv.Role, Expires: exp.UTC()})
			}
		})
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Expires.Equal(out[j].Expires) {
			return out[i].Expires.Before(out[j].Expires)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// validInviteID reports whether id has the shape of inviteKey's result.
func validInviteID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// RevokeInvite deletes an open invite; ErrNotFound if there is none with
// that id.
func (s *Store) RevokeInvite(id string) error {
	return s.RevokeInviteIn("", id)
}

// RevokeInviteIn is RevokeInvite for organisation org: another's invite
// is ErrNotFound.
func (s *Store) RevokeInviteIn(org, id string) error {
	org = s.orgKey(org)
	if !validInviteID(id) {
		return ErrNotFound
	}
	return s.write(func(tx *bolt.Tx) (func() error, error) {
		b := tx.Bucket(bucketInvites)
		var inv inviteRecord
		if found, err := getJSON(b, []byte(id), &inv); err != nil || !found || inv.Org != org {
			return nil, orErr(err, ErrNotFound)
		}
		return func() error { return b.Delete([]byte(id)) }, nil
	})
}

// RejectPending marks a pending counsellor removed: their sessions end
// (the API checks the state on every request) and their recipient stays
// taken. ErrNotFound if there is no such counsellor; a counsellor who is
// not pending is an InvalidError, as an active one leaves through a new
// keyring epoch.
func (s *Store) RejectPending(id string) (Counsellor, error) {
	return s.RejectPendingIn("", id)
}

// RejectPendingIn is RejectPending for organisation org: another's
// counsellor is ErrNotFound.
func (s *Store) RejectPendingIn(org, id string) (Counsellor, error) {
	org = s.orgKey(org)
	if !validCounsellorID(id) {
		return Counsellor{}, ErrNotFound
	}
	var c counsellorRecord
	err := s.write(func(tx *bolt.Tx) (func() error, error) {
		b := tx.Bucket(bucketCounsellors)
		found, err := getJSON(b, []byte(id), &c)
		if err != nil {
			return nil, err
		}
		if !found || c.Org != org {
			return nil, ErrNotFound
		}
		if c.State != StatePending {
			return nil, invalidf("only a pending counsellor can be rejected; an active one leaves through a new keyring epoch")
		}
		c.State = StateRemoved
		return func() error { return putJSON(b, []byte(id), c) }, nil
	})
	if err != nil {
		return Counsellor{}, err
	}
	return Counsellor(c), nil
}
