package main

import (
	"io"
	"strings"
	"testing"

	"lotse/mailbox"
)

func TestAttachmentSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := parseConfig([]string{"--attachments-per-hour", "3"}, envFunc(map[string]string{
		"LOTSE_ATTACHMENTS_MAX": "4", "LOTSE_ATTACHMENTS_MAX_BYTES": "16777216", "LOTSE_ATTACHMENTS_PER_HOUR": "9",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := (mailbox.AttachmentLimits{MaxCount: 4, MaxBytes: 16 << 20, PerHour: 3}); c.Limits.Attachments != want {
		t.Errorf("attachment limits %+v, want %+v", c.Limits.Attachments, want)
	}
	if s := limitsSummary(c.Limits); !strings.Contains(s, "attachments-max") {
		t.Errorf("start-up summary %q does not name the attachment limits", s)
	}
	for _, tc := range []struct{ env, value string }{
		{"LOTSE_ATTACHMENTS_MAX", "0"},
		{"LOTSE_ATTACHMENTS_MAX", "many"},
		{"LOTSE_ATTACHMENTS_MAX_BYTES", "1000"},
		{"LOTSE_ATTACHMENTS_PER_HOUR", "-1"},
	} {
		refusesSetting(t, tc.env, tc.value, tc.env+" must be")
	}
}
