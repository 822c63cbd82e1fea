package snapshot

import (
	"fmt"

	"lotse/mailbox"
)

// The cross-checks of attachments (PROTOCOL.md §10, mailbox/attach.go):
// every record belongs to a mailbox and has its ciphertext, every
// ciphertext its record; a referenced attachment names a message its
// mailbox holds, an unreferenced one is in the pending index under its
// hour, and every index entry is such an attachment. Attachment
// ciphertexts count as live ciphertexts, so a deleted one still in the
// file's bytes is stray (copies.go).

// attachmentRecord is attachments/{attachment key}.
type attachmentRecord struct {
	From     string `json:"from"`
	Seq      uint64 `json:"seq"`
	Uploaded string `json:"uploaded"`
}

// attachmentKeyLen is a mailbox id and an attachment id.
const attachmentKeyLen = 32 + 22

type attachmentAudit struct {
	records     map[string]attachmentRecord
	ciphertexts map[string]bool
	pending     map[string]string // attachment key → hour
	hours       []string          // mailbox ids of attachment_hours
}

func (t *attachmentAudit) init() {
	if t.records == nil {
		t.records = map[string]attachmentRecord{}
		t.ciphertexts = map[string]bool{}
		t.pending = map[string]string{}
	}
}

// noteAttachment keeps what crossCheckAttachments needs from a valid
// entry of the attachment buckets; false if the entry is none of theirs.
func (a *auditor) noteAttachment(path []string, key, value []byte, decode func([]byte, any) bool) bool {
	t := &a.attachments
	t.init()
	if len(path) == 2 && path[0] == "attachment_ciphertexts" {
		// attachment_ciphertexts/{key}/ciphertext, the one value allowed.
		t.ciphertexts[path[1]] = true
		a.report.Ciphertexts++
		a.live.add(value)
		return true
	}
	if len(path) != 1 {
		return false
	}
	switch path[0] {
	case "attachments":
		var r attachmentRecord
		if decode(value, &r) {
			t.records[string(key)] = r
		}
	case "attachment_pending":
		k := key[len(key)-attachmentKeyLen:]
		t.pending[string(k)] = string(key[:len(key)-attachmentKeyLen])
	case "attachment_hours":
		t.hours = append(t.hours, string(key))
	default:
		return false
	}
	return true
}

// crossCheckAttachments reports, in key order, what does not fit together.
func (a *auditor) crossCheckAttachments() {
	t := &a.attachments
	t.init()
	for _, k := range sortedKeys(t.records) {
		r := t.records[k]
		m := a.mailboxes[k[:32]]
		switch {
		case m == nil || m.record == nil:
			a.violate("attachments", k, "", "attachment without a mailbox record (of a deleted mailbox?)")
		case !t.ciphertexts[k]:
			a.violate("attachments", k, "", "attachment without its ciphertext")
		case r.Seq > 0 && r.Seq > m.metas.n:
			a.violate("attachments", k, "seq", "names a message its mailbox does not hold")
		case r.Uploaded != "" && t.pending[k] != r.Uploaded:
			a.violate("attachments", k, "uploaded", "unreferenced, but not in the pending index under its hour")
		}
	}
	for _, k := range sortedKeys(t.ciphertexts) {
		if _, ok := t.records[k]; !ok {
			a.violate("attachment_ciphertexts", k, "", "ciphertext without its attachment record (of a deleted attachment?)")
		}
	}
	for _, k := range sortedKeys(t.pending) {
		if r, ok := t.records[k]; !ok || r.Uploaded != t.pending[k] {
			a.violate("attachment_pending", t.pending[k]+k, "", "index entry without an unreferenced attachment of that hour")
		}
	}
	for _, id := range t.hours {
		if m := a.mailboxes[id]; m == nil || m.record == nil {
			a.violate("attachment_hours", id, "", fmt.Sprintf("hourly count without a mailbox record (%s)", mailbox.ShowKey([]byte(id))))
		}
	}
}
