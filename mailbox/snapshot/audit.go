package snapshot

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"lotse/mailbox"
)

// AuditReport is what AuditFile found in a data file.
type AuditReport struct {
	Buckets     int // buckets walked
	Values      int // key/value entries checked
	Ciphertexts int // live message and keyring ciphertexts
	// Stray counts age ciphertext headers in the file's bytes that begin
	// no live ciphertext: data deleted but still in free pages. A compacted
	// copy (Backup, Compact) has none.
	Stray int
	// Stale counts further copies of live ciphertexts in free pages. A
	// copy that commits in steps leaves some: bbolt rewrites a leaf that
	// a step boundary cut, and frees the older version of it.
	Stale      int
	Violations []mailbox.Violation
	// Counts is how many allowed entries each node of Schema matched,
	// keyed by its pattern (Pattern), e.g. "ciphertexts/{ciphertext key}".
	Counts map[string]int
}

// AuditFile opens a data file (normally a backup) read-only and checks it:
// every entry against mailbox.Schema and p (CheckEntry), the consistency
// between entries (every message belongs to a mailbox record and the
// counts add up, counsellors referred to exist, the keyring matches the
// roster and its epochs), and that every ciphertext in the file's bytes,
// free pages included, is a copy of a live one (copies.go).
func AuditFile(path string, p mailbox.Policy) (AuditReport, error) {
	db, err := open(path, false)
	if errors.Is(err, ErrLocked) {
		return AuditReport{}, err
	}
	if err != nil {
		return AuditReport{}, fmt.Errorf("snapshot: audit: %v", err)
	}
	a := &auditor{policy: p, mailboxes: map[string]*auditMailbox{}, counsellors: map[string]string{}}
	a.report.Counts = map[string]int{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return a.entry(nil, name, nil, b)
		})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return AuditReport{}, fmt.Errorf("snapshot: audit: %v", err)
	}
	a.crossCheck()
	copies, stray, err := a.live.scan(path)
	if err != nil {
		return AuditReport{}, fmt.Errorf("snapshot: audit: %v", err)
	}
	a.report.Stale = max(copies-a.report.Ciphertexts, 0)
	if stray > 0 {
		a.report.Stray = stray
		a.violate("(file)", "", "", fmt.Sprintf("%d age ciphertexts outside the live values: deleted data in free pages", stray))
	}
	return a.report, nil
}

type auditMailbox struct {
	record   *mailboxRecord // nil: no (valid) record
	messages bool           // messages/<id> exists
	metas    seqRun
	refs     []uint64 // ciphertext keys, in seq order
	lastFrom string
	expiry   []string // days of its expiry index entries
	order    []string // its case index entries
	want     []string // the case index entries its record calls for
}

// seqRun follows keys that must run 1, 2, 3, … in order.
type seqRun struct {
	n      uint64
	broken bool
}

func (r *seqRun) next(k []byte) {
	r.n++
	if len(k) != 8 || binary.BigEndian.Uint64(k) != r.n {
		r.broken = true
	}
}

type auditor struct {
	policy      mailbox.Policy
	report      AuditReport
	mailboxes   map[string]*auditMailbox
	counsellors map[string]string              // id → state
	orgOf       map[string]string              // counsellor id → organisation ("" the front door)
	referenced  map[string][]mailbox.Violation // counsellor id → where it is named
	schema      bool
	keyrings    map[string]*keyringAudit // organisation ("" the front door) → its keyring (orgs.go)
	orgs        orgAudit
	ciphertexts map[uint64]int64 // ciphertext key → length; -1 once referenced
	live        liveHeaders
	team        teamMemory      // teamrec.go
	attachments attachmentAudit // attachments.go
	handover    handoverAudit   // handover.go
	// caseOrder is set if the file has the case index; a file written
	// before it existed has none, and the store builds it when it opens.
	caseOrder bool
}

func (a *auditor) violate(path, key, field, problem string) {
	a.report.Violations = append(a.report.Violations, mailbox.Violation{Path: path, Key: key, Field: field, Problem: problem})
}

func (a *auditor) mailbox(id string) *auditMailbox {
	m := a.mailboxes[id]
	if m == nil {
		m = &auditMailbox{}
		a.mailboxes[id] = m
	}
	return m
}

func (a *auditor) refer(id, path, key, field string) {
	if a.referenced == nil {
		a.referenced = map[string][]mailbox.Violation{}
	}
	a.referenced[id] = append(a.referenced[id], mailbox.Violation{Path: path, Key: key, Field: field})
}

// entry checks one entry and, if it is an allowed bucket, its contents.
// b is the bucket itself for a bucket entry, else nil.
func (a *auditor) entry(path []string, key, value []byte, b *bolt.Bucket) error {
	check := value
	if b == nil && check == nil {
		check = []byte{}
	}
	vs := a.policy.CheckEntry(path, key, check)
	a.report.Violations = append(a.report.Violations, vs...)
	if len(vs) == 0 {
		a.report.Counts[Pattern(path, key, b != nil)]++
	}
	if b != nil {
		a.report.Buckets++
		if len(vs) > 0 {
			return nil // its contents are reported with it
		}
		if len(path) == 1 && path[0] == "messages" {
			a.mailbox(string(key)).messages = true
		}
		if len(path) == 0 && string(key) == "caseorder" {
			a.caseOrder = true
		}
		sub := append(slices.Clone(path), string(key))
		return b.ForEach(func(k, v []byte) error {
			var child *bolt.Bucket
			if v == nil {
				child = b.Bucket(k)
			}
			return a.entry(sub, k, v, child)
		})
	}
	a.report.Values++
	if len(vs) == 0 {
		a.note(path, key, value)
	}
	return nil
}

// note keeps what the cross-checks need from a valid entry.
func (a *auditor) note(path []string, key, value []byte) {
	if a.noteAttachment(path, key, value, func(b []byte, v any) bool { return json.Unmarshal(b, v) == nil }) {
		return
	}
	if a.noteHandover(path, key, value) {
		return
	}
	switch {
	case len(path) == 1 && path[0] == "meta" && string(key) == "schema":
		a.schema = true
	case len(path) == 1 && path[0] == "mailboxes":
		var rec mailboxRecord
		if json.Unmarshal(value, &rec) == nil {
			a.nameOrg(rec.Org, "mailboxes", string(key))
			a.mailbox(string(key)).record = &rec
			keys, _ := mailbox.CaseOrderKeys(string(key), value)
			for _, k := range keys {
				a.mailbox(string(key)).want = append(a.mailbox(string(key)).want, string(k))
			}
			if rec.Assignee != nil {
				a.refer(*rec.Assignee, "mailboxes", string(key), "assignee")
			}
		}
	case len(path) == 1 && path[0] == "ciphertexts":
		if a.ciphertexts == nil {
			a.ciphertexts = map[uint64]int64{}
		}
		a.ciphertexts[binary.BigEndian.Uint64(key)] = int64(len(value))
		a.report.Ciphertexts++
		a.live.add(value)
	case len(path) == 1 && path[0] == "caseorder":
		m := a.mailbox(string(key[len(key)-32:]))
		m.order = append(m.order, string(key))
	case len(path) == 1 && path[0] == "expiry":
		m := a.mailbox(string(key[len(dateLayout):]))
		m.expiry = append(m.expiry, string(key[:len(dateLayout)]))
	case len(path) == 2 && path[0] == "messages":
		m := a.mailbox(path[1])
		m.messages = true
		m.metas.next(key)
		var meta messageMeta
		if json.Unmarshal(value, &meta) == nil {
			m.lastFrom = meta.From
			m.refs = append(m.refs, meta.Ciphertext)
			if meta.Counsellor != "" {
				a.refer(meta.Counsellor, mailbox.ShowPath(path), mailbox.ShowKey(key), "counsellor")
			}
		}
	case len(path) == 1 && path[0] == "counsellors":
		var c counsellorRecord
		if json.Unmarshal(value, &c) == nil {
			a.counsellors[c.ID] = c.State
			a.noteOrgOf(c.ID, c.Org)
		}
	case a.noteKeyring(path, key, value):
	default:
		a.noteTeamMemory(path, key, value)
	}
}

// crossCheck reports inconsistencies between entries, in a stable order.
func (a *auditor) crossCheck() {
	if !a.schema {
		a.violate("meta", "schema", "", "missing")
	}
	for _, id := range sortedKeys(a.mailboxes) {
		m := a.mailboxes[id]
		// Ciphertexts are claimed even for a mailbox in trouble below, so
		// that each problem is reported once, where it is.
		bytes, missing, shared, ordered := a.claim(m.refs)
		if m.record == nil && len(m.expiry) > 0 {
			a.violate("expiry", m.expiry[0]+id, "", "index entry without a mailbox record")
		}
		if m.record == nil && len(m.order) > 0 {
			a.violate("caseorder", mailbox.ShowKey([]byte(m.order[0])), "", "index entry without a mailbox record")
		}
		if m.record != nil && a.caseOrder {
			slices.Sort(m.order)
			slices.Sort(m.want)
			if !slices.Equal(m.order, m.want) {
				a.violate("caseorder", id, "", "index entries differ from what the mailbox record says")
			}
		}
		switch {
		case m.record == nil && m.messages:
			a.violate("messages", id, "", "messages without a mailbox record (of a deleted mailbox?)")
			continue
		case m.record == nil:
			continue // messages/<id> exists but is empty
		case !m.messages:
			a.violate("mailboxes", id, "", "mailbox without messages")
			continue
		}
		r := m.record
		switch {
		case m.metas.broken:
			a.violate("messages/"+id, "", "", "message seqs do not run 1, 2, 3, …")
		case m.metas.n != uint64(r.MessageCount):
			a.violate("mailboxes", id, "message_count", fmt.Sprintf("record says %d, messages holds %d", r.MessageCount, m.metas.n))
		}
		switch {
		case missing > 0:
			a.violate("messages/"+id, "", "ciphertext_key", fmt.Sprintf("%d messages name a ciphertext that does not exist", missing))
		case shared > 0:
			a.violate("messages/"+id, "", "ciphertext_key", fmt.Sprintf("%d messages name a ciphertext that another message names", shared))
		case !ordered:
			a.violate("messages/"+id, "", "ciphertext_key", "ciphertext keys do not grow with the seq")
		case bytes != r.Bytes:
			a.violate("mailboxes", id, "bytes", "differs from the messages' total")
		}
		switch {
		case len(m.expiry) == 0:
			a.violate("mailboxes", id, "last_activity", "mailbox missing from the expiry index")
		case len(m.expiry) > 1:
			a.violate("expiry", m.expiry[1]+id, "", "mailbox indexed more than once")
		case len(r.LastActivity) < len(dateLayout) || m.expiry[0] != r.LastActivity[:len(dateLayout)]:
			a.violate("expiry", m.expiry[0]+id, "", "day differs from the mailbox's last_activity")
		}
		if r.AwaitingReply != (m.lastFrom == mailbox.FromEnquirer) {
			a.violate("mailboxes", id, "awaiting_reply", "differs from the newest message's sender")
		}
	}

	a.crossCheckTeamMemory()

	if n := a.unclaimed(); n > 0 {
		a.violate("ciphertexts", "", "", fmt.Sprintf("%d ciphertexts that no message names (of a deleted mailbox?)", n))
	}
	a.crossCheckAttachments()
	a.crossCheckHandover()

	for _, id := range sortedKeys(a.referenced) {
		if _, ok := a.counsellors[id]; !ok {
			for _, at := range a.referenced[id] {
				a.violate(at.Path, at.Key, at.Field, fmt.Sprintf("counsellor %q does not exist", id))
			}
		}
	}

	a.crossCheckOrgs()
}

// crossCheckKeyring checks one organisation's keyring (at path, "keyring"
// for the front door) against its counsellors.
func (a *auditor) crossCheckKeyring(org, path string, kr *keyringAudit) {
	if kr.envelope != (kr.current != nil) {
		a.violate(path, "", "", "envelope and current record must exist together")
	}
	if kr.current == nil {
		if len(kr.epochs) > 0 {
			a.violate(path+"/epochs", "", "", "epochs without a current keyring")
		}
		return
	}
	k := kr.current
	if kr.envelope && kr.stanzas != len(k.Members) {
		a.violate(path, "envelope", "", fmt.Sprintf("%d stanzas for %d members", kr.stanzas, len(k.Members)))
	}
	members := map[string]bool{}
	for _, m := range k.Members {
		members[m] = true
		if state, ok := a.counsellors[m]; ok && state != mailbox.StateActive {
			a.violate(path, "current", "members", fmt.Sprintf("member %q is %s, not active", m, state))
		}
		if mo, ok := a.orgOf[m]; ok && mo != org {
			a.violate(path, "current", "members", fmt.Sprintf("member %q belongs to another organisation", m))
		}
	}
	for _, id := range sortedKeys(a.counsellors) {
		if a.counsellors[id] == mailbox.StateActive && !members[id] && a.orgOf[id] == org {
			a.violate("counsellors", id, "state", "active but not a member of the keyring")
		}
	}
	newest := k.Epoch
	for e := range kr.epochs {
		newest = max(newest, e)
	}
	used := map[string]int{}
	for e := 1; e <= newest; e++ {
		r, ok := kr.epochs[e]
		switch {
		case !ok:
			a.violate(path+"/epochs", "", "", "epoch "+strconv.Itoa(e)+" missing")
			continue
		case e > k.Epoch:
			a.violate(path+"/epochs", "", "", "epoch "+strconv.Itoa(e)+" is newer than the current keyring")
		case e == k.Epoch && r != k.Recipient:
			a.violate(path, "current", "recipient", "differs from its epoch's record")
		}
		if earlier, dup := used[r]; dup {
			a.violate(path+"/epochs", "", "", fmt.Sprintf("epochs %d and %d share a team recipient", earlier, e))
		}
		used[r] = e
	}
}

// claim marks the ciphertexts a mailbox's messages name and sums their
// lengths; it counts names of missing ciphertexts and of ones claimed
// before, and says whether the keys grow with the seq, as the store
// appends them.
func (a *auditor) claim(refs []uint64) (bytes int64, missing, shared int, ordered bool) {
	ordered = true
	for i, k := range refs {
		if i > 0 && k <= refs[i-1] {
			ordered = false
		}
		n, ok := a.ciphertexts[k]
		switch {
		case !ok:
			missing++
		case n < 0:
			shared++
		default:
			bytes += n
			a.ciphertexts[k] = -1
		}
	}
	return bytes, missing, shared, ordered
}

// unclaimed counts the ciphertexts no message names.
func (a *auditor) unclaimed() int {
	n := 0
	for _, v := range a.ciphertexts {
		if v >= 0 {
			n++
		}
	}
	return n
}

// sortedKeys returns the keys of m in order: the auditor reports in a
// stable order whatever the map's.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
