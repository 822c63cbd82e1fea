package domain

import (
	"encoding/base64"
	"fmt"
	"io"
)

// AttachmentIDSize is the size of an attachment id in bytes; its text form
// is their unpadded base64url, 22 characters (PROTOCOL.md §10).
const AttachmentIDSize = 16

// An AttachmentID names one attachment ciphertext within its mailbox. The
// server draws it at random; it says nothing about the file.
type AttachmentID [AttachmentIDSize]byte

var b64urlStrict = base64.RawURLEncoding.Strict()

// ParseAttachmentID parses the unpadded base64url of 16 bytes, in its one
// canonical spelling.
func ParseAttachmentID(s string) (AttachmentID, error) {
	id, err := parseRandomID("attachment id", s)
	return AttachmentID(id), err
}

// parseRandomID parses what, 16 random bytes the server drew (an
// attachment's, an upload's or a record's id), as the unpadded base64url in its one
// canonical spelling.
func parseRandomID(what, s string) ([16]byte, error) {
	var id [16]byte
	if len(s) != b64urlStrict.EncodedLen(len(id)) {
		return id, invalid(what, "want 22 base64url characters")
	}
	if n, err := b64urlStrict.Decode(id[:], []byte(s)); err != nil || n != len(id) {
		return [16]byte{}, invalid(what, "want the base64url of 16 bytes")
	}
	return id, nil
}

// NewAttachmentID draws an id from rand.
func NewAttachmentID(rand io.Reader) (AttachmentID, error) {
	var id AttachmentID
	if _, err := io.ReadFull(rand, id[:]); err != nil {
		return id, fmt.Errorf("domain: new attachment id: %v", err)
	}
	return id, nil
}

// String returns the 22 base64url characters.
func (id AttachmentID) String() string { return b64urlStrict.EncodeToString(id[:]) }
