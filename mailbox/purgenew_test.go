package mailbox

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// floodStore holds cases of every kind PurgeNewCases must tell apart,
// created on 2027-02-26 (day 0) to 2027-02-28 (day 2); it returns their
// ids by name.
func floodStore(t *testing.T) (*Store, map[string]string) {
	t.Helper()
	s, clock := openTest(t, Options{})
	admin := setUp(t, s)
	ids := map[string]string{}
	n := 0
	create := func(name string) string {
		n++
		id := mailboxID(n)
		if _, err := s.CreateMailbox(id, [32]byte{}, 1, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
		ids[name] = id
		return id
	}
	create("new0")
	id := create("followup0")
	if _, err := s.appendEnquirer(id, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	id = create("answered0")
	if _, err := s.AppendCounsellor(id, admin.ID, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	id = create("claimed0")
	if _, err := s.UpdateCase(id, nil, ptr(admin.ID)); err != nil {
		t.Fatal(err)
	}
	id = create("closed0")
	if _, err := s.UpdateCase(id, ptr(StatusClosed), nil); err != nil {
		t.Fatal(err)
	}
	clock.Add(24 * time.Hour)
	create("new1")
	clock.Add(24 * time.Hour)
	create("new2")
	return s, ids
}

func TestPurgeNewCases(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2027, 2, 26+d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name     string
		from, to time.Time
		gone     []string
	}{
		{"day 0", day(0), day(1), []string{"new0", "followup0"}},
		{"day 0 from its last hour", day(0).Add(23 * time.Hour), day(1), []string{"new0", "followup0"}},
		{"days 0 and 1", day(0), day(2), []string{"new0", "followup0", "new1"}},
		{"day 1", day(1), day(2), []string{"new1"}},
		{"all days", day(-5), day(5), []string{"new0", "followup0", "new1", "new2"}},
		{"before the flood", day(-5), day(0), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ids := floodStore(t)
			before := hashOf(t, s)
			dry, err := s.PurgeNewCases(tc.from, tc.to, true)
			if err != nil || dry.Matched != len(tc.gone) || len(dry.Deleted) != 0 {
				t.Fatalf("dry run = %+v, %v; want %d matched", dry, err, len(tc.gone))
			}
			if hashOf(t, s) != before {
				t.Fatal("a dry run changed the store")
			}
			res, err := s.PurgeNewCases(tc.from, tc.to, false)
			if err != nil || res.Matched != len(tc.gone) || len(res.Deleted) != len(tc.gone) {
				t.Fatalf("purge = %+v, %v; want %d deleted", res, err, len(tc.gone))
			}
			for name, id := range ids {
				_, err := s.GetMailbox(id)
				gone := slices.Contains(tc.gone, name)
				if gone != errors.Is(err, ErrNotFound) {
					t.Errorf("%s: gone = %v, GetMailbox err = %v", name, !gone, err)
				}
				if gone != slices.Contains(res.Deleted, id) {
					t.Errorf("%s: Deleted %v", name, res.Deleted)
				}
			}
		})
	}
	t.Run("empty window", func(t *testing.T) {
		s, _ := floodStore(t)
		refused(t, s, errInvalid, func() error { _, err := s.PurgeNewCases(day(1), day(1), false); return err })
		refused(t, s, errInvalid, func() error { _, err := s.PurgeNewCases(day(2), day(0), false); return err })
	})
}

// TestPurgeNewCasesBatches deletes more cases than one transaction may.
func TestPurgeNewCasesBatches(t *testing.T) {
	s, _ := openTest(t, Options{})
	setUp(t, s)
	empty := hashOf(t, s)
	const n = purgeNewBatch + 7
	for i := 1; i <= n; i++ {
		if _, err := s.CreateMailbox(mailboxID(i), [32]byte{}, 1, ciphertext(100, "")); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.PurgeNewCases(t0, t0.AddDate(0, 0, 1), false)
	if err != nil || res.Matched != n || len(res.Deleted) != n {
		t.Fatalf("purge = %d matched, %d deleted, %v", res.Matched, len(res.Deleted), err)
	}
	if hashOf(t, s) != empty {
		t.Fatal("the store after purging every case differs from before they came")
	}
}
