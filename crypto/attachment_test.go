package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
)

func fileOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	return b
}

func sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

func sealTestAttachment(t testing.TB, file []byte) []byte {
	t.Helper()
	k := testKeys()
	ct, err := SealAttachment(file, k.team.Recipient(), k.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func TestAttachmentCiphertextLen(t *testing.T) {
	// header 3184 + nonce 16 + P + 16 per 64 KiB chunk (PROTOCOL.md §10).
	for _, c := range []struct{ bucket, want int }{
		{64 << 10, 3184 + 16 + 65536 + 16},
		{256 << 10, 3184 + 16 + 262144 + 4*16},
		{8 << 20, 3184 + 16 + 8388608 + 128*16},
	} {
		if got := AttachmentCiphertextLen(c.bucket); got != c.want {
			t.Errorf("AttachmentCiphertextLen(%d) = %d, want %d", c.bucket, got, c.want)
		}
	}
	if MaxAttachmentCiphertext != 8393856 {
		t.Errorf("MaxAttachmentCiphertext = %d", MaxAttachmentCiphertext)
	}
}

// TestAttachmentRoundTrip seals files at each bucket's edges and reads them
// back with either recipient's identity.
func TestAttachmentRoundTrip(t *testing.T) {
	k := testKeys()
	for _, c := range []struct{ size, bucket int }{
		{0, 64 << 10}, {1, 64 << 10}, {64 << 10, 64 << 10}, {64<<10 + 1, 256 << 10},
		{1 << 20, 1 << 20}, {3<<20 + 5, 4 << 20}, {8 << 20, 8 << 20},
	} {
		file := fileOf(c.size)
		ct := sealTestAttachment(t, file)
		if len(ct) != AttachmentCiphertextLen(c.bucket) {
			t.Errorf("size %d: ciphertext of %d bytes, want the %d bucket's %d", c.size, len(ct), c.bucket, AttachmentCiphertextLen(c.bucket))
		}
		if err := CheckAttachment(ct); err != nil {
			t.Errorf("size %d: %v", c.size, err)
		}
		if err := CheckMessage(ct); err == nil && c.bucket > 64<<10 {
			t.Errorf("size %d: CheckMessage accepts an attachment", c.size)
		}
		for _, id := range []age.Identity{k.team, k.enquirer} {
			got, err := OpenAttachment(ct, id, c.size, sum(file))
			if err != nil || !bytes.Equal(got, file) {
				t.Fatalf("size %d: open: %v, equal %v", c.size, err, bytes.Equal(got, file))
			}
		}
	}
	if _, err := SealAttachment(fileOf(8<<20+1), k.team.Recipient(), k.enquirer.Recipient()); err == nil {
		t.Error("a file over 8 MiB was sealed")
	}
	if _, err := SealAttachment(nil, k.team.Recipient()); err == nil {
		t.Error("sealed to one recipient")
	}
}

// TestOpenAttachmentFailures: each way an attachment can go wrong has its
// own error, and no bytes of the file come back.
func TestOpenAttachmentFailures(t *testing.T) {
	k := testKeys()
	file := fileOf(100_000)
	ct := sealTestAttachment(t, file)
	other := fileOf(100_001)
	other[0] ^= 0xff
	otherCT := sealTestAttachment(t, other)
	flip := func(at int) []byte { b := bytes.Clone(ct); b[at] ^= 1; return b }
	// A plaintext of a bucket whose padding is not zero, sealed by someone
	// holding the recipients (the server can do so with the team's).
	dirty := append(bytes.Clone(file), make([]byte, 256<<10-len(file))...)
	dirty[len(dirty)-1] = 1
	dirtyCT := mustEncrypt(t, dirty, k.team.Recipient(), k.enquirer.Recipient())
	for _, c := range []struct {
		name string
		ct   []byte
		id   age.Identity
		size int
		sum  []byte
		want error
	}{
		{"cut in the payload", ct[:len(ct)-1000], k.enquirer, len(file), sum(file), ErrAttachmentTruncated},
		{"cut in the header", ct[:2000], k.enquirer, len(file), sum(file), ErrAttachmentTruncated},
		{"cut at a chunk boundary to a smaller bucket", ct[:AttachmentCiphertextLen(64<<10)], k.enquirer, 60_000, sum(file[:60_000]), ErrAttachmentTruncated},
		{"a payload byte flipped", flip(len(ct) - 5000), k.enquirer, len(file), sum(file), ErrAttachmentTampered},
		{"a mac byte flipped", flip(headerLen(2) - 10), k.enquirer, len(file), sum(file), ErrAttachmentTampered},
		{"bytes appended", append(bytes.Clone(ct), 0), k.enquirer, len(file), sum(file), ErrAttachmentTampered},
		{"padding not zero", dirtyCT, k.enquirer, len(file), sum(file), ErrAttachmentTampered},
		{"another attachment", otherCT, k.enquirer, len(file), sum(file), ErrAttachmentMismatch},
		{"wrong sha256", ct, k.enquirer, len(file), sum(other), ErrAttachmentMismatch},
		{"size one too few", ct, k.enquirer, len(file) - 1, sum(file), ErrAttachmentMismatch},
		{"size beyond the bucket", ct, k.enquirer, 256<<10 + 1, sum(file), ErrAttachmentTruncated},
		{"size beyond 8 MiB", ct, k.enquirer, 8<<20 + 1, sum(file), ErrAttachmentMismatch},
		{"negative size", ct, k.enquirer, -1, sum(file), ErrAttachmentMismatch},
		{"sha256 of 31 bytes", ct, k.enquirer, len(file), sum(file)[:31], ErrAttachmentMismatch},
		{"not for this identity", ct, k.other, len(file), sum(file), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := OpenAttachment(c.ct, c.id, c.size, c.sum)
			if err == nil || got != nil {
				t.Fatalf("opened: %d bytes, %v", len(got), err)
			}
			for _, e := range []error{ErrAttachmentTruncated, ErrAttachmentTampered, ErrAttachmentMismatch} {
				if errors.Is(err, e) != (e == c.want) {
					t.Errorf("error %q: errors.Is(%v) = %v", err, e, errors.Is(err, e))
				}
			}
		})
	}
}

func TestCheckAttachment(t *testing.T) {
	k := testKeys()
	two := []age.Recipient{k.team.Recipient(), k.enquirer.Recipient()}
	three := append(slices.Clone(two), k.other.Recipient())
	for _, c := range []struct {
		name string
		ct   []byte
		want string // "" accepts; else a part of the reason
	}{
		{"64 KiB bucket", mustEncrypt(t, make([]byte, 64<<10), two...), ""},
		{"256 KiB bucket", mustEncrypt(t, make([]byte, 256<<10), two...), ""},
		{"1 MiB bucket", mustEncrypt(t, make([]byte, 1<<20), two...), ""},
		{"4 MiB bucket", mustEncrypt(t, make([]byte, 4<<20), two...), ""},
		{"8 MiB bucket", mustEncrypt(t, make([]byte, 8<<20), two...), ""},
		{"a message bucket", mustEncrypt(t, make([]byte, 1024), two...), "not an attachment bucket"},
		{"one byte less", mustEncrypt(t, make([]byte, 64<<10-1), two...), "not an attachment bucket"},
		{"one byte more", mustEncrypt(t, make([]byte, 64<<10+1), two...), "not an attachment bucket"},
		{"2 MiB", mustEncrypt(t, make([]byte, 2<<20), two...), "not an attachment bucket"},
		{"empty plaintext", mustEncrypt(t, nil, two...), "not an attachment bucket"},
		{"one stanza", mustEncrypt(t, make([]byte, 64<<10), k.team.Recipient()), "1 stanzas"},
		{"three stanzas", mustEncrypt(t, make([]byte, 64<<10), three...), "3 stanzas"},
		{"longer than 8 MiB's", make([]byte, MaxAttachmentCiphertext+1), "more than"},
		{"empty", nil, "empty"},
		{"armored", []byte("-----BEGIN AGE ENCRYPTED FILE-----\n"), "armored"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckAttachment(c.ct)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var pe *PolicyError
			if !errors.As(err, &pe) || !strings.Contains(pe.Reason, c.want) {
				t.Fatalf("error %v, want a *PolicyError with %q", err, c.want)
			}
		})
	}
	// X25519 stanzas, as a client without post-quantum keys would send
	// (age mixes no classic and post-quantum recipients in one file).
	x1, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	x2, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	ct := mustEncrypt(t, make([]byte, 64<<10), x1.Recipient(), x2.Recipient())
	if err := CheckAttachment(ct); err == nil || !strings.Contains(err.Error(), "not mlkem768x25519") {
		t.Errorf("X25519 stanza: %v", err)
	}
}

func TestNewAttachment(t *testing.T) {
	file := []byte("abc")
	a := NewAttachment("q8Zx1Lq4Tt2aVb3Yc9D0eA", "a.txt", "text/plain", file)
	// SHA-256("abc") from FIPS 180-2, appendix B.1.
	if a.Size != 3 || a.SHA256 != base64.StdEncoding.EncodeToString([]byte("\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad")) {
		t.Errorf("%+v", a)
	}
	if reason := checkAttachments([]Attachment{a}); reason != "" {
		t.Error(reason)
	}
}

// TestDocumentWithAttachments: a document with attachments pads, seals and
// reads back with its references intact.
func TestDocumentWithAttachments(t *testing.T) {
	k := testKeys()
	d := testDocument(t, 400)
	for i := range MaxAttachments {
		id, _ := NewDocumentID(bytes.NewReader(bytes.Repeat([]byte{byte(i + 1)}, 16)))
		d.Attachments = append(d.Attachments, NewAttachment(id, "Seite.jpg", "image/jpeg", fileOf(i)))
	}
	ct, err := SealDocument(d, k.team.Recipient(), k.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	pt, err := OpenDocument(ct, k.team)
	if err != nil {
		t.Fatal(err)
	}
	got, err := CheckDocument(pt, Expect{Mailbox: testMailbox, MK: testMK, From: FromEnquirer})
	if err != nil || !slices.Equal(got.Attachments, d.Attachments) {
		t.Fatalf("read %+v, %v", got, err)
	}
	d.Attachments = append(d.Attachments, d.Attachments[0])
	if _, err := PadDocument(d); err == nil {
		t.Error("padded a document with 6 attachments")
	}
	d.Attachments = d.Attachments[:1]
	d.Attachments[0].Name = "a\x1b[31m.jpg"
	if _, err := PadDocument(d); err == nil {
		t.Error("padded an attachment name with an escape sequence")
	}
}

func FuzzCheckAttachment(f *testing.F) {
	k := testKeys()
	ct := sealTestAttachment(f, nil)
	f.Add(ct)
	f.Add(ct[:len(ct)-1])
	f.Add(ct[:headerLen(2)+100])
	f.Add(sealMessage(f))
	f.Add(mustEncrypt(f, make([]byte, 64<<10), k.team.Recipient()))
	f.Add([]byte(ageIntro))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := CheckAttachment(b)
		info, perr := ParseCiphertext(b)
		want := perr == nil && info.Stanzas == 2 && slices.Contains(AttachmentBuckets[:], info.PayloadLen)
		if (err == nil) != want {
			t.Fatalf("CheckAttachment = %v, ParseCiphertext %+v, %v", err, info, perr)
		}
		var pe *PolicyError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error %v is not a *PolicyError", err)
		}
		if err == nil && len(b) != AttachmentCiphertextLen(info.PayloadLen) {
			t.Fatalf("accepted %d bytes for a bucket of %d", len(b), info.PayloadLen)
		}
	})
}
