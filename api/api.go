// Package api is mailboxd's HTTP layer: the fiber app with every endpoint of
// PROTOCOL.md §6, enquirer and counsellor authentication, security headers,
// body limits and timeouts, event streams, and a request log that names the
// route pattern, status and latency and nothing that identifies a person.
// Fiber stays inside this package.
package api

// This file is the contract cmd/mailboxd codes against. Signatures change
// only by agreement.

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"filippo.io/age"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"lotse/content"
	"lotse/mailbox"
)

// Config configures a Server. Zero values take the protocol's defaults.
type Config struct {
	PowDifficulty int              // leading zero bits, 0 turns the proof of work off
	Log           io.Writer        // request log (one line a request); nil: os.Stderr
	Now           func() time.Time // default time.Now

	// CreateLimit bounds POST /api/v1/mailboxes per client address;
	// default 10 per 10 minutes.
	CreateLimit Rate
	// ChallengeLimit bounds GET /api/v1/pow and, separately,
	// POST /api/v1/auth/challenge per client address; default 30 a minute.
	ChallengeLimit Rate
	// EnquirerLimit bounds requests with an enquirer credential per client
	// address, checked before the credential; default 120 a minute.
	EnquirerLimit Rate
	// PostLimit bounds POST /api/v1/mailbox/messages per client address;
	// default 60 a minute (the store caps each mailbox on its own).
	PostLimit Rate
	// LoginFailures bounds wrong enquirer credentials per mailbox id before
	// each further wrong one is answered late with 429 (abuse.go); default
	// 10 per 10 minutes. The right credential is never refused.
	LoginFailures Rate
	// MailboxesPerHour is the rate of new mailboxes over all addresses
	// above which the proof of work rises one bit per doubling (abuse.go);
	// default 60, < 0 keeps the difficulty fixed. It is no cap.
	MailboxesPerHour int
	// PowMaxDifficulty bounds that rise; default PowDifficulty+4 (at most 24).
	PowMaxDifficulty int
	// ProxyHeader names a request header that carries the client address
	// set by a trusted reverse proxy (e.g. "X-Forwarded-For", whose last
	// element is used). Empty: the connection's remote address. Only set it
	// when every request comes through that proxy.
	ProxyHeader string
	// HSTSMaxAge is the max-age of Strict-Transport-Security, sent only on
	// connections this server terminates with TLS (ServeTLS): on plain
	// HTTP the header means nothing and behind a proxy it is the proxy's
	// to send. Default 365 days; < 0 sends none.
	HSTSMaxAge time.Duration

	// Web is the built web client (webclient.Files()); nil or without
	// index.html: the page answers 503 "not built". ExitURL is where its
	// quick exit goes (absolute https; default DefaultExitURL).
	Web     fs.FS
	ExitURL string
	// Content is the information pages and the referral directory, served
	// at /info/ (pages.go); nil: no pages.
	Content *content.Site
	// Ready is GET /readyz's check beyond the store's (health.go); nil:
	// none. Its error goes to the log, never to the client.
	Ready func() error
	// Metrics, if set, gets the request, rate-limit and event-stream
	// metrics (metrics.go).
	Metrics prometheus.Registerer

	// Availability (admission.go, PROTOCOL.md §6.12). Zero takes the
	// default.
	MaxConns        int   // open connections at once; default 4096
	ConnsPerAddress int   // open connections per client prefix; default 64, < 0 off (always off with ProxyHeader)
	BodyBudget      int64 // bytes of request bodies held in memory at once; default 64 MiB
	IPv4Prefix      int   // leading bits of an IPv4 address that name a client; default 32
	IPv6Prefix      int   // the same for IPv6; default 64

	ReadTimeout  time.Duration // whole request; default 10 s
	WriteTimeout time.Duration // a response, or one event-stream write; default 30 s
	IdleTimeout  time.Duration // keep-alive; default 60 s
	KeepAlive    time.Duration // event-stream comment interval; default 25 s
}

// Rate is N requests per Per, refilled continuously (a token bucket of
// depth N). A zero Rate takes the default; N < 0 turns the limit off.
type Rate struct {
	N   int
	Per time.Duration
}

// Server serves the API over one Store.
type Server struct {
	store *mailbox.Store
	cfg   Config
	now   func() time.Time
	app   *fiber.App
	log   *requestLog

	powKey      []byte // authenticates proof-of-work challenges
	loginSecret []byte // the "server secret" of login challenges
	decoy       string // recipient of the throw-away key for decoy challenges

	usedPows   *onceSet
	usedNonces *onceSet
	createRate *limiter
	powRate    *limiter
	loginRate  *limiter
	sessions   *sessions
	hub        *hub
	hsts       string // Strict-Transport-Security value for TLS responses; "": none
	team       teamCache
	web        *webFiles // static.go
	health     health    // health.go
	metrics    *metrics  // metrics.go; nil: none

	// abuse.go
	enquirerRate *limiter
	postRate     *limiter
	failures     *limiter
	pow          *powControl
	delayed      chan struct{}

	bodies budget // admission.go

	mu        sync.Mutex
	listeners []*onceCloseListener
	shutdown  atomic.Bool
}

// Protocol constants of PROTOCOL.md §6.
const (
	maxBody          = 128 << 10
	maxKeyringBody   = 1 << 20
	maxHeader        = 8 << 10
	powLifetime      = 10 * time.Minute
	loginLifetime    = 60 * time.Second
	sessionIdle      = 30 * time.Minute
	sessionMax       = 12 * time.Hour
	maxStreams       = 2
	maxPowDifficulty = 24
)

// New builds the fiber app and the in-memory state (sessions, event hubs,
// the per-start secret for challenges and proofs of work).
func New(store *mailbox.Store, cfg Config) (*Server, error) {
	if store == nil {
		return nil, errors.New("api: nil store")
	}
	if cfg.PowDifficulty < 0 || cfg.PowDifficulty > maxPowDifficulty {
		return nil, fmt.Errorf("api: proof-of-work difficulty %d outside 0…%d", cfg.PowDifficulty, maxPowDifficulty)
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.CreateLimit = cfg.CreateLimit.orDefault(Rate{10, 10 * time.Minute})
	cfg.ChallengeLimit = cfg.ChallengeLimit.orDefault(Rate{30, time.Minute})
	cfg.EnquirerLimit = cfg.EnquirerLimit.orDefault(defaultEnquirerLimit)
	cfg.PostLimit = cfg.PostLimit.orDefault(defaultPostLimit)
	cfg.LoginFailures = cfg.LoginFailures.orDefault(defaultLoginFailures)
	if cfg.MailboxesPerHour == 0 {
		cfg.MailboxesPerHour = defaultMailboxesPerHour
	}
	if err := cfg.admissionDefaults(); err != nil {
		return nil, err
	}
	cfg.ReadTimeout = orDuration(cfg.ReadTimeout, 10*time.Second)
	cfg.WriteTimeout = orDuration(cfg.WriteTimeout, 30*time.Second)
	cfg.IdleTimeout = orDuration(cfg.IdleTimeout, 60*time.Second)
	cfg.KeepAlive = orDuration(cfg.KeepAlive, 25*time.Second)

	decoy, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, fmt.Errorf("api: decoy key: %v", err)
	}
	s := &Server{
		store:       store,
		cfg:         cfg,
		now:         cfg.Now,
		log:         &requestLog{w: cfg.Log},
		powKey:      make([]byte, 32),
		loginSecret: make([]byte, 32),
		decoy:       decoy.Recipient().String(),
		usedPows:    newOnceSet(1<<16, cfg.Now),
		usedNonces:  newOnceSet(1<<16, cfg.Now),
		createRate:  newLimiter(cfg.CreateLimit, cfg.Now),
		powRate:     newLimiter(cfg.ChallengeLimit, cfg.Now),
		loginRate:   newLimiter(cfg.ChallengeLimit, cfg.Now),
		sessions:    newSessions(cfg.Now),
		hub:         newHub(),
		hsts:        hstsValue(cfg.HSTSMaxAge),
	}
	s.enquirerRate = newLimiter(cfg.EnquirerLimit, cfg.Now)
	s.postRate = newLimiter(cfg.PostLimit, cfg.Now)
	s.failures = newLimiter(cfg.LoginFailures, cfg.Now)
	if cfg.PowMaxDifficulty == 0 {
		cfg.PowMaxDifficulty = min(maxPowDifficulty, cfg.PowDifficulty+defaultPowRise)
	}
	if cfg.PowMaxDifficulty < cfg.PowDifficulty || cfg.PowMaxDifficulty > maxPowDifficulty {
		return nil, fmt.Errorf("api: maximum proof-of-work difficulty %d outside %d…%d", cfg.PowMaxDifficulty, cfg.PowDifficulty, maxPowDifficulty)
	}
	s.cfg.PowMaxDifficulty = cfg.PowMaxDifficulty
	s.pow = &powControl{base: cfg.PowDifficulty, max: cfg.PowMaxDifficulty, perHour: float64(cfg.MailboxesPerHour), last: cfg.Now()}
	s.delayed = make(chan struct{}, maxDelayed)
	s.bodies.max = cfg.BodyBudget
	if _, err := io.ReadFull(rand.Reader, s.powKey); err != nil {
		return nil, fmt.Errorf("api: secret: %v", err)
	}
	if _, err := io.ReadFull(rand.Reader, s.loginSecret); err != nil {
		return nil, fmt.Errorf("api: secret: %v", err)
	}
	if s.web, err = loadWeb(cfg.Web, cfg.ExitURL, cfg.Content); err != nil {
		return nil, err
	}
	if s.metrics, err = newMetrics(s, cfg.Metrics); err != nil {
		return nil, fmt.Errorf("api: metrics: %v", err)
	}
	s.app = s.newApp()
	return s, nil
}

func (r Rate) orDefault(d Rate) Rate {
	if r.N == 0 || (r.N > 0 && r.Per <= 0) {
		return d
	}
	return r
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// defaultHSTSMaxAge is a year: long enough that a returning enquirer's
// browser never tries plain HTTP first, where a network attacker could
// answer instead of the server.
const defaultHSTSMaxAge = 365 * 24 * time.Hour

func hstsValue(maxAge time.Duration) string {
	if maxAge < 0 {
		return ""
	}
	if maxAge == 0 {
		maxAge = defaultHSTSMaxAge
	}
	return fmt.Sprintf("max-age=%d", int64(maxAge/time.Second))
}

// Serve serves HTTP on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.serve(s.limitConns(ln))
}

func (s *Server) serve(ln net.Listener) error {
	l := &onceCloseListener{Listener: ln}
	s.mu.Lock()
	if s.shutdown.Load() {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	return s.app.Listener(l)
}

// ServeTLS serves HTTPS on ln with the given certificate and key files.
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("api: load certificate: %v", err)
	}
	// TLS outside the connection limit, so that a handler sees the
	// *tls.Conn itself and knows to send Strict-Transport-Security.
	return s.serve(tls.NewListener(s.limitConns(ln), &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"http/1.1"},
	}))
}

// Shutdown stops accepting requests, ends event streams and waits for
// in-flight requests (and so their commits) up to the deadline.
func (s *Server) Shutdown(timeout time.Duration) error {
	s.mu.Lock()
	s.shutdown.Store(true)
	lns := s.listeners
	s.listeners = nil
	s.mu.Unlock()
	// Streams end first: an open stream never becomes idle, so fasthttp
	// would wait for it until the deadline.
	s.hub.closeAll()
	err := s.app.ShutdownWithTimeout(timeout)
	// A Serve that had not yet handed its listener to fasthttp when the
	// shutdown began returns once its listener is closed.
	for _, l := range lns {
		l.Close()
	}
	return err
}

// onceCloseListener lets both fasthttp and Shutdown close a listener.
type onceCloseListener struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *onceCloseListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
