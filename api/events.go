package api

import (
	"bufio"
	"encoding/json"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
)

// hub fans events out to open event streams. Handlers publish after the
// store call has returned, so an event never announces an uncommitted
// message.
type hub struct {
	mu       sync.Mutex
	closed   bool
	opened   uint64
	mailbox  map[string]map[*stream]struct{}   // enquirer streams by mailbox id
	sessions map[[32]byte]map[*stream]struct{} // counsellor streams by session
}

type stream struct {
	frames chan []byte
	done   chan struct{}
	once   sync.Once

	mailbox    string   // enquirer stream
	session    [32]byte // counsellor stream
	counsellor string
	org        string // the counsellor's organisation, "" the front door
	opened     uint64 // order of subscription, to find the oldest
}

// A stream whose client does not keep up is ended; the client reconnects
// and catches up with ?after=.
const streamBuffer = 32

func newHub() *hub {
	return &hub{
		mailbox:  make(map[string]map[*stream]struct{}),
		sessions: make(map[[32]byte]map[*stream]struct{}),
	}
}

func (st *stream) end() { st.once.Do(func() { close(st.done) }) }

func (h *hub) newStream() *stream {
	h.opened++
	return &stream{frames: make(chan []byte, streamBuffer), done: make(chan struct{}), opened: h.opened}
}

// evictOldest ends and forgets the oldest streams of set until one more
// fits under maxStreams. Called with h.mu held.
func evictOldest(set map[*stream]struct{}) {
	for len(set) >= maxStreams {
		var oldest *stream
		for st := range set {
			if oldest == nil || st.opened < oldest.opened {
				oldest = st
			}
		}
		oldest.end()
		delete(set, oldest)
	}
}

// subscribeMailbox opens an enquirer stream. At the maximum, the oldest
// stream of the mailbox is ended to make room: a client that reloads or
// changes networks has no way to close its old stream, and the server only
// notices a vanished client at the next keep-alive. After closeAll, streams
// are born ended.
func (h *hub) subscribeMailbox(id string) *stream {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.newStream()
	st.mailbox = id
	return joinSet(h, h.mailbox, id, st)
}

// joinSet adds st to the streams of key in sets, ending their oldest at
// the maximum; after closeAll st is born ended. h.mu is held.
func joinSet[K comparable](h *hub, sets map[K]map[*stream]struct{}, key K, st *stream) *stream {
	if h.closed {
		st.end()
		return st
	}
	set := sets[key]
	evictOldest(set)
	if set == nil {
		set = make(map[*stream]struct{})
		sets[key] = set
	}
	set[st] = struct{}{}
	return st
}

// counsellorOnline tells whether any counsellor stream is open: a desk
// that is connected, which the enquirer's page shows as "online now".
func (h *hub) counsellorOnline() bool { return h.counsellorOnlineIn("") }

// counsellorOnlineIn is counsellorOnline for organisation org's desks.
func (h *hub) counsellorOnlineIn(org string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.sessions {
		for st := range set {
			if st.org == org {
				return true
			}
		}
	}
	return false
}

// subscribeTeam opens a counsellor stream for a session.
func (h *hub) subscribeTeam(session [32]byte, counsellor string) *stream {
	return h.subscribeTeamIn(session, counsellor, "")
}

// subscribeTeamIn opens a counsellor stream for a session of
// organisation org, which hears only of that organisation's cases.
func (h *hub) subscribeTeamIn(session [32]byte, counsellor, org string) *stream {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.newStream()
	st.session = session
	st.counsellor = counsellor
	st.org = org
	return joinSet(h, h.sessions, session, st)
}

// remove forgets a stream whose writer has returned.
func (h *hub) remove(st *stream) {
	st.end()
	h.mu.Lock()
	defer h.mu.Unlock()
	if st.mailbox != "" {
		if set := h.mailbox[st.mailbox]; set != nil {
			delete(set, st)
			if len(set) == 0 {
				delete(h.mailbox, st.mailbox)
			}
		}
		return
	}
	if set := h.sessions[st.session]; set != nil {
		delete(set, st)
		if len(set) == 0 {
			delete(h.sessions, st.session)
		}
	}
}

func send(st *stream, frame []byte) {
	select {
	case st.frames <- frame:
	default:
		st.end()
	}
}

// publishMessage tells a mailbox's enquirer streams about message seq.
func (h *hub) publishMessage(id string, seq uint64) {
	frame := eventFrame("message", wire.MessageEvent{Seq: seq})
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.mailbox[id] {
		send(st, frame)
	}
}

// publishCase tells the counsellor streams of organisation org that case
// id changed; seq is its newest message, 0 once it is deleted.
func (h *hub) publishCase(org, id string, seq uint64) {
	h.publishTeam(org, eventFrame("case", wire.CaseEvent{ID: id, Seq: seq}))
}

// publishTeam sends frame to every counsellor stream of organisation org
// ("" the front door): nothing of one reaches another's (PROTOCOL.md §8).
func (h *hub) publishTeam(org string, frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.sessions {
		for st := range set {
			if st.org == org {
				send(st, frame)
			}
		}
	}
}

func (h *hub) endMailbox(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.mailbox[id] {
		st.end()
	}
}

func (h *hub) endSession(key [32]byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.sessions[key] {
		st.end()
	}
}

func (h *hub) endCounsellor(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.sessions {
		for st := range set {
			if st.counsellor == id {
				st.end()
			}
		}
	}
}

func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, set := range h.mailbox {
		for st := range set {
			st.end()
		}
	}
	for _, set := range h.sessions {
		for st := range set {
			st.end()
		}
	}
}

func eventFrame(event string, data any) []byte {
	b, _ := json.Marshal(data)
	return []byte("event: " + event + "\ndata: " + string(b) + "\n\n")
}

var keepAliveFrame = []byte(": keep-alive\n\n")

// serveStream answers with text/event-stream and writes st's events until
// it ends, the client goes away, or still (checked at every keep-alive)
// reports false.
func (s *Server) serveStream(c *fiber.Ctx, st *stream, still func() bool) error {
	c.Status(fiber.StatusOK)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set("X-Accel-Buffering", "no")
	fctx := c.Context()
	fctx.Response.ImmediateHeaderFlush = true
	conn := fctx.Conn()
	writeTimeout, keepAlive := s.cfg.WriteTimeout, s.cfg.KeepAlive
	fctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.hub.remove(st)
		t := time.NewTicker(keepAlive)
		defer t.Stop()
		for {
			var frame []byte
			select {
			case <-st.done:
				return
			case frame = <-st.frames:
			case <-t.C:
				if !still() {
					return
				}
				frame = keepAliveFrame
			}
			select {
			case <-st.done:
				return
			default:
			}
			// fasthttp sets one write deadline for the whole response;
			// a stream moves it on with every write instead.
			conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := w.Write(frame); err != nil {
				return
			}
			if err := w.Flush(); err != nil {
				return
			}
		}
	})
	return nil
}
