package main

import (
	"io"
	"testing"
	"time"

	"lotse/api"
	"lotse/mailbox"
)

func TestLimitSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	env := map[string]string{
		"LOTSE_CREATE_LIMIT": "5/1h", "LOTSE_CHALLENGE_LIMIT": "off", "LOTSE_ENQUIRER_LIMIT": "300/1m",
		"LOTSE_POST_LIMIT": "30/10m", "LOTSE_LOGIN_FAILURES": "3/15m", "LOTSE_MAILBOXES_PER_HOUR": "off",
		"LOTSE_MAILBOX_PER_HOUR": "40", "LOTSE_MAILBOX_MAX_MESSAGES": "500", "LOTSE_MAILBOX_MAX_BYTES": "8388608",
		"LOTSE_DEBUG_STATS": "1",
	}
	c, err := parseConfig([]string{"--post-limit", "7/1m"}, envFunc(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := limitsConfig{
		Create: api.Rate{N: 5, Per: time.Hour}, Challenge: api.Rate{N: -1}, Enquirer: api.Rate{N: 300, Per: time.Minute},
		Post: api.Rate{N: 7, Per: time.Minute}, LoginFailures: api.Rate{N: 3, Per: 15 * time.Minute}, MailboxesPerHour: -1,
		Mailbox: mailbox.Limits{MessagesPerHour: 40, MaxMessages: 500, MaxBytes: 8 << 20}, DebugStats: true,
	}
	if c.Limits != want {
		t.Errorf("limits %+v, want %+v", c.Limits, want)
	}
	// Unset means the built-in defaults (zero values).
	c, err = parseConfig(nil, envFunc(nil), io.Discard)
	if err != nil || c.Limits != (limitsConfig{}) {
		t.Errorf("defaults %+v, %v", c.Limits, err)
	}
}

func TestLimitSettingErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct{ env, value, want string }{
		{"LOTSE_CREATE_LIMIT", "10", "LOTSE_CREATE_LIMIT must be N/DURATION or off"},
		{"LOTSE_POST_LIMIT", "0/1m", "LOTSE_POST_LIMIT must be N/DURATION"},
		{"LOTSE_ENQUIRER_LIMIT", "5/1ms", "LOTSE_ENQUIRER_LIMIT must be N/DURATION"},
		{"LOTSE_LOGIN_FAILURES", "x/1m", "LOTSE_LOGIN_FAILURES must be N/DURATION"},
		{"LOTSE_MAILBOXES_PER_HOUR", "-5", "LOTSE_MAILBOXES_PER_HOUR must be"},
		{"LOTSE_MAILBOX_PER_HOUR", "0", "LOTSE_MAILBOX_PER_HOUR must be"},
		{"LOTSE_MAILBOX_MAX_MESSAGES", "3000000000", "LOTSE_MAILBOX_MAX_MESSAGES must be"},
		{"LOTSE_MAILBOX_MAX_BYTES", "1000", "LOTSE_MAILBOX_MAX_BYTES must be"},
		{"LOTSE_DEBUG_STATS", "yes", "LOTSE_DEBUG_STATS must be 0 or 1"},
	} {
		refusesSetting(t, tc.env, tc.value, tc.want)
	}
}
