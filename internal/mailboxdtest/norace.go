//go:build !race

package mailboxdtest

const raceEnabled = false
