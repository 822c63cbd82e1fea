// Package api is mailboxd's HTTP layer: the fiber app with every endpoint of
// PROTOCOL.md §6, enquirer and counsellor authentication, security headers,
// body limits and timeouts, event streams, and a request log that names the
// route pattern, status and latency and nothing that identifies a person.
// Fiber stays inside this package.
package api

// This file is the contract cmd/mailboxd codes against. Signatures change
// only by agreement.

import (
	"io"
	"net"
	"time"

	"lotse/mailbox"
)

// Config configures a Server. Zero values take the protocol's defaults.
type Config struct {
	PowDifficulty int              // leading zero bits, 0 turns the proof of work off
	Log           io.Writer        // request log (one line a request); nil: os.Stderr
	Now           func() time.Time // default time.Now
}

// Server serves the API over one Store.
type Server struct{}

// New builds the fiber app and the in-memory state (sessions, event hubs,
// the per-start secret for challenges and proofs of work).
func New(store *mailbox.Store, cfg Config) (*Server, error) { panic("todo") }

// Serve serves HTTP on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { panic("todo") }

// ServeTLS serves HTTPS on ln with the given certificate and key files.
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error { panic("todo") }

// Shutdown stops accepting requests, ends event streams and waits for
// in-flight requests (and so their commits) up to the deadline.
func (s *Server) Shutdown(timeout time.Duration) error { panic("todo") }
