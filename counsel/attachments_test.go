package counsel

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"lotse/api/client"
	"lotse/crypto"
)

// How an enquirer's upload differs from the file its reference names.
const (
	attachHonest = iota
	// attachForged: the ciphertext of other bytes, what a server, or
	// anyone who swaps the upload, would show the counsellor.
	attachForged
	// attachTruncated: the reference names a file larger than the
	// upload's bucket holds.
	attachTruncated
)

// attach sends body with files attached, as the web client does: each
// file sealed to the team and to the enquirer, uploaded, and referenced
// in the document and the post; mode says how the uploads lie.
func (e *enquirer) attach(ctx context.Context, body string, mode int, names []string, files [][]byte) error {
	team, err := e.c.Team(ctx)
	if err != nil {
		return err
	}
	teamR, err := crypto.ParseRecipient(team.Recipient)
	if err != nil {
		return err
	}
	api := e.c.WithToken(e.keys.Bearer())
	d := e.doc(body)
	var ids []string
	for i, f := range files {
		sealed := f
		if mode == attachForged {
			sealed = append([]byte("forged "), f...)
		}
		ct, err := crypto.SealAttachment(sealed, teamR, e.keys.Identity.Recipient())
		if err != nil {
			return err
		}
		id, err := api.UploadMailboxAttachment(ctx, ct)
		if err != nil {
			return err
		}
		ref := crypto.NewAttachment(id, names[i], mediaTypeOf(names[i], f), f)
		if mode == attachTruncated {
			ref.Size = crypto.AttachmentBuckets[0] + 1
		}
		d.Attachments = append(d.Attachments, ref)
		ids = append(ids, id)
	}
	ct, err := crypto.SealDocument(d, teamR, e.keys.Identity.Recipient())
	if err != nil {
		return err
	}
	_, err = api.PostMessage(ctx, client.NewMessage{Epoch: team.Epoch, Ciphertext: ct, Attachments: ids})
	return err
}

// replyAttachment returns the bytes of the attachment named name of the
// newest counsellor reply that has one, decrypted and checked by the
// enquirer.
func (e *enquirer) replyAttachment(ctx context.Context, name string) ([]byte, error) {
	entries, err := e.read(ctx)
	if err != nil {
		return nil, err
	}
	api := e.c.WithToken(e.keys.Bearer())
	for i := len(entries) - 1; i >= 0; i-- {
		en := entries[i]
		if en.From != crypto.FromCounsellor {
			continue
		}
		for _, a := range en.Doc.Attachments {
			if a.Name != name {
				continue
			}
			ct, err := api.MailboxAttachment(ctx, a.ID)
			if err != nil {
				return nil, err
			}
			sum, err := base64.StdEncoding.DecodeString(a.SHA256)
			if err != nil {
				return nil, err
			}
			return crypto.OpenAttachment(ct, e.keys.Identity, a.Size, sum)
		}
	}
	return nil, fmt.Errorf("no counsellor reply has an attachment %q", name)
}

// cmdEnquirerAttach is "enquirer-attach [-forge|-truncate] TEXT
// FILE...": the script's enquirer (after "enquirer write") writes TEXT
// with the files.
func cmdEnquirerAttach(ts *testscript.TestScript, neg bool, args []string) {
	mode := attachHonest
	if len(args) > 0 {
		switch args[0] {
		case "-forge":
			mode, args = attachForged, args[1:]
		case "-truncate":
			mode, args = attachTruncated, args[1:]
		}
	}
	if len(args) < 2 {
		ts.Fatalf("usage: enquirer-attach [-forge|-truncate] TEXT FILE...")
	}
	e := scriptEnquirer(ts)
	var names []string
	var files [][]byte
	for _, f := range args[1:] {
		names = append(names, filepath.Base(f))
		files = append(files, []byte(ts.ReadFile(f)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
	defer cancel()
	ts.Check(e.attach(ctx, args[0], mode, names, files))
}

// cmdEnquirerAttachment is "enquirer-attachment NAME FILE": the newest
// counsellor reply with an attachment NAME carries exactly FILE's bytes,
// as the enquirer decrypts and checks them.
func cmdEnquirerAttachment(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: enquirer-attachment NAME FILE")
	}
	e := scriptEnquirer(ts)
	ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
	defer cancel()
	got, err := e.replyAttachment(ctx, args[0])
	ts.Check(err)
	if !bytes.Equal(got, []byte(ts.ReadFile(args[1]))) {
		ts.Fatalf("attachment %s: %d bytes differ from %s", args[0], len(got), args[1])
	}
}

// cmdEnquirerReference is "enquirer-reference TEXT ID NAME": the
// script's enquirer writes TEXT naming the upload ID again, as NAME, with
// another size and sha256: what a hostile sender does to make the desk
// fetch one upload again and again.
func cmdEnquirerReference(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: enquirer-reference TEXT ID NAME")
	}
	e := scriptEnquirer(ts)
	ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
	defer cancel()
	team, err := e.c.Team(ctx)
	ts.Check(err)
	teamR, err := crypto.ParseRecipient(team.Recipient)
	ts.Check(err)
	d := e.doc(args[0])
	d.Attachments = []crypto.Attachment{crypto.NewAttachment(args[1], args[2], "application/pdf", []byte("other"))}
	ct, err := crypto.SealDocument(d, teamR, e.keys.Identity.Recipient())
	ts.Check(err)
	_, err = e.c.WithToken(e.keys.Bearer()).PostMessage(ctx, client.NewMessage{Epoch: team.Epoch, Ciphertext: ct})
	ts.Check(err)
}

func scriptEnquirer(ts *testscript.TestScript) *enquirer {
	scriptMu.Lock()
	e := enquirers[ts]
	scriptMu.Unlock()
	if e == nil {
		ts.Fatalf("no enquirer yet: enquirer write first")
	}
	return e
}

// testPNG is a w×h PNG, left half red, right half blue.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 220, A: 255}
			if x >= w/2 {
				c = color.RGBA{B: 220, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestNewFile(t *testing.T) {
	long := string(bytes.Repeat([]byte("ä"), 129))
	for _, tc := range []struct {
		name    string
		data    []byte
		want    string // type, or "" for an error
		wantErr msg
	}{
		{"infoblatt.pdf", []byte("%PDF-1.4"), "application/pdf", msg{}},
		{"/some/dir/Merkblatt.PDF", []byte("%PDF-1.4"), "application/pdf", msg{}},
		{"notiz", []byte("hello"), "text/plain", msg{}},
		{"bild", testPNG(t, 2, 2), "image/png", msg{}},
		{"blob", []byte{0, 1, 2, 0xff}, "application/octet-stream", msg{}},
		{"leer.txt", nil, "", mErrAttachmentEmpty},
		{"gross.pdf", make([]byte, maxAttachmentFile+1), "", mErrAttachmentTooLarge},
		{"genau.pdf", make([]byte, maxAttachmentFile), "application/pdf", msg{}},
		{long + ".pdf", []byte("x"), "", mErrAttachmentName},
		{"a\x1b[2Jb.pdf", []byte("x"), "", mErrAttachmentName},
		{"rechnung\u202efdp.exe", []byte("x"), "", mErrAttachmentName},
		{"bad\xff.pdf", []byte("x"), "", mErrAttachmentName},
		{"", []byte("x"), "", mErrAttachmentName},
		{"/", []byte("x"), "", mErrAttachmentName},
		{"a/..", []byte("x"), "", mErrAttachmentName},
	} {
		f, err := NewFile(tc.name, tc.data)
		switch {
		case tc.want == "" && !isMsg(err, tc.wantErr):
			t.Errorf("NewFile(%q): %v, want %s", tc.name, err, tc.wantErr.id)
		case tc.want != "" && err != nil:
			t.Errorf("NewFile(%q): %v", tc.name, err)
		case tc.want != "" && (f.Type != tc.want || f.Name != filepath.Base(tc.name)):
			t.Errorf("NewFile(%q) = %q %q, want %q", tc.name, f.Name, f.Type, tc.want)
		}
	}
}

func TestPreviewKind(t *testing.T) {
	big := testPNG(t, 1, 1)
	// A PNG header claiming 20000×20000: too many pixels to decode.
	var hdr bytes.Buffer
	png.Encode(&hdr, image.NewGray(image.Rect(0, 0, 20000, 20000)))
	webp := func(chunk string, payload []byte) []byte {
		b := []byte("RIFF\x00\x00\x00\x00WEBP" + chunk + "\x00\x00\x00\x00")
		return append(b, payload...)
	}
	for _, tc := range []struct {
		name, typ string
		b         []byte
		want      string
	}{
		{"png", "image/png", testPNG(t, 3, 2), "png"},
		{"png said to be jpeg", "image/jpeg", testPNG(t, 3, 2), ""},
		{"png said to be pdf", "application/pdf", big, ""},
		{"too many pixels", "image/png", hdr.Bytes(), ""},
		{"jpeg magic only", "image/jpeg", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0}, ""},
		{"webp VP8X 640x480", "image/webp", webp("VP8X", []byte{0, 0, 0, 0, 0x7f, 0x02, 0, 0xdf, 0x01, 0}), "webp"},
		{"webp VP8X 30000x30000", "image/webp", webp("VP8X", []byte{0, 0, 0, 0, 0x2f, 0x75, 0, 0x2f, 0x75, 0}), ""},
		{"webp VP8L 2x2", "image/webp", webp("VP8L", []byte{0x2f, 0x01, 0x40, 0, 0, 0, 0, 0, 0, 0}), "webp"},
		{"webp short", "image/webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8X"), ""},
	} {
		if got := previewKind(tc.typ, tc.b); got != tc.want {
			t.Errorf("%s: previewKind = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 512, "512 B"}, {"en", 1536, "1.5 KiB"}, {"de", 1536, "1,5 KiB"},
		{"en", 8 << 20, "8.0 MiB"}, {"de", 5<<20 + 1<<19, "5,5 MiB"},
	} {
		if got := formatSize(tc.lang, tc.n); got != tc.want {
			t.Errorf("formatSize(%s, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// TestSaveNew: a saved attachment is readable by its owner only and
// never replaces a file.
func TestSaveNew(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.pdf")
	if err := saveNew(p, []byte("eins")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved file: %v, %v", fi, err)
	}
	if err := saveNew(p, []byte("zwei")); !isMsg(err, mErrFileExists) {
		t.Errorf("second save: %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "eins" {
		t.Errorf("the file now holds %q", b)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".attachment-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// BenchmarkOpenAttachment is what the desk does for a preview or a save,
// and for each attachment when a case opens: fetch an 8 MiB attachment
// from a real mailboxd, decrypt it with the team identities and check its
// size and sha256.
func BenchmarkOpenAttachment(b *testing.B) {
	tt := newTestTeam(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	enq := newCase(b, ctx, tt.srv.URL, "Hallo")
	file := make([]byte, maxAttachmentFile)
	rand.Read(file)
	if err := enq.attach(ctx, "Ein großes Foto.", attachHonest, []string{"foto.jpg"}, [][]byte{file}); err != nil {
		b.Fatal(err)
	}
	s := unlockT(b, ctx, tt.cfg)
	t, err := s.ReadCase(ctx, enq.keys.MailboxID)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for b.Loop() {
		pt, _, err := s.OpenAttachment(ctx, t, 2, 0)
		if err != nil || len(pt) != len(file) {
			b.Fatalf("%d bytes, %v", len(pt), err)
		}
	}
}
