package mailbox

import (
	"bytes"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CaseOrder is an order of the case list (PROTOCOL.md §6.8).
type CaseOrder int

const (
	// OrderActivity is newest activity first, then by id.
	OrderActivity CaseOrder = iota
	// OrderWaiting is first the cases that wait for the team (Waiting),
	// longest waiting first (WaitingSince, then id), then the others in
	// OrderActivity.
	OrderWaiting
)

// Waiting reports whether the case waits for the team: the newest message
// is the enquirer's and the case is not closed.
func (m Mailbox) Waiting() bool { return m.AwaitingReply && m.Status != StatusClosed }

// CaseCursor is where a page of the case list ends, in the list's order:
// the last case's group, hour and id. A page after it holds the cases
// strictly after that point, however the list changed meanwhile.
type CaseCursor struct {
	// Waiting is set if the case was in the first group of OrderWaiting;
	// Hour is then its WaitingSince, else its LastActivity.
	Waiting bool
	Hour    time.Time
	ID      string
}

// CursorAfter returns the cursor of the case m as a page in order ended
// with it.
func CursorAfter(order CaseOrder, m Mailbox) CaseCursor {
	if order == OrderWaiting && m.Waiting() {
		return CaseCursor{Waiting: true, Hour: m.WaitingSince, ID: m.ID}
	}
	return CaseCursor{Hour: m.LastActivity, ID: m.ID}
}

// caseClasses returns the index classes (index.go) a list reads: first
// the group that comes first, then the rest (empty unless OrderWaiting).
func caseClasses(status string, order CaseOrder) (first, rest [][]byte, err error) {
	var waiting, other [][]byte // by activity
	var wait [][]byte           // by waiting_since
	switch status {
	case "":
		waiting = [][]byte{classNewWaiting, classOpenWaiting}
		other = [][]byte{classNewOther, classOpenOther, classClosed}
		wait = [][]byte{classWaitNew, classWaitOpen}
	case StatusNew:
		waiting, other, wait = [][]byte{classNewWaiting}, [][]byte{classNewOther}, [][]byte{classWaitNew}
	case StatusOpen:
		waiting, other, wait = [][]byte{classOpenWaiting}, [][]byte{classOpenOther}, [][]byte{classWaitOpen}
	case StatusClosed:
		other = [][]byte{classClosed}
	default:
		return nil, nil, invalidf("unknown case status %q", status)
	}
	switch order {
	case OrderActivity:
		return append(waiting, other...), nil, nil
	case OrderWaiting:
		return wait, other, nil
	}
	return nil, nil, invalidf("unknown case order %d", order)
}

// CasesPage is at most limit cases of the list in order, those of status
// ("" for all) after the cursor (nil: from the start); more reports
// whether any follow. It reads the case index, so a page costs about the
// same however many cases there are.
func (s *Store) CasesPage(status string, order CaseOrder, after *CaseCursor, limit int) (page []Mailbox, more bool, err error) {
	return s.CasesPageIn("", status, order, after, limit)
}

// CasesPageIn is CasesPage for organisation org ("" the front door): it
// reads that organisation's part of the index (index.go).
func (s *Store) CasesPageIn(org, status string, order CaseOrder, after *CaseCursor, limit int) (page []Mailbox, more bool, err error) {
	if limit < 1 {
		return nil, false, invalidf("page limit %d below 1", limit)
	}
	page, err = s.casesList(s.orgKey(org), status, order, after, limit+1)
	if len(page) > limit {
		return page[:limit], true, err
	}
	return page, false, err
}

// Cases lists the cases of status ("" for all), newest activity first.
func (s *Store) Cases(status string) ([]Mailbox, error) {
	return s.CasesOf("", status, OrderActivity)
}

// CasesOf lists the cases of organisation org ("" the front door) and
// status ("" for all) in order.
func (s *Store) CasesOf(org, status string, order CaseOrder) ([]Mailbox, error) {
	return s.casesList(s.orgKey(org), status, order, nil, -1)
}

// casesList returns at most n cases (n < 0: all) after the cursor.
func (s *Store) casesList(org, status string, order CaseOrder, after *CaseCursor, n int) ([]Mailbox, error) {
	first, rest, err := caseClasses(status, order)
	if err != nil {
		return nil, err
	}
	first, rest = withPrefix(casePrefix(org), first), withPrefix(casePrefix(org), rest)
	var from []byte
	if after != nil {
		inFirst := order == OrderWaiting && after.Waiting
		if after.Waiting && !inFirst {
			return nil, invalidf("cursor of another order")
		}
		if from, err = caseKey(nil, formatHour(after.Hour), []byte(after.ID), !inFirst); err != nil {
			return nil, invalidf("cursor out of range")
		}
		if order == OrderWaiting && !inFirst {
			first, rest = rest, nil // the cursor is in the second group
		}
	}
	var page []Mailbox
	err = s.view(func(tx *bolt.Tx) error {
		index := tx.Bucket(bucketCaseOrder)
		mailboxes := tx.Bucket(bucketMailboxes)
		for _, classes := range [][][]byte{first, rest} {
			sc := newCaseScan(index, classes, from)
			from = nil
			for n < 0 || len(page) < n {
				key := sc.next()
				if key == nil {
					break
				}
				id := key[len(key)-32:]
				data := mailboxes.Get(id)
				if data == nil {
					continue // a stale entry; the record is the truth
				}
				var rec mailboxRecord
				if err := decodeJSON(data, &rec); err != nil {
					return err
				}
				if keys, err := caseKeys(id, &rec); err != nil || !containsKey(keys, key) || rec.Org != org {
					continue
				}
				m, err := s.mailboxOf(string(id), &rec)
				if err != nil {
					return err
				}
				page = append(page, m)
			}
		}
		return nil
	})
	return page, err
}

// caseScan merges the classes of the case index into one run in key order
// (the key after the class), starting after a given position.
type caseScan struct {
	classes [][]byte
	cursors []*bolt.Cursor
	heads   [][]byte // the next key of each class, nil when done
}

// newCaseScan starts a scan of classes in index b after from (the key
// without its class; nil: from the start).
func newCaseScan(b *bolt.Bucket, classes [][]byte, from []byte) *caseScan {
	sc := &caseScan{classes: classes}
	for _, class := range classes {
		c := b.Cursor()
		seek := append(bytes.Clone(class), from...)
		k, _ := c.Seek(seek)
		if from != nil && bytes.Equal(k, seek) {
			k, _ = c.Next()
		}
		if !bytes.HasPrefix(k, class) {
			k = nil
		}
		sc.cursors = append(sc.cursors, c)
		sc.heads = append(sc.heads, k)
	}
	return sc
}

// next returns the next key of the merged run, nil after the last. It is
// valid until the transaction ends.
func (sc *caseScan) next() []byte {
	best := -1
	for i, k := range sc.heads {
		if k != nil && (best < 0 || bytes.Compare(k[len(sc.classes[i]):], sc.heads[best][len(sc.classes[best]):]) < 0) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	key := sc.heads[best]
	k, _ := sc.cursors[best].Next()
	if !bytes.HasPrefix(k, sc.classes[best]) {
		k = nil
	}
	sc.heads[best] = k
	if len(key) != len(sc.classes[best])+caseKeyLen-caseClassLen {
		return sc.next() // not an entry this store writes
	}
	return key
}
