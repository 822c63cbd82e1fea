package wire

// The attachment requests of PROTOCOL.md §10. An upload's body is the age
// ciphertext itself (application/octet-stream), not JSON, and so is a
// download's answer: base64 in JSON would cost a third more of an 8 MiB
// body and a second copy in memory.

// UploadedAttachment is the answer to POST /api/v1/mailbox/attachments and
// POST /api/v1/cases/{id}/attachments: the id the server drew for it, which
// the message that references it names in NewMessage.Attachments.
type UploadedAttachment struct {
	ID string `json:"id"` // base64url of 16 random bytes, 22 characters
}
