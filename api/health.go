package api

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Health checks for what runs mailboxd (systemd, a reverse proxy, a
// monitor), outside the versioned API:
//
//	GET /healthz  liveness: the process answers and the store is open and
//	              readable.
//	GET /readyz   readiness: liveness, not shutting down, and
//	              Config.Ready (mailboxd: room left on the data file's disk).
//
// Both answer 200 "ok" or 503 "unavailable" in plain text and nothing else:
// no version, no counts, no sizes, no reason. The endpoints are public, and
// a number that moves with the traffic (store size, free space, commits,
// open streams) would let anyone who polls it see when enquirers write, and
// line that up with what they see elsewhere. The reason goes to the log,
// once per change. The answer is computed at most once per healthTTL, so a
// flood of checks costs one read transaction a second, and its latency
// says nothing about the store either.
//
// Metrics that do count things are served only on the loopback debug
// listener (cmd/mailboxd).

const healthTTL = time.Second

// health is the cached answer of both checks.
type health struct {
	mu         sync.Mutex
	at         time.Time
	live       bool
	ready      bool
	lastReason string // logged when it changes
}

func (s *Server) getHealthz(c *fiber.Ctx) error { return s.answerHealth(c, false) }
func (s *Server) getReadyz(c *fiber.Ctx) error  { return s.answerHealth(c, true) }

func (s *Server) answerHealth(c *fiber.Ctx, readiness bool) error {
	live, ready := s.checkHealth()
	ok := live
	if readiness {
		ok = ready && !s.shutdown.Load()
	}
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	if !ok {
		c.Status(fiber.StatusServiceUnavailable)
		return c.SendString("unavailable\n")
	}
	c.Status(fiber.StatusOK)
	return c.SendString("ok\n")
}

// checkHealth runs the checks, or returns their result from less than
// healthTTL ago.
func (s *Server) checkHealth() (live, ready bool) {
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now() // not cfg.Now: tests move that clock by days
	if !h.at.IsZero() && now.Sub(h.at) < healthTTL && now.After(h.at) {
		return h.live, h.ready
	}
	reason := ""
	h.live, h.ready = true, true
	if _, err := s.store.NeedsSetup(); err != nil {
		reason = "the data file cannot be read: " + err.Error()
		h.live, h.ready = false, false
	} else if s.cfg.Ready != nil {
		if err := s.cfg.Ready(); err != nil {
			reason = err.Error()
			h.ready = false
		}
	}
	h.at = now
	if reason != h.lastReason {
		if reason == "" {
			s.log.note("ready again")
		} else {
			s.log.note("not ready: " + reason)
		}
		h.lastReason = reason
	}
	return h.live, h.ready
}

// note logs one line of mailboxd's own, with control characters blanked.
func (l *requestLog) note(msg string) {
	msg = hexID.ReplaceAllString(msg, "…")
	msg = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, msg)
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "mailboxd: %s\n", msg)
}
