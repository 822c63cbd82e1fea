package counsel

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDeskAttachmentRoutes: a checked file reaches the page only as bytes
// to save under a neutral name; a forged one only as its warning; staged
// files are bounded and go with the reply that names them.
func TestDeskAttachmentRoutes(t *testing.T) {
	tt := newDeskTest(t)
	d, base, ctx := tt.d, tt.base, tt.ctx
	enq := tt.newCase(t, "Hallo")
	photo := testPNG(t, 40, 30)
	if err := enq.attach(ctx, "Mein Zimmer.", attachHonest, []string{"<b>zimmer</b>.png"}, [][]byte{photo}); err != nil {
		t.Fatal(err)
	}
	if err := enq.attach(ctx, "Gefälscht.", attachForged, []string{"pass.png"}, [][]byte{testPNG(t, 4, 4)}); err != nil {
		t.Fatal(err)
	}
	id := enq.keys.MailboxID
	if st, b := deskDo(t, d, base, "POST", "/api/unlock", `{"passphrase":"`+testPassphrase+`"}`); st != 200 {
		t.Fatalf("unlock: %d %s", st, b)
	}

	st, hdr, body := deskExchange(t, d, base, "GET", "/api/cases/"+id+"/messages/2/attachments/0", "")
	if st != 200 || !bytes.Equal(body, photo) {
		t.Fatalf("checked attachment: %d, %d bytes", st, len(body))
	}
	if ct, cd := hdr.Get("Content-Type"), hdr.Get("Content-Disposition"); ct != "application/octet-stream" || cd != `attachment; filename="lotse-attachment.png"` {
		t.Errorf("served as %q, %q", ct, cd)
	}
	if hdr.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("the desk's headers are missing: %v", hdr)
	}
	st, _, body = deskExchange(t, d, base, "GET", "/api/cases/"+id+"/messages/3/attachments/0", "")
	if st != 422 || !strings.Contains(string(body), `"attachment_warning"`) || bytes.Contains(body, []byte("PNG")) {
		t.Errorf("forged attachment: %d %s", st, body)
	}
	for _, p := range []string{"/messages/2/attachments/1", "/messages/99/attachments/0"} {
		if st, _, b := deskExchange(t, d, base, "GET", "/api/cases/"+id+p, ""); st != 404 {
			t.Errorf("%s: %d %s", p, st, b)
		}
	}
	for _, p := range []string{"/messages/x/attachments/0", "/messages/2/attachments/-1", "/messages/2/attachments/5"} {
		if st, _, b := deskExchange(t, d, base, "GET", "/api/cases/"+id+p, ""); st != 400 {
			t.Errorf("%s: %d %s", p, st, b)
		}
	}
	// The thread shows both, the forged one as a warning.
	_, _, body = deskExchange(t, d, base, "GET", "/api/cases/"+id, "")
	for _, want := range []string{`"name":"\u003cb\u003ezimmer\u003c/b\u003e.png","type":"image/png","size":` + strconv.Itoa(len(photo)) + `,"state":"checked","image":"png"`, `"name":"pass.png","type":"image/png","size":`, `"state":"warning","warning":"attachment does not match its reference`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("thread lacks %s:\n%s", want, body)
		}
	}

	// Staging: bad files are refused, at most 5 wait, an unknown id is
	// refused before anything is sent.
	stage := func(name, b64 string) (int, string) {
		st, b := deskDo(t, d, base, "POST", "/api/cases/"+id+"/attachments", `{"name":"`+name+`","data":"`+b64+`"}`)
		return st, string(b)
	}
	if st, b := stage("leer.pdf", ""); st != 400 || !strings.Contains(b, "is empty") {
		t.Errorf("empty file: %d %s", st, b)
	}
	if st, b := stage(`a\u001b[2J.pdf`, "eA=="); st != 400 || !strings.Contains(b, "bad_attachment") {
		t.Errorf("name with an escape: %d %s", st, b)
	}
	var staged []string
	for i := range 6 {
		st, b := stage("blatt.pdf", "JVBERi0xLjQ=")
		if i < 5 {
			if st != 200 {
				t.Fatalf("stage %d: %d %s", i, st, b)
			}
			staged = append(staged, b[strings.Index(b, `"id":"`)+6:][:22])
		} else if st != 400 || !strings.Contains(b, "6 files attached, at most 5") {
			t.Errorf("sixth staged file: %d %s", st, b)
		}
	}
	if st, b := deskDo(t, d, base, "POST", "/api/cases/"+id+"/reply", `{"body":"x","attachments":["AAAAAAAAAAAAAAAAAAAAAA"]}`); st == 200 {
		t.Errorf("reply with an unknown staged file: %d %s", st, b)
	}
	if st, b := deskDo(t, d, base, "DELETE", "/api/cases/"+id+"/attachments/"+staged[4], `{}`); st != 200 {
		t.Errorf("unstage: %d %s", st, b)
	}
	if st, b := deskDo(t, d, base, "POST", "/api/cases/"+id+"/reply", `{"body":"Anbei zwei Blätter.","attachments":["`+staged[0]+`","`+staged[1]+`"]}`); st != 200 {
		t.Fatalf("reply with two staged files: %d %s", st, b)
	}
	got, err := enq.replyAttachment(ctx, "blatt.pdf")
	if err != nil || string(got) != "%PDF-1.4" {
		t.Errorf("the enquirer reads %q, %v", got, err)
	}
	// Sent files are gone from the desk; the others wait.
	if st, b := deskDo(t, d, base, "POST", "/api/cases/"+id+"/reply", `{"body":"noch einmal","attachments":["`+staged[0]+`"]}`); st == 200 {
		t.Errorf("a sent file was sent again: %d %s", st, b)
	}
	d.threadMu.Lock()
	left := d.stagedCount()
	d.threadMu.Unlock()
	if left != 2 {
		t.Errorf("%d files staged after the reply, want 2", left)
	}
	d.lock()
	if st, _, _ := deskExchange(t, d, base, "GET", "/api/cases/"+id+"/messages/2/attachments/0", ""); st != 423 {
		t.Errorf("locked desk serves an attachment: %d", st)
	}
}

// TestDeskAttachmentsBrowser: in Chromium, an enquirer's photo shows with
// its state and as a preview the page decoded onto a canvas (never an
// <img>), a forged one only as a warning, and a file attached to a reply
// reaches the enquirer intact.
func TestDeskAttachmentsBrowser(t *testing.T) {
	bctx := chromium(t)
	tt := newDeskTest(t)
	ctx := tt.ctx
	enq := tt.newCase(t, "Hallo, hier ist ein Foto von meinem Zimmer.")
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 40, 30)), nil); err != nil {
		t.Fatal(err)
	}
	if err := enq.attach(ctx, "Das Zimmer und der Flur.", attachHonest, []string{"zimmer.png", "flur.jpg"}, [][]byte{testPNG(t, 64, 48), jpg.Bytes()}); err != nil {
		t.Fatal(err)
	}
	// Its name would read "passexe.png" if the page let it reorder text.
	if err := enq.attach(ctx, "Der Pass.", attachForged, []string{"pass\u202egnp.exe"}, [][]byte{testPNG(t, 8, 8)}); err != nil {
		t.Fatal(err)
	}
	id := enq.keys.MailboxID
	if err := openCaseInDesk(t, bctx, tt.u, id, `#messages .attachment[data-state="checked"]`); err != nil {
		t.Fatalf("open the case: %v", err)
	}
	ok, err := text(bctx, `#messages .attachment[data-state="checked"]`)
	if err != nil || !strings.Contains(ok, "zimmer.png") || !strings.Contains(ok, "image/png") || !strings.Contains(ok, "geprüft") {
		t.Errorf("the checked attachment reads %q (%v)", ok, err)
	}
	warn, err := text(bctx, `#messages .attachment.warn`)
	if err != nil || !strings.Contains(warn, "pass\uFFFDgnp.exe") || !strings.HasPrefix(warn, "Warnung") {
		t.Errorf("the forged attachment reads %q (%v)", warn, err)
	}
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS(`#messages .attachment[data-state="checked"] .att-preview`)),
		chromedp.WaitVisible(chromedp.CSS(`#messages canvas.att-canvas`)),
	); err != nil {
		t.Fatalf("preview: %v", err)
	}
	// A JPEG beside it, decoded the same way.
	if err := within(bctx, 20*time.Second,
		chromedp.Click(chromedp.CSS(`#messages .attachment[data-state="checked"]:nth-child(2) .att-preview`)),
		chromedp.WaitVisible(chromedp.CSS(`#messages .attachment:nth-child(2) canvas.att-canvas`)),
	); err != nil {
		t.Fatalf("preview of the JPEG: %v", err)
	}
	size, err := chromedp.Run(bctx, chromedp.Evaluate[[]int](`(() => { const c = document.querySelector("#messages .attachment:nth-child(2) canvas"); return [c.width, c.height]; })()`))
	if err != nil || len(size) != 2 || size[0] != 40 || size[1] != 30 {
		t.Errorf("JPEG canvas %v, %v", size, err)
	}
	shot(t, bctx, "attachments")
	// The canvas holds the decoded pixels: 64×48, red on the left, blue
	// on the right; no <img> and no object URL carries the file.
	px, err := chromedp.Run(bctx, chromedp.Evaluate[[]int](`(() => {
		const c = document.querySelector("#messages canvas.att-canvas");
		const g = c.getContext("2d");
		const l = g.getImageData(5, 20, 1, 1).data, r = g.getImageData(58, 20, 1, 1).data;
		return [c.width, c.height, l[0], l[2], r[0], r[2], document.querySelectorAll("#messages img, #messages [src]").length];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(px) != 7 || px[0] != 64 || px[1] != 48 || px[2] < 200 || px[3] > 30 || px[4] > 30 || px[5] < 200 || px[6] != 0 {
		t.Errorf("canvas [w h leftR leftB rightR rightB imgs] = %v", px)
	}

	// An information sheet goes with a reply.
	sheet := filepath.Join(t.TempDir(), "infoblatt.pdf")
	const content = "%PDF-1.4\nIhre Rechte bei der Arbeit.\n"
	if err := os.WriteFile(sheet, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := within(bctx, 30*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#reply-file"), []string{sheet}),
		chromedp.WaitVisible(chromedp.CSS("#reply-staged li")),
		chromedp.SendKeys(chromedp.CSS("#reply-text"), "Anbei ein Infoblatt."),
		chromedp.Click(chromedp.CSS("#reply-send")),
		chromedp.WaitVisible(chromedp.CSS(`#messages .msg.counsellor .attachment[data-state="checked"]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#reply-staged li")),
	); err != nil {
		t.Fatalf("reply with a file: %v", err)
	}
	got, err := enq.replyAttachment(ctx, "infoblatt.pdf")
	if err != nil || string(got) != content {
		t.Errorf("the enquirer reads %q, %v", got, err)
	}
}
