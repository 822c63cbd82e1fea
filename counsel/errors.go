package counsel

import (
	"errors"
	"fmt"
	"strings"
)

// hintError carries a next step for the person at the desk.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }
func (e *hintError) Hint() string  { return e.hint }

func withHint(err error, hint string) error { return &hintError{err: err, hint: hint} }

// AlarmError is a keyring or login that fails verification (PROTOCOL.md
// §3, §6): the server, or someone who controls it, may be trying to make
// this desk encrypt to a key the team does not hold, or to reveal
// decrypted bytes. Every command stops at once; nothing is re-wrapped,
// sent or pinned.
type AlarmError struct {
	Reason string
}

func (e *AlarmError) Error() string { return "ALARM: " + e.Reason }

func alarm(format string, a ...any) error {
	return &AlarmError{Reason: fmt.Sprintf(format, a...)}
}

// AlarmAdvice is what counsel prints and the desk shows with every alarm.
const AlarmAdvice = "Do not reply to anyone and do not approve or remove anyone. " +
	"Call your team's admin by phone and compare the team fingerprint. " +
	"The server, or someone who controls it, may be trying to read the team's messages."

// IsAlarm reports whether err is an alarm.
func IsAlarm(err error) bool {
	var a *AlarmError
	return errors.As(err, &a)
}

// hintOf returns the hint of err, "" if none.
func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// oneLine keeps text from the server or a document on one line, without
// control characters that a terminal would act on.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			return ' '
		}
		return r
	}, s)
}

// terminalText is a message body for a terminal: line breaks and tabs
// stay, every other control character (escape sequences could rewrite
// the screen or the clipboard) becomes U+FFFD.
func terminalText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029:
			return '\uFFFD'
		}
		return r
	}, s)
}
