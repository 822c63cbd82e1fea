//go:build race

package e2e

// raceBuild: mailboxd runs with the race detector, whose memory use says
// nothing about the server's.
const raceBuild = true
