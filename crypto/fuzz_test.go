package crypto

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	agetest "c2sp.org/CCTV/age"
	"filippo.io/age"
)

func FuzzParseCiphertext(f *testing.F) {
	k := testKeys()
	_, vector := messageVectorData(f)
	f.Add(vector)
	f.Add(sealMessage(f))
	f.Add(mustEncrypt(f, make([]byte, 47), k.other.Recipient()))
	f.Add(mustEncrypt(f, nil, k.other.Recipient()))
	// Three stanzas and two chunks, kept small: the fuzzer minimises every
	// new input, which takes long on large ones.
	f.Add(mustEncrypt(f, make([]byte, 70000), k.other.Recipient(), k.team.Recipient(), k.enquirer.Recipient())[:4*stanzaLen])
	f.Add([]byte(ageIntro))
	f.Add([]byte(ageIntro + hybridStanza))
	f.Add([]byte(""))
	entries, err := fs.ReadDir(agetest.Vectors, ".")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "hybrid") || strings.HasPrefix(e.Name(), "x25519") {
			b, _ := fs.ReadFile(agetest.Vectors, e.Name())
			if _, body, ok := bytes.Cut(b, []byte("\n\n")); ok && !bytes.Contains(b, []byte("compressed:")) {
				f.Add(body)
			}
		}
	}

	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ParseCiphertext(b)
		msgErr := CheckMessage(b)
		n, krErr := CheckKeyring(b)
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) || info != nil {
				t.Fatalf("error %v is not a *PolicyError", err)
			}
			if msgErr == nil || krErr == nil {
				t.Fatal("CheckMessage or CheckKeyring accepts what ParseCiphertext rejects")
			}
			return
		}
		if info.Stanzas < 1 || info.Stanzas > maxStanzas || info.HeaderLen != headerLen(info.Stanzas) || info.PayloadLen < 0 {
			t.Fatalf("info %+v", info)
		}
		if got := info.HeaderLen + streamNonceLen + info.PayloadLen + streamTagLen*streamChunks(info.PayloadLen); got != len(b) {
			t.Fatalf("lengths add up to %d, want %d (%+v)", got, len(b), info)
		}
		if krErr != nil || n != info.Stanzas {
			t.Fatalf("CheckKeyring = %d, %v", n, krErr)
		}
		wantMsg := info.Stanzas == 2 && slices.Contains(BucketSizes[:], info.PayloadLen)
		if (msgErr == nil) != wantMsg {
			t.Fatalf("CheckMessage = %v for %+v", msgErr, info)
		}
		// age's own parser agrees on the header, byte for byte.
		hdr, err := age.ExtractHeader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("age refuses the header: %v", err)
		}
		if !bytes.Equal(hdr, b[:info.HeaderLen]) {
			t.Fatal("age's header differs")
		}
	})
}

func FuzzNormalizeDigits(f *testing.F) {
	for _, s := range []string{
		"01572-93849", "4821 9307 5516 2292", "٣١٤١٥ ٩٢٦٥٢", "３１４１５", "𝟗𝟵𝟿",
		"+49 (0) 30", "12a34", "1²3", "\xff", "", strings.Repeat("1", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeDigits(s)
		if err != nil {
			if out != "" {
				t.Fatalf("output %q with error", out)
			}
			return
		}
		for i := 0; i < len(out); i++ {
			if out[i] < '0' || out[i] > '9' {
				t.Fatalf("output %q has a non-digit", out)
			}
		}
		again, err := NormalizeDigits(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q, %v", out, again, err)
		}
		digits := 0
		for _, r := range s {
			switch {
			case unicode.IsDigit(r):
				digits++
			case r == '+' || unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.Is(unicode.Cf, r):
			default:
				t.Fatalf("accepted %q with %U", s, r)
			}
		}
		if digits != len(out) {
			t.Fatalf("%d digits in, %d out", digits, len(out))
		}
	})
}

func FuzzCheckDocument(f *testing.F) {
	for _, s := range []string{
		rawDoc,
		replaceField(`"v":1,`, `"v":1,"x":{"a":[1,{"b":null}]},`),
		replaceField(`"v":1,`, `"v":1,"v":1,`),
		replaceField(`"from":"enquirer"`, `"from":"counsellor","name":"Anna"`),
		replaceField(`"lang":"de"`, `"lang":"de","role":"relative"`),
		`[]`, `{}`, `{"v":1}`,
	} {
		f.Add(pad(s, 1024), false)
		f.Add(pad(s, 1024), true)
	}
	f.Fuzz(func(t *testing.T, pt []byte, takeMK bool) {
		for _, from := range []string{FromEnquirer, FromCounsellor} {
			want := Expect{Mailbox: testMailbox, MK: testMK, From: from}
			if takeMK {
				want.MK = nil
			}
			d, err := CheckDocument(pt, want)
			if err != nil {
				var re *RejectError
				if !errors.As(err, &re) || d != nil {
					t.Fatalf("error %v", err)
				}
				continue
			}
			if !slices.Contains(BucketSizes[:], len(pt)) || checkFields(d) != "" || d.From != from || d.Mailbox != testMailbox {
				t.Fatalf("accepted %+v", d)
			}
			mk, _ := base64.StdEncoding.DecodeString(d.MK)
			if !takeMK && !bytes.Equal(mk, testMK) {
				t.Fatalf("accepted mk %q", d.MK)
			}
			// What passed can be written again and reads back the same.
			again, err := PadDocument(d)
			if err != nil {
				t.Fatalf("PadDocument: %v", err)
			}
			want.MK = mk
			d2, err := CheckDocument(again, want)
			if err != nil || !reflect.DeepEqual(*d2, *d) {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}

func FuzzParseBearer(f *testing.F) {
	f.Add("f8ee9348bac6af4ee846fb2803a75774.ZwquVjSS6PNoo0jFFNgI4rkmX2DhxMRz26teu-KhqoM")
	f.Add("f8ee9348bac6af4ee846fb2803a75774.ZwquVjSS6PNoo0jFFNgI4rkmX2DhxMRz26teu-KhqoN")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, auth, err := ParseBearer(s)
		if err != nil {
			if id != "" || auth != [32]byte{} {
				t.Fatal("values with an error")
			}
			return
		}
		k := EnquirerKeys{MailboxID: id, Auth: auth}
		if k.Bearer() != s {
			t.Fatalf("%q re-encodes as %q", s, k.Bearer())
		}
	})
}
