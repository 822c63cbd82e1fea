package api

import (
	"math"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Abuse resistance beyond proof of work (PROTOCOL.md §6 "Limits"):
//
//   - EnquirerLimit: every request that carries an enquirer credential
//     (read, post, delete, event stream), per client address, taken before
//     the credential is checked, so one address cannot try keys fast. The
//     first PUT of each part of a handover's upload gives its token back
//     once it succeeded (Server.staged).
//   - PostLimit: enquirer messages per client address, on top of the
//     per-mailbox hourly cap the store enforces.
//   - LoginFailures: wrong credentials per mailbox id, counted whether or
//     not the mailbox exists (so the answer says nothing about existence).
//     Once a mailbox's bucket is empty, a wrong credential is answered
//     only after failureDelay, with 429 and Retry-After instead of 401. The
//     right credential is never delayed or refused, so a guesser cannot
//     lock the owner out; what it loses is speed.
//   - MailboxesPerHour is no cap: a global counter is a door a flood can
//     close for everyone. Above that rate of new mailboxes the proof of
//     work gets one bit harder for each doubling, up to PowMaxDifficulty,
//     and falls back as the rate decays (powControl). A genuine enquirer
//     is slowed, never refused; the disk is guarded by the store's budget.
//
// Every per-address and per-mailbox bucket is keyed by an HMAC under a
// key that lives only in memory and is replaced daily (limiter).

// failureDelay is how long a throttled wrong credential waits for its
// answer; maxDelayed bounds how many such answers wait at once, so the
// delay cannot be turned into a way to hold the server's goroutines.
const (
	failureDelay = time.Second
	maxDelayed   = 64
)

// Defaults of the limits above.
var (
	defaultEnquirerLimit    = Rate{120, time.Minute}
	defaultPostLimit        = Rate{60, time.Minute}
	defaultLoginFailures    = Rate{10, 10 * time.Minute}
	defaultMailboxesPerHour = 60
	// defaultPowRise is how many bits above the configured difficulty the
	// proof of work may rise: 4 bits is 16 times the work, at the default
	// difficulty about 17 s on a mid-range phone (README), one person in
	// twenty about 50 s: slowed, within the 90 s a genuine enquirer may wait.
	defaultPowRise = 4
	// powRateWindow is the time constant of the decaying creation rate:
	// a flood's effect on the difficulty halves in about 7 minutes after
	// it stops.
	powRateWindow = 10 * time.Minute
)

// checkEnquirerRate takes a token of the address's enquirer bucket.
func (s *Server) checkEnquirerRate(c *fiber.Ctx) error {
	if ok, retry := s.enquirerRate.allow(s.clientAddr(c)); !ok {
		return rateLimited(retry)
	}
	return nil
}

// checkPostRate takes a token of the address's posting bucket.
func (s *Server) checkPostRate(c *fiber.Ctx) error {
	if ok, retry := s.postRate.allow(s.clientAddr(c)); !ok {
		return rateLimited(retry)
	}
	return nil
}

// powControl sets the proof-of-work difficulty from the recent rate of
// new mailboxes: an exponentially decaying count, so that the difficulty
// rises with a flood and falls back on its own.
type powControl struct {
	base, max int
	perHour   float64 // the rate above which it rises; <= 0: never

	mu    sync.Mutex
	count float64 // decayed count of creations, about rate × powRateWindow
	last  time.Time
}

func (p *powControl) decay(now time.Time) {
	if el := now.Sub(p.last); el > 0 {
		p.count *= math.Exp(-float64(el) / float64(powRateWindow))
		p.last = now
	}
}

// created counts one new mailbox.
func (p *powControl) created(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.decay(now)
	p.count++
}

// difficulty is the difficulty to announce now.
func (p *powControl) difficulty(now time.Time) int {
	if p.base == 0 || p.perHour <= 0 {
		return p.base
	}
	p.mu.Lock()
	p.decay(now)
	rate := p.count * float64(time.Hour) / float64(powRateWindow)
	p.mu.Unlock()
	if rate <= p.perHour {
		return p.base
	}
	return min(p.max, p.base+1+int(math.Log2(rate/p.perHour)))
}

// loginFailed answers a wrong enquirer credential for mailbox id: 401
// while the mailbox's failure bucket has tokens, else a delayed 429.
func (s *Server) loginFailed(id string) error {
	ok, retry := s.failures.allow(id)
	if ok {
		return errUnauthorized
	}
	select {
	case s.delayed <- struct{}{}:
		t := time.NewTimer(failureDelay)
		<-t.C
		<-s.delayed
	default:
		// Enough wrong answers are already waiting; this one is refused
		// at once, still without checking anything more.
	}
	return rateLimited(retry)
}
