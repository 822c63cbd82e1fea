// Package e2e holds the end-to-end test of Lotse: it builds the real
// mailboxd binary, runs it on 127.0.0.1 with a real bbolt file, and plays
// the protocol (PROTOCOL.md) through api/client and crypto only, as an
// independent enquirer and counsellor desk would. Run it with
//
//	go test ./e2e/
package e2e
