package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"lotse/api"
	"lotse/mailbox"
)

// limitsConfig holds the abuse limits and the opt-in debug statistics.
// A zero value means "the built-in default" (api.Config and
// mailbox.Limits apply them), so that the defaults live in one place.
type limitsConfig struct {
	Create           api.Rate // LOTSE_CREATE_LIMIT
	Challenge        api.Rate // LOTSE_CHALLENGE_LIMIT
	Enquirer         api.Rate // LOTSE_ENQUIRER_LIMIT
	Post             api.Rate // LOTSE_POST_LIMIT
	LoginFailures    api.Rate // LOTSE_LOGIN_FAILURES
	MailboxesPerHour int      // LOTSE_MAILBOXES_PER_HOUR, where the proof of work rises; -1 is off
	Mailbox          mailbox.Limits
	Attachments      mailbox.AttachmentLimits // attachments.go
	DebugStats       bool                     // LOTSE_DEBUG_STATS
}

// Bounds of configured values. The per-mailbox totals stay inside what the
// allow-list (mailbox/schema.go) accepts for message_count and bytes.
const (
	maxRateN         = 1_000_000_000
	maxMailboxMsgs   = 1<<31 - 1
	maxMailboxBytes  = 1 << 40
	minMailboxBytes  = 1 << 17 // one message of the largest size must fit
	rateFormatHint   = `write N/DURATION, e.g. 10/10m or 120/1m, or "off"`
	minRateDuration  = time.Second
	maxRateDuration  = 7 * 24 * time.Hour
	debugStatsListen = "127.0.0.1:0"
)

func limitSettings() []*setting {
	return append([]*setting{
		{flag: "create-limit", env: "LOTSE_CREATE_LIMIT", usage: "new mailboxes per client `address`, as N/DURATION or off (default 10/10m)"},
		{flag: "challenge-limit", env: "LOTSE_CHALLENGE_LIMIT", usage: "proof-of-work and login challenges per client `address`, each, as N/DURATION or off (default 30/1m)"},
		{flag: "enquirer-limit", env: "LOTSE_ENQUIRER_LIMIT", usage: "enquirer requests per client `address`, as N/DURATION or off (default 120/1m)"},
		{flag: "post-limit", env: "LOTSE_POST_LIMIT", usage: "enquirer messages per client `address`, as N/DURATION or off (default 60/1m)"},
		{flag: "login-failures", env: "LOTSE_LOGIN_FAILURES", usage: "wrong enquirer credentials per `mailbox` before each further one waits 1 s and gets 429, as N/DURATION or off (default 10/10m)"},
		{flag: "mailboxes-per-hour", env: "LOTSE_MAILBOXES_PER_HOUR", usage: "new mailboxes per hour over all addresses above which the proof of work rises one bit per doubling (no cap), or off to keep it fixed (default 60)"},
		{flag: "mailbox-per-hour", env: "LOTSE_MAILBOX_PER_HOUR", usage: "enquirer `messages` per mailbox per hour (default 20)"},
		{flag: "mailbox-max-messages", env: "LOTSE_MAILBOX_MAX_MESSAGES", usage: "`messages` a mailbox may hold before an enquirer's next is refused (default 200)"},
		{flag: "mailbox-max-bytes", env: "LOTSE_MAILBOX_MAX_BYTES", usage: "ciphertext `bytes` a mailbox may hold before an enquirer's next is refused (default 4194304)"},
		{flag: "debug-stats", env: "LOTSE_DEBUG_STATS", usage: "1 serves commit counters on a separate listener on 127.0.0.1 (for mailbox-bench; default off)"},
	}, attachmentSettings()...)
}

func parseLimits(get func(string) *setting) (limitsConfig, error) {
	var l limitsConfig
	var err error
	for _, r := range []struct {
		flag string
		dst  *api.Rate
	}{
		{"create-limit", &l.Create}, {"challenge-limit", &l.Challenge}, {"enquirer-limit", &l.Enquirer},
		{"post-limit", &l.Post}, {"login-failures", &l.LoginFailures},
	} {
		if *r.dst, err = parseRate(get(r.flag)); err != nil {
			return l, err
		}
	}
	if s := get("mailboxes-per-hour"); s.value == "off" {
		l.MailboxesPerHour = -1
	} else if s.value != "" {
		if l.MailboxesPerHour, err = parseInt(s, 1, maxRateN, `a whole number (or "off")`); err != nil {
			return l, err
		}
	}
	if s := get("mailbox-per-hour"); s.value != "" {
		if l.Mailbox.MessagesPerHour, err = parseInt(s, 1, maxRateN, "a whole number of messages"); err != nil {
			return l, err
		}
	}
	if s := get("mailbox-max-messages"); s.value != "" {
		if l.Mailbox.MaxMessages, err = parseInt(s, 1, maxMailboxMsgs, "a whole number of messages"); err != nil {
			return l, err
		}
	}
	if s := get("mailbox-max-bytes"); s.value != "" {
		n, err := strconv.ParseInt(s.value, 10, 64)
		if err != nil || n < minMailboxBytes || n > maxMailboxBytes {
			return l, &configError{msg: fmt.Sprintf("%s must be a whole number of bytes between %d and %d, got %q", s.source, minMailboxBytes, int64(maxMailboxBytes), s.value)}
		}
		l.Mailbox.MaxBytes = n
	}
	if l.Attachments, err = parseAttachmentLimits(get); err != nil {
		return l, err
	}
	switch s := get("debug-stats"); s.value {
	case "", "0":
	case "1":
		l.DebugStats = true
	default:
		return l, &configError{msg: fmt.Sprintf("%s must be 0 or 1, got %q", s.source, s.value)}
	}
	return l, nil
}

// parseRate reads "N/DURATION" (a token bucket of depth N refilled over
// DURATION) or "off"; empty is the default.
func parseRate(s *setting) (api.Rate, error) {
	switch s.value {
	case "":
		return api.Rate{}, nil
	case "off":
		return api.Rate{N: -1}, nil
	}
	bad := &configError{msg: fmt.Sprintf("%s must be N/DURATION or off, got %q", s.source, s.value), hint: rateFormatHint}
	ns, ds, ok := strings.Cut(s.value, "/")
	if !ok {
		return api.Rate{}, bad
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 || n > maxRateN {
		return api.Rate{}, bad
	}
	d, err := time.ParseDuration(ds)
	if err != nil || d < minRateDuration || d > maxRateDuration {
		return api.Rate{}, bad
	}
	return api.Rate{N: n, Per: d}, nil
}
