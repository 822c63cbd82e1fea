package main

import (
	"fmt"
	"strconv"

	"lotse/mailbox"
)

// The attachment limits (PROTOCOL.md §10): per mailbox and side, a count
// and the bytes of ciphertext, and the enquirer's uploads an hour. Zero
// takes mailbox.AttachmentLimits' defaults (10, 32 MiB, 5).

const (
	maxAttachmentCount = 10_000
	maxAttachmentBytes = 1 << 40
	// minAttachmentBytes lets one attachment of the largest bucket in.
	minAttachmentBytes = mailbox.MaxAttachmentBytes
)

func attachmentSettings() []*setting {
	return []*setting{
		{flag: "attachments-max", env: "LOTSE_ATTACHMENTS_MAX", usage: "`attachments` a mailbox may hold from each side, the enquirer's and the team's (default 10)"},
		{flag: "attachments-max-bytes", env: "LOTSE_ATTACHMENTS_MAX_BYTES", usage: "attachment ciphertext `bytes` a mailbox may hold from each side (default 33554432)"},
		{flag: "attachments-per-hour", env: "LOTSE_ATTACHMENTS_PER_HOUR", usage: "enquirer `uploads` per mailbox per hour (default 5)"},
	}
}

func parseAttachmentLimits(get func(string) *setting) (mailbox.AttachmentLimits, error) {
	var l mailbox.AttachmentLimits
	var err error
	if s := get("attachments-max"); s.value != "" {
		if l.MaxCount, err = parseInt(s, 1, maxAttachmentCount, "a whole number of attachments"); err != nil {
			return l, err
		}
	}
	if s := get("attachments-max-bytes"); s.value != "" {
		n, err := strconv.ParseInt(s.value, 10, 64)
		if err != nil || n < minAttachmentBytes || n > maxAttachmentBytes {
			return l, &configError{msg: fmt.Sprintf("%s must be a whole number of bytes between %d and %d, got %q", s.source, minAttachmentBytes, int64(maxAttachmentBytes), s.value)}
		}
		l.MaxBytes = n
	}
	if s := get("attachments-per-hour"); s.value != "" {
		if l.PerHour, err = parseInt(s, 1, maxRateN, "a whole number of uploads"); err != nil {
			return l, err
		}
	}
	return l, nil
}
