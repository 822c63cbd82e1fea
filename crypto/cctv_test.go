package crypto

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"strings"
	"testing"

	agetest "c2sp.org/CCTV/age"
	"filippo.io/age"
)

// cctvAccepted are the C2SP CCTV age vectors that ParseCiphertext must
// accept: binary age whose every stanza is a well-formed mlkem768x25519
// stanza, with a well-formed STREAM payload. The policy proves shape, not
// who can read it, so vectors that only fail to decrypt with the given
// identity ("no match") are accepted too.
//
// Everything else must be rejected:
//   - armored vectors: the policy wants binary age;
//   - x25519, scrypt, grease and other stanza types (hybrid_and_x25519,
//     hybrid_grease, hybrid_uppercase, stanza_*, stream_*, hmac_*: all of
//     these carry X25519 or scrypt stanzas), even where age succeeds;
//   - hybrid vectors with a header failure: extra argument, a share of the
//     wrong length, a low-order X25519 share, a file key of the wrong
//     length, non-canonical base64.
//
// A header MAC failure with hybrid stanzas alone would pass the policy (the
// MAC needs the file key); CCTV's only HMAC vector uses X25519.
var cctvAccepted = map[string]string{
	"hybrid":                      "success",
	"hybrid_multiple_recipients":  "success",
	"hybrid_bad_tag":              "no match",
	"hybrid_currupted_enc_mlkem":  "no match",
	"hybrid_currupted_enc_x25519": "no match",
	"hybrid_no_match":             "no match",
}

type cctvVector struct {
	expect     string
	payload    string // hex SHA-256
	identities []string
	armored    bool
	body       []byte
}

func readCCTV(t *testing.T, name string) cctvVector {
	t.Helper()
	raw, err := fs.ReadFile(agetest.Vectors, name)
	if err != nil {
		t.Fatal(err)
	}
	var v cctvVector
	r := bufio.NewReader(bytes.NewReader(raw))
	compressed := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: header: %v", name, err)
		}
		if line == "\n" {
			break
		}
		key, value, ok := strings.Cut(strings.TrimSuffix(line, "\n"), ": ")
		if !ok {
			t.Fatalf("%s: header line %q", name, line)
		}
		switch key {
		case "expect":
			v.expect = value
		case "payload":
			v.payload = value
		case "identity":
			v.identities = append(v.identities, value)
		case "armored":
			v.armored = value == "yes"
		case "compressed":
			if value != "zlib" {
				t.Fatalf("%s: compressed: %q", name, value)
			}
			compressed = true
		}
	}
	var body io.Reader = r
	if compressed {
		zr, err := zlib.NewReader(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body = zr
	}
	if v.body, err = io.ReadAll(body); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func TestCCTVVectors(t *testing.T) {
	entries, err := fs.ReadDir(agetest.Vectors, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 100 {
		t.Fatalf("only %d CCTV vectors", len(entries))
	}
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			v := readCCTV(t, name)
			info, err := ParseCiphertext(v.body)
			want, accept := cctvAccepted[name]
			seen[name] = accept
			if !accept {
				if err == nil {
					t.Fatalf("accepted (%s, %+v), want rejected", v.expect, info)
				}
				t.Logf("rejected (%s): %v", v.expect, err)
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if v.expect != want || v.armored {
				t.Fatalf("expect %q armored %v, the table says %q", v.expect, v.armored, want)
			}
			if got := info.HeaderLen + streamNonceLen + info.PayloadLen + streamTagLen*streamChunks(info.PayloadLen); got != len(v.body) {
				t.Errorf("lengths add up to %d, want %d", got, len(v.body))
			}
			var ids []age.Identity
			for _, s := range v.identities {
				id, err := age.ParseHybridIdentity(s)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			pt, err := decrypt(v.body, 1<<20, ids...)
			switch v.expect {
			case "success":
				if err != nil {
					t.Fatalf("decrypt: %v", err)
				}
				if h := sha256.Sum256(pt); hex.EncodeToString(h[:]) != v.payload {
					t.Errorf("payload hash %x, want %s", h, v.payload)
				}
				if len(pt) != info.PayloadLen {
					t.Errorf("payload %d bytes, ParseCiphertext says %d", len(pt), info.PayloadLen)
				}
			case "no match":
				if err == nil {
					t.Error("decrypts, want no match")
				}
			}
		})
	}
	for name := range cctvAccepted {
		if !seen[name] {
			t.Errorf("vector %s is missing", name)
		}
	}
}

// cctvFramingRejected are the CCTV stream vectors whose payload has a length
// no STREAM payload can have; the other failures (bad tags, a missing or
// extra final flag) need the key to see.
var cctvFramingRejected = map[string]string{
	"stream_no_nonce":               "shorter than the nonce",
	"stream_short_nonce":            "shorter than the nonce",
	"stream_no_chunks":              "no payload chunk",
	"stream_missing_tag":            "shorter than its tag",
	"stream_short_chunk":            "shorter than its tag",
	"stream_short_second_chunk":     "shorter than its tag",
	"stream_trailing_garbage_short": "shorter than its tag",
	"stream_last_chunk_empty":       "empty last chunk",
}

// TestCCTVStreamFraming moves the payloads of CCTV's stream vectors (which
// use X25519) behind a hybrid header, so that the framing rules meet
// payloads that age itself produced or refuses. For success vectors the
// payload length must be the one age decrypts.
func TestCCTVStreamFraming(t *testing.T) {
	entries, err := fs.ReadDir(agetest.Vectors, ".")
	if err != nil {
		t.Fatal(err)
	}
	hybridHeader := sealMessage(t)[:headerLen(2)]
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "stream_") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			v := readCCTV(t, name)
			hdr, err := age.ExtractHeader(bytes.NewReader(v.body))
			if err != nil {
				t.Fatal(err)
			}
			b := append(append([]byte{}, hybridHeader...), v.body[len(hdr):]...)
			info, err := ParseCiphertext(b)
			if reason, ok := cctvFramingRejected[name]; ok {
				if err == nil || !strings.Contains(err.Error(), reason) {
					t.Fatalf("%+v, %v; want %q", info, err, reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("rejected (%s): %v", v.expect, err)
			}
			if v.expect != "success" {
				return
			}
			var ids []age.Identity
			for _, s := range v.identities {
				id, err := age.ParseX25519Identity(s)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			pt, err := decrypt(v.body, 32<<20, ids...)
			if err != nil {
				t.Fatal(err)
			}
			if len(pt) != info.PayloadLen {
				t.Errorf("PayloadLen %d, age decrypts %d bytes", info.PayloadLen, len(pt))
			}
		})
	}
	if n < 20 {
		t.Errorf("only %d stream vectors", n)
	}
}
