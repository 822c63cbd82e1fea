package mailbox

import (
	"container/heap"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CaseCursor is where a page of the case list ends: the last case's
// activity hour and id, in the list's order (newest activity first, then
// by id). A page after it holds the cases strictly after it.
type CaseCursor struct {
	LastActivity time.Time
	ID           string
}

// before reports whether m comes before the cursor in the list's order.
func (c CaseCursor) before(m Mailbox) bool {
	if !m.LastActivity.Equal(c.LastActivity) {
		return m.LastActivity.After(c.LastActivity)
	}
	return m.ID <= c.ID
}

// caseFirst is the list's order.
func caseFirst(a, b Mailbox) bool {
	if !a.LastActivity.Equal(b.LastActivity) {
		return a.LastActivity.After(b.LastActivity)
	}
	return a.ID < b.ID
}

// eachCase calls fn with every case whose status is status ("" for all),
// in the store's order.
func (s *Store) eachCase(org, status string, fn func(Mailbox)) error {
	switch status {
	case "", StatusNew, StatusOpen, StatusClosed:
	default:
		return invalidf("unknown case status %q", status)
	}
	return s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMailboxes).ForEach(func(k, v []byte) error {
			var rec mailboxRecord
			if err := decodeJSON(v, &rec); err != nil {
				return err
			}
			if status != "" && rec.Status != status || rec.Org != org {
				return nil
			}
			m, err := s.mailboxOf(string(k), &rec)
			if err != nil {
				return err
			}
			fn(m)
			return nil
		})
	})
}

// CasesPage is at most limit cases of the list Cases(status) returns,
// those after the cursor (nil: from the start); more reports whether any
// follow. It keeps only limit cases in memory however many there are, so
// an inbox flooded with hundreds of thousands of cases still opens.
func (s *Store) CasesPage(status string, after *CaseCursor, limit int) (page []Mailbox, more bool, err error) {
	return s.CasesPageIn("", status, after, limit)
}

// CasesPageIn is CasesPage for organisation org.
func (s *Store) CasesPageIn(org, status string, after *CaseCursor, limit int) (page []Mailbox, more bool, err error) {
	org = s.orgKey(org)
	if limit < 1 {
		return nil, false, invalidf("page limit %d below 1", limit)
	}
	// The limit+1 first cases, kept in a heap whose top is the last of them.
	h := &lastCaseHeap{}
	err = s.eachCase(org, status, func(m Mailbox) {
		if after != nil && after.before(m) {
			return
		}
		if h.Len() <= limit {
			heap.Push(h, m)
		} else if caseFirst(m, (*h)[0]) {
			(*h)[0] = m
			heap.Fix(h, 0)
		}
	})
	if err != nil {
		return nil, false, err
	}
	page = make([]Mailbox, h.Len())
	for i := len(page) - 1; i >= 0; i-- {
		page[i] = heap.Pop(h).(Mailbox)
	}
	if len(page) > limit {
		return page[:limit], true, nil
	}
	return page, false, nil
}

// lastCaseHeap is a heap of cases whose top comes last in the list's order.
type lastCaseHeap []Mailbox

func (h lastCaseHeap) Len() int           { return len(h) }
func (h lastCaseHeap) Less(i, j int) bool { return caseFirst(h[j], h[i]) }
func (h lastCaseHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *lastCaseHeap) Push(x any)        { *h = append(*h, x.(Mailbox)) }
func (h *lastCaseHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	*h = old[:len(old)-1]
	return m
}
