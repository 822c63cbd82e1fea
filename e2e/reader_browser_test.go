package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/chromedp"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// sealUnchecked seals d as a counsellor's desk with a bug, or a counsellor
// with mk who means harm, could: without the writer's checks that
// crypto.SealDocument applies, padded to a bucket, to the team and the
// enquirer.
func sealUnchecked(t *testing.T, d *crypto.Document, to ...age.Recipient) []byte {
	t.Helper()
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	pt := append(js, bytes.Repeat([]byte(" "), 1024-len(js))...)
	ct := mailboxdtest.Encrypt(t, pt, to...)
	if err := crypto.CheckMessage(ct); err != nil {
		t.Fatalf("the server would refuse it: %v", err)
	}
	return ct
}

// TestReaderBrowser: counsellor replies whose sent is not RFC 3339 as the
// protocol means it (a ',' fraction, an offset of +24:00; the browser's
// Date cannot read either) leave the enquirer's thread readable in
// Chromium: each is a warning in its place, the replies around it are
// shown, and the person can still answer. The pickup code and passphrase
// are pasted wrapped in the bidi marks that text from right-to-left
// scripts carries.
func TestReaderBrowser(t *testing.T) {
	requireBrowser(t)
	srv, ctx, team := startTeam(t, 3*time.Minute, "LOTSE_POW_DIFFICULTY=0", "LOTSE_EXIT_URL="+exitURL)
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}

	enq := mailboxdtest.NewEnquirer(t)
	code, pass, keys := enq.Code, enq.Passphrase, enq.Keys
	id := keys.MailboxID
	own := keys.Identity.Recipient()
	teamR := team.Key.Recipient()
	first := enquirerDoc(t, keys, "Meine erste Nachricht.")
	first.Recipient = own.String()
	if _, err := c.CreateMailbox(ctx, client.NewMailbox{ID: id, Verifier: keys.Verifier[:], Epoch: 1, Message: seal(t, first, teamR, own)}); err != nil {
		t.Fatalf("create the mailbox: %v", err)
	}
	reply := func(ct []byte) {
		t.Helper()
		if _, err := team.Admin.Reply(ctx, id, client.NewMessage{Epoch: 1, Ciphertext: ct}); err != nil {
			t.Fatalf("reply: %v", err)
		}
	}
	reply(seal(t, counsellorDoc(t, id, first.MK, "Anna", "Erste Antwort vom Team."), teamR, own)) // seq 2
	badDates := []string{"2026-11-28T13:05:00,5Z", "2026-11-28T13:05:00+24:00"}
	for _, sent := range badDates { // seq 3, 4
		bad := counsellorDoc(t, id, first.MK, "Anna", "Antwort mit kaputtem Datum "+sent)
		bad.Sent = sent
		if _, err := crypto.PadDocument(bad); err == nil {
			t.Fatalf("the writer accepts sent %q", sent)
		}
		reply(sealUnchecked(t, bad, teamR, own))
	}
	reply(seal(t, counsellorDoc(t, id, first.MK, "Anna", "Zweite Antwort vom Team."), teamR, own)) // seq 5

	bctx, stop := newBrowser(t, "de-DE")
	defer stop()
	b := watchedTab(t, bctx, srv)
	w := b.w
	b.do("open the page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("b-start-return")))
	b.do("to the login", chromedp.Click(chromedp.ID("b-start-return")), chromedp.WaitVisible(chromedp.ID("code")))
	// Pasted, not typed: the value arrives whole, marks included.
	paste := func(field, value string) {
		js, _ := json.Marshal(value)
		eval[bool](b, fmt.Sprintf(`(document.getElementById(%q).value = %s, true)`, field, js))
	}
	paste("code", "\u200f"+crypto.FormatPickupCode(code)+"\u200f")
	paste("pass", "\u2067\u200e"+crypto.FormatPassphrase(pass)+"\u200b\u2069")
	b.do("log in", chromedp.Click(chromedp.ID("b-login-submit")), chromedp.WaitVisible(chromedp.CSS(`#thread li[data-seq="5"]`)))

	for seq, want := range map[int]string{1: "Meine erste Nachricht.", 2: "Erste Antwort vom Team.", 5: "Zweite Antwort vom Team."} {
		if got := b.text(fmt.Sprintf(`#thread li.message[data-seq="%d"] .body`, seq)); got != want {
			t.Errorf("message %d shows %q, want %q", seq, got, want)
		}
		// A date the browser can read is shown in German, not as written.
		if shown := b.text(fmt.Sprintf(`#thread li.message[data-seq="%d"] time`, seq)); strings.Contains(shown, "T") || !strings.Contains(shown, "20") {
			t.Errorf("message %d's date shows %q", seq, shown)
		}
	}
	for _, seq := range []int{3, 4} {
		if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll('#thread li.warning[data-seq="%d"]').length`, seq)); n != 1 {
			t.Errorf("message %d: %d warnings in its place, want 1", seq, n)
		}
	}
	if n := eval[int](b, `document.querySelectorAll("#thread li.message").length`); n != 3 {
		t.Errorf("%d messages shown, want 3", n)
	}
	if thread := b.text("#thread"); strings.Contains(thread, "kaputtem") {
		t.Error("a rejected reply's text is shown")
	}
	if msg := eval[string](b, `[...document.querySelectorAll(".form-error, #status")].filter(e => !e.hidden).map(e => e.textContent).join(" ")`); msg != "" {
		t.Errorf("the page shows an error: %q", msg)
	}

	// The thread is usable: an answer goes out and appears in it.
	b.do("answer", chromedp.SendKeys(chromedp.ID("reply"), "Danke, ich lese weiter."), chromedp.Click(chromedp.ID("b-thread-send")),
		chromedp.WaitVisible(chromedp.CSS(`#thread li.message.mine[data-seq="6"]`)))
	if _, problems := w.snapshot(); len(problems) > 0 {
		t.Errorf("browser problems: %v", problems)
	}
}

// TestCreateCheckOrder: the per-address creation limit answers before the
// proof of work (PROTOCOL.md §6's order of checks), so a limited address
// gets 429 whatever its proof, and uses up no challenge.
func TestCreateCheckOrder(t *testing.T) {
	srv, ctx, team := startTeam(t, time.Minute, "LOTSE_POW_DIFFICULTY=1", "LOTSE_CREATE_LIMIT=1/1h")
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	create := func(tamper bool) error {
		enq := mailboxdtest.NewEnquirer(t)
		keys := enq.Keys
		own := keys.Identity.Recipient()
		d := enquirerDoc(t, keys, "Hallo")
		d.Recipient = own.String()
		pow, err := c.Pow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		nonce, err := crypto.SolvePow(ctx, pow.Challenge, pow.Difficulty)
		if err != nil {
			t.Fatal(err)
		}
		if tamper {
			pow.Challenge[0] ^= 1
		}
		_, err = c.CreateMailbox(ctx, client.NewMailbox{ID: keys.MailboxID, Verifier: keys.Verifier[:], Epoch: 1,
			Message: seal(t, d, team.Key.Recipient(), own), Pow: &client.PowSolution{Challenge: pow.Challenge, Nonce: nonce}})
		return err
	}
	if err := create(false); err != nil {
		t.Fatalf("the first mailbox: %v", err)
	}
	wantAPIError(t, "a limited address with a forged proof of work", create(true), 429, "rate_limited")
}
