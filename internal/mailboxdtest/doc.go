// Package mailboxdtest runs the real mailboxd for tests and for the load
// tool: it builds the binary once per process, starts it on 127.0.0.1 with
// its own bbolt file, reads the address and the setup token from its
// output, stops, kills and restarts it on the same file, and bootstraps a
// team through api/client.
//
// The core (Build, Server, LogBuffer, Clock, SetUpTeam) does not import
// testing, so cmd/mailbox-bench can use it; testing.go adds a thin layer
// that fails the test instead of returning errors.
package mailboxdtest
