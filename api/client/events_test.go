package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

const caseID = "0123456789abcdef0123456789abcdef"

func TestReadEvents(t *testing.T) {
	tests := []struct {
		name    string
		stream  string
		want    []Event
		wantErr error
	}{
		{"message", "event: message\ndata: {\"seq\":3}\n\n",
			[]Event{{Type: "message", Seq: 3, Data: []byte(`{"seq":3}`)}}, nil},
		{"case", "event: case\ndata: {\"id\":\"" + caseID + "\",\"seq\":12}\n\n",
			[]Event{{Type: "case", ID: caseID, Seq: 12, Data: []byte(`{"id":"` + caseID + `","seq":12}`)}}, nil},
		{"case with a malformed id", "event: case\ndata: {\"id\":\"../ab\",\"seq\":12}\n\n",
			[]Event{{Type: "case", Seq: 12, Data: []byte(`{"id":"../ab","seq":12}`)}}, nil},
		{"keep-alive comments and CRLF", ": ping\r\n\r\nevent:message\r\ndata:{\"seq\":1}\r\n\r\n: ping\r\n\r\n",
			[]Event{{Type: "message", Seq: 1, Data: []byte(`{"seq":1}`)}}, nil},
		{"CR only", "event: case\rdata: {\"seq\":2}\r\r",
			[]Event{{Type: "case", Seq: 2, Data: []byte(`{"seq":2}`)}}, nil},
		{"default type, multi-line data, ignored fields", "id: 5\nretry: 10\nfoo: bar\ndata: a\ndata: b\n\n",
			[]Event{{Type: "message", Data: []byte("a\nb")}}, nil},
		{"two events", "event: message\ndata: {\"seq\":1}\n\nevent: message\ndata: {\"seq\":2}\n\n",
			[]Event{{Type: "message", Seq: 1, Data: []byte(`{"seq":1}`)}, {Type: "message", Seq: 2, Data: []byte(`{"seq":2}`)}}, nil},
		{"event without data is not dispatched", "event: message\n\n", nil, nil},
		{"unfinished event at the end is dropped", "event: message\ndata: {\"seq\":1}\n", nil, nil},
		{"line too long", "data: " + strings.Repeat("x", maxEventLine) + "\n\n", nil, errEventTooLarge},
		{"data too large", strings.Repeat("data: "+strings.Repeat("x", 1000)+"\n", 70) + "\n", nil, errEventTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Event
			err := readEvents(strings.NewReader(tt.stream), func(ev Event) bool {
				got = append(got, ev)
				return true
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events %+v, want %+v", got, tt.want)
			}
		})
	}
}

// sseServer sends the given events, then holds the stream open until the
// client goes away or hold is closed.
func sseServer(t *testing.T, events []string, hold chan struct{}) *Client {
	return newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"unauthorized","message":"no"}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for _, ev := range events {
			io.WriteString(w, ev)
			w.(http.Flusher).Flush()
		}
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	})
}

func collect(t *testing.T, s *EventStream) []Event {
	t.Helper()
	var got []Event
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				return got
			}
			got = append(got, ev)
		case <-timeout:
			t.Fatal("stream did not end")
		}
	}
}

func TestEventStreamEndsWhenServerCloses(t *testing.T) {
	hold := make(chan struct{})
	c := sseServer(t, []string{": hello\n\n", "event: case\ndata: {\"id\":\"" + caseID + "\",\"seq\":1}\n\n"}, hold)
	s, err := c.WithToken("tok").Events(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ev := <-s.Events()
	if ev.Type != "case" || ev.ID != caseID || ev.Seq != 1 {
		t.Errorf("event %+v", ev)
	}
	close(hold)
	if rest := collect(t, s); len(rest) != 0 {
		t.Errorf("more events %+v", rest)
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err after server close: %v", err)
	}
}

func TestEventStreamEndsOnCancel(t *testing.T) {
	c := sseServer(t, []string{"event: message\ndata: {\"seq\":1}\n\n"}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := c.WithToken("tok").MailboxEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-s.Events(); ev.Seq != 1 {
		t.Errorf("event %+v", ev)
	}
	cancel()
	collect(t, s)
	if !errors.Is(s.Err(), context.Canceled) {
		t.Errorf("Err %v, want context.Canceled", s.Err())
	}
}

func TestEventStreamClose(t *testing.T) {
	// More events than the channel buffers, none read: Close must not hang.
	var many []string
	for range 100 {
		many = append(many, "event: message\ndata: {\"seq\":1}\n\n")
	}
	c := sseServer(t, many, nil)
	s, err := c.WithToken("tok").MailboxEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
	if !errors.Is(s.Err(), context.Canceled) {
		t.Errorf("Err %v, want context.Canceled", s.Err())
	}
}

func TestEventStreamErrors(t *testing.T) {
	c := sseServer(t, nil, nil)
	_, err := c.WithToken("wrong").Events(context.Background())
	if Code(err) != "unauthorized" {
		t.Errorf("error %v, want unauthorized", err)
	}
	plain := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	})
	if _, err := plain.Events(context.Background()); err == nil || Code(err) != "" {
		t.Errorf("JSON answer to an event stream: error %v", err)
	}
}
