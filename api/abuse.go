package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// Abuse resistance beyond proof of work (PROTOCOL.md §6 "Limits"):
//
//   - EnquirerLimit: every request that carries an enquirer credential
//     (read, post, delete, event stream), per client address, taken before
//     the credential is checked, so one address cannot try keys fast.
//   - PostLimit: enquirer messages per client address, on top of the
//     per-mailbox hourly cap the store enforces.
//   - LoginFailures: wrong credentials per mailbox id, counted whether or
//     not the mailbox exists (so the answer says nothing about existence).
//     Once a mailbox's bucket is empty, a wrong credential is answered
//     only after failureDelay, with 429 and Retry-After instead of 401. The
//     right credential is never delayed or refused, so a guesser cannot
//     lock the owner out; what it loses is speed.
//   - MailboxesPerHour: new mailboxes per hour over all addresses, so a
//     flood from many addresses (each paying its proof of work) still
//     cannot fill the disk.
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
	defaultMailboxesPerHour = 1000
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

// checkMailboxCap takes a token of the server-wide creation bucket.
func (s *Server) checkMailboxCap() error {
	if ok, retry := s.mailboxCap.allow("all"); !ok {
		return rateLimited(retry)
	}
	return nil
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
