package crypto

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
	"golang.org/x/crypto/curve25519"
)

// Offsets in a Lotse header (see policy.go).
const (
	stanza0   = len(ageIntro)
	argOff    = len(hybridStanza)
	bodyOff   = argOff + encB64Len + 1
	footerOff = stanza0 + 2*stanzaLen // in a two-stanza header
)

func splice(b []byte, off, n int, repl string) []byte {
	out := append([]byte{}, b[:off]...)
	out = append(out, repl...)
	return append(out, b[off+n:]...)
}

// lastChar replaces the last base64 character of a field with one that
// sets trailing bits, giving a non-canonical encoding of the same bytes.
func nonCanonical(b []byte, off, n int) []byte {
	out := append([]byte{}, b...)
	c := out[off+n-1]
	i := strings.IndexByte(base64Alphabet, c)
	out[off+n-1] = base64Alphabet[i|1]
	return out
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func encodeArg(enc []byte) string { return base64.RawStdEncoding.EncodeToString(enc) }

func TestParseCiphertextValid(t *testing.T) {
	k := testKeys()
	for _, tc := range []struct {
		plaintext, stanzas int
	}{
		{0, 1}, {1, 1}, {47, 1}, {65535, 1}, {65536, 1}, {65537, 1}, {2 * 65536, 2}, {2*65536 + 1, 3}, {1024, 2},
	} {
		to := []age.Recipient{k.team.Recipient(), k.enquirer.Recipient(), k.other.Recipient()}[:tc.stanzas]
		ct := mustEncrypt(t, make([]byte, tc.plaintext), to...)
		info, err := ParseCiphertext(ct)
		if err != nil {
			t.Errorf("%d bytes to %d: %v", tc.plaintext, tc.stanzas, err)
			continue
		}
		if info.Stanzas != tc.stanzas || info.HeaderLen != headerLen(tc.stanzas) || info.PayloadLen != tc.plaintext {
			t.Errorf("%d bytes to %d: %+v", tc.plaintext, tc.stanzas, info)
		}
		if got, want := info.HeaderLen+streamNonceLen+info.PayloadLen+streamTagLen*streamChunks(info.PayloadLen), len(ct); got != want {
			t.Errorf("%d bytes to %d: lengths add up to %d, want %d", tc.plaintext, tc.stanzas, got, want)
		}
	}
	if headerLen(2) != 3184 {
		t.Errorf("two-stanza header is %d bytes, want 3184 (PROTOCOL.md §5)", headerLen(2))
	}
}

// TestParseCiphertextRules violates each rule of the policy once, starting
// from a valid message, and checks the reason.
func TestParseCiphertextRules(t *testing.T) {
	ct := sealMessage(t)
	if err := CheckMessage(ct); err != nil {
		t.Fatal(err)
	}
	hdr := ct[:footerOff+footerLen]
	payload := ct[len(hdr):]

	var armored bytes.Buffer
	aw := armor.NewWriter(&armored)
	aw.Write(ct)
	aw.Close()

	x, _ := age.GenerateX25519Identity()
	x25519 := mustEncrypt(t, make([]byte, 1024), x.Recipient())

	// Stanza 0's enc with the X25519 share replaced.
	enc := make([]byte, encLen)
	if !decodeCanonical(enc, ct[stanza0+argOff:stanza0+argOff+encB64Len]) {
		t.Fatal("cannot decode enc")
	}
	withShare := func(share []byte) []byte {
		e := append([]byte{}, enc...)
		copy(e[1088:], share)
		return splice(ct, stanza0+argOff, encB64Len, encodeArg(e))
	}
	lowOrderHigh := append([]byte{}, lowOrderX25519[2][:]...)
	lowOrderHigh[31] |= 0x80

	stanza := string(ct[stanza0 : stanza0+stanzaLen])
	manyStanzas := func(n int) []byte {
		b := []byte(ageIntro + strings.Repeat(stanza, n))
		b = append(b, ct[footerOff:footerOff+footerLen]...)
		return append(b, payload...)
	}
	withPayload := func(n int) []byte { return append(append([]byte{}, hdr...), make([]byte, n)...) }
	const chunk = streamChunkSize + streamTagLen

	for _, tc := range []struct {
		name   string
		b      []byte
		reason string
	}{
		{"empty", nil, "empty"},
		{"armored", armored.Bytes(), "armored"},
		{"armored after a newline", append([]byte("\n"), armored.Bytes()...), "armored"},
		{"other version", splice(ct, 0, len(ageIntro), "age-encryption.org/v2\n"), "not binary age v1"},
		{"CRLF intro", splice(ct, len(ageIntro)-1, 1, "\r\n"), "not binary age v1"},
		{"leading space", append([]byte(" "), ct...), "not binary age v1"},
		{"x25519 stanza", x25519, "type is not mlkem768x25519"},
		{"upper-case type", splice(ct, stanza0+3, 14, "MLKEM768X25519"), "type is not mlkem768x25519"},
		{"grease stanza", splice(ct, footerOff, 0, "-> grease\n\n"), "stanza 3: type"},
		{"no argument", splice(ct, stanza0+argOff-1, encB64Len+1, ""), "no argument"},
		{"extra argument", splice(ct, stanza0+argOff+encB64Len, 0, " x"), "more than one argument"},
		{"CR after argument", splice(ct, stanza0+argOff+encB64Len, 0, "\r"), "argument is not canonical"},
		{"CR inside argument", splice(ct, stanza0+argOff+100, 0, "\r"), "argument is not canonical"},
		{"argument non-canonical", nonCanonical(ct, stanza0+argOff, encB64Len), "argument is not canonical"},
		{"argument padded", splice(ct, stanza0+argOff+encB64Len, 0, "=="), "argument is not canonical"},
		{"argument short", splice(ct, stanza0+argOff, encB64Len, encodeArg(enc[:encLen-1])), "argument is not canonical"},
		{"argument long", splice(ct, stanza0+argOff, encB64Len, encodeArg(append(enc, 0))), "argument is not canonical"},
		{"argument url-safe", splice(ct, stanza0+argOff, 1, "-"), "argument is not canonical"},
		{"share zero", withShare(make([]byte, 32)), "low-order"},
		{"share of order 8", withShare(lowOrderX25519[2][:]), "low-order"},
		{"share of order 8, bit 255 set", withShare(lowOrderHigh), "low-order"},
		{"share p-1", withShare(lowOrderX25519[4][:]), "low-order"},
		{"body non-canonical", nonCanonical(ct, stanza0+bodyOff, wrappedKeyB64), "body"},
		{"body padded", splice(ct, stanza0+bodyOff+wrappedKeyB64, 0, "="), "body"},
		{"body 31 bytes", splice(ct, stanza0+bodyOff, wrappedKeyB64, base64.RawStdEncoding.EncodeToString(make([]byte, 31))), "body"},
		{"body 33 bytes", splice(ct, stanza0+bodyOff, wrappedKeyB64, base64.RawStdEncoding.EncodeToString(make([]byte, 33))), "body"},
		{"body full line", splice(ct, stanza0+bodyOff, wrappedKeyB64, base64.RawStdEncoding.EncodeToString(make([]byte, 48))+"\n"), "body"},
		{"body CRLF", splice(ct, stanza0+bodyOff+wrappedKeyB64, 0, "\r"), "body"},
		{"body missing", splice(ct, stanza0+bodyOff, wrappedKeyB64+1, ""), "body"},
		{"no stanzas", append([]byte(ageIntro), ct[footerOff:]...), "no stanzas"},
		{"257 stanzas", manyStanzas(257), "more than 256 stanzas"},
		{"mac non-canonical", nonCanonical(ct, footerOff+len(footerPrefix), macB64Len), "mac"},
		{"mac without space", splice(ct, footerOff+3, 1, ""), "mac"},
		{"mac two spaces", splice(ct, footerOff+3, 0, " "), "mac"},
		{"mac padded", splice(ct, footerOff+footerLen-1, 0, "="), "mac"},
		{"mac short", splice(ct, footerOff+len(footerPrefix), 2, ""), "mac"},
		{"mac CRLF", splice(ct, footerOff+footerLen-1, 0, "\r"), "mac"},
		{"mac four dashes", splice(ct, footerOff, 0, "-"), "mac"},
		{"stanza opening", splice(ct, stanza0, 2, "=>"), "malformed opening line"},
		{"header only", hdr, "shorter than the nonce"},
		{"short nonce", withPayload(streamNonceLen - 1), "shorter than the nonce"},
		{"nonce only", withPayload(streamNonceLen), "no payload chunk"},
		{"chunk shorter than tag", withPayload(streamNonceLen + streamTagLen - 1), "shorter than its tag"},
		{"empty chunk after full", withPayload(streamNonceLen + chunk + streamTagLen), "empty last chunk"},
		{"garbage after full chunk", withPayload(streamNonceLen + chunk + 5), "shorter than its tag"},
		{"garbage after two full chunks", withPayload(streamNonceLen + 2*chunk + 15), "shorter than its tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := ParseCiphertext(tc.b)
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("= %+v, %v; want a *PolicyError", info, err)
			}
			if !strings.Contains(pe.Reason, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", pe.Reason, tc.reason)
			}
			if CheckMessage(tc.b) == nil {
				t.Error("CheckMessage accepts it")
			}
			if _, err := CheckKeyring(tc.b); err == nil {
				t.Error("CheckKeyring accepts it")
			}
		})
	}

	// What is just inside the rules.
	if n, err := CheckKeyring(manyStanzas(256)); err != nil || n != 256 {
		t.Errorf("256 stanzas: %d, %v", n, err)
	}
	for _, n := range []int{streamNonceLen + streamTagLen, streamNonceLen + chunk, streamNonceLen + chunk + streamTagLen + 1} {
		if _, err := ParseCiphertext(withPayload(n)); err != nil {
			t.Errorf("payload of %d bytes: %v", n, err)
		}
	}
	// Every truncation of a message fails, and no prefix of the header parses.
	for n := range len(ct) {
		if CheckMessage(ct[:n]) == nil {
			t.Fatalf("prefix of %d bytes passes CheckMessage", n)
		}
		if n < len(hdr)+streamNonceLen+streamTagLen {
			if _, err := ParseCiphertext(ct[:n]); err == nil {
				t.Fatalf("prefix of %d bytes parses", n)
			}
		}
	}
}

func TestCheckMessage(t *testing.T) {
	k := testKeys()
	team, enq, other := k.team.Recipient(), k.enquirer.Recipient(), k.other.Recipient()
	for _, tc := range []struct {
		name    string
		size    int
		to      []age.Recipient
		wantErr string
	}{
		{"1 KiB", 1024, []age.Recipient{team, enq}, ""},
		{"64 KiB", 65536, []age.Recipient{team, enq}, ""},
		{"one stanza", 1024, []age.Recipient{team}, "1 stanzas, want 2"},
		{"three stanzas", 1024, []age.Recipient{team, enq, other}, "3 stanzas, want 2"},
		{"not a bucket", 1000, []age.Recipient{team, enq}, "not a bucket size"},
		{"one byte more", 1025, []age.Recipient{team, enq}, "not a bucket size"},
		{"two chunks", 65537, []age.Recipient{team, enq}, "not a bucket size"},
		{"empty", 0, []age.Recipient{team, enq}, "not a bucket size"},
		{"128 KiB", 131072, []age.Recipient{team, enq}, "not a bucket size"},
	} {
		ct := mustEncrypt(t, bytes.Repeat([]byte(" "), tc.size), tc.to...)
		err := CheckMessage(ct)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.wantErr)
		}
		if tc.wantErr == "" && len(ct) != headerLen(2)+16+tc.size+16 {
			t.Errorf("%s: %d bytes", tc.name, len(ct))
		}
	}
}

// TestLowOrderList checks the list against X25519 itself: every entry, with
// or without bit 255, gives the all-zero shared secret, which
// curve25519.X25519 refuses; ordinary points do not.
func TestLowOrderList(t *testing.T) {
	scalar := bytes.Repeat([]byte{0x42}, 32)
	for i, p := range lowOrderX25519 {
		for _, hi := range []byte{0, 0x80} {
			q := p
			q[31] |= hi
			if _, err := curve25519.X25519(scalar, q[:]); err == nil {
				t.Errorf("entry %d (bit 255 %x) is not of low order", i, hi)
			}
			if !isLowOrderX25519(q[:]) {
				t.Errorf("entry %d (bit 255 %x) not recognised", i, hi)
			}
		}
	}
	for _, p := range [][]byte{curve25519.Basepoint, bytes.Repeat([]byte{0x11}, 32)} {
		if _, err := curve25519.X25519(scalar, p); err != nil {
			t.Fatal(err)
		}
		if isLowOrderX25519(p) {
			t.Errorf("%x reported as low order", p)
		}
	}
}
