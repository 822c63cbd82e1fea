package counsel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"lotse/api/client"
	"lotse/content"
)

// The desk is a web UI served on 127.0.0.1 to the counsellor's own
// browser; decryption happens here, in the Go process.
//
// How it keeps other local pages and web sites out:
//   - it listens on 127.0.0.1 only, on a random port, and answers only
//     requests whose Host is 127.0.0.1:port or localhost:port (DNS
//     rebinding);
//   - a one-time token travels in the URL fragment, which browsers never
//     send to a server and never put in a Referer; the page trades it at
//     once for a secret of its own (desk_session.go), keeps that in
//     sessionStorage (scoped to this origin, port included, and to the
//     tab) and sends it in the X-Lotse-Desk header of every API request.
//     A cookie would be sent to every port of 127.0.0.1 and to any local
//     server there; a custom header cannot be sent cross-origin without a
//     CORS preflight, which the desk never grants, so the secret also
//     protects every state-changing request against cross-site requests;
//   - no CORS headers; a request with a foreign Origin is refused;
//   - a strict Content-Security-Policy: the page loads only its own files.
type Desk struct {
	cfg  *Config
	opts Options
	base string // http://127.0.0.1:port

	srv  *http.Server
	api  *http.ServeMux // routes(), behind ServeHTTP's checks
	ln   net.Listener
	host map[string]bool

	mu       sync.Mutex
	sess     *Session
	threads  map[string]*Thread
	lastUse  time.Time
	alarm    *AlarmError // nil while no alarm is raised
	subs     map[chan deskEvent]struct{}
	evCancel context.CancelFunc
	closed   chan struct{}

	opens      []openToken          // one-time addresses not yet opened (desk_session.go), under mu
	pages      map[string]*deskPage // page sessions by secret, under mu
	pageGrace  time.Duration        // how long a page may be gone before its session ends
	unlockedAt time.Time            // under mu

	work *deskWork // drafts, open case and what was read (desk_work.go)

	threadMu sync.Mutex // one thread update at a time

	centres   *content.Directory // the server's referral directory (centres.go), under mu
	changed   CentreChanges      // its centres not as this desk confirmed them (centres_pin.go), under mu
	centresMu sync.Mutex         // one fetch of it at a time
}

type deskEvent struct {
	name string
	data any
}

// NewDesk returns a locked desk.
func NewDesk(cfg *Config, opts Options) *Desk {
	if opts.LockAfter <= 0 {
		opts.LockAfter = 15 * time.Minute
	}
	d := &Desk{cfg: cfg, opts: opts, threads: map[string]*Thread{}, subs: map[chan deskEvent]struct{}{},
		closed: make(chan struct{}), pages: map[string]*deskPage{}, pageGrace: pageGrace, work: newDeskWork(cfg)}
	d.api = d.routes()
	return d
}

// Start listens on addr (a 127.0.0.1 address) and returns a one-time URL
// to open; OpenURL gives more.
func (d *Desk) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", errorf(mErrDeskListen, err)
	}
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return "", errorf(mErrDeskNotLoopback)
	}
	d.ln = ln
	d.host = map[string]bool{
		fmt.Sprintf("127.0.0.1:%d", tcp.Port): true,
		fmt.Sprintf("localhost:%d", tcp.Port): true,
	}
	d.mu.Lock()
	d.base = fmt.Sprintf("http://127.0.0.1:%d", tcp.Port)
	d.mu.Unlock()
	d.srv = &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 32 << 10}
	go d.srv.Serve(ln)
	go d.lockLoop()
	return d.OpenURL(), nil
}

// Close locks the desk and stops its server.
func (d *Desk) Close() {
	d.lock()
	close(d.closed)
	if d.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		d.srv.Shutdown(ctx)
	}
}

// lockLoop locks the desk once it has been unused for LockAfter, or when
// its last page has been gone for pageGrace.
func (d *Desk) lockLoop() {
	tick := min(time.Second, d.opts.LockAfter/4)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-d.closed:
			return
		case <-t.C:
		}
		d.mu.Lock()
		idle := d.sess != nil && time.Since(d.lastUse) > d.opts.LockAfter
		d.mu.Unlock()
		if d.pagesGone(time.Now()) || idle {
			d.lock()
		}
	}
}

// lock wipes the identity, the team keys, every decrypted thread and the
// drafts in memory (they are on disk, encrypted to the counsellor).
func (d *Desk) lock() {
	d.mu.Lock()
	sess, threads, cancel := d.sess, d.threads, d.evCancel
	d.sess, d.threads, d.evCancel = nil, map[string]*Thread{}, nil
	d.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if sess == nil {
		return
	}
	d.threadMu.Lock()
	for _, t := range threads {
		t.wipe()
	}
	d.threadMu.Unlock()
	d.work.wipe()
	sess.Wipe()
	runtime.GC()
	d.broadcast(deskEvent{name: "lock", data: map[string]any{}})
}

func (d *Desk) touch() {
	d.mu.Lock()
	d.lastUse = time.Now()
	d.mu.Unlock()
}

// unlock opens the identity, logs in, verifies the keyring and subscribes
// to the server's events.
func (d *Desk) unlock(ctx context.Context, passphrase []byte) error {
	s, err := Unlock(ctx, d.cfg, passphrase)
	if err != nil {
		return err
	}
	if s.Me().State != "pending" {
		if err := s.Verify(ctx); err != nil {
			s.Wipe()
			return err
		}
	}
	// Drafts written before a lock come back with the identity; one that
	// cannot be read is not worth refusing the desk for.
	d.work.load(s)
	evCtx, cancel := context.WithCancel(context.Background())
	d.mu.Lock()
	old := d.sess
	d.sess, d.lastUse, d.evCancel, d.unlockedAt = s, time.Now(), cancel, time.Now()
	d.mu.Unlock()
	if old != nil {
		old.Wipe()
	}
	if s.Me().State != "pending" {
		go d.follow(evCtx, s)
	} else {
		go d.awaitApproval(evCtx, s)
	}
	return nil
}

// awaitApproval asks the server now and then whether an admin approved
// this pending counsellor. Once the keyring includes them and verifies,
// the desk follows the case events and tells the page ("approved"),
// which switches to the inbox without a new unlock.
func (d *Desk) awaitApproval(ctx context.Context, s *Session) {
	every := d.opts.PendingPoll
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		me, err := s.refreshMe(ctx)
		if err != nil || me.State == "pending" {
			continue // offline for a moment, or still waiting
		}
		if me.State != "active" {
			d.broadcast(deskEvent{name: "state", data: map[string]any{}})
			return
		}
		// The admin may not have put the keyring with us in it yet.
		if err := s.Verify(ctx); err != nil {
			if IsAlarm(err) {
				d.setAlarm(err)
				return
			}
			continue
		}
		d.broadcast(deskEvent{name: "approved", data: map[string]any{}})
		go d.follow(ctx, s)
		return
	}
}

// follow passes the server's case events on to the pages, reconnecting
// with a growing pause.
func (d *Desk) follow(ctx context.Context, s *Session) {
	pause := time.Second
	for ctx.Err() == nil {
		// Verify the keyring again at every (re)connection, so a team key
		// swapped during the day raises the alarm without an unlock.
		if err := s.Verify(ctx); IsAlarm(err) {
			d.setAlarm(err)
			return
		}
		api, err := s.client()
		if err != nil {
			return
		}
		st, err := api.Events(ctx)
		if client.Code(err) == "unauthorized" {
			if s.login(ctx) == nil {
				continue
			}
		}
		if err == nil {
			d.broadcast(deskEvent{name: "online", data: map[string]any{}})
			// At every (re)connection: the operator may have changed the
			// directory; a failure keeps the last good one.
			go d.refreshCentres(ctx, s)
			pause = time.Second
			for ev := range st.Events() {
				if ev.Type == "case" && isMailboxID(ev.ID) {
					d.broadcast(deskEvent{name: "case", data: caseEvent{ID: ev.ID, Seq: ev.Seq}})
				}
				if ev.Type == "record" && ev.Kind != "" {
					d.onRecord(ctx, s, ev) // desk_memory.go
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		d.broadcast(deskEvent{name: "offline", data: map[string]any{}})
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

func (d *Desk) broadcast(ev deskEvent) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for ch := range d.subs {
		select {
		case ch <- ev:
		default: // a slow page reloads on the next event
		}
	}
}

func (d *Desk) setAlarm(err error) {
	var a *AlarmError
	if !errors.As(err, &a) {
		return
	}
	d.mu.Lock()
	d.alarm = a
	d.mu.Unlock()
	d.broadcast(deskEvent{name: "alarm", data: alarmEvent{Reason: a.Reason, ReasonDE: alarmReasonDE(a)}})
	d.lock()
}
