package mailbox

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestCreateMailbox(t *testing.T) {
	s, _ := openTest(t, Options{})
	var v [32]byte
	v[0] = 7
	id := mailboxID(1)
	refused(t, s, ErrTeamNotReady, func() error {
		_, err := s.CreateMailbox(id, v, 1, ciphertext(7312, ""))
		return err
	})
	setUp(t, s)

	m, err := s.CreateMailbox(id, v, 1, ciphertext(7312, ""))
	if err != nil {
		t.Fatal(err)
	}
	want := Mailbox{
		ID: id, Verifier: v, Status: StatusNew, Created: time.Date(2027, 2, 26, 0, 0, 0, 0, time.UTC),
		LastActivity: time.Date(2027, 2, 26, 13, 0, 0, 0, time.UTC), MessageCount: 1, Bytes: 7312,
		AwaitingReply: true, WaitingSince: time.Date(2027, 2, 26, 13, 0, 0, 0, time.UTC), Expires: time.Date(2027, 5, 27, 0, 0, 0, 0, time.UTC),
	}
	if m != want {
		t.Fatalf("created\n%+v, want\n%+v", m, want)
	}
	got, err := s.GetMailbox(id)
	if got.read == nil || got.read.rec.MessageCount != 1 {
		t.Fatalf("GetMailbox carries no record: %+v", got.read)
	}
	if got.read = nil; err != nil || got != want {
		t.Fatalf("GetMailbox = %+v, %v", got, err)
	}
	msgs, err := s.Messages(id, 0)
	if err != nil || len(msgs) != 1 || msgs[0].Seq != 1 || msgs[0].From != FromEnquirer || len(msgs[0].Ciphertext) != 7312 {
		t.Fatalf("Messages = %+v, %v", msgs, err)
	}

	refuseEach(t, s, []refusal{
		{"exists", id, 1, ciphertext(4240, ""), ErrMailboxExists},
		{"stale epoch", mailboxID(2), 2, ciphertext(4240, ""), ErrStaleEpoch},
		{"stale epoch before exists", id, 0, ciphertext(4240, ""), ErrStaleEpoch},
		{"upper-case id", "0000000000000000000000000000000A", 1, ciphertext(4240, ""), errInvalid},
		{"short id", "abc", 1, ciphertext(4240, ""), errInvalid},
		{"empty ciphertext", mailboxID(3), 1, nil, errInvalid},
		{"huge ciphertext", mailboxID(3), 1, ciphertext(MaxMessageBytes+1, "x"), errInvalid},
	}, func(r refusal) error {
		_, err := s.CreateMailbox(r.id, v, r.epoch, r.ct)
		return err
	})
	if _, err := s.GetMailbox(mailboxID(2)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetMailbox of a refused mailbox: %v", err)
	}
}

func TestAppendEnquirer(t *testing.T) {
	s, clock := openTest(t, Options{Limits: Limits{MessagesPerHour: 3, MaxMessages: 6, MaxBytes: 30000}})
	admin := setUp(t, s)
	id := mailboxID(1)
	if _, err := s.CreateMailbox(id, [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	for want := uint64(2); want <= 3; want++ {
		seq, err := s.appendEnquirer(id, 1, ciphertext(4240, ""))
		if err != nil || seq != want {
			t.Fatalf("append = %d, %v; want %d", seq, err, want)
		}
	}
	// 3 this hour: the cap answers first, before epoch and existence.
	refused(t, s, errRate, func() error { _, err := s.appendEnquirer(id, 1, ciphertext(4240, "")); return err })
	refused(t, s, errRate, func() error { _, err := s.appendEnquirer(id, 9, ciphertext(4240, "")); return err })
	_, err := s.appendEnquirer(id, 1, ciphertext(4240, ""))
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 12*time.Minute+47*time.Second+999999655*time.Nanosecond {
		t.Fatalf("rate limit: %v (%+v)", err, rl)
	}
	// Counsellor replies are not capped and count toward the totals.
	if _, err := s.AppendCounsellor(id, admin.ID, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}

	clock.Add(time.Hour)
	refuseEach(t, s, []refusal{
		{"stale epoch", id, 2, ciphertext(4240, ""), ErrStaleEpoch},
		{"epoch before existence", mailboxID(9), 2, ciphertext(4240, ""), ErrStaleEpoch},
		{"unknown", mailboxID(9), 1, ciphertext(4240, ""), ErrNotFound},
		{"malformed id", "x", 1, ciphertext(4240, ""), ErrNotFound},
		{"too many bytes", id, 1, ciphertext(30000-4*4240+1, ""), ErrMailboxFull},
		{"empty", id, 1, []byte{}, errInvalid},
	}, func(r refusal) error {
		_, err := s.appendEnquirer(r.id, r.epoch, r.ct)
		return err
	})
	if _, err := s.UpdateCase(id, ptr(StatusClosed), nil); err != nil {
		t.Fatal(err)
	}
	seq, err := s.appendEnquirer(id, 1, ciphertext(4240, ""))
	if err != nil || seq != 5 {
		t.Fatalf("append in the next hour = %d, %v", seq, err)
	}
	m, _ := s.GetMailbox(id)
	if m.Status != StatusOpen || !m.AwaitingReply || m.MessageCount != 5 || m.Bytes != 5*4240 ||
		!m.LastActivity.Equal(time.Date(2027, 2, 26, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("after reopening: %+v", m)
	}
	if _, err := s.appendEnquirer(id, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	// 6 messages: full by count, even with a cap left this hour.
	refused(t, s, ErrMailboxFull, func() error { _, err := s.appendEnquirer(id, 1, ciphertext(100, "")); return err })
	if _, err := s.AppendCounsellor(id, admin.ID, 1, ciphertext(4240, "")); err != nil {
		t.Fatalf("a reply to a full mailbox: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestAppendCounsellor(t *testing.T) {
	s, clock, admin, pending, id := caseWithPending(t)
	for _, tc := range []struct {
		name, id, counsellor string
		epoch                int
		want                 error
	}{
		{"pending counsellor", id, pending.ID, 1, errInvalid},
		{"unknown counsellor", id, "nobody", 1, errInvalid},
		{"malformed counsellor", id, "No Body", 1, errInvalid},
		{"stale epoch", id, admin.ID, 2, ErrStaleEpoch},
		{"unknown mailbox", mailboxID(2), admin.ID, 1, ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, s, tc.want, func() error {
				_, err := s.AppendCounsellor(tc.id, tc.counsellor, tc.epoch, ciphertext(4240, ""))
				return err
			})
		})
	}
	clock.Add(26 * time.Hour)
	seq, err := s.AppendCounsellor(id, admin.ID, 1, ciphertext(5000, ""))
	if err != nil || seq != 2 {
		t.Fatalf("reply = %d, %v", seq, err)
	}
	m, _ := s.GetMailbox(id)
	if m.Status != StatusOpen || m.AwaitingReply || m.MessageCount != 2 || m.Bytes != 9240 ||
		!m.LastActivity.Equal(time.Date(2027, 2, 27, 15, 0, 0, 0, time.UTC)) ||
		!m.Expires.Equal(time.Date(2027, 5, 28, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("after a reply: %+v", m)
	}
	msgs, err := s.Messages(id, 1)
	if err != nil || len(msgs) != 1 || msgs[0].Seq != 2 || msgs[0].From != FromCounsellor || msgs[0].Counsellor != admin.ID {
		t.Fatalf("Messages after 1 = %+v, %v", msgs, err)
	}
	// A closed case stays closed on a reply.
	if _, err := s.UpdateCase(id, ptr(StatusClosed), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendCounsellor(id, admin.ID, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.GetMailbox(id); m.Status != StatusClosed {
		t.Fatalf("status after a reply to a closed case: %s", m.Status)
	}
}

func TestMessages(t *testing.T) {
	s, _ := openTest(t, Options{})
	admin := setUp(t, s)
	id := mailboxID(1)
	var sent [][]byte
	for i := range 5 {
		ct := ciphertext(4240+i, "")
		sent = append(sent, ct)
		var err error
		switch {
		case i == 0:
			_, err = s.CreateMailbox(id, [32]byte{}, 1, ct)
		case i%2 == 1:
			_, err = s.AppendCounsellor(id, admin.ID, 1, ct)
		default:
			_, err = s.appendEnquirer(id, 1, ct)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, after := range []uint64{0, 1, 4, 5, 6, 1<<64 - 1} {
		msgs, err := s.Messages(id, after)
		if err != nil {
			t.Fatal(err)
		}
		want := max(0, 5-int(min(after, 5)))
		if len(msgs) != want {
			t.Fatalf("after %d: %d messages, want %d", after, len(msgs), want)
		}
		for i, m := range msgs {
			seq := after + 1 + uint64(i)
			from, counsellor := FromEnquirer, ""
			if seq%2 == 0 {
				from, counsellor = FromCounsellor, admin.ID
			}
			if m.Seq != seq || m.From != from || m.Counsellor != counsellor || !bytes.Equal(m.Ciphertext, sent[seq-1]) {
				t.Fatalf("after %d: message %d = seq %d from %s", after, i, m.Seq, m.From)
			}
		}
	}
	if _, err := s.Messages(mailboxID(2), 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Messages of an unknown mailbox: %v", err)
	}
}

func TestCases(t *testing.T) {
	s, clock := openTest(t, Options{})
	admin := setUp(t, s)
	// Ids 1 and 2 share the newest hour; 3 is older; 4 is closed.
	for _, n := range []int{3, 2, 1, 4} {
		if n == 2 {
			clock.Add(time.Hour)
		}
		if _, err := s.CreateMailbox(mailboxID(n), [32]byte{}, 1, ciphertext(4240, "")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AppendCounsellor(mailboxID(2), admin.ID, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCase(mailboxID(4), ptr(StatusClosed), nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status string
		want   []int
	}{
		{"", []int{1, 2, 4, 3}},
		{StatusNew, []int{1, 3}},
		{StatusOpen, []int{2}},
		{StatusClosed, []int{4}},
	} {
		cases, err := s.Cases(tc.status)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cases {
			got = append(got, c.ID)
		}
		var want []string
		for _, n := range tc.want {
			want = append(want, mailboxID(n))
		}
		if len(got) != len(want) {
			t.Fatalf("Cases(%q) = %v, want %v", tc.status, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Cases(%q) = %v, want %v", tc.status, got, want)
			}
		}
	}
	if _, err := s.Cases("pending"); err == nil {
		t.Fatal("Cases with an unknown status")
	}
}

func TestUpdateCase(t *testing.T) {
	s, _, admin, pending, id := caseWithPending(t)
	for _, tc := range []struct {
		name             string
		id               string
		status, assignee *string
		want             error
	}{
		{"status new", id, ptr(StatusNew), nil, errInvalid},
		{"status unknown", id, ptr("archived"), nil, errInvalid},
		{"pending assignee", id, nil, ptr(pending.ID), errInvalid},
		{"unknown assignee", id, ptr(StatusOpen), ptr("nobody"), errInvalid},
		{"malformed assignee", id, nil, ptr("A B"), errInvalid},
		{"unknown mailbox", mailboxID(2), ptr(StatusOpen), nil, ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, s, tc.want, func() error { _, err := s.UpdateCase(tc.id, tc.status, tc.assignee); return err })
		})
	}
	m, err := s.UpdateCase(id, ptr(StatusOpen), ptr(admin.ID))
	if err != nil || m.Status != StatusOpen || m.Assignee != admin.ID {
		t.Fatalf("UpdateCase = %+v, %v", m, err)
	}
	m, err = s.UpdateCase(id, nil, nil)
	if err != nil || m.Status != StatusOpen || m.Assignee != admin.ID {
		t.Fatalf("UpdateCase without changes = %+v, %v", m, err)
	}
	m, err = s.UpdateCase(id, ptr(StatusClosed), ptr(""))
	if err != nil || m.Status != StatusClosed || m.Assignee != "" || !m.AwaitingReply {
		t.Fatalf("UpdateCase closing = %+v, %v", m, err)
	}
}

func TestDeleteMailbox(t *testing.T) {
	s, _ := openTest(t, Options{})
	setUp(t, s)
	empty := hashOf(t, s)
	id := mailboxID(1)
	if _, err := s.CreateMailbox(id, [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.appendEnquirer(id, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMailbox(id); err != nil {
		t.Fatal(err)
	}
	if hashOf(t, s) != empty {
		t.Fatal("the store after deleting its only mailbox differs from before creating it")
	}
	if _, err := s.GetMailbox(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetMailbox after delete: %v", err)
	}
	if _, err := s.Messages(id, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Messages after delete: %v", err)
	}
	refused(t, s, ErrNotFound, func() error { return s.DeleteMailbox(id) })
	refused(t, s, ErrNotFound, func() error { _, err := s.appendEnquirer(id, 1, ciphertext(4240, "")); return err })
	// The id can be used again.
	if _, err := s.CreateMailbox(id, [32]byte{}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
}

// TestAppendCarriedRecord posts with the Mailbox an enquirer authenticated
// with: after other writes it still lands, counted once; after the mailbox
// was deleted and its id taken by another, it lands nowhere.
func TestAppendCarriedRecord(t *testing.T) {
	s, _ := openTest(t, Options{})
	setUp(t, s)
	id := mailboxID(1)
	if _, err := s.CreateMailbox(id, [32]byte{1}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMailbox(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckEnquirerCap(m); err != nil {
		t.Fatal(err)
	}
	for want := uint64(2); want <= 4; want++ { // the carried record is stale from the second on
		if seq, err := s.AppendEnquirer(m, 1, ciphertext(4240, "")); err != nil || seq != want {
			t.Fatalf("append %d: seq %d, %v", want, seq, err)
		}
	}
	if got, err := s.GetMailbox(id); err != nil || got.MessageCount != 4 || got.Bytes != 4*4240 {
		t.Fatalf("after three posts: %+v, %v", got, err)
	}

	if err := s.DeleteMailbox(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMailbox(id, [32]byte{2}, 1, ciphertext(4240, "")); err != nil {
		t.Fatal(err)
	}
	before := hashOf(t, s)
	fresh, err := s.GetMailbox(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEnquirer(m, 1, ciphertext(4240, "")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("post to a mailbox replaced since: %v, want ErrNotFound", err)
	}
	fresh.Verifier = [32]byte{1} // an old verifier with a current record
	fresh.read = nil
	if _, err := s.AppendEnquirer(fresh, 1, ciphertext(4240, "")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("post with another mailbox's verifier: %v, want ErrNotFound", err)
	}
	if hashOf(t, s) != before {
		t.Fatal("a refused post changed the store")
	}
}
