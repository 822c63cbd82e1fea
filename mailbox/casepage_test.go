package mailbox

import (
	"testing"
	"time"
)

// Paging through the case list, page by page along the cursors, gives
// exactly the whole list in its order, for every status and page size.
func TestCasesPage(t *testing.T) {
	s, clock := openTest(t, Options{})
	setUp(t, s)
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
	}
	for _, status := range []string{"", StatusNew, StatusOpen, StatusClosed} {
		want, err := s.Cases(status)
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 5, 23, 100} {
			var got []Mailbox
			var cur *CaseCursor
			for pages := 0; ; pages++ {
				if pages > 30 {
					t.Fatalf("status %q limit %d: paging does not end", status, limit)
				}
				page, more, err := s.CasesPage(status, cur, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > limit || (more && len(page) != limit) {
					t.Fatalf("status %q limit %d: page of %d, more %v", status, limit, len(page), more)
				}
				got = append(got, page...)
				if !more {
					break
				}
				last := page[len(page)-1]
				cur = &CaseCursor{LastActivity: last.LastActivity, ID: last.ID}
			}
			if len(got) != len(want) {
				t.Fatalf("status %q limit %d: %d cases, want %d", status, limit, len(got), len(want))
			}
			for i := range want {
				if got[i].ID != want[i].ID || !got[i].LastActivity.Equal(want[i].LastActivity) {
					t.Fatalf("status %q limit %d: case %d is %s, want %s", status, limit, i, got[i].ID, want[i].ID)
				}
			}
		}
	}
	if _, _, err := s.CasesPage("", nil, 0); err == nil {
		t.Error("limit 0 accepted")
	}
	if _, _, err := s.CasesPage("gone", nil, 5); err == nil {
		t.Error("unknown status accepted")
	}
}
