package domain

// UploadIDSize is the size of a handover upload's id in bytes; its text
// form is their unpadded base64url, 22 characters (PROTOCOL.md §9.3).
const UploadIDSize = 16

// An UploadID names the enquirer's upload of a re-sealed conversation.
// The server draws it at random.
type UploadID [UploadIDSize]byte

// ParseUploadID parses the unpadded base64url of 16 bytes, in its one
// canonical spelling.
func ParseUploadID(s string) (UploadID, error) {
	id, err := parseRandomID("upload id", s)
	return UploadID(id), err
}

// String returns the 22 base64url characters.
func (id UploadID) String() string { return b64urlStrict.EncodeToString(id[:]) }
