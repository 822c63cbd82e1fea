package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"lotse/api"
)

// The e-mail notice to a closed desk (api/notify.go, PROTOCOL.md §7): off
// unless LOTSE_NOTIFY_SMTP is set. The SMTP password comes only from a
// file, so it is in no environment a process listing or a unit file shows.

func noticeSettings() []*setting {
	return []*setting{
		{flag: "notify-smtp", env: "LOTSE_NOTIFY_SMTP", usage: "SMTP server `host:port` for the e-mail notice when enquiries wait and no desk is open (default: no notice); STARTTLS is required unless the server is on a loopback address"},
		{flag: "notify-from", env: "LOTSE_NOTIFY_FROM", usage: "sender `address` of the notice"},
		{flag: "notify-to", env: "LOTSE_NOTIFY_TO", usage: "the team's `address` the notice goes to"},
		{flag: "notify-smtp-user", env: "LOTSE_NOTIFY_SMTP_USER", usage: "SMTP AUTH PLAIN user `name` (default: no AUTH)"},
		{flag: "notify-smtp-password-file", env: "LOTSE_NOTIFY_SMTP_PASSWORD_FILE", usage: "`file` holding the SMTP password, required with the user"},
		{flag: "notify-interval", env: "LOTSE_NOTIFY_INTERVAL", def: "1h", usage: "least `duration` between two notices (1s to 168h)"},
	}
}

const (
	maxNoticeInterval  = 7 * 24 * time.Hour
	maxPasswordFile    = 1024
	maxNoticeUserBytes = 256
)

// parseNotice reads the notice settings; nil if LOTSE_NOTIFY_SMTP is not set.
func parseNotice(get func(string) *setting) (*api.Notice, error) {
	server := get("notify-smtp")
	if server.value == "" {
		for _, name := range []string{"notify-from", "notify-to", "notify-smtp-user", "notify-smtp-password-file"} {
			if s := get(name); s.value != "" {
				return nil, &configError{
					msg:  fmt.Sprintf("%s is set but %s is not", s.source, server.source),
					hint: "set " + server.source + " to the SMTP server (host:port) to send the notice, or unset " + s.source,
				}
			}
		}
		return nil, nil
	}
	if _, err := parseAddr(server); err != nil {
		return nil, &configError{
			msg:  fmt.Sprintf("%s must be host:port, got %q", server.source, server.value),
			hint: "for example mail.example.org:587 (submission with STARTTLS) or 127.0.0.1:25 for a local relay",
		}
	}
	n := &api.Notice{Server: server.value}
	for _, a := range []struct {
		name string
		to   *string
	}{{"notify-from", &n.From}, {"notify-to", &n.To}} {
		s := get(a.name)
		if s.value == "" {
			return nil, &configError{
				msg:  fmt.Sprintf("%s is set but %s is not", server.source, s.source),
				hint: "the notice needs a sender and the team's address",
			}
		}
		v, err := api.ParseNoticeAddress(s.value)
		if err != nil {
			return nil, &configError{
				msg:  fmt.Sprintf("%s must be a bare e-mail address, got %q", s.source, s.value),
				hint: "for example team@example.org, without a name or angle brackets",
			}
		}
		*a.to = v
	}
	user, pwFile := get("notify-smtp-user"), get("notify-smtp-password-file")
	switch {
	case user.value != "" && pwFile.value == "":
		return nil, &configError{
			msg:  fmt.Sprintf("%s is set but %s is not", user.source, pwFile.source),
			hint: "put the SMTP password in a file readable only by mailboxd and name it in " + pwFile.source,
		}
	case user.value == "" && pwFile.value != "":
		return nil, &configError{msg: fmt.Sprintf("%s is set but %s is not", pwFile.source, user.source)}
	case user.value != "":
		if len(user.value) > maxNoticeUserBytes || strings.ContainsAny(user.value, "\x00\r\n") {
			return nil, &configError{msg: fmt.Sprintf("%s must be one line of at most %d bytes", user.source, maxNoticeUserBytes)}
		}
		b, err := readSmallFile(pwFile.value, maxPasswordFile)
		if err != nil {
			return nil, &configError{msg: fmt.Sprintf("%s: %v", pwFile.source, err)}
		}
		pw := strings.TrimRight(string(b), "\r\n")
		clear(b)
		if pw == "" || strings.ContainsAny(pw, "\x00\r\n") {
			return nil, &configError{msg: fmt.Sprintf("%s: the file must hold the password on one line", pwFile.source)}
		}
		n.Username, n.Password = user.value, pw
	}
	iv := get("notify-interval")
	d, err := time.ParseDuration(iv.value)
	if err != nil || d < time.Second || d > maxNoticeInterval {
		return nil, &configError{
			msg:  fmt.Sprintf("%s must be a duration from 1s to 168h, got %q", iv.source, iv.value),
			hint: "for example 1h or 30m",
		}
	}
	n.Interval = d
	return n, nil
}

// noticeSummary is the notice's part of the start-up summary: no address,
// no user.
func noticeSummary(n *api.Notice) string {
	if n == nil {
		return "off"
	}
	auth := ""
	if n.Username != "" {
		auth = "+auth"
	}
	return fmt.Sprintf("every-%v%s", n.Interval, auth)
}

// startNotices runs the notice loop until ctx ends; the returned function
// waits for it.
func startNotices(ctx context.Context, srv *api.Server, n *api.Notice, stderr io.Writer) (wait func()) {
	if n == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.RunNotices(ctx, *n); err != nil {
			fmt.Fprintf(stderr, "mailboxd: notice: %v\n", err)
		}
	}()
	return func() { <-done }
}
