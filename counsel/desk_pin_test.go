package counsel

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/content"
)

// deskCall is one request of the desk's page; it returns the status and
// the JSON answer.
func deskCall(t *testing.T, d *Desk, base, method, path, body string) (int, map[string]any) {
	t.Helper()
	status, b := deskDo(t, d, base, method, path, body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return status, m
}

// TestDeskCasePin: a desk that read a case alarms when the server later
// serves another first document, and sends no reply.
func TestDeskCasePin(t *testing.T) {
	srv, proxy, cfg := teamBehindProxy(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	enq := newCase(t, ctx, srv.URL, "Ich brauche Hilfe.")
	id := enq.keys.MailboxID

	d, u := startDesk(t, cfg, time.Minute)
	base := strings.SplitN(u, "#", 2)[0]
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	status, view := deskCall(t, d, base, "GET", "/api/cases/"+id, "")
	if status != http.StatusOK {
		t.Fatalf("first read: %d %v", status, view)
	}
	if msgs, _ := view["messages"].([]any); len(msgs) != 1 || !strings.Contains(msgs[0].(map[string]any)["body"].(string), "Hilfe") {
		t.Fatalf("first read: %v", view)
	}

	// A lock forgets the decrypted thread; the next read starts from
	// the first document again, which the server now replaces.
	d.lock()
	if err := d.unlock(ctx, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	proxy.setMode(proxySubstitute)
	status, view = deskCall(t, d, base, "GET", "/api/cases/"+id, "")
	if status != http.StatusConflict || view["error"] != "alarm" {
		t.Fatalf("substituted first document: %d %v, want 409 alarm", status, view)
	}
	if msg, _ := view["message"].(string); !strings.Contains(msg, "first message of case "+id[:8]) {
		t.Errorf("alarm %q", msg)
	}
	status, view = deskCall(t, d, base, "POST", "/api/cases/"+id+"/reply", `{"body":"Wir sind da."}`)
	if status != http.StatusConflict {
		t.Errorf("reply after the alarm: %d %v", status, view)
	}
	_, state := deskCall(t, d, base, "GET", "/api/state", "")
	if a, _ := state["alarm"].(string); !strings.Contains(a, "first message") {
		t.Errorf("state after the alarm: %v", state)
	}
	if found, err := enq.expect(ctx, "Wir sind da."); err != nil || found {
		t.Errorf("a reply reached the mailbox (%v, %v)", found, err)
	}
}

// TestDeskCasePinBrowser: in Chromium, opening a case whose first
// document the server has replaced since this desk read it raises the
// blocking alarm banner instead of showing the thread.
func TestDeskCasePinBrowser(t *testing.T) {
	bctx, bcancel := browserContext(t)
	defer bcancel()
	srv, proxy, cfg := teamBehindProxy(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const first = "Ich brauche Hilfe."
	enq := newCase(t, ctx, srv.URL, first)
	id := enq.keys.MailboxID
	// Read once: the desk keeps the case's pin.
	s := unlockT(t, ctx, cfg)
	th, err := s.ReadCase(ctx, id)
	if err != nil || len(th.Messages) != 1 || th.Messages[0].Body != first {
		t.Fatalf("first read: %v", err)
	}
	s.Wipe()

	proxy.setMode(proxySubstitute)
	d, u := startDesk(t, cfg, time.Minute)
	if err := openCaseInDesk(t, bctx, u, id, "#alarm"); err != nil {
		t.Fatalf("no alarm banner: %v", err)
	}
	shot(t, bctx, "case-pin-alarm")
	reason, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("alarm-reason").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reason, id[:8]) {
		t.Errorf("alarm %q does not name case %s", reason, id[:8])
	}
	body, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("messages").textContent`))
	if err != nil || strings.Contains(body, "antworten Sie mir") {
		t.Error("the substituted first document is shown")
	}
	if deskUnlocked(d) {
		t.Error("the desk stays unlocked despite the alarm")
	}
}

// TestDeskCentreChangedBrowser: in Chromium, a centre whose phone number
// the server changed after this desk confirmed the directory is tagged in
// the list, and inserting it asks first, showing the details; cancelling
// leaves the reply as it was, confirming inserts them.
func TestDeskCentreChangedBrowser(t *testing.T) {
	bctx, bcancel := browserContext(t)
	defer bcancel()
	srv, proxy, cfg := teamBehindProxy(t)
	proxy.serveCentres(oneCentre)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	enq := newCase(t, ctx, srv.URL, "Wo finde ich Hilfe in Berlin?")
	s := unlockT(t, ctx, cfg)
	dir, err := content.ParseCentres([]byte(oneCentre))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmCentres(ctx, dir); err != nil {
		t.Fatal(err)
	}
	s.Wipe()
	const forged = "+49 30 6666 666"
	proxy.serveCentres(strings.Replace(oneCentre, "+49 30 1234 000", forged, 1))

	_, u := startDesk(t, cfg, time.Minute)
	centreSel := `#centre-list button[data-centre="x"]`
	if err := openCaseInDesk(t, bctx, u, enq.keys.MailboxID, "#centres-toggle"); err != nil {
		t.Fatalf("open the case: %v", err)
	}
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS("#centres-toggle")),
		chromedp.WaitVisible(chromedp.CSS(centreSel)),
	); err != nil {
		t.Fatalf("open its centres: %v", err)
	}
	tagged, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#centre-list li .tag.warn").length`))
	if err != nil || tagged != 1 {
		t.Errorf("changed centre tagged %d times, %v", tagged, err)
	}
	if err := within(bctx, 10*time.Second,
		chromedp.Click(chromedp.CSS(centreSel)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
	); err != nil {
		t.Fatalf("inserting a changed centre does not ask: %v", err)
	}
	shot(t, bctx, "centre-changed")
	asked, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("confirm-text").textContent`))
	if err != nil || !strings.Contains(asked, forged) {
		t.Errorf("the question does not show the details: %q, %v", asked, err)
	}
	if err := within(bctx, 10*time.Second,
		chromedp.Click(chromedp.CSS(`#confirm-dialog button[value="no"]`)),
		chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Sleep(300*time.Millisecond),
	); err != nil {
		t.Fatal(err)
	}
	if reply, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS("#reply-text"))); err != nil || strings.Contains(reply, forged) {
		t.Errorf("cancelled, yet the reply holds the details: %q, %v", reply, err)
	}
	if err := within(bctx, 10*time.Second,
		clickAndConfirm(centreSel),
		chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")),
	); err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithTimeout(bctx, 10*time.Second)
	_, perr := chromedp.Run(pctx, chromedp.Poll[bool](`document.getElementById("reply-text").value.includes("`+forged+`")`))
	pcancel()
	if perr != nil {
		t.Errorf("confirmed, yet the details are not inserted: %v", perr)
	}
}
