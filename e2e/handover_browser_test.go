package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// PROTOCOL.md §9.2–9.3, the enquirer's side, in Chromium at 320×640
// against the real mailboxd: a forged offer shows nothing; a real one
// names B and shows the note; no changes nothing but the case's state at
// A; a reload before the commit leaves the conversation at A; a reply
// arriving during the upload makes the commit 409 and the page starts
// over; yes moves it, and B reads every message and file with B's key; a
// server that then swaps B's team key gets the page's refusal and nothing
// it can open; and B reads what the enquirer writes next.

// handoverName is B's name as A's document gives it: markup in it must
// stay text.
const handoverName = "Fachberatung <i>Süd</i>"

// handoverConv is an attachConv with organisation B beside the front
// door's team A.
type handoverConv struct {
	*attachConv
	teamB   *mailboxdtest.Team
	sent    map[int]string // the body of each message, by seq
	offered int            // the seq of the newest offering reply
}

func openHandoverConv(t *testing.T) *handoverConv {
	t.Helper()
	cv := openAttachConv(t, 8*time.Minute)
	call(cv.b, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 320, Height: 640, DeviceScaleFactor: 1, Mobile: true})
	created, err := cv.team.Admin.CreateOrg(cv.ctx, "sued", "Fachberatung Süd")
	if err != nil {
		t.Fatalf("create organisation B: %v", err)
	}
	teamB, err := mailboxdtest.SetUpOrgTeam(cv.ctx, cv.team.Client, "sued", created.Setup, "Admin Süd")
	if err != nil {
		t.Fatalf("set up B's team: %v", err)
	}
	return &handoverConv{attachConv: cv, teamB: teamB, sent: map[int]string{1: "Meine erste Nachricht."}}
}

// offer sends a reply of A whose document offers the case to B, sealed
// with mk, and records the offer; it returns the reply's seq. As counsel
// writes an offer, the note is the document's body too (PROTOCOL.md §9.1).
func (hc *handoverConv) offer(mk, note string) int {
	hc.t.Helper()
	d := counsellorDoc(hc.t, hc.keys.MailboxID, mk, "Anna", note)
	d.Handover = &crypto.Handover{Org: "sued", Name: handoverName, Epoch: 1, Recipient: hc.teamB.Key.Recipient().String(), Note: note}
	seq, err := hc.team.Admin.Reply(hc.ctx, hc.keys.MailboxID, client.NewMessage{Epoch: 1, Ciphertext: seal(hc.t, d, hc.team.Key.Recipient(), hc.keys.Identity.Recipient())})
	if err != nil {
		hc.t.Fatalf("the offering reply: %v", err)
	}
	hc.seq = int(seq)
	hc.sent[hc.seq] = d.Body
	hc.offered = hc.seq
	if err := hc.team.Admin.OfferHandover(hc.ctx, hc.keys.MailboxID, "sued"); err != nil {
		hc.t.Fatalf("offer the case to B: %v", err)
	}
	return hc.seq
}

// panelShows waits for the consent panel and checks that it names B as
// text and shows the note.
func (hc *handoverConv) panelShows(note string) {
	hc.t.Helper()
	hc.b.do("the consent panel", chromedp.WaitVisible(chromedp.ID("b-handover-agree")))
	if got := eval[string](hc.b, `[...document.querySelectorAll("#handover .org-name")].map(e => e.textContent).join("|")`); got != strings.Repeat(handoverName+"|", 2)+handoverName {
		hc.t.Errorf("the panel names %q, want B's name three times as text", got)
	}
	if eval[bool](hc.b, `document.querySelector("#handover i") !== null`) {
		hc.t.Error("B's name became markup")
	}
	if got := eval[string](hc.b, `document.getElementById("handover-text").textContent`); got != note {
		hc.t.Errorf("the panel shows the note %q, want %q", got, note)
	}
	// The note is the offering reply's body too; the thread points to
	// the panel instead of showing it a second time.
	hc.noteOnce(note)
	if got := eval[string](hc.b, `[...document.querySelectorAll("#thread .offer-above")].map(e => e.closest("li").dataset.seq).join("|")`); got != fmt.Sprint(hc.offered) {
		hc.t.Errorf("the thread points to the panel from messages %q, want from %d", got, hc.offered)
	}
	if eval[bool](hc.b, `document.body.innerText.includes("⟦")`) {
		hc.t.Error("a text is missing in the page's language")
	}
	hc.fitsWidth("the consent panel")
}

// noteOnce requires the page to hold note exactly once.
func (hc *handoverConv) noteOnce(note string) {
	hc.t.Helper()
	q, _ := json.Marshal(note)
	if n := eval[int](hc.b, fmt.Sprintf(`document.body.textContent.split(%s).length - 1`, q)); n != 1 {
		hc.t.Errorf("the page shows the note %q %d times, want once", note, n)
	}
}

// teamsRead reads the case with one team's client and key and returns the
// thread, or the error of the read.
func (hc *handoverConv) teamsRead(c *client.Client, key age.Identity) (*client.CaseDetail, []crypto.ThreadEntry, error) {
	cd, err := c.Case(hc.ctx, hc.keys.MailboxID, 0)
	if err != nil {
		return nil, nil, err
	}
	stored := make([]crypto.StoredMessage, len(cd.Messages))
	for i, m := range cd.Messages {
		stored[i] = crypto.StoredMessage{Seq: m.Seq, From: m.From, Ciphertext: m.Ciphertext}
	}
	entries, _ := crypto.ReadThread(hc.keys.MailboxID, nil, stored, key)
	return cd, entries, nil
}

// readsAll requires entries to hold every message sent, each with its
// body, but forged, which no team can read as a document.
func (hc *handoverConv) readsAll(who string, entries []crypto.ThreadEntry, forged int) {
	hc.t.Helper()
	if len(entries) != hc.seq {
		hc.t.Fatalf("%s reads %d messages, want %d", who, len(entries), hc.seq)
	}
	for _, e := range entries {
		if int(e.Seq) == forged {
			if e.Err == nil {
				hc.t.Errorf("%s: the forged message %d passes the reader rules", who, e.Seq)
			}
			continue
		}
		if e.Err != nil || e.Doc == nil {
			hc.t.Fatalf("%s: message %d: %v", who, e.Seq, e.Err)
		}
		if want := hc.sent[int(e.Seq)]; e.Doc.Body != want {
			hc.t.Errorf("%s: message %d reads %q, want %q", who, e.Seq, e.Doc.Body, want)
		}
	}
}

func TestHandoverBrowser(t *testing.T) {
	requireBrowser(t)
	hc := openHandoverConv(t)
	b := hc.b

	// A answers with a photo, and the enquirer writes again.
	photo := bytes.Repeat([]byte("ein Foto vom Vertrag "), 4000)
	sum := sha256.Sum256(photo)
	ref := crypto.Attachment{ID: hc.upload(photo), Name: "vertrag.jpg", Type: "image/jpeg", Size: len(photo), SHA256: base64.StdEncoding.EncodeToString(sum[:])}
	hc.reply("Hier ist das Foto zurück.", []crypto.Attachment{ref})
	hc.sent[hc.seq] = "Hier ist das Foto zurück."
	hc.send("Danke.")
	hc.sent[hc.seq] = "Danke."

	// A forged offer: a document sealed with a wrong mk, which only a
	// server or someone who never read the case could send. The server
	// says an offer is open; the page shows none, and does not fail.
	wrong := make([]byte, 32)
	rand.Read(wrong)
	forged := hc.offer(base64.StdEncoding.EncodeToString(wrong), "Gefälscht.")
	b.do("see the forged reply as a warning", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#thread li.warning[data-seq="%d"]`, forged))))
	b.do("open the page again", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("b-start-return")))
	hc.login()
	b.do("the thread after the forged offer", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#thread li.warning[data-seq="%d"]`, forged))))
	if eval[bool](b, `document.getElementById("handover") !== null || document.getElementById("b-handover-agree") !== null`) {
		t.Fatal("a forged offer shows the consent panel")
	}

	// A real offer reaches the open page and names B.
	const note1 = "Dort spricht man Rumänisch.\nDie Stelle ist in Ihrer Nähe."
	hc.offer(hc.mk, note1)
	hc.panelShows(note1)

	// No: the offer closes, the case at A shows it declined.
	b.do("decline", chromedp.Click(chromedp.ID("b-handover-decline")), chromedp.WaitVisible(chromedp.ID("handover-said")))
	// The panel is gone, so the thread shows the note as the reply it is.
	hc.noteOnce(note1)
	if got := eval[string](b, fmt.Sprintf(`document.querySelector('#thread li[data-seq="%d"] .body').textContent`, hc.offered)); got != note1 {
		t.Errorf("after the no, the offering reply reads %q, want the note %q", got, note1)
	}
	cd, err := hc.team.Admin.Case(hc.ctx, hc.keys.MailboxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cd.Handover == nil || cd.Handover.State != "declined" || cd.Handover.Org != "sued" {
		t.Fatalf("A's case after the no: handover %+v, want declined for sued", cd.Handover)
	}

	// A second offer, read in Arabic, right to left at 320 px.
	eval[bool](b, `(() => { const s = document.getElementById("lang"); s.value = "ar"; s.dispatchEvent(new Event("change")); return true; })()`)
	if !waitFor(b, `document.documentElement.dir === "rtl" && document.documentElement.lang === "ar"`) {
		b.fail("switch to Arabic", errorString("the page is not right to left in Arabic"))
	}
	const note2 = "Bitte überlegen Sie es sich noch einmal."
	hc.offer(hc.mk, note2)
	hc.panelShows(note2)
	if got := eval[string](b, `getComputedStyle(document.querySelector("#handover .org-name")).unicodeBidi`); got != "isolate" {
		t.Errorf("B's name is set with unicode-bidi %q right to left, want isolate", got)
	}
	if got := eval[string](b, `getComputedStyle(document.getElementById("handover")).direction`); got != "rtl" {
		t.Errorf("the panel runs %s in Arabic", got)
	}

	// Yes, and the page is reloaded before the commit: the upload is
	// held at the commit, and the page goes away meanwhile.
	paused := chromedp.Events(b.ctx, fetch.RequestPaused)
	atCommit := make(chan fetch.RequestID, 1)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			atCommit <- ev.RequestID
			return
		}
	}()
	call(b, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/api/v1/mailbox/handover/*/commit", RequestStage: fetch.RequestStageRequest}}})
	b.do("agree", chromedp.Click(chromedp.ID("b-handover-agree")))
	var held fetch.RequestID
	select {
	case held = <-atCommit:
	case <-time.After(stepTimeout):
		b.fail("the upload reaching its commit", errorString("no commit request"))
	}
	items := hc.seq + 1 // every message and the photo
	if got := eval[string](b, `(() => { const p = document.getElementById("handover-progress"); return p.value + "/" + p.max; })()`); got != fmt.Sprintf("%d/%d", items, items) {
		t.Errorf("the progress bar at the commit shows %s, want %d/%d", got, items, items)
	}
	call(b, fetch.FailRequest, fetch.FailRequestParams{RequestID: held, ErrorReason: network.ErrorReasonAborted})
	call(b, fetch.Disable, struct{}{})
	b.do("reload before the commit", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("b-start-return")))

	// Still at A and readable there; after logging in the offer is there
	// again, and the conversation is whole.
	_, entries, err := hc.teamsRead(hc.team.Admin, hc.team.Key)
	if err != nil {
		t.Fatalf("A reads the case after the reload: %v", err)
	}
	hc.readsAll("A after the reload", entries, forged)
	hc.login()
	hc.panelShows(note2)
	if n := eval[int](b, `document.querySelectorAll("#thread li[data-seq]").length`); n != hc.seq {
		t.Errorf("the page shows %d messages after the reload, want %d", n, hc.seq)
	}

	// Yes again, and A's reply arrives while the upload waits at its
	// commit: the commit is 409 handover_conflict, the page starts over
	// from a fresh read (PROTOCOL.md §9.3), and the conversation moves to
	// B with the reply.
	paused = chromedp.Events(b.ctx, fetch.RequestPaused)
	var commits atomic.Int32
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			// Every listener sees every paused request: the later ones
			// are another part's.
			if !strings.HasSuffix(ev.Request.URL, "/commit") {
				continue
			}
			if commits.Add(1) == 1 {
				atCommit <- ev.RequestID
				continue
			}
			chromedp.Call(b.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()
	call(b, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/api/v1/mailbox/handover/*/commit", RequestStage: fetch.RequestStageRequest}}})
	b.do("agree again", chromedp.Click(chromedp.ID("b-handover-agree")))
	select {
	case held = <-atCommit:
	case <-time.After(stepTimeout):
		b.fail("the upload reaching its commit again", errorString("no commit request"))
	}
	const meanwhile = "Noch eine Antwort, während Ihr Gerät überträgt."
	d := counsellorDoc(t, hc.keys.MailboxID, hc.mk, "Anna", meanwhile)
	if _, err := hc.team.Admin.Reply(hc.ctx, hc.keys.MailboxID, client.NewMessage{Epoch: 1, Ciphertext: seal(t, d, hc.team.Key.Recipient(), hc.keys.Identity.Recipient())}); err != nil {
		t.Fatalf("A's reply during the upload: %v", err)
	}
	hc.seq++
	hc.sent[hc.seq] = meanwhile
	call(b, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held})
	b.do("the move after the conflict", chromedp.WaitVisible(chromedp.ID("handover-moved")))
	call(b, fetch.Disable, struct{}{})
	if n := commits.Load(); n != 2 {
		t.Errorf("%d commits, want the one refused and one after starting over", n)
	}
	if got := eval[string](b, `document.querySelector("#handover-moved .org-name").textContent`); got != handoverName {
		t.Errorf("the page says the conversation is now with %q, want %q", got, handoverName)
	}
	hc.noteOnce(note2) // in the thread, the panel's question answered
	if _, err := hc.team.Admin.Case(hc.ctx, hc.keys.MailboxID, 0); err == nil {
		t.Error("A still reads the case after the commit")
	}
	cd, entries, err = hc.teamsRead(hc.teamB.Admin, hc.teamB.Key)
	if err != nil {
		t.Fatalf("B reads the case: %v", err)
	}
	hc.readsAll("B", entries, forged)
	if cd.Forwarded == nil || cd.Forwarded.Count != uint64(hc.seq) {
		t.Errorf("B's case is forwarded %+v, want %d messages", cd.Forwarded, hc.seq)
	}
	ct, err := hc.teamB.Admin.Attachment(hc.ctx, hc.keys.MailboxID, ref.ID)
	if err != nil {
		t.Fatalf("B downloads the photo: %v", err)
	}
	if got, err := crypto.OpenAttachment(ct, hc.teamB.Key, ref.Size, sum[:]); err != nil || !bytes.Equal(got, photo) {
		t.Errorf("B opens the photo: %v", err)
	}

	// A hostile server answers B's team (GET /api/v1/team?org=sued) with
	// a key of its own under B's epoch, and the message with stale_epoch
	// so that the page asks again: the page keeps the key of the
	// document it agreed to, refuses and says why, and nothing it sent
	// opens with the server's key (PROTOCOL.md §6.3).
	attacker := hc.swapTeamKey()
	const next = "Jetzt schreibe ich Ihnen."
	before := hc.seq
	b.do("write to B while the server swaps B's key", chromedp.SendKeys(chromedp.ID("reply"), next), chromedp.Click(chromedp.ID("b-thread-send")))
	if !waitFor(b, `[...document.querySelectorAll(".form-error")].filter(e => !e.hidden && e.textContent !== "").map(e => e.textContent).join("|") !== ""`) {
		b.fail("the refusal", errorString("no message on the page"))
	}
	if got, want := eval[string](b, `[...document.querySelectorAll(".form-error")].filter(e => !e.hidden && e.textContent !== "").map(e => e.textContent).join("|")`), catalogueOf(t, "de")["err.teamKey"]; got != want {
		t.Errorf("the page says %q, want the team-key message %q", got, want)
	}
	if got := eval[string](b, `document.getElementById("reply").value`); got != next {
		t.Errorf("the reply field holds %q after the refusal, want the text kept", got)
	}
	if n := attacker.leaked.Load(); n != 0 || attacker.posts.Load() == 0 {
		t.Errorf("%d of %d messages posted while the server swapped B's key were sealed to its key, want none of at least one", n, attacker.posts.Load())
	}
	if attacker.asked.Load() == 0 {
		t.Error("the page never asked for B's team key")
	}
	if cd, err := hc.teamB.Admin.Case(hc.ctx, hc.keys.MailboxID, 0); err != nil || len(cd.Messages) != before {
		t.Fatalf("B's case after the refused message: %v", err)
	}

	// The server honest again, the kept text goes to B's key from the
	// document, not to A's nor the server's.
	call(b, fetch.Disable, struct{}{})
	hc.seq++
	b.do("send again", chromedp.Click(chromedp.ID("b-thread-send")),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#thread li.message.mine[data-seq="%d"]`, hc.seq))))
	hc.sent[hc.seq] = next
	_, entries, err = hc.teamsRead(hc.teamB.Admin, hc.teamB.Key)
	if err != nil {
		t.Fatal(err)
	}
	hc.readsAll("B after the next message", entries, forged)
	last := entries[len(entries)-1]
	if _, err := crypto.OpenDocument(hc.lastCiphertext(), hc.team.Key); err == nil {
		t.Errorf("A's key opens message %d, sent after the handover", last.Seq)
	}
	if _, err := crypto.OpenDocument(hc.lastCiphertext(), attacker.key); err == nil {
		t.Errorf("the server's key opens message %d", last.Seq)
	}

	hc.fitsWidth("after the handover")
	if c := call(b, storage.GetCookies, storage.GetCookiesParams{}); len(c.Cookies) != 0 {
		t.Errorf("%d cookies stored", len(c.Cookies))
	}
	// The commit the test aborted, the one refused with 409, and the
	// messages the hostile server answered with 409.
	hc.leavesNothing("/commit", "status of 409 (Conflict)")
}

// keySwap is a hostile server's answer to GET /api/v1/team: its own key
// under the real epoch.
type keySwap struct {
	key    *age.HybridIdentity
	asked  atomic.Int32 // team requests answered with the key
	posts  atomic.Int32 // messages posted meanwhile
	leaked atomic.Int32 // of them, sealed to the key
}

// swapTeamKey answers every GET /api/v1/team of the page, from now until
// fetch.Disable, with a key of the server's own under B's epoch, and
// every message the page posts meanwhile with 409 stale_epoch, so that
// the page asks for the team's key again; it counts the messages and
// those the key opens.
func (hc *handoverConv) swapTeamKey() *keySwap {
	hc.t.Helper()
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		hc.t.Fatal(err)
	}
	ks := &keySwap{key: id}
	r := id.Recipient().String()
	forged, _ := json.Marshal(map[string]any{"epoch": 1, "recipient": r, "fingerprint": crypto.Fingerprint(r), "online": true})
	paused := chromedp.Events(hc.b.ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			if ev.Request.Method == "GET" && strings.Contains(ev.Request.URL, "/api/v1/team") {
				ks.asked.Add(1)
				chromedp.Call(hc.b.ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/json"}, {Name: "Cache-Control", Value: "no-store"}}, Body: forged})
				continue
			}
			if ev.Request.Method == "POST" {
				ks.posts.Add(1)
				var body []byte
				for _, e := range ev.Request.PostDataEntries {
					body = append(body, e.Bytes...)
				}
				var m client.NewMessage
				if json.Unmarshal(body, &m) == nil && len(m.Ciphertext) > 0 {
					if _, err := crypto.OpenDocument(m.Ciphertext, id); err == nil {
						ks.leaked.Add(1)
					}
				}
				chromedp.Call(hc.b.ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 409,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/json"}}, Body: []byte(`{"error":"stale_epoch","message":"stale epoch"}`)})
				continue
			}
			chromedp.Call(hc.b.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()
	call(hc.b, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/api/v1/team*", RequestStage: fetch.RequestStageRequest},
		{URLPattern: "*/api/v1/mailbox/messages", RequestStage: fetch.RequestStageRequest},
	}})
	return ks
}

// lastCiphertext is the newest message's ciphertext as B's desk gets it.
func (hc *handoverConv) lastCiphertext() []byte {
	hc.t.Helper()
	cd, err := hc.teamB.Admin.Case(hc.ctx, hc.keys.MailboxID, uint64(hc.seq-1))
	if err != nil || len(cd.Messages) != 1 {
		hc.t.Fatalf("B reads the newest message: %v", err)
	}
	return cd.Messages[0].Ciphertext
}

// TestHandoverTiming logs how long the enquirer's device takes to forward
// a full conversation (200 messages, the most a mailbox holds) to B in
// headless Chromium at 320 px: from "yes" to "now with B", which re-seals
// every message, uploads each and commits (README "Measured"). It asserts
// only that B then reads all of it.
func TestHandoverTiming(t *testing.T) {
	requireBrowser(t)
	hc := openHandoverConv(t)
	b := hc.b
	const n = 200
	for hc.seq < n-1 {
		body := fmt.Sprintf("Antwort %d. %s", hc.seq+1, strings.Repeat("Ein Satz, wie ihn eine Beraterin schreibt. ", 10))
		d := counsellorDoc(t, hc.keys.MailboxID, hc.mk, "Anna", body)
		seq, err := hc.team.Admin.Reply(hc.ctx, hc.keys.MailboxID, client.NewMessage{Epoch: 1, Ciphertext: seal(t, d, hc.team.Key.Recipient(), hc.keys.Identity.Recipient())})
		if err != nil {
			t.Fatalf("reply %d: %v", hc.seq+1, err)
		}
		hc.seq = int(seq)
		hc.sent[hc.seq] = body
	}
	const note = "Eine Stelle in Ihrer Nähe."
	hc.offer(hc.mk, note)
	b.do("open the page again", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("b-start-return")))
	hc.login()
	hc.panelShows(note)
	start := time.Now()
	b.do("agree", chromedp.Click(chromedp.ID("b-handover-agree")))
	// The upload's PUTs do not count toward the per-address limit; the
	// bound is the upload's ten minutes, with room for a slow machine.
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("handover-moved"))); err != nil {
		b.fail("the handover of a full conversation", err)
	}
	took := time.Since(start)
	uploads := 0
	requests, _ := hc.w.snapshot()
	for _, u := range requests {
		if strings.Contains(u, "/api/v1/mailbox/handover/") {
			uploads++
		}
	}
	_, entries, err := hc.teamsRead(hc.teamB.Admin, hc.teamB.Key)
	if err != nil {
		t.Fatalf("B reads the case: %v", err)
	}
	hc.readsAll("B", entries, 0)
	t.Logf("handover of %d messages in the browser (re-seal, upload, commit): %d ms, %d upload requests", n, took.Milliseconds(), uploads)
}
