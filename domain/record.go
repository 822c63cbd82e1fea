package domain

// RecordIDSize is the size of a record's id in bytes; its text form is
// their unpadded base64url, 22 characters (PROTOCOL.md §11.3).
const RecordIDSize = 16

// A RecordID names one record of a case or of the team. The server draws
// it at random.
type RecordID [RecordIDSize]byte

// ParseRecordID parses the unpadded base64url of 16 bytes, in its one
// canonical spelling.
func ParseRecordID(s string) (RecordID, error) {
	id, err := parseRandomID("record id", s)
	return RecordID(id), err
}

// String returns the 22 base64url characters.
func (id RecordID) String() string { return b64urlStrict.EncodeToString(id[:]) }
