package mailbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSetup(t *testing.T) {
	s, _ := openTest(t, Options{})
	if needs, err := s.NeedsSetup(); err != nil || !needs {
		t.Fatalf("NeedsSetup = %v, %v", needs, err)
	}
	refused(t, s, ErrSetupInvalid, func() error { _, err := s.RegisterSetup("anything", "Admin", recipient(t, 0)); return err })
	refused(t, s, errInvalid, func() error { return s.SetSetupToken("") })
	refused(t, s, errInvalid, func() error { return s.SetSetupToken(strings.Repeat("x", MaxSetupTokenLen+1)) })
	if err := s.SetSetupToken("first"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetupToken(setupToken); err != nil { // replaces the first
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token, cname, recipient string
		want                          error
	}{
		{"earlier token", "first", "Admin", recipient(t, 0), ErrSetupInvalid},
		{"wrong token", setupToken + "x", "Admin", recipient(t, 0), ErrSetupInvalid},
		{"empty token", "", "Admin", recipient(t, 0), ErrSetupInvalid},
		{"empty name", setupToken, " ", recipient(t, 0), errInvalid},
		{"long name", setupToken, strings.Repeat("é", 65), recipient(t, 0), errInvalid},
		{"control in name", setupToken, "Ad\nmin", recipient(t, 0), errInvalid},
		{"bidi override in name", setupToken, "Ad\u202emin", recipient(t, 0), errInvalid},
		{"zero-width joiner in name", setupToken, "Ad\u200dmin", recipient(t, 0), errInvalid},
		{"space around name", setupToken, " Admin", recipient(t, 0), errInvalid},
		{"x25519 recipient", setupToken, "Admin", "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj", errInvalid},
		{"bad checksum", setupToken, "Admin", recipient(t, 0)[:1958] + flip(recipient(t, 0)[1958]), errInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, s, tc.want, func() error { _, err := s.RegisterSetup(tc.token, tc.cname, tc.recipient); return err })
		})
	}
	admin, err := s.RegisterSetup(setupToken, "Ädmin 1", recipient(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z0-9]{16}$`).MatchString(admin.ID) || admin.Role != RoleAdmin ||
		admin.State != StateActive || admin.Name != "Ädmin 1" || admin.Recipient != recipient(t, 0) {
		t.Fatalf("setup created %+v", admin)
	}
	if got, err := s.GetCounsellor(admin.ID); err != nil || got != admin {
		t.Fatalf("GetCounsellor = %+v, %v", got, err)
	}
	if needs, err := s.NeedsSetup(); err != nil || needs {
		t.Fatalf("NeedsSetup after setup = %v, %v", needs, err)
	}
	refused(t, s, ErrAlreadySetUp, func() error { _, err := s.RegisterSetup(setupToken, "Again", recipient(t, 1)); return err })
	refused(t, s, ErrAlreadySetUp, func() error { return s.SetSetupToken("new") })
	// The token's hash is gone with its use.
	err = s.view(func(tx *boltTx) error {
		if tx.Bucket(bucketMeta).Get(keySetup) != nil {
			return errors.New("setup record still stored")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCounsellor("nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetCounsellor(unknown): %v", err)
	}
	if _, err := s.GetCounsellor("Not An Id"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetCounsellor(malformed): %v", err)
	}
}

func flip(c byte) string {
	if c == 'q' {
		return "p"
	}
	return "q"
}

func TestSetupRandomID(t *testing.T) {
	// Bytes ≥ 252 are skipped: 255 255 then 0 … gives "a…".
	s, _ := openTest(t, Options{Rand: bytes.NewReader(append([]byte{255, 252}, make([]byte, 64)...))})
	if err := s.SetSetupToken(setupToken); err != nil {
		t.Fatal(err)
	}
	admin, err := s.RegisterSetup(setupToken, "Admin", recipient(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	if admin.ID != strings.Repeat("a", 16) {
		t.Fatalf("id = %q", admin.ID)
	}
}

func TestInvites(t *testing.T) {
	s, clock := openTest(t, Options{})
	admin := setUp(t, s)
	refused(t, s, errInvalid, func() error { _, _, err := s.CreateInvite("owner"); return err })

	code, expires, err := s.CreateInvite(RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(code); err != nil || len(raw) < 16 {
		t.Fatalf("invite code %q: %d bytes, %v", code, len(raw), err)
	}
	// 13:47 + 72 h, rounded up.
	if want := time.Date(2027, 3, 1, 14, 0, 0, 0, time.UTC); !expires.Equal(want) {
		t.Fatalf("expires %v, want %v", expires, want)
	}
	sum := sha256.Sum256([]byte(code))
	err = s.view(func(tx *boltTx) error {
		n := 0
		return tx.Bucket(bucketInvites).ForEach(func(k, v []byte) error {
			n++
			if n > 1 || string(k) != hexString(sum[:]) || bytes.Contains(v, []byte(code)) {
				return errors.New("invite stored other than by its hash")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, code, cname, recipient string
		want                         error
	}{
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAA", "New", recipient(t, 1), ErrInviteInvalid},
		{"empty", "", "New", recipient(t, 1), ErrInviteInvalid},
		{"long", strings.Repeat("A", 200), "New", recipient(t, 1), ErrInviteInvalid},
		{"recipient taken", code, "New", recipient(t, 0), ErrRecipientExists},
		{"bad name", code, "", recipient(t, 1), errInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, s, tc.want, func() error { _, err := s.RegisterInvite(tc.code, tc.cname, tc.recipient); return err })
		})
	}
	c, err := s.RegisterInvite(code, "New", recipient(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if c.Role != RoleAdmin || c.State != StatePending || c.ID == admin.ID || c.Name != "New" {
		t.Fatalf("registered %+v", c)
	}
	refused(t, s, ErrInviteInvalid, func() error { _, err := s.RegisterInvite(code, "Again", recipient(t, 2)); return err })

	late, _, err := s.CreateInvite(RoleCounsellor)
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(72*time.Hour + 12*time.Minute + 48*time.Second) // exactly the expiry
	refused(t, s, ErrInviteInvalid, func() error { _, err := s.RegisterInvite(late, "Late", recipient(t, 2)); return err })

	all, err := s.Counsellors()
	if err != nil || len(all) != 2 {
		t.Fatalf("Counsellors = %+v, %v", all, err)
	}
	if !slices.IsSortedFunc(all, func(a, b Counsellor) int { return strings.Compare(a.ID, b.ID) }) {
		t.Fatalf("Counsellors not ordered by id")
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestPutKeyring(t *testing.T) {
	s, _ := openTest(t, Options{})
	admin := registerAdmin(t, s)
	if _, err := s.GetKeyring(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetKeyring before the first: %v", err)
	}
	b := join(t, s, RoleCounsellor, "B", 1)
	c := join(t, s, RoleCounsellor, "C", 2)
	d := join(t, s, RoleAdmin, "D", 3) // stays pending throughout
	team := func(i int) string { return recipient(t, 8+i) }
	upd := func(epoch, teamKey int, env []byte, replaces []byte, members ...string) KeyringUpdate {
		return KeyringUpdate{
			Keyring:  Keyring{Epoch: epoch, Recipient: team(teamKey), Envelope: env, Members: members},
			Replaces: replaces,
			Stanzas:  len(members),
		}
	}
	hash := func(env []byte) []byte { h := sha256.Sum256(env); return h[:] }
	env1 := envelope(2, "1")

	firstCases := []struct {
		name string
		u    KeyringUpdate
		want error
	}{
		{"first at epoch 2", upd(2, 0, env1, nil, admin.ID, b.ID), ErrStaleEpoch},
		{"first with replaces", upd(1, 0, env1, hash(env1), admin.ID, b.ID), ErrKeyringConflict},
		{"stanzas differ", func() KeyringUpdate { u := upd(1, 0, env1, nil, admin.ID, b.ID); u.Stanzas = 3; return u }(), errInvalid},
		{"unknown member", upd(1, 0, env1, nil, admin.ID, "nobody"), errInvalid},
		{"member twice", upd(1, 0, env1, nil, admin.ID, admin.ID), errInvalid},
		{"no admin", upd(1, 0, env1, nil, b.ID, c.ID), errInvalid},
		{"no members", upd(1, 0, env1, nil), errInvalid},
		{"bad team recipient", func() KeyringUpdate { u := upd(1, 0, env1, nil, admin.ID, b.ID); u.Recipient = "age1pq1"; return u }(), errInvalid},
		{"empty envelope", upd(1, 0, nil, nil, admin.ID, b.ID), errInvalid},
		{"short replaces", upd(1, 0, env1, []byte{1}, admin.ID, b.ID), errInvalid},
	}
	for _, tc := range firstCases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, s, tc.want, func() error { _, _, err := s.PutKeyring(tc.u); return err })
		})
	}

	k, removed, err := s.PutKeyring(upd(1, 0, env1, nil, admin.ID, b.ID))
	if err != nil || len(removed) != 0 || k.Epoch != 1 || !bytes.Equal(k.Envelope, env1) {
		t.Fatalf("first keyring = %+v, %v, %v", k, removed, err)
	}
	wantStates(t, s, map[string]string{admin.ID: StateActive, b.ID: StateActive, c.ID: StatePending, d.ID: StatePending})

	env2 := envelope(3, "2")
	laterCases := []struct {
		name string
		u    KeyringUpdate
		want error
	}{
		{"stale epoch 0", upd(0, 0, env2, hash(env1), admin.ID, b.ID, c.ID), ErrStaleEpoch},
		{"epoch + 2", upd(3, 1, env2, hash(env1), admin.ID, b.ID, c.ID), ErrStaleEpoch},
		{"epoch before conflict", upd(3, 1, env2, hash(env2), admin.ID, b.ID, c.ID), ErrStaleEpoch},
		{"no replaces", upd(1, 0, env2, nil, admin.ID, b.ID, c.ID), ErrKeyringConflict},
		{"wrong replaces", upd(1, 0, env2, hash(env2), admin.ID, b.ID, c.ID), ErrKeyringConflict},
		{"conflict before roster", upd(1, 5, env2, hash(env2), admin.ID, c.ID), ErrKeyringConflict},
		{"re-wrap with a new recipient", upd(1, 1, env2, hash(env1), admin.ID, b.ID, c.ID), errInvalid},
		{"re-wrap dropping an active member", upd(1, 0, envelope(2, "x"), hash(env1), admin.ID, c.ID), errInvalid},
		{"new epoch reusing a recipient", upd(2, 0, envelope(2, "x"), hash(env1), admin.ID, c.ID), errInvalid},
	}
	for _, tc := range laterCases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, s, tc.want, func() error { _, _, err := s.PutKeyring(tc.u); return err })
		})
	}

	// Re-wrap adding C.
	if _, removed, err := s.PutKeyring(upd(1, 0, env2, hash(env1), admin.ID, b.ID, c.ID)); err != nil || len(removed) != 0 {
		t.Fatalf("re-wrap: %v, %v", removed, err)
	}
	wantStates(t, s, map[string]string{admin.ID: StateActive, b.ID: StateActive, c.ID: StateActive, d.ID: StatePending})

	// New epoch without B.
	env3 := envelope(2, "3")
	k, removed, err = s.PutKeyring(upd(2, 1, env3, hash(env2), admin.ID, c.ID))
	if err != nil || !slices.Equal(removed, []string{b.ID}) || k.Epoch != 2 {
		t.Fatalf("new epoch: %+v, %v, %v", k, removed, err)
	}
	wantStates(t, s, map[string]string{admin.ID: StateActive, b.ID: StateRemoved, c.ID: StateActive, d.ID: StatePending})
	got, err := s.GetKeyring()
	if err != nil || got.Epoch != 2 || got.Recipient != team(1) || !bytes.Equal(got.Envelope, env3) || !slices.Equal(got.Members, []string{admin.ID, c.ID}) {
		t.Fatalf("GetKeyring = %+v, %v", got, err)
	}

	for _, tc := range []struct {
		name string
		u    KeyringUpdate
		want error
	}{
		{"removed member", upd(2, 1, envelope(3, "x"), hash(env3), admin.ID, c.ID, b.ID), errInvalid},
		{"old epoch", upd(1, 0, envelope(2, "x"), hash(env3), admin.ID, c.ID), ErrStaleEpoch},
		{"epoch 1's recipient again", upd(3, 0, envelope(2, "x"), hash(env3), admin.ID, c.ID), errInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, s, tc.want, func() error { _, _, err := s.PutKeyring(tc.u); return err })
		})
	}
	// B is removed and cannot reply; the epoch moved on.
	if _, err := s.CreateMailbox(mailboxID(1), [32]byte{}, 1, ciphertext(4240, "")); !errors.Is(err, ErrStaleEpoch) {
		t.Fatalf("create at epoch 1 after epoch 2: %v", err)
	}
	if _, err := s.CreateMailbox(mailboxID(1), [32]byte{}, 2, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	refused(t, s, errInvalid, func() error { _, err := s.AppendCounsellor(mailboxID(1), b.ID, 2, ciphertext(4240, "")); return err })
	refused(t, s, errInvalid, func() error { _, err := s.UpdateCase(mailboxID(1), nil, ptr(b.ID)); return err })
	// A removed counsellor's recipient stays taken.
	code, _, err := s.CreateInvite(RoleCounsellor)
	if err != nil {
		t.Fatal(err)
	}
	refused(t, s, ErrRecipientExists, func() error { _, err := s.RegisterInvite(code, "B again", b.Recipient); return err })
}

func wantStates(t *testing.T, s *Store, want map[string]string) {
	t.Helper()
	all, err := s.Counsellors()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want) {
		t.Fatalf("%d counsellors, want %d", len(all), len(want))
	}
	for _, c := range all {
		if c.State != want[c.ID] {
			t.Fatalf("%s (%s) is %s, want %s", c.ID, c.Name, c.State, want[c.ID])
		}
	}
}

// TestNameStoredByVersion1 keeps a display name that version 1 let
// through, and that the rule now refuses for new names, readable: by the
// store and by the auditor.
func TestNameStoredByVersion1(t *testing.T) {
	s, _ := openTest(t, Options{})
	admin := registerAdmin(t, s)
	const old = " Anna\u200dB" // a space in front and a zero-width joiner
	code, _, err := s.CreateInvite(RoleCounsellor)
	if err != nil {
		t.Fatal(err)
	}
	refused(t, s, errInvalid, func() error { _, err := s.RegisterInvite(code, old, recipient(t, 1)); return err })
	err = s.db.Update(func(tx *boltTx) error {
		b := tx.Bucket(bucketCounsellors)
		var c counsellorRecord
		if _, err := getJSON(b, []byte(admin.ID), &c); err != nil {
			return err
		}
		c.Name = old
		return putJSON(b, []byte(admin.ID), c)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetCounsellor(admin.ID); err != nil || got.Name != old {
		t.Fatalf("GetCounsellor = %+v, %v", got, err)
	}
	if all, err := s.Counsellors(); err != nil || len(all) != 1 || all[0].Name != old {
		t.Fatalf("Counsellors = %+v, %v", all, err)
	}
	path := s.path
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	report, err := auditFile(path, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Violations) != 0 {
		t.Fatalf("violations: %v", report.Violations)
	}
}
