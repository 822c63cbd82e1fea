//go:build race

package e2e

// raceBuild makes a -race test run build mailboxd with the race detector.
const raceBuild = true
