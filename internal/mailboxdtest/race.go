//go:build race

package mailboxdtest

// raceEnabled makes a -race test binary build mailboxd with the race
// detector too.
const raceEnabled = true
