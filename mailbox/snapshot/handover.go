package snapshot

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"lotse/mailbox"
)

// The cross-checks of consented handover (PROTOCOL.md §9,
// mailbox/handover.go): every offer, upload and completed handover names
// a mailbox that exists, an upload holds no seq beyond its count and no
// attachment its mailbox does not have. The staged ciphertexts of an
// upload count as live ciphertexts (copies.go).

// handoverUpload is handover_uploads/{mailbox id}/upload.
type handoverUpload struct {
	Count uint64 `json:"count"`
}

// hourLen is the hour that begins a handover_done key; the mailbox id
// follows it, then (in a file the store has opened since version 2) the
// number of the case's handover in that hour.
const hourLen = len("2006-01-02T15:00:00Z")

type handoverAudit struct {
	offers, done []string            // mailbox ids
	uploads      map[string]uint64   // mailbox id → count
	seqs         map[string]uint64   // mailbox id → highest staged seq
	attachments  map[string][]string // mailbox id → staged attachment ids
}

// noteHandover keeps what crossCheckHandover needs from a valid entry of
// the handover buckets; false if the entry is none of theirs.
func (a *auditor) noteHandover(path []string, key, value []byte) bool {
	h := &a.handover
	if h.uploads == nil {
		h.uploads, h.seqs, h.attachments = map[string]uint64{}, map[string]uint64{}, map[string][]string{}
	}
	if len(path) == 0 {
		return false
	}
	switch {
	case len(path) == 1 && path[0] == "handover_offers":
		h.offers = append(h.offers, string(key))
	case len(path) == 1 && path[0] == "handover_done":
		h.done = append(h.done, string(key[hourLen:hourLen+32]))
	case len(path) == 2 && path[0] == "handover_uploads":
		var u handoverUpload
		if json.Unmarshal(value, &u) == nil {
			h.uploads[path[1]] = u.Count
		}
	case len(path) == 3 && path[0] == "handover_uploads":
		h.seqs[path[1]] = max(h.seqs[path[1]], binary.BigEndian.Uint64(key))
		a.report.Ciphertexts++
		a.live.add(value)
	case len(path) == 4 && path[0] == "handover_uploads":
		h.attachments[path[1]] = append(h.attachments[path[1]], path[3])
		a.report.Ciphertexts++
		a.live.add(value)
	default:
		return false
	}
	return true
}

func (a *auditor) crossCheckHandover() {
	h := &a.handover
	exists := func(id string) bool { m := a.mailboxes[id]; return m != nil && m.record != nil }
	for _, id := range h.offers {
		if !exists(id) {
			a.violate("handover_offers", id, "", "offer without a mailbox record")
		}
	}
	for _, id := range h.done {
		if !exists(id) {
			a.violate("handover_done", mailbox.ShowKey([]byte(id)), "", "completed handover without a mailbox record")
		}
	}
	for _, id := range sortedKeys(h.uploads) {
		if !exists(id) {
			a.violate("handover_uploads", id, "", "upload without a mailbox record")
		}
		if h.seqs[id] > h.uploads[id] {
			a.violate("handover_uploads/"+id+"/messages", "", "", fmt.Sprintf("seq %d beyond the upload's count %d", h.seqs[id], h.uploads[id]))
		}
		for _, att := range h.attachments[id] {
			if _, ok := a.attachments.records[id+att]; !ok {
				a.violate("handover_uploads/"+id+"/attachments", att, "", "staged attachment its mailbox does not have")
			}
		}
	}
}
