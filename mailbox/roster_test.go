package mailbox

import (
	"testing"
	"time"
)

func TestInvitesListAndRevoke(t *testing.T) {
	s, clock := openTest(t, Options{})
	setUp(t, s)
	code1, exp1, err := s.CreateInvite(RoleCounsellor)
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	code2, exp2, err := s.CreateInvite(RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	invs, err := s.Invites()
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 2 || invs[0].Role != RoleCounsellor || !invs[0].Expires.Equal(exp1) ||
		invs[1].Role != RoleAdmin || !invs[1].Expires.Equal(exp2) || invs[0].ID != string(inviteKey(code1)) {
		t.Fatalf("invites %+v", invs)
	}
	for _, inv := range invs {
		if inv.ID == code1 || inv.ID == code2 {
			t.Fatal("the list shows an invite code")
		}
	}
	if err := s.RevokeInvite(invs[0].ID); err != nil {
		t.Fatal(err)
	}
	refused(t, s, ErrNotFound, func() error { return s.RevokeInvite(invs[0].ID) })
	refused(t, s, ErrNotFound, func() error { return s.RevokeInvite("not an id") })
	refused(t, s, ErrInviteInvalid, func() error {
		_, err := s.RegisterInvite(code1, "Revoked", recipient(t, 1))
		return err
	})
	if invs, err = s.Invites(); err != nil || len(invs) != 1 || invs[0].Role != RoleAdmin {
		t.Fatalf("after the revocation: %+v, %v", invs, err)
	}
	clock.Add(74 * time.Hour) // past the expiry, which is rounded up to the hour
	if invs, err = s.Invites(); err != nil || len(invs) != 0 {
		t.Fatalf("expired invites listed: %+v, %v", invs, err)
	}
}

func TestRejectPending(t *testing.T) {
	s, _ := openTest(t, Options{})
	admin := setUp(t, s)
	p := join(t, s, RoleCounsellor, "Pending", 1)
	if p.State != StatePending {
		t.Fatalf("joined as %s", p.State)
	}
	c, err := s.RejectPending(p.ID)
	if err != nil || c.State != StateRemoved {
		t.Fatalf("reject: %+v, %v", c, err)
	}
	if got, err := s.GetCounsellor(p.ID); err != nil || got.State != StateRemoved {
		t.Fatalf("after the rejection: %+v, %v", got, err)
	}
	refused(t, s, &InvalidError{}, func() error { _, err := s.RejectPending(p.ID); return err })
	refused(t, s, &InvalidError{}, func() error { _, err := s.RejectPending(admin.ID); return err })
	refused(t, s, ErrNotFound, func() error { _, err := s.RejectPending("nobody"); return err })
	// The recipient stays taken.
	code, _, err := s.CreateInvite(RoleCounsellor)
	if err != nil {
		t.Fatal(err)
	}
	refused(t, s, ErrRecipientExists, func() error {
		_, err := s.RegisterInvite(code, "Again", recipient(t, 1))
		return err
	})
}
