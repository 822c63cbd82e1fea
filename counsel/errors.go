package counsel

import (
	"errors"
	"fmt"

	"lotse/api/client"
	"lotse/domain"
)

// hintError carries a next step for the person at the desk; args fill
// the hint's verbs, if any.
type hintError struct {
	err  error
	hint msg
	args []any
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }
func (e *hintError) Hint() string  { return e.localHint("en") }

func (e *hintError) localHint(lang string) string {
	if e.args == nil {
		return tr(lang, e.hint)
	}
	return fmt.Sprintf(tr(lang, e.hint), localArgs(lang, e.args)...)
}

func withHint(err error, hint msg) error { return &hintError{err: err, hint: hint} }

func withHintf(err error, hint msg, a ...any) error {
	return &hintError{err: err, hint: hint, args: a}
}

// localHint is the hint of err in lang, "" if none.
func localHint(lang string, err error) string {
	var h *hintError
	if errors.As(err, &h) {
		return h.localHint(lang)
	}
	return ""
}

// msgError is an error counsel can say in every catalogue's language.
// Its arguments are filled in as they are, except that errors and
// message ids among them (what apiError was doing) are said in the same
// language. Error() is always English.
type msgError struct {
	format msg
	args   []any
}

func errorf(format msg, a ...any) error { return &msgError{format: format, args: a} }

func (e *msgError) Error() string { return e.localize("en") }

func (e *msgError) localize(lang string) string {
	return fmt.Sprintf(tr(lang, e.format), localArgs(lang, e.args)...)
}

func localArgs(lang string, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case error:
			out[i] = localize(lang, a)
		case msg:
			out[i] = tr(lang, a)
		default:
			out[i] = a
		}
	}
	return out
}

// isMsg reports whether err is, or wraps, counsel's error m.
func isMsg(err error, m msg) bool {
	var e *msgError
	return errors.As(err, &e) && e.format == m
}

// localize is the text of err in lang: counsel's own words are
// translated; the words of the operating system or of the server's
// messages stay as they are.
func localize(lang string, err error) string {
	switch e := err.(type) {
	case *msgError:
		return e.localize(lang)
	case *hintError:
		return localize(lang, e.err)
	case *AlarmError:
		if e.msg != nil {
			return "ALARM: " + e.msg.localize(lang)
		}
	}
	return err.Error()
}

// AlarmError is a keyring or login that fails verification (PROTOCOL.md
// §3, §6): the server, or someone who controls it, may be trying to make
// this desk encrypt to a key the team does not hold, or to reveal
// decrypted bytes. Every command stops at once; nothing is re-wrapped,
// sent or pinned.
type AlarmError struct {
	Reason string    // English, for the desk and logs
	msg    *msgError // for the command line in German too
}

func (e *AlarmError) Error() string { return "ALARM: " + e.Reason }

func alarm(format msg, a ...any) error {
	m := &msgError{format: format, args: a}
	return &AlarmError{Reason: m.Error(), msg: m}
}

// AlarmAdvice is what counsel prints and the desk shows with every
// alarm, in English.
var AlarmAdvice = tr("en", mAlarmAdvice)

// isAlarmMsg reports whether err is, or wraps, the alarm m.
func isAlarmMsg(err error, m msg) bool {
	var a *AlarmError
	return errors.As(err, &a) && a.msg != nil && a.msg.format == m
}

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

// apiError gives an API error a next step where one exists.
func apiError(what msg, err error) error {
	var ae *client.Error
	if !errors.As(err, &ae) {
		if IsAlarm(err) || hintOf(err) != "" || errors.Is(err, errLocked) {
			return err
		}
		if errors.Is(err, client.ErrMalformed) {
			return withHint(errorf(mErrFailed, what, err), mHintServerMisbehaves)
		}
		return withHint(errorf(mErrFailed, what, err), mHintCheckConnection)
	}
	e := errorf(mErrServerSays, what, oneLine(ae.Error()))
	switch ae.Code {
	case "forbidden":
		return withHint(e, mHintNeedsAdmin)
	case "unauthorized":
		return withHint(e, mHintUnknownCounsellor)
	case "not_found":
		return withHint(e, mHintCaseDeleted)
	case "rate_limited":
		return withHint(e, mHintWait)
	}
	return e
}

// isCounsellorID and isMailboxID apply the domain rules where only a yes
// or no is needed.
func isCounsellorID(s string) bool {
	_, err := domain.ParseCounsellorID(s)
	return err == nil
}

func isMailboxID(s string) bool {
	_, err := domain.ParseMailboxID(s)
	return err == nil
}
