package crypto

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
)

// PolicyError is a ciphertext that the server must refuse (422
// ciphertext_policy, PROTOCOL.md §5).
type PolicyError struct{ Reason string }

func (e *PolicyError) Error() string { return "ciphertext policy: " + e.Reason }

func policyError(format string, a ...any) error {
	return &PolicyError{Reason: fmt.Sprintf(format, a...)}
}

// CiphertextInfo is what the policy parser learned about a ciphertext.
type CiphertextInfo struct {
	Stanzas    int
	HeaderLen  int // up to and including the "--- mac" line
	PayloadLen int // plaintext bytes implied by the STREAM framing
}

// The shape of binary age v1 with hybrid stanzas only. Every line has a
// fixed length, so the parser never searches for a line end: it compares
// fixed prefixes and checks for '\n' where it must be.
const (
	ageIntro        = "age-encryption.org/v1\n"
	armorBegin      = "-----BEGIN AGE ENCRYPTED FILE-----"
	hybridStanza    = "-> mlkem768x25519 "
	stanzaStart     = "-> "
	footerStart     = "---"
	footerPrefix    = "--- "
	encLen          = 1088 + 32 // ML-KEM-768 ciphertext || X25519 share
	encB64Len       = (encLen*8 + 5) / 6
	wrappedKeyLen   = 16 + 16 // file key + ChaCha20-Poly1305 tag
	wrappedKeyB64   = (wrappedKeyLen*8 + 5) / 6
	macLen          = 32
	macB64Len       = (macLen*8 + 5) / 6
	stanzaLen       = len(hybridStanza) + encB64Len + 1 + wrappedKeyB64 + 1
	footerLen       = len(footerPrefix) + macB64Len + 1
	streamNonceLen  = 16
	streamChunkSize = 64 * 1024
	streamTagLen    = 16

	// maxStanzas is the most stanzas any Lotse ciphertext has: a keyring
	// of 256 members (PROTOCOL.md §5).
	maxStanzas = 256
)

// headerLen returns the length of a Lotse age header with n hybrid stanzas:
// 3184 for a message's two (PROTOCOL.md §5).
func headerLen(n int) int { return len(ageIntro) + n*stanzaLen + footerLen }

var b64Strict = base64.RawStdEncoding.Strict()

// decodeCanonical decodes src, unpadded standard base64, into exactly dst.
// The decoder refuses every byte outside the alphabet (and "=", having no
// padding) except CR and LF, which it skips, so those two are refused
// first (with IndexByte: a byte-by-byte alphabet loop cost a fifth of
// mailboxd's CPU under load); Strict refuses non-zero trailing bits, so an
// accepted encoding is the only one.
func decodeCanonical(dst, src []byte) bool {
	if len(src) != b64Strict.EncodedLen(len(dst)) {
		return false
	}
	if bytes.IndexByte(src, '\n') >= 0 || bytes.IndexByte(src, '\r') >= 0 {
		return false
	}
	n, err := b64Strict.Decode(dst, src)
	return err == nil && n == len(dst)
}

// lowOrderX25519 lists the encodings, bit 255 cleared, of the X25519 points
// whose shared secret is all zero for every scalar; age refuses such a
// share as a header failure.
var lowOrderX25519 = [][32]byte{
	{},
	{1},
	{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
	{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}

func isLowOrderX25519(share []byte) bool {
	var p [32]byte
	copy(p[:], share)
	p[31] &= 0x7f
	return slices.Contains(lowOrderX25519, p)
}

// ParseCiphertext strictly parses binary age v1 whose every stanza is
// mlkem768x25519 with one argument and a well-formed body (PROTOCOL.md §5):
//
//   - the intro line "age-encryption.org/v1", LF line ends only, no armor;
//   - 1 to 256 stanzas "-> mlkem768x25519 <enc>", enc the canonical
//     unpadded base64 of 1,120 bytes whose X25519 part is not a low-order
//     point, and a body of one line, the canonical base64 of 32 bytes;
//   - "--- <mac>", mac the canonical base64 of 32 bytes;
//   - a 16-byte nonce and STREAM chunks of 64 KiB + 16, the last one shorter
//     and empty only if it is the only one.
//
// It proves the shape, not who can read it: hybrid stanzas do not name
// their recipient, and the MAC needs the file key. It allocates nothing
// that grows with the input. Errors are *PolicyError.
func ParseCiphertext(b []byte) (*CiphertextInfo, error) {
	if len(b) == 0 {
		return nil, policyError("empty")
	}
	if !bytes.HasPrefix(b, []byte(ageIntro)) {
		if bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte(armorBegin)) {
			return nil, policyError("armored, want binary age")
		}
		return nil, policyError("not binary age v1")
	}
	pos := len(ageIntro)
	n := 0
	var enc [encLen]byte
	var body [wrappedKeyLen]byte
	for {
		rest := b[pos:]
		if bytes.HasPrefix(rest, []byte(footerStart)) {
			break
		}
		if !bytes.HasPrefix(rest, []byte(stanzaStart)) {
			if len(rest) < len(footerStart) {
				return nil, policyError("truncated header")
			}
			return nil, policyError("stanza %d: malformed opening line", n+1)
		}
		if n == maxStanzas {
			return nil, policyError("more than %d stanzas", maxStanzas)
		}
		n++
		if !bytes.HasPrefix(rest, []byte(hybridStanza)) {
			if bytes.HasPrefix([]byte(hybridStanza), rest) {
				return nil, policyError("truncated header")
			}
			if bytes.HasPrefix(rest, []byte(hybridStanza[:len(hybridStanza)-1]+"\n")) {
				return nil, policyError("stanza %d: no argument", n)
			}
			return nil, policyError("stanza %d: type is not mlkem768x25519", n)
		}
		if len(rest) < stanzaLen {
			return nil, policyError("truncated header")
		}
		arg := rest[len(hybridStanza) : len(hybridStanza)+encB64Len]
		if !decodeCanonical(enc[:], arg) {
			return nil, policyError("stanza %d: argument is not canonical base64 of %d bytes", n, encLen)
		}
		if c := rest[len(hybridStanza)+encB64Len]; c != '\n' {
			if c == ' ' {
				return nil, policyError("stanza %d: more than one argument", n)
			}
			return nil, policyError("stanza %d: argument is not canonical base64 of %d bytes", n, encLen)
		}
		if isLowOrderX25519(enc[1088:]) {
			return nil, policyError("stanza %d: low-order X25519 share", n)
		}
		line := rest[len(hybridStanza)+encB64Len+1 : stanzaLen]
		if !decodeCanonical(body[:], line[:wrappedKeyB64]) || line[wrappedKeyB64] != '\n' {
			return nil, policyError("stanza %d: body is not one line of canonical base64 of %d bytes", n, wrappedKeyLen)
		}
		pos += stanzaLen
	}
	if n == 0 {
		return nil, policyError("no stanzas")
	}
	rest := b[pos:]
	if len(rest) < footerLen {
		return nil, policyError("truncated header")
	}
	var mac [macLen]byte
	if !bytes.HasPrefix(rest, []byte(footerPrefix)) ||
		!decodeCanonical(mac[:], rest[len(footerPrefix):footerLen-1]) || rest[footerLen-1] != '\n' {
		return nil, policyError("malformed mac line")
	}
	pos += footerLen

	payload, err := streamPayloadLen(len(b) - pos)
	if err != nil {
		return nil, err
	}
	return &CiphertextInfo{Stanzas: n, HeaderLen: pos, PayloadLen: payload}, nil
}

// streamPayloadLen returns the plaintext length of an age STREAM payload of
// n bytes (nonce included), or why no STREAM payload has that length.
func streamPayloadLen(n int) (int, error) {
	if n < streamNonceLen {
		return 0, policyError("payload shorter than the nonce")
	}
	n -= streamNonceLen
	const full = streamChunkSize + streamTagLen
	chunks, last := n/full, n%full
	switch {
	case n == 0:
		return 0, policyError("no payload chunk")
	case last == 0:
		// The last chunk is full.
		return chunks * streamChunkSize, nil
	case last < streamTagLen:
		return 0, policyError("last chunk shorter than its tag")
	case last == streamTagLen && chunks > 0:
		return 0, policyError("empty last chunk after a full one")
	}
	return chunks*streamChunkSize + last - streamTagLen, nil
}

// streamChunks returns how many STREAM chunks carry plaintextLen bytes.
func streamChunks(plaintextLen int) int {
	if plaintextLen == 0 {
		return 1
	}
	return (plaintextLen + streamChunkSize - 1) / streamChunkSize
}

// CheckMessage enforces the message policy: 2 stanzas and one chunk of a
// bucket size (PROTOCOL.md §5). Errors are *PolicyError.
func CheckMessage(b []byte) error {
	info, err := ParseCiphertext(b)
	if err != nil {
		return err
	}
	if info.Stanzas != 2 {
		return policyError("a message has %d stanzas, want 2", info.Stanzas)
	}
	if !slices.Contains(BucketSizes[:], info.PayloadLen) {
		return policyError("a message's plaintext is %d bytes, not a bucket size", info.PayloadLen)
	}
	return nil
}

// CheckKeyring enforces the keyring policy (1…256 stanzas, PROTOCOL.md §5)
// and returns the stanza count. Errors are *PolicyError.
func CheckKeyring(b []byte) (int, error) {
	info, err := ParseCiphertext(b)
	if err != nil {
		return 0, err
	}
	// ParseCiphertext already bounds the count to 1…maxStanzas.
	return info.Stanzas, nil
}

// CheckCaseRecord enforces the policy of a case's record (a note, tags, a
// pin): 1 or 2 stanzas, the team's and perhaps the author's, and a
// plaintext of a case record bucket (PROTOCOL.md §11.2). Errors are
// *PolicyError.
func CheckCaseRecord(b []byte) error {
	return checkRecord(b, CaseRecordBuckets[:])
}

// CheckTeamRecord enforces the policy of the team's records (text blocks,
// the directory): as CheckCaseRecord, with the larger buckets of
// TeamRecordBuckets (PROTOCOL.md §11.2). Errors are *PolicyError.
func CheckTeamRecord(b []byte) error {
	return checkRecord(b, TeamRecordBuckets[:])
}

func checkRecord(b []byte, buckets []int) error {
	info, err := ParseCiphertext(b)
	if err != nil {
		return err
	}
	if info.Stanzas > 2 {
		return policyError("a record has %d stanzas, want 1 or 2", info.Stanzas)
	}
	if !slices.Contains(buckets, info.PayloadLen) {
		return policyError("a record's plaintext is %d bytes, not a bucket size", info.PayloadLen)
	}
	return nil
}
