package snapshot

import (
	"encoding/json"
)

// Organisations (PROTOCOL.md §8): the front door's keyring is the
// top-level keyring bucket, every other organisation's is
// orgs/<slug>/keyring beside its record orgs/<slug>/org; counsellors,
// mailboxes and invites name their organisation in "org", absent for the
// front door, which has no record.

// keyringAudit is what the cross-checks need of one keyring bucket.
type keyringAudit struct {
	envelope bool
	stanzas  int
	current  *keyringRecord
	epochs   map[int]string // epoch → recipient
}

type orgRef struct {
	Org string `json:"org"`
}

// orgAudit is what the cross-checks need of the organisations.
type orgAudit struct {
	seen  map[string]bool        // slugs with a record
	named map[string][][2]string // slug → bucket and key of the entries naming it
}

func (a *auditor) keyring(org string) *keyringAudit {
	if a.keyrings == nil {
		a.keyrings = map[string]*keyringAudit{}
	}
	k := a.keyrings[org]
	if k == nil {
		k = &keyringAudit{}
		a.keyrings[org] = k
	}
	return k
}

// nameOrg notes that the entry key of bucket names organisation org.
func (a *auditor) nameOrg(org, bucket, key string) {
	if org == "" {
		return
	}
	if a.orgs.named == nil {
		a.orgs.named = map[string][][2]string{}
	}
	a.orgs.named[org] = append(a.orgs.named[org], [2]string{bucket, key})
}

func (a *auditor) noteOrgOf(counsellor, org string) {
	if a.orgOf == nil {
		a.orgOf = map[string]string{}
	}
	a.orgOf[counsellor] = org
	a.nameOrg(org, "counsellors", counsellor)
}

// noteKeyring notes a keyring entry or an organisation's record, and an
// invite's or mailbox's organisation; it reports whether the entry was
// one of these.
func (a *auditor) noteKeyring(path []string, key, value []byte) bool {
	org, rest := "", path
	switch {
	case len(path) >= 1 && path[0] == "keyring":
		rest = path[1:]
	case len(path) >= 3 && path[0] == "orgs" && path[2] == "keyring":
		org, rest = path[1], path[3:]
	case len(path) == 2 && path[0] == "orgs" && string(key) == "org":
		if a.orgs.seen == nil {
			a.orgs.seen = map[string]bool{}
		}
		a.orgs.seen[path[1]] = true
		return true
	case len(path) == 1 && path[0] == "invites":
		var r orgRef
		if json.Unmarshal(value, &r) == nil {
			a.nameOrg(r.Org, "invites", string(key))
		}
		return true
	default:
		return false
	}
	kr := a.keyring(org)
	switch {
	case len(rest) == 0 && string(key) == "envelope":
		kr.envelope = true
		a.report.Ciphertexts++
		a.live.add(value)
		kr.stanzas, _ = a.policy.Keyring(value)
	case len(rest) == 0 && string(key) == "current":
		var k keyringRecord
		if json.Unmarshal(value, &k) == nil {
			kr.current = &k
			for _, m := range k.Members {
				a.refer(m, keyringPath(org), "current", "members")
			}
		}
	case len(rest) == 1 && rest[0] == "epochs":
		var e keyringRecord
		if json.Unmarshal(value, &e) == nil {
			if kr.epochs == nil {
				kr.epochs = map[int]string{}
			}
			kr.epochs[e.Epoch] = e.Recipient
		}
	}
	return true
}

func keyringPath(org string) string {
	if org == "" {
		return "keyring"
	}
	return "orgs/" + org + "/keyring"
}

// crossCheckOrgs checks every keyring against its organisation's
// counsellors, and that an organisation's keyring and every "org" name an
// organisation with a record.
func (a *auditor) crossCheckOrgs() {
	for _, org := range sortedKeys(a.keyrings) {
		if org != "" && !a.orgs.seen[org] {
			a.violate("orgs", org, "", "keyring of an organisation without a record")
		}
		a.crossCheckKeyring(org, keyringPath(org), a.keyrings[org])
	}
	if _, ok := a.keyrings[""]; !ok {
		a.crossCheckKeyring("", "keyring", &keyringAudit{})
	}
	for _, org := range sortedKeys(a.orgs.named) {
		if a.orgs.seen[org] {
			continue
		}
		for _, where := range a.orgs.named[org] {
			a.violate(where[0], where[1], "org", "names an organisation that does not exist")
		}
	}
}
