package snapshot

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"lotse/mailbox"
)

// What the auditor checks of the records the team writes for itself and
// of the action record (PROTOCOL.md §11): each record's clear part and its
// ciphertext exist together, nothing is kept of a case whose mailbox is
// gone, and every counsellor named exists.

type teamMemory struct {
	metas, cts map[string][]string // records/<name>, record_ciphertexts/<name> → seq keys
	actions    map[string]bool     // actions/<mailbox id> holds entries
}

type recordMetaRecord struct {
	Author string `json:"author"`
}

type actionRecord struct {
	By string `json:"by"`
	To string `json:"to"`
}

// noteTeamMemory is note's part for these buckets.
func (a *auditor) noteTeamMemory(path []string, key, value []byte) {
	t := &a.team
	if t.metas == nil {
		t.metas, t.cts, t.actions = map[string][]string{}, map[string][]string{}, map[string]bool{}
	}
	switch {
	case len(path) == 2 && path[0] == "records":
		t.metas[path[1]] = append(t.metas[path[1]], string(key))
		var r recordMetaRecord
		if json.Unmarshal(value, &r) == nil {
			a.refer(r.Author, mailbox.ShowPath(path), mailbox.ShowKey(key), "author")
		}
	case len(path) == 2 && path[0] == "record_ciphertexts":
		t.cts[path[1]] = append(t.cts[path[1]], string(key))
		a.report.Ciphertexts++
		a.live.add(value)
	case len(path) == 2 && path[0] == "actions":
		t.actions[path[1]] = true
		var r actionRecord
		if json.Unmarshal(value, &r) == nil {
			a.refer(r.By, mailbox.ShowPath(path), mailbox.ShowKey(key), "by")
			if r.To != "" {
				a.refer(r.To, mailbox.ShowPath(path), mailbox.ShowKey(key), "to")
			}
		}
	case len(path) == 1 && path[0] == "tombstones":
		var r actionRecord
		if json.Unmarshal(value, &r) == nil {
			a.refer(r.By, "tombstones", mailbox.ShowKey(key), "by")
		}
	}
}

// crossCheckTeamMemory is crossCheck's part for these buckets.
func (a *auditor) crossCheckTeamMemory() {
	t := &a.team
	names := maps.Clone(t.metas) // and every name only cts has
	maps.Copy(names, t.cts)
	for _, name := range sortedKeys(names) {
		metas, cts := t.metas[name], t.cts[name]
		if !slices.Equal(metas, cts) {
			a.violate("records/"+mailbox.ShowKey([]byte(name)), "", "",
				fmt.Sprintf("%d records and %d record ciphertexts under different keys", len(metas), len(cts)))
		}
		a.caseGone("records", name)
	}
	for _, id := range sortedKeys(t.actions) {
		a.caseGone("actions", id)
	}
}

// caseGone reports what is kept of a case (records or actions under a
// mailbox id) whose mailbox does not exist: it should have gone with it.
func (a *auditor) caseGone(bucket, name string) {
	if !mailbox.IsTeamRecordKind(name) {
		if m := a.mailboxes[name]; m == nil || m.record == nil {
			a.violate(bucket, name, "", "kept of a case whose mailbox does not exist (of a deleted mailbox?)")
		}
	}
}
