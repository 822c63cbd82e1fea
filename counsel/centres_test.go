package counsel

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/api/client"
)

// deskGet calls the desk's API as its page does.
func deskGet(t *testing.T, d *Desk, base, path string, out any) int {
	t.Helper()
	status, b := deskDo(t, d, base, "GET", "/api/"+path, "")
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, b)
		}
	}
	return status
}

// createIn opens a case whose first document is in lang.
func (e *enquirer) createIn(ctx context.Context, body, lang string) error {
	d := e.doc(body)
	d.Lang = lang
	d.Role = "affected"
	d.Recipient = e.keys.Identity.Recipient().String()
	epoch, ct, err := e.seal(ctx, d)
	if err != nil {
		return err
	}
	_, err = e.c.CreateMailbox(ctx, client.NewMailbox{ID: e.keys.MailboxID, Verifier: e.keys.Verifier[:], Epoch: epoch, Message: ct})
	return err
}

type centreHits struct {
	Centres []centreHit `json:"centres"`
	Total   int         `json:"total"`
	All     int         `json:"all"`
	Error   string      `json:"error"`
}

type centreBlock struct {
	ID, Name, Lang, Block string
	Changed               bool   `json:"changed"`
	Error                 string `json:"error"`
}

// TestDeskCentres searches the server's directory through the desk and
// gets a centre's block in the enquirer's language.
func TestDeskCentres(t *testing.T) {
	tt := newDeskTest(t)
	d, base, ctx := tt.d, tt.base, tt.ctx

	var hits centreHits
	if st := deskGet(t, d, base, "centres?q=berlin", &hits); st != http.StatusLocked {
		t.Errorf("search while locked: %d", st)
	}
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}

	// Search: every word must match, folded; names in the interface language.
	for _, tc := range []struct{ q, lang, want, state string }{
		{"berlin", "de", "example-berlin", "Berlin"},
		{"munchen", "en", "example-muenchen", "Bavaria"},
		{"MÜNCHEN rumänisch", "de", "example-muenchen", "Bayern"},
		{"nirgendwo", "de", "", ""},
	} {
		hits = centreHits{}
		st := deskGet(t, d, base, "centres?q="+url.QueryEscape(tc.q)+"&lang="+tc.lang, &hits)
		if st != http.StatusOK {
			t.Fatalf("search %q: %d %s", tc.q, st, hits.Error)
		}
		var got []string
		for _, h := range hits.Centres {
			got = append(got, h.ID)
		}
		if strings.Join(got, " ") != tc.want || hits.Total != len(got) || hits.All < 6 {
			t.Errorf("search %q = %v (total %d of %d), want %q", tc.q, got, hits.Total, hits.All, tc.want)
		}
		if tc.want != "" && (hits.Centres[0].StateName != tc.state || len(hits.Centres[0].LanguageNames) != len(hits.Centres[0].Languages)) {
			t.Errorf("search %q: %+v", tc.q, hits.Centres[0])
		}
	}
	if deskGet(t, d, base, "centres", &hits); len(hits.Centres) != hits.All || hits.All < 6 {
		t.Errorf("empty search: %d of %d", len(hits.Centres), hits.All)
	}

	// The block follows the enquirer's language.
	for _, tc := range []struct {
		lang       string // of the enquirer's first document
		want, not  string
		blockLang  string
		wantInText []string
	}{
		{"de", "Telefon: +49 30 23125 001", "Phone:", "de", []string{"Beispiel-Beratungsstelle Berlin", "Sprachen: Deutsch, Englisch"}},
		{"de-AT", "Telefon:", "Phone:", "de", nil},
		{"en", "Phone: +49 30 23125 001", "Telefon:", "en", []string{"Beispiel-Beratungsstelle Berlin", "Languages: German, English"}},
		{"uk", "+49 30 23125 001", "Telefon:", "uk", nil}, // a language of the service: its own labels, or English ones
		{"tr", "Phone:", "Telefon:", "en", nil},           // not one: English
	} {
		enq, err := newEnquirer(tt.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if err := enq.createIn(ctx, "Hallo / Hello", tc.lang); err != nil {
			t.Fatal(err)
		}
		var cs struct {
			Lang       string `json:"lang"`
			CentreLang string `json:"centre_lang"`
		}
		if st := deskGet(t, d, base, "cases/"+enq.keys.MailboxID, &cs); st != http.StatusOK || cs.Lang != tc.lang || cs.CentreLang != tc.blockLang {
			t.Fatalf("case in %s: %d, lang %q, centre_lang %q", tc.lang, st, cs.Lang, cs.CentreLang)
		}
		var b centreBlock
		if st := deskGet(t, d, base, "centres/example-berlin?lang="+cs.CentreLang, &b); st != http.StatusOK {
			t.Fatalf("block: %d %s", st, b.Error)
		}
		if b.Lang != tc.blockLang || !strings.Contains(b.Block, tc.want) || strings.Contains(b.Block, tc.not) {
			t.Errorf("block for an enquirer in %s (%s):\n%s", tc.lang, b.Lang, b.Block)
		}
		for _, w := range tc.wantInText {
			if !strings.Contains(b.Block, w) {
				t.Errorf("block for %s lacks %q:\n%s", tc.lang, w, b.Block)
			}
		}
	}

	// Bad requests change nothing and say why.
	for _, tc := range []struct {
		path string
		want int
		code string
	}{
		{"centres/example-berlin?lang=tr", 400, "bad_request"},
		{"centres/example-berlin", 400, "bad_request"},
		{"centres?lang=xx", 400, "bad_request"},
		{"centres/nope?lang=de", 404, "centre_not_found"},
		{"centres/" + strings.Repeat("a", 100) + "?lang=de", 400, "bad_request"},
	} {
		var b centreBlock
		if st := deskGet(t, d, base, tc.path, &b); st != tc.want || b.Error != tc.code {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, st, b.Error, tc.want, tc.code)
		}
	}
}

const oneCentre = `{"centres":[{"id":"x","name":"Stelle X","organisation":"Träger","state":"DE-BE","city":"Berlin",` +
	`"languages":["de"],"target_groups":["women"],"services":{"de":"Beratung"},"contact":{"email":"x@example.org","phone":"+49 30 1234 000"}}]}`

// TestDeskCentresHostileServer: a directory that is not valid is refused
// and the last good one stays.
func TestDeskCentresHostileServer(t *testing.T) {
	_, proxy, cfg := teamBehindProxy(t)
	proxy.serveCentres(oneCentre)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := NewDesk(cfg, Options{})
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	defer d.lock()
	s := d.sess
	if _, err := d.refreshCentres(ctx, s); err != nil {
		t.Fatalf("a good directory: %v", err)
	}
	for _, bad := range []string{
		`{"centres":[{"id":"y","name":""}]}`,
		`{"centres":[{"id":"y","name":"Y","state":"DE-XX"}]}`,
		`<html>`,
		`{"centres":[` + strings.Repeat(`{},`, 10) + `{}]} trailing`,
		`{"centres": "` + strings.Repeat("a", 5<<20) + `"}`,
	} {
		proxy.serveCentres(bad)
		dir, err := d.refreshCentres(ctx, s)
		if err == nil || dir != nil || !strings.Contains(err.Error(), "could not be loaded") {
			t.Errorf("accepted %.40q: %v", bad, err)
		}
		got, _, err := d.directory(ctx, s)
		if err != nil || got.Len() != 1 {
			t.Errorf("after a bad directory, the last good one is gone: %v", err)
		}
	}
}

// TestDeskCentresChanged: a server that swaps a centre's phone number
// gets the centre marked in the desk, in the search and in the block the
// page would insert, until the counsellor confirms the directory; a
// record of the confirmed directory that does not open is an alarm.
func TestDeskCentresChanged(t *testing.T) {
	_, proxy, cfg := teamBehindProxy(t)
	proxy.serveCentres(oneCentre)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, u := startDesk(t, cfg, time.Minute)
	base := strings.SplitN(u, "#", 2)[0]
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	look := func() (bool, bool) {
		t.Helper()
		if _, err := d.refreshCentres(ctx, d.sess); err != nil {
			t.Fatal(err)
		}
		var hits centreHits
		if st := deskGet(t, d, base, "centres?q=berlin", &hits); st != http.StatusOK || len(hits.Centres) != 1 {
			t.Fatalf("search: %d %+v", st, hits)
		}
		var b centreBlock
		if st := deskGet(t, d, base, "centres/x?lang=de", &b); st != http.StatusOK {
			t.Fatalf("block: %d %+v", st, b)
		}
		return hits.Centres[0].Changed, b.Changed
	}
	// The first directory this desk sees is confirmed as it is.
	if hit, block := look(); hit || block {
		t.Errorf("first directory marked as changed: %v %v", hit, block)
	}
	proxy.serveCentres(strings.Replace(oneCentre, "+49 30 1234 000", "+49 30 6666 666", 1))
	if hit, block := look(); !hit || !block {
		t.Errorf("a swapped phone number is not marked: %v %v", hit, block)
	}
	// A restart of the desk does not forget it.
	d.lock()
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	// The desk's own goroutines lock it on an alarm, so the session is
	// read under its mutex, once.
	d.mu.Lock()
	d.centres = nil
	sess := d.sess
	d.mu.Unlock()
	if hit, block := look(); !hit || !block {
		t.Errorf("after a new unlock, a swapped phone number is not marked: %v %v", hit, block)
	}
	dir, _, err := d.directory(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.ConfirmCentres(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if hit, block := look(); hit || block {
		t.Errorf("confirmed directory still marked: %v %v", hit, block)
	}
	// A server that makes the confirmed centre name an organisation (the
	// desk would offer a handover to it) changes the entry.
	proxy.serveCentres(strings.Replace(strings.Replace(oneCentre, "+49 30 1234 000", "+49 30 6666 666", 1), `"id":"x",`, `"id":"x","org":"elsewhere",`, 1))
	if hit, block := look(); !hit || !block {
		t.Errorf("an organisation added to a confirmed centre is not marked: %v %v", hit, block)
	}
	proxy.serveCentres(strings.Replace(oneCentre, "+49 30 1234 000", "+49 30 6666 666", 1))
	if hit, block := look(); hit || block {
		t.Errorf("the confirmed centre without the organisation is marked: %v %v", hit, block)
	}
	// A record written without the team's keys is an alarm.
	if err := os.WriteFile(filepath.Join(cfg.Dir(), centresPinFile), []byte("age-encryption.org/v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A refresh the desk starts itself at a reconnection may read it
	// first; either way the desk alarms.
	_, err = d.refreshCentres(ctx, sess)
	d.mu.Lock()
	alarmed := d.alarm != nil
	d.mu.Unlock()
	if !IsAlarm(err) && !alarmed {
		t.Errorf("unreadable record: %v, want an alarm", err)
	}
}
