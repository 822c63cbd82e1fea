package snapshot

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	"lotse/mailbox"
)

// What the auditor checks of the records the team writes for itself and
// of the action record (PROTOCOL.md §11): each record's clear part and its
// ciphertext exist together, nothing is kept of a case whose mailbox is
// gone, every counsellor named exists, and an organisation's team records
// (orgs/<slug>/records/…, the front door's at the top) are written by its
// own counsellors.

type teamMemory struct {
	metas, cts map[recordSet][]string // records/<name>, record_ciphertexts/<name> → seq keys
	actions    map[string]bool        // actions/<mailbox id> holds entries
	authors    []teamAuthor
}

// recordSet is the records of one case or team kind: org is "" but for
// another organisation's team records.
type recordSet struct{ org, name string }

// path is where the set's clear parts are, for a report.
func (r recordSet) path() string {
	p := "records/" + mailbox.ShowKey([]byte(r.name))
	if r.org != "" {
		p = "orgs/" + r.org + "/" + p
	}
	return p
}

// teamAuthor is the author of a team record of organisation org.
type teamAuthor struct {
	org, id, path, key string
}

type recordMetaRecord struct {
	Author string `json:"author"`
}

type actionRecord struct {
	By string `json:"by"`
	To string `json:"to"`
}

// recordEntry tells whether path is a bucket of records (records/<name> or
// orgs/<slug>/records/<name>) or of their ciphertexts, and whose.
func recordEntry(path []string) (set recordSet, ciphertext, ok bool) {
	if len(path) == 4 && path[0] == "orgs" {
		set.org, path = path[1], path[2:]
	}
	if len(path) != 2 || path[0] != "records" && path[0] != "record_ciphertexts" {
		return recordSet{}, false, false
	}
	set.name = path[1]
	return set, path[0] == "record_ciphertexts", true
}

// noteTeamMemory is note's part for these buckets.
func (a *auditor) noteTeamMemory(path []string, key, value []byte) {
	t := &a.team
	if t.metas == nil {
		t.metas, t.cts, t.actions = map[recordSet][]string{}, map[recordSet][]string{}, map[string]bool{}
	}
	set, ciphertext, isRecord := recordEntry(path)
	switch {
	case isRecord && !ciphertext:
		t.metas[set] = append(t.metas[set], string(key))
		var r recordMetaRecord
		if json.Unmarshal(value, &r) == nil {
			a.refer(r.Author, mailbox.ShowPath(path), mailbox.ShowKey(key), "author")
			if mailbox.IsTeamRecordKind(set.name) {
				t.authors = append(t.authors, teamAuthor{set.org, r.Author, mailbox.ShowPath(path), mailbox.ShowKey(key)})
			}
		}
	case isRecord:
		t.cts[set] = append(t.cts[set], string(key))
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
	var sets []recordSet
	for set := range t.metas {
		sets = append(sets, set)
	}
	for set := range t.cts {
		if _, ok := t.metas[set]; !ok {
			sets = append(sets, set)
		}
	}
	slices.SortFunc(sets, func(x, y recordSet) int { return cmp.Or(cmp.Compare(x.org, y.org), cmp.Compare(x.name, y.name)) })
	for _, set := range sets {
		metas, cts := t.metas[set], t.cts[set]
		if !slices.Equal(metas, cts) {
			a.violate(set.path(), "", "",
				fmt.Sprintf("%d records and %d record ciphertexts under different keys", len(metas), len(cts)))
		}
		if set.org == "" {
			a.caseGone("records", set.name)
		}
	}
	for _, w := range t.authors {
		if org, ok := a.orgOf[w.id]; ok && org != w.org {
			a.violate(w.path, w.key, "author", "a counsellor of another organisation")
		}
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
