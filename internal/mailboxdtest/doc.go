// Package mailboxdtest runs the real mailboxd for tests and for the load
// tool: it builds the binary once per process, starts it on 127.0.0.1 with
// its own bbolt file, reads the address and the setup token from its
// output, stops, kills and restarts it on the same file, and bootstraps a
// team through api/client.
//
// The core (Build, Server, LogBuffer, Clock, SetUpTeam, LoadEnv) returns
// errors, and cmd/mailbox-bench uses it; tb.go adds a thin layer for tests
// that fails the test instead. The package does not import testing.
package mailboxdtest
