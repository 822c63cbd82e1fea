package counsel

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"lotse/content"
)

// TestDeskCentresTeamConfirmed: once an admin has confirmed the directory
// for the team, a centre whose phone number the server changed since is
// marked and not offered at all (the desk refuses its block), while the
// other centres are; the admin's new confirmation lifts it.
func TestDeskCentresTeamConfirmed(t *testing.T) {
	_, proxy, cfg := teamBehindProxy(t)
	const two = `{"centres":[` +
		`{"id":"x","name":"Stelle X","organisation":"Träger","state":"DE-BE","city":"Berlin","languages":["de"],` +
		`"target_groups":["women"],"services":{"de":"Beratung"},"contact":{"email":"x@example.org","phone":"+49 30 1234 000"}},` +
		`{"id":"y","name":"Stelle Y","organisation":"Träger","state":"DE-BE","city":"Berlin","languages":["de"],` +
		`"target_groups":["women"],"services":{"de":"Beratung"},"contact":{"email":"y@example.org","phone":"+49 30 1234 111"}}]}`
	proxy.serveCentres(two)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := unlockT(t, ctx, cfg)
	dir, err := content.ParseCentres([]byte(two))
	if err != nil || dir.Len() != 2 {
		t.Fatalf("directory: %v", err)
	}
	if err := s.ConfirmCentresForTeam(ctx, dir); err != nil {
		t.Fatal(err)
	}
	proxy.serveCentres(strings.Replace(two, "+49 30 1234 000", "+49 30 6666 666", 1))

	d, u := startDesk(t, cfg, time.Minute)
	base := strings.SplitN(u, "#", 2)[0]
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	var hits centreHits
	if st := deskGet(t, d, base, "centres?q=stelle", &hits); st != http.StatusOK || len(hits.Centres) != 2 {
		t.Fatalf("search: %d %+v", st, hits)
	}
	for _, h := range hits.Centres {
		changed := h.ID == "x"
		if h.Changed != changed || h.Blocked != changed {
			t.Errorf("centre %s: changed %t, blocked %t; want %t", h.ID, h.Changed, h.Blocked, changed)
		}
	}
	var b centreBlock
	if st := deskGet(t, d, base, "centres/x?lang=de", &b); st != http.StatusConflict || b.Error != "centre_unconfirmed" || strings.Contains(b.Block, "6666") {
		t.Errorf("block of the changed centre: %d %+v", st, b)
	}
	if st := deskGet(t, d, base, "centres/y?lang=de", &b); st != http.StatusOK || b.Changed {
		t.Errorf("block of the unchanged centre: %d %+v", st, b)
	}

	// The admin compares and confirms: every desk offers it again.
	changed, err := s.centreChanges(ctx, mustParse(t, strings.Replace(two, "+49 30 1234 000", "+49 30 6666 666", 1)))
	if err != nil || !changed.Team || !changed.Blocked("x") {
		t.Fatalf("before the confirmation: %+v, %v", changed, err)
	}
	if err := s.ConfirmCentresForTeam(ctx, mustParse(t, strings.Replace(two, "+49 30 1234 000", "+49 30 6666 666", 1))); err != nil {
		t.Fatal(err)
	}
	if _, err := d.refreshCentres(ctx, d.sess); err != nil {
		t.Fatal(err)
	}
	if st := deskGet(t, d, base, "centres/x?lang=de", &b); st != http.StatusOK || b.Changed || !strings.Contains(b.Block, "6666") {
		t.Errorf("after the admin confirmed: %d %+v", st, b)
	}
}

func mustParse(t *testing.T, js string) *content.Directory {
	t.Helper()
	dir, err := content.ParseCentres([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
