package mailbox

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDecodeMailboxRecord(t *testing.T) {
	a := "c0ffee"
	recs := []mailboxRecord{
		{Verifier: make([]byte, 32), Status: StatusNew, Created: "2027-02-26", LastActivity: "2027-02-26T13:00:00Z", MessageCount: 1, Bytes: 4240, AwaitingReply: true, HourStart: "2027-02-26T13:00:00Z", HourCount: 1},
		{Verifier: []byte("0123456789abcdef0123456789abcdef"), Status: StatusClosed, Assignee: &a, Created: "2027-02-26", LastActivity: "2027-03-01T00:00:00Z", MessageCount: 200, Bytes: 4 << 20, HourStart: "2027-02-28T23:00:00Z"},
	}
	for _, rec := range recs {
		data, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		var got mailboxRecord
		if !fastMailboxRecord(data, &got) {
			t.Fatalf("fast path refused %s", data)
		}
		if !reflect.DeepEqual(got, rec) {
			t.Errorf("fast path read %+v from %s", got, data)
		}
	}
	// Other forms go to encoding/json, which reads them the same or fails.
	for _, data := range []string{
		`{"status":"open","verifier":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","assignee":null,"created":"2027-02-26","last_activity":"2027-02-26T13:00:00Z","message_count":1,"bytes":1,"awaiting_reply":false,"hour_start":"2027-02-26T13:00:00Z","hour_count":1}`,
		`{"verifier":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","status":"op\u0065n","assignee":null,"created":"2027-02-26","last_activity":"2027-02-26T13:00:00Z","message_count":1,"bytes":1,"awaiting_reply":false,"hour_start":"2027-02-26T13:00:00Z","hour_count":1}`,
		`{"verifier":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "status":"open","assignee":null,"created":"2027-02-26","last_activity":"2027-02-26T13:00:00Z","message_count":1,"bytes":1,"awaiting_reply":false,"hour_start":"2027-02-26T13:00:00Z","hour_count":1}`,
		`{"verifier":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","status":"open","assignee":null,"created":"2027-02-26","last_activity":"2027-02-26T13:00:00Z","message_count":1.0,"bytes":1,"awaiting_reply":false,"hour_start":"2027-02-26T13:00:00Z","hour_count":1}`,
		`{"verifier":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","status":"open","assignee":null,"created":"2027-02-26","last_activity":"2027-02-26T13:00:00Z","message_count":01,"bytes":1,"awaiting_reply":false,"hour_start":"2027-02-26T13:00:00Z","hour_count":1}`,
		`{"verifier":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","status":"open","assignee":null,"created":"2027-02-26","last_activity":"2027-02-26T13:00:00Z","message_count":1,"bytes":1,"awaiting_reply":false,"hour_start":"2027-02-26T13:00:00Z","hour_count":1}{}`,
		`not json`,
	} {
		var fast mailboxRecord
		if fastMailboxRecord([]byte(data), &fast) {
			t.Errorf("fast path took %s", data)
		}
		var got, want mailboxRecord
		errGot := decodeMailboxRecord([]byte(data), &got)
		errWant := json.Unmarshal([]byte(data), &want)
		if (errGot == nil) != (errWant == nil) || errGot == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v (%v), encoding/json %+v (%v)", data, got, errGot, want, errWant)
		}
	}
}

// FuzzDecodeMailboxRecord checks that the fast path never reads a record
// differently from encoding/json.
func FuzzDecodeMailboxRecord(f *testing.F) {
	f.Add([]byte(`{"verifier":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","status":"open","assignee":"ab1","created":"2027-02-26","last_activity":"2027-02-26T13:00:00Z","message_count":3,"bytes":12000,"awaiting_reply":true,"hour_start":"2027-02-26T13:00:00Z","hour_count":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast, want mailboxRecord
		if !fastMailboxRecord(data, &fast) {
			return
		}
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("fast path took %q, encoding/json refuses it: %v", data, err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q: fast path %+v, encoding/json %+v", data, fast, want)
		}
	})
}

// BenchmarkDecodeMailboxRecord weighs the hand-written decoder against
// encoding/json on a typical record: it is kept only while it is clearly
// faster.
func BenchmarkDecodeMailboxRecord(b *testing.B) {
	a := "c0ffee"
	data, err := json.Marshal(mailboxRecord{Verifier: make([]byte, 32), Status: StatusOpen, Assignee: &a, Created: "2027-02-26",
		LastActivity: "2027-02-26T13:00:00Z", MessageCount: 12, Bytes: 60000, AwaitingReply: true, HourStart: "2027-02-26T13:00:00Z", HourCount: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var rec mailboxRecord
			if !fastMailboxRecord(data, &rec) {
				b.Fatal("fast path refused the record")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var rec mailboxRecord
			if err := decodeJSON(data, &rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
