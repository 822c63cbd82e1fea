package counsel

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDeskTriage drives the desk's API as its page does: the inbox in
// pages, one case's line after an event, and the admin's roster hygiene
// (open invites revoked, a pending counsellor rejected), against a real
// mailboxd.
func TestDeskTriage(t *testing.T) {
	tt := newDeskTest(t)
	d, base, ctx := tt.d, tt.base, tt.ctx
	var ids []string
	for i := range 3 {
		ids = append(ids, tt.newCase(t, "Hilfe "+string(rune('A'+i))).keys.MailboxID)
	}
	tt.unlock(t)

	// Two pages cover the three cases, each once.
	seen := map[string]bool{}
	status, page := deskCall(t, d, base, "GET", "/api/cases?limit=2", "")
	cs, _ := page["cases"].([]any)
	next, _ := page["next"].(string)
	if status != http.StatusOK || len(cs) != 2 || next == "" {
		t.Fatalf("first page: %d %v", status, page)
	}
	for _, c := range cs {
		seen[c.(map[string]any)["id"].(string)] = true
	}
	status, page = deskCall(t, d, base, "GET", "/api/cases?limit=2&cursor="+url.QueryEscape(next), "")
	cs, _ = page["cases"].([]any)
	if status != http.StatusOK || len(cs) != 1 || page["next"] != "" {
		t.Fatalf("second page: %d %v", status, page)
	}
	seen[cs[0].(map[string]any)["id"].(string)] = true
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("case %s on no page", id)
		}
	}
	for _, bad := range []string{"limit=0", "limit=1001", "limit=x", "cursor=abc", "limit=2&status=gone"} {
		if status, m := deskCall(t, d, base, "GET", "/api/cases?"+bad, ""); status != http.StatusBadRequest || m["error"] != "bad_request" {
			t.Errorf("?%s: %d %v, want 400 bad_request", bad, status, m)
		}
	}

	// An event names a case; its line alone is fetched, without messages.
	status, sum := deskCall(t, d, base, "GET", "/api/cases/"+ids[1]+"/summary", "")
	if status != http.StatusOK || sum["id"] != ids[1] || sum["message_count"] != float64(1) || sum["status"] != "new" || sum["messages"] != nil {
		t.Fatalf("summary: %d %v", status, sum)
	}
	if status, m := deskCall(t, d, base, "GET", "/api/cases/"+strings.Repeat("0", 32)+"/summary", ""); status != http.StatusNotFound {
		t.Errorf("summary of no case: %d %v", status, m)
	}

	// Roster hygiene: an open invite listed and revoked; a pending
	// counsellor rejected, an active one not.
	status, inv := deskCall(t, d, base, "POST", "/api/invites", `{}`)
	code, _ := inv["invite"].(string)
	if status != http.StatusOK || code == "" {
		t.Fatalf("invite: %d %v", status, inv)
	}
	status, list := deskCall(t, d, base, "GET", "/api/invites", "")
	invs, _ := list["invites"].([]any)
	if status != http.StatusOK || len(invs) != 1 {
		t.Fatalf("invites: %d %v", status, list)
	}
	invID := invs[0].(map[string]any)["id"].(string)
	if strings.Contains(code, invID) && len(invID) >= len(code) {
		t.Fatalf("the invite list carries the code")
	}
	if status, m := deskCall(t, d, base, "DELETE", "/api/invites/nosuchinvite", ""); status != http.StatusNotFound {
		t.Errorf("revoke unknown: %d %v", status, m)
	}
	if status, m := deskCall(t, d, base, "DELETE", "/api/invites/"+url.PathEscape(invID), ""); status != http.StatusOK || m["revoked"] != true {
		t.Fatalf("revoke: %d %v", status, m)
	}
	if _, list = deskCall(t, d, base, "GET", "/api/invites", ""); len(list["invites"].([]any)) != 0 {
		t.Fatalf("after revoking: %v", list)
	}
	if _, err := Join(ctx, filepath.Join(t.TempDir(), "mallory"), tt.srv.URL, code, "Mallory", []byte(testPassphrase),
		func(string) error { return nil }, testOptions); err == nil {
		t.Fatal("a revoked invite joined")
	}

	_, inv = deskCall(t, d, base, "POST", "/api/invites", `{}`)
	eve, err := Join(ctx, filepath.Join(t.TempDir(), "eve"), tt.srv.URL, inv["invite"].(string), "Eve", []byte(testPassphrase),
		func(string) error { return nil }, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{}`, `{"id":"not an id"}`, `{"id":"` + eve.ID + `"} x`} {
		if status, m := deskCall(t, d, base, "POST", "/api/reject", body); status != http.StatusBadRequest {
			t.Errorf("reject %s: %d %v", body, status, m)
		}
	}
	if status, m := deskCall(t, d, base, "POST", "/api/reject", `{"id":"`+tt.cfg.ID+`"}`); status != http.StatusConflict || m["error"] != "not_pending" {
		t.Errorf("reject an active admin: %d %v", status, m)
	}
	if status, m := deskCall(t, d, base, "POST", "/api/reject", `{"id":"`+eve.ID+`"}`); status != http.StatusOK || m["state"] != "rejected" {
		t.Fatalf("reject: %d %v", status, m)
	}
	if c := findCounsellor(t, tt.testTeam, eve.ID); c.State != "removed" {
		t.Errorf("Eve after rejection: %s", c.State)
	}
	if c := findCounsellor(t, tt.testTeam, tt.cfg.ID); c.State != "active" {
		t.Errorf("Anna after the refused rejection: %s", c.State)
	}
}

// TestDeskRosterBrowser: in the desk, an admin revokes an open invite
// (after which its code no longer joins) and rejects a pending
// counsellor after a confirmation; an open invite never shows its code.
func TestDeskRosterBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	ctx := tt.ctx
	unlockDeskAt(t, bctx, tt.u)
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-team")),
		chromedp.WaitVisible(chromedp.CSS("#invite-none")),
		chromedp.Click(chromedp.CSS("#invite-counsellor")),
		chromedp.WaitVisible(chromedp.CSS("#invite-list button[data-revoke]")),
	); err != nil {
		t.Fatalf("invite in the desk: %v", err)
	}
	code, err := text(bctx, "#invite-code")
	if err != nil || code == "" {
		t.Fatalf("invite %q: %v", code, err)
	}
	if listed, _ := text(bctx, "#invite-list"); strings.Contains(listed, code) {
		t.Fatalf("the list of open invites shows the code")
	}
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#invite-list button[data-revoke]")),
		chromedp.WaitNotPresent(chromedp.CSS("#invite-list button[data-revoke]")),
		chromedp.WaitVisible(chromedp.CSS("#invite-none")),
	); err != nil {
		msg, _ := text(bctx, "#admin-msg")
		list, _ := text(bctx, "#invite-list")
		t.Fatalf("revoke: %v (message %q, list %q)", err, msg, list)
	}
	accept := func(string) error { return nil }
	if _, err := Join(ctx, filepath.Join(t.TempDir(), "mallory"), tt.srv.URL, code, "Mallory", []byte(testPassphrase), accept, testOptions); err == nil {
		t.Fatal("the revoked invite joined")
	}

	s := unlockT(t, ctx, tt.cfg)
	inv, err := s.Invite(ctx, false)
	s.Wipe()
	if err != nil {
		t.Fatal(err)
	}
	eve, err := Join(ctx, filepath.Join(t.TempDir(), "eve"), tt.srv.URL, inv.Invite, "Eve", []byte(testPassphrase), accept, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	rejectSel := `button[data-reject="` + eve.ID + `"]`
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#tab-inbox")),
		chromedp.WaitVisible(chromedp.CSS("#view-inbox")),
		chromedp.Click(chromedp.CSS("#tab-team")),
		clickAndConfirm(rejectSel),
		chromedp.WaitNotPresent(chromedp.CSS(rejectSel)),
	); err != nil {
		msg, _ := text(bctx, "#admin-msg")
		roster, _ := text(bctx, "#roster-body")
		t.Fatalf("reject: %v (message %q, roster %q)", err, msg, roster)
	}
	if c := findCounsellor(t, tt.testTeam, eve.ID); c.State != "removed" {
		t.Fatalf("Eve after rejection: %s", c.State)
	}
	if msg, _ := text(bctx, "#admin-msg"); !strings.Contains(msg, "Eve") {
		t.Errorf("admin message %q", msg)
	}
}

// TestDeskInboxPagesBrowser: a desk over more cases than a page shows the
// first 200 at once and the rest after "load more"; a new enquiry then
// appears in its place by its event alone, and the list keeps every case
// once.
func TestDeskInboxPagesBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	const n = 250
	if err := tt.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	seedCases(t, tt.srv.DB(), n)
	if err := tt.srv.Start(); err != nil {
		t.Fatal(err)
	}
	unlockDeskAt(t, bctx, tt.u)
	count := func() int {
		k, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#case-list button[data-case]").length`))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if err := within(bctx, 30*time.Second,
		chromedp.WaitVisible(chromedp.CSS("#case-more")),
	); err != nil {
		t.Fatalf("open the inbox: %v", err)
	}
	if k := count(); k != 200 {
		t.Fatalf("first page shows %d cases, want 200", k)
	}
	if err := within(bctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#case-more")),
		chromedp.WaitNotVisible(chromedp.CSS("#case-more")),
	); err != nil {
		t.Fatalf("load more: %v", err)
	}
	if k := count(); k != n {
		t.Fatalf("after loading more: %d cases, want %d", k, n)
	}
	enq := tt.newCase(t, "Neu in der Flut.")
	// Waiting longest first: the seeded cases began waiting in the same
	// hour or before, and their ids (…0001 to …00fa) come first on a tie.
	last := `#case-list li:last-child button[data-case="` + enq.keys.MailboxID + `"]`
	if err := within(bctx, 20*time.Second, chromedp.WaitVisible(chromedp.CSS(last))); err != nil {
		t.Fatalf("the new case is not in its place, after the cases waiting longer: %v", err)
	}
	if k := count(); k != n+1 {
		t.Fatalf("after the event: %d cases, want %d", k, n+1)
	}
}
