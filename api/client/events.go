package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"

	"lotse/api/wire"
	"lotse/domain"
)

// Bounds of an event stream: one line, and one event's data.
const (
	maxEventLine = 64 << 10
	maxEventData = 64 << 10
)

// Event is one server-sent event. ID and Seq are decoded from the data of
// the events PROTOCOL.md §6 defines; Data keeps the raw data.
type Event struct {
	Type string // the event field: "message" (enquirer), "case" or "record" (counsellor)
	ID   string // the case id of a "case" event, "" if not a well-formed one
	Seq  uint64 // the message's seq
	Kind string // the record kind of a "record" event (PROTOCOL.md §11.3)
	Data []byte
}

// EventStream is an open event stream. Events are delivered on Events()
// until the server ends the stream, the connection fails, the context of
// the call that opened it ends, or Close is called; then the channel is
// closed and Err says why.
type EventStream struct {
	events chan Event
	done   chan struct{}
	cancel context.CancelFunc
	err    error // set before done is closed
}

// Events returns the channel of events.
func (s *EventStream) Events() <-chan Event { return s.events }

// Done is closed when the stream has ended.
func (s *EventStream) Done() <-chan struct{} { return s.done }

// Err reports why the stream ended once Events() is closed: nil if the
// server ended it, the context's error after cancellation or Close, else
// the read error. Before the end it returns nil.
func (s *EventStream) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Close ends the stream and waits until its reader has stopped.
func (s *EventStream) Close() {
	s.cancel()
	<-s.done
}

func (c *Client) events(ctx context.Context, route, path string) (*EventStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := c.newRequest(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("client: GET %s: %w", route, unwrapURLError(err))
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		return nil, readError(resp)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("client: GET %s: content type %q, want text/event-stream", route, mt)
	}
	s := &EventStream{events: make(chan Event, 16), done: make(chan struct{}), cancel: cancel}
	go func() {
		err := readEvents(resp.Body, func(ev Event) bool {
			select {
			case s.events <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		})
		resp.Body.Close()
		if ctx.Err() != nil {
			err = ctx.Err()
		} else if err != nil {
			err = fmt.Errorf("client: GET %s: %w", route, err)
		}
		s.err = err
		cancel()
		close(s.done) // before events, so that Err is final once Events() is closed
		close(s.events)
	}()
	return s, nil
}

var errEventTooLarge = errors.New("event too large")

// readEvents parses a text/event-stream (WHATWG HTML, "Server-sent
// events") and calls emit for each event until emit returns false or r
// ends. A clean end of r returns nil.
func readEvents(r io.Reader, emit func(Event) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxEventLine)
	sc.Split(scanLines)
	var typ string
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			if len(data) > 0 {
				ev := Event{Type: typ, Data: bytes.TrimSuffix(data, []byte("\n"))}
				if ev.Type == "" {
					ev.Type = "message"
				}
				var fields wire.CaseEvent // a MessageEvent is its seq alone
				if json.Unmarshal(ev.Data, &fields) == nil {
					ev.Seq = fields.Seq
					// The id comes from the server: one that is not a
					// case id never reaches a caller's URL or screen.
					if _, err := domain.ParseMailboxID(fields.ID); err == nil {
						ev.ID = fields.ID
					}
				}
				if ev.Type == "record" {
					var rec wire.RecordEvent
					if json.Unmarshal(ev.Data, &rec) == nil && slices.Contains(recordKinds, rec.Kind) {
						ev.Kind = rec.Kind
					}
				}
				if !emit(ev) {
					return nil
				}
			}
			typ, data = "", nil
			continue
		}
		if line[0] == ':' {
			continue // a comment, e.g. the keep-alive
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(name) {
		case "event":
			typ = string(value)
		case "data":
			if len(data)+len(value)+1 > maxEventData {
				return errEventTooLarge
			}
			data = append(data, value...)
			data = append(data, '\n')
		}
		// "id", "retry" and unknown fields are ignored.
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return errEventTooLarge
	}
	return sc.Err()
}

// scanLines splits at CRLF, LF or CR, as event streams allow all three.
func scanLines(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		switch b {
		case '\n':
			return i + 1, data[:i], nil
		case '\r':
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if atEOF {
				return i + 1, data[:i], nil
			}
			return 0, nil, nil // a LF may follow
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
