package mailbox

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var caseOrders = []CaseOrder{OrderActivity, OrderWaiting}

// walkCases is the case list as the records say it, without the index:
// every record read and the list sorted as PROTOCOL.md §6.8 orders it.
func walkCases(t testing.TB, s *Store, status string, order CaseOrder) []Mailbox {
	t.Helper()
	var all []Mailbox
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMailboxes).ForEach(func(k, v []byte) error {
			var rec mailboxRecord
			if err := decodeJSON(v, &rec); err != nil {
				return err
			}
			if status != "" && rec.Status != status {
				return nil
			}
			m, err := s.mailboxOf(string(k), &rec)
			all = append(all, m)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	byActivity := func(a, b Mailbox) int {
		if c := b.LastActivity.Compare(a.LastActivity); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.ID), []byte(b.ID))
	}
	slices.SortFunc(all, func(a, b Mailbox) int {
		if order == OrderWaiting {
			switch {
			case a.Waiting() && !b.Waiting():
				return -1
			case b.Waiting() && !a.Waiting():
				return 1
			case a.Waiting():
				if c := a.WaitingSince.Compare(b.WaitingSince); c != 0 {
					return c
				}
				return bytes.Compare([]byte(a.ID), []byte(b.ID))
			}
		}
		return byActivity(a, b)
	})
	return all
}

// pageAll pages through the list along the cursors.
func pageAll(t testing.TB, s *Store, status string, order CaseOrder, limit int) []Mailbox {
	t.Helper()
	var got []Mailbox
	var cur *CaseCursor
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("status %q order %d limit %d: paging does not end", status, order, limit)
		}
		page, more, err := s.CasesPage(status, order, cur, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > limit || (more && len(page) != limit) {
			t.Fatalf("status %q order %d limit %d: page of %d, more %v", status, order, limit, len(page), more)
		}
		got = append(got, page...)
		if !more {
			return got
		}
		c := CursorAfter(order, page[len(page)-1])
		cur = &c
	}
}

// sameCases fails unless got and want list the same cases, with the same
// fields, in the same order.
func sameCases(t testing.TB, what string, got, want []Mailbox) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d cases, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Status != w.Status || g.AwaitingReply != w.AwaitingReply ||
			!g.LastActivity.Equal(w.LastActivity) || !g.WaitingSince.Equal(w.WaitingSince) || g.MessageCount != w.MessageCount {
			t.Fatalf("%s: case %d is %s (%s %v %v), want %s (%s %v %v)", what, i,
				g.ID, g.Status, g.LastActivity, g.WaitingSince, w.ID, w.Status, w.LastActivity, w.WaitingSince)
		}
	}
}

// checkIndex compares every list, whole and paged, with the walk, and the
// index's entries with those the records call for.
func checkIndex(t testing.TB, s *Store, limits ...int) {
	t.Helper()
	for _, order := range caseOrders {
		for _, status := range []string{"", StatusNew, StatusOpen, StatusClosed} {
			want := walkCases(t, s, status, order)
			got, err := s.CasesOf("", status, order)
			if err != nil {
				t.Fatal(err)
			}
			sameCases(t, "whole list", got, want)
			for _, limit := range limits {
				sameCases(t, "pages", pageAll(t, s, status, order, limit), want)
			}
		}
	}
	var have, need [][]byte
	err := s.view(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketCaseOrder).ForEach(func(k, _ []byte) error {
			have = append(have, bytes.Clone(k))
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMailboxes).ForEach(func(k, v []byte) error {
			var rec mailboxRecord
			if err := decodeJSON(v, &rec); err != nil {
				return err
			}
			keys, err := caseKeys(k, &rec)
			need = append(need, keys...)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(need, bytes.Compare)
	if !slices.EqualFunc(have, need, bytes.Equal) {
		t.Fatalf("the index holds %d entries, the records call for %d (or others)", len(have), len(need))
	}
	for _, k := range have {
		if !isCaseOrderKey(k) {
			t.Fatalf("index key %x not in the allow-list's form", k)
		}
	}
}

// Paging through the case list, page by page along the cursors, gives
// exactly the whole list in its order, for every status, order and page
// size.
func TestCasesPage(t *testing.T) {
	s, clock := openTest(t, Options{})
	admin := setUp(t, s)
	var v [32]byte
	for i := range 23 {
		if _, err := s.CreateMailbox(mailboxID(i), v, 1, ciphertext(7312, "")); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			clock.Add(time.Hour) // several cases share an hour: ties by id
		}
		if i%4 == 0 {
			open := StatusOpen
			if _, err := s.UpdateCase(mailboxID(i), &open, nil); err != nil {
				t.Fatal(err)
			}
		}
		if i%5 == 0 {
			if _, err := s.AppendCounsellor(mailboxID(i), admin.ID, 1, ciphertext(4240, "")); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkIndex(t, s, 1, 5, 23, 100)
	if _, _, err := s.CasesPage("", OrderActivity, nil, 0); err == nil {
		t.Error("limit 0 accepted")
	}
	if _, _, err := s.CasesPage("gone", OrderActivity, nil, 5); err == nil {
		t.Error("unknown status accepted")
	}
	if _, _, err := s.CasesPage("", CaseOrder(7), nil, 5); err == nil {
		t.Error("unknown order accepted")
	}
	if _, _, err := s.CasesPage("", OrderActivity, &CaseCursor{Waiting: true, Hour: t0, ID: mailboxID(1)}, 5); err == nil {
		t.Error("a waiting cursor accepted in the activity order")
	}
}

// The order by what needs doing: waiting cases by the hour they began to
// wait, which a reply ends and a later message starts again, and which
// further messages do not move; closed cases never wait.
func TestCasesWaitingOrder(t *testing.T) {
	s, clock := openTest(t, Options{})
	admin := setUp(t, s)
	var v [32]byte
	create := func(n int) time.Time {
		t.Helper()
		m, err := s.CreateMailbox(mailboxID(n), v, 1, ciphertext(4240, ""))
		if err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Hour)
		return m.WaitingSince
	}
	post := func(n int) {
		t.Helper()
		if _, err := s.appendEnquirer(mailboxID(n), 1, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Hour)
	}
	reply := func(n int) {
		t.Helper()
		if _, err := s.AppendCounsellor(mailboxID(n), admin.ID, 1, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Hour)
	}
	setStatus := func(n int, status string) {
		t.Helper()
		if _, err := s.UpdateCase(mailboxID(n), &status, nil); err != nil {
			t.Fatal(err)
		}
	}
	h1 := create(1)
	h2 := create(2)
	create(3)
	create(4)
	reply(1) // 1 answered …
	post(1)  // … and waiting again, since now
	post(2)  // 2 still waits since its first message
	setStatus(3, StatusClosed)
	reply(4) // 4 is answered: it waits for nobody
	got, err := s.CasesOf("", "", OrderWaiting)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range got {
		ids = append(ids, m.ID)
	}
	// 2 (waiting since h2), 1 (since after the reply); then by activity:
	// 4 (the reply), 3 (closed, created third).
	want := []string{mailboxID(2), mailboxID(1), mailboxID(4), mailboxID(3)}
	if !slices.Equal(ids, want) {
		t.Fatalf("order=waiting: %v, want %v", ids, want)
	}
	if !got[0].WaitingSince.Equal(h2) || !got[1].WaitingSince.After(h1) || !got[2].WaitingSince.IsZero() {
		t.Errorf("waiting since: %v %v %v", got[0].WaitingSince, got[1].WaitingSince, got[2].WaitingSince)
	}
	// A closed case the enquirer writes to again waits from then on.
	post(3)
	m, err := s.GetMailbox(mailboxID(3))
	if err != nil {
		t.Fatal(err)
	}
	if !m.Waiting() || !m.WaitingSince.Equal(m.LastActivity) {
		t.Errorf("reopened by the enquirer: waiting %v since %v, last activity %v", m.Waiting(), m.WaitingSince, m.LastActivity)
	}
	checkIndex(t, s, 1, 2)
}

// After any sequence of the writes that change a case, the index's
// pages are the full walk's, and the index holds exactly the entries the
// records call for: through purges, compaction, a backup restored and a
// data file written before the index existed.
func TestCaseIndexRandomOps(t *testing.T) {
	s, clock := openTest(t, Options{RetentionDays: 2})
	admin := setUp(t, s)
	rng := rand.New(rand.NewPCG(13, 4))
	var v [32]byte
	next := 1
	ids := func() string { return mailboxID(1 + rng.IntN(next)) }
	for step := range 600 {
		id := ids()
		var err error
		switch op := rng.IntN(20); {
		case op < 4:
			_, err = s.CreateMailbox(mailboxID(next), v, 1, ciphertext(4240, ""))
			next++
		case op < 8:
			_, err = s.appendEnquirer(id, 1, ciphertext(4240, ""))
		case op < 11:
			_, err = s.AppendCounsellor(id, admin.ID, 1, ciphertext(4240, ""))
		case op < 13:
			status := []string{StatusOpen, StatusClosed}[rng.IntN(2)]
			_, err = s.UpdateCase(id, &status, nil)
		case op < 14:
			a := []string{"", admin.ID}[rng.IntN(2)]
			_, err = s.UpdateCase(id, nil, &a)
		case op < 15:
			err = s.DeleteMailbox(id)
		case op < 17:
			clock.Add(time.Duration(1+rng.IntN(8)) * time.Hour)
		case op < 18:
			_, err = s.Purge()
		case op < 19:
			day := dayOf(clock.Now())
			_, err = s.PurgeNewCases(day.AddDate(0, 0, -rng.IntN(3)), day.AddDate(0, 0, 1), false)
		default:
			err = s.Compact()
		}
		switch {
		case err == nil:
		case errorsIsAny(err, ErrNotFound, ErrMailboxFull):
		default:
			if _, ok := err.(*RateLimitError); !ok {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		if step%50 == 49 {
			checkIndex(t, s, 3, 1000)
		}
	}
	checkIndex(t, s, 1, 7)

	// A backup restored as the data file lists as the original does.
	restored, err := Open(Options{Path: backupFile(t, s), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	checkIndex(t, restored, 4)
	for _, order := range caseOrders {
		a, _ := s.CasesOf("", "", order)
		b, _ := restored.CasesOf("", "", order)
		sameCases(t, "restored", b, a)
	}

	// A data file of the version before the index, without waiting_since:
	// opening it builds the index.
	want := walkCases(t, s, "", OrderWaiting)
	s = reopen(t, s, clock)
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketCaseOrder); err != nil {
			return err
		}
		b := tx.Bucket(bucketMailboxes)
		return b.ForEach(func(k, v []byte) error {
			var rec mailboxRecord
			if err := decodeJSON(v, &rec); err != nil {
				return err
			}
			rec.WaitingSince = ""
			return putJSON(b, k, rec)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, clock)
	checkIndex(t, s, 5)
	got, err := s.CasesOf("", "", OrderWaiting)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) < 10 {
		t.Fatalf("after the rebuild: %d cases, want %d (and at least 10)", len(got), len(want))
	}
}

func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// A backup of the version before the case index has none; the auditor
// accepts it, and a store opened on it builds the index.
func TestAuditWithoutCaseIndex(t *testing.T) {
	s, _ := openTest(t, Options{})
	populate(t, s)
	path := backupFile(t, s)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketCaseOrder) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if report := audit(t, path); len(report.Violations) != 0 {
		t.Fatalf("audit of a file without the case index: %v", report.Violations)
	}
	restored, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	checkIndex(t, restored, 2)
	if err := restored.Close(); err != nil {
		t.Fatal(err)
	}
	if report := audit(t, path); len(report.Violations) != 0 {
		t.Fatalf("audit after the index was built: %v", report.Violations)
	}
}
