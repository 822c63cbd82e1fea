package crypto

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"

	"filippo.io/age"
)

// AttachmentBuckets are the plaintext sizes of attachments, padding
// included (PROTOCOL.md §10): few sizes, so the stored length says little
// about the file.
var AttachmentBuckets = [...]int{64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20}

// MaxAttachmentFile is the largest file an attachment carries.
const MaxAttachmentFile = 8 << 20

// MaxAttachmentCiphertext is the length of an attachment of the largest
// bucket: the most bytes the server reads for one upload.
var MaxAttachmentCiphertext = AttachmentCiphertextLen(MaxAttachmentFile)

// AttachmentCiphertextLen is the exact length of an attachment whose
// plaintext is bucket bytes: header + 16 + P + 16 × ceil(P / 65536)
// (PROTOCOL.md §10).
func AttachmentCiphertextLen(bucket int) int {
	return headerLen(2) + streamNonceLen + bucket + streamTagLen*streamChunks(bucket)
}

// attachmentBucket is the smallest bucket that holds size bytes, or 0.
func attachmentBucket(size int) int {
	for _, b := range AttachmentBuckets {
		if size <= b {
			return b
		}
	}
	return 0
}

// The ways an attachment fails its reader (PROTOCOL.md §10); a reader
// shows a warning instead of the file for each.
var (
	// ErrAttachmentTruncated: the ciphertext ends before the length its
	// reference implies, or the STREAM ends without its last chunk.
	ErrAttachmentTruncated = errors.New("crypto: attachment truncated")
	// ErrAttachmentTampered: the ciphertext breaks the policy, fails
	// authentication, or its padding is not all zero.
	ErrAttachmentTampered = errors.New("crypto: attachment tampered with")
	// ErrAttachmentMismatch: it decrypts, but its size does not fit the
	// bucket or its first size bytes do not hash to the reference's sha256.
	ErrAttachmentMismatch = errors.New("crypto: attachment does not match its reference (size or sha256)")
)

// CheckAttachment enforces the attachment policy: 2 hybrid stanzas and a
// plaintext of exactly one attachment bucket (PROTOCOL.md §10, with the
// rules of §5). Errors are *PolicyError.
func CheckAttachment(b []byte) error {
	// Refuse by length first: it is cheap and bounds what the parser reads.
	if len(b) > MaxAttachmentCiphertext {
		return policyError("an attachment is %d bytes, more than %d", len(b), MaxAttachmentCiphertext)
	}
	info, err := ParseCiphertext(b)
	if err != nil {
		return err
	}
	if info.Stanzas != 2 {
		return policyError("an attachment has %d stanzas, want 2", info.Stanzas)
	}
	if !slices.Contains(AttachmentBuckets[:], info.PayloadLen) {
		return policyError("an attachment's plaintext is %d bytes, not an attachment bucket", info.PayloadLen)
	}
	return nil
}

// SealAttachment pads file with zero bytes to the smallest attachment
// bucket and encrypts it to the recipients, the team's and the enquirer's
// (PROTOCOL.md §10). The result passes CheckAttachment.
func SealAttachment(file []byte, recipients ...*age.HybridRecipient) ([]byte, error) {
	if len(recipients) != 2 || recipients[0] == nil || recipients[1] == nil {
		return nil, errors.New("crypto: seal attachment: want the team's and the enquirer's recipient")
	}
	bucket := attachmentBucket(len(file))
	if bucket == 0 {
		return nil, fmt.Errorf("crypto: seal attachment: file of %d bytes, more than %d", len(file), MaxAttachmentFile)
	}
	var out bytes.Buffer
	out.Grow(AttachmentCiphertextLen(bucket))
	w, err := age.Encrypt(&out, recipients[0], recipients[1])
	if err != nil {
		return nil, fmt.Errorf("crypto: seal attachment: %v", err)
	}
	// Written in place, with the zero padding after it, so no padded copy
	// of the file is ever held.
	if _, err := w.Write(file); err != nil {
		return nil, fmt.Errorf("crypto: seal attachment: %v", err)
	}
	var zeros [streamChunkSize]byte
	for left := bucket - len(file); left > 0; {
		n := min(left, len(zeros))
		if _, err := w.Write(zeros[:n]); err != nil {
			return nil, fmt.Errorf("crypto: seal attachment: %v", err)
		}
		left -= n
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("crypto: seal attachment: %v", err)
	}
	ct := out.Bytes()
	if err := CheckAttachment(ct); err != nil {
		return nil, fmt.Errorf("crypto: seal attachment: own ciphertext fails the policy: %v", err)
	}
	return ct, nil
}

// OpenAttachment decrypts an attachment and returns the file its
// reference describes: size bytes whose SHA-256 is sum, followed in the
// bucket by zero bytes only (PROTOCOL.md §10). Errors wrap
// ErrAttachmentTruncated, ErrAttachmentTampered or ErrAttachmentMismatch,
// except for an identity that cannot read it.
func OpenAttachment(ciphertext []byte, identity age.Identity, size int, sum []byte) ([]byte, error) {
	want := attachmentBucket(size)
	if size < 0 || want == 0 || len(sum) != sha256.Size {
		return nil, fmt.Errorf("%w: size %d or sha256 of %d bytes impossible", ErrAttachmentMismatch, size, len(sum))
	}
	if len(ciphertext) < AttachmentCiphertextLen(want) {
		return nil, fmt.Errorf("%w: %d bytes, a file of %d needs %d", ErrAttachmentTruncated, len(ciphertext), size, AttachmentCiphertextLen(want))
	}
	if err := CheckAttachment(ciphertext); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAttachmentTampered, err)
	}
	if identity == nil {
		return nil, errors.New("crypto: open attachment: no identity")
	}
	r, err := age.Decrypt(bytes.NewReader(ciphertext), identity)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, fmt.Errorf("crypto: open attachment: %v", err)
		}
		return nil, fmt.Errorf("%w: %v", ErrAttachmentTampered, err)
	}
	pt, err := io.ReadAll(io.LimitReader(r, int64(MaxAttachmentFile)+1))
	if err != nil {
		clear(pt)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: %v", ErrAttachmentTruncated, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrAttachmentTampered, err)
	}
	// CheckAttachment bounds the plaintext to a bucket, so pt is one.
	if size > len(pt) {
		clear(pt)
		return nil, fmt.Errorf("%w: %d bytes do not fit a bucket of %d", ErrAttachmentMismatch, size, len(pt))
	}
	got := sha256.Sum256(pt[:size])
	if subtle.ConstantTimeCompare(got[:], sum) != 1 {
		clear(pt)
		return nil, fmt.Errorf("%w: sha256 differs", ErrAttachmentMismatch)
	}
	for _, c := range pt[size:] {
		if c != 0 {
			clear(pt)
			return nil, fmt.Errorf("%w: padding is not all zero", ErrAttachmentTampered)
		}
	}
	clear(pt[size:])
	return pt[:size:size], nil
}

// NewAttachment is the reference to file that a message document carries
// (PROTOCOL.md §10), with id the server's answer to the upload.
func NewAttachment(id, name, mediaType string, file []byte) Attachment {
	sum := sha256.Sum256(file)
	return Attachment{ID: id, Name: name, Type: mediaType, Size: len(file), SHA256: base64.StdEncoding.EncodeToString(sum[:])}
}
