package api

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lotse/mailbox"
)

// The e-mail notice to a closed desk (PROTOCOL.md §7): when enquiries wait
// and no counsellor's event stream is open, a mail to the team's address
// says so, at most one per interval. It carries no count, no case id and
// no time but its Date header, so a mailbox that is read by others, or a
// mail server that keeps copies, learns only that someone wrote.

// Notice configures the e-mail notice. The zero value sends none.
type Notice struct {
	Server   string        // SMTP server, host:port
	From, To string        // bare addresses, checked by ParseNoticeAddress
	Username string        // AUTH PLAIN if set
	Password string        // read from a file by mailboxd, never from the environment
	Interval time.Duration // at least this long between two attempts; default 1 h
	// TLS is the STARTTLS configuration; nil: the system's roots and
	// the server's host name.
	TLS *tls.Config
	// Log gets one line per mail sent or failed, without addresses;
	// nil: the server's log.
	Log io.Writer
}

// noticeText is the whole body: German first, for the service's teams,
// then English; nothing in it depends on the cases.
const (
	noticeSubject = "Lotse: Anfragen warten / enquiries waiting"
	noticeBody    = "In Lotse warten Anfragen.\r\n\r\nThere are enquiries waiting in Lotse.\r\n"
)

const (
	defaultNoticeInterval = time.Hour
	noticeCheck           = time.Minute // how often the condition is looked at, at most
	noticeTimeout         = time.Minute // one whole SMTP exchange
	maxNoticeAddress      = 254         // RFC 5321's path limit
)

// ParseNoticeAddress accepts a bare e-mail address ("team@example.org"):
// no display name, no comments, nothing that could add a header line.
func ParseNoticeAddress(s string) (string, error) {
	if s == "" || len(s) > maxNoticeAddress || strings.ContainsAny(s, "\r\n<>\", ") {
		return "", errors.New("not a bare e-mail address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", errors.New("not a bare e-mail address")
	}
	return s, nil
}

// noticeMetrics counts mails by result; nil: none.
type noticeMetrics struct{ mails *prometheus.CounterVec }

func newNoticeMetrics(reg prometheus.Registerer) (*noticeMetrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &noticeMetrics{mails: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lotse_notice_mails_total",
		Help: "E-mail notices of waiting enquiries, by result (sent, failed).",
	}, []string{"result"})}
	m.mails.WithLabelValues("sent")
	m.mails.WithLabelValues("failed")
	return m, reg.Register(m.mails)
}

func (m *noticeMetrics) count(result string) {
	if m != nil {
		m.mails.WithLabelValues(result).Inc()
	}
}

// RunNotices sends the e-mail notice of n until ctx ends: whenever a case
// waits for the team and no counsellor stream is open, and the last
// attempt is at least n.Interval ago. A failed mail is tried again an
// interval later. It checks the condition every minute, or every interval
// if that is shorter.
func (s *Server) RunNotices(ctx context.Context, n Notice) error {
	if n.Interval <= 0 {
		n.Interval = defaultNoticeInterval
	}
	if n.Log == nil {
		n.Log = s.cfg.Log
	}
	mx, err := newNoticeMetrics(s.cfg.Metrics)
	if err != nil {
		return fmt.Errorf("api: notice metrics: %v", err)
	}
	tick := time.NewTicker(min(n.Interval, noticeCheck))
	defer tick.Stop()
	var last time.Time // of the last attempt; zero: none yet
	for {
		// The first look comes a tick after the start, so that desks
		// reconnecting after a restart are counted.
		var now time.Time
		select {
		case <-ctx.Done():
			return nil
		case now = <-tick.C:
		}
		// Measured in the ticker's times, so that an interval equal to
		// the tick is not missed by the time one check takes.
		if !last.IsZero() && now.Sub(last) < n.Interval || !s.shouldNotify() {
			continue
		}
		last = now
		if err := sendNotice(ctx, n, s.now()); err != nil {
			mx.count("failed")
			fmt.Fprintf(n.Log, "mailboxd: notice: not sent (%v); next try in %v\n", err, n.Interval)
			continue
		}
		mx.count("sent")
		fmt.Fprintln(n.Log, "mailboxd: notice: sent")
	}
}

// shouldNotify reports whether a case waits for the team while no desk
// listens. The first case of the waiting order says whether any waits.
func (s *Server) shouldNotify() bool {
	if s.hub.counsellorOnline() {
		return false
	}
	page, _, err := s.store.CasesPage("", mailbox.OrderWaiting, nil, 1)
	return err == nil && len(page) == 1 && page[0].Waiting()
}

// noticeError names the step of the SMTP exchange that failed, never the
// server's answer or address, which may carry the addresses of the mail.
type noticeError string

func (e noticeError) Error() string { return string(e) }

// sendNotice sends one notice. STARTTLS is used whenever the server offers
// it and required unless the server is on a loopback address (a local
// relay, or a test).
func sendNotice(ctx context.Context, n Notice, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, noticeTimeout)
	defer cancel()
	host, _, err := net.SplitHostPort(n.Server)
	if err != nil {
		return noticeError("server address")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", n.Server)
	if err != nil {
		return noticeError("connect")
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	loopback := false
	if ap, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		loopback = ap.IP.IsLoopback()
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return noticeError("greeting")
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return noticeError("hello")
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := n.TLS
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg = cfg.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
		if err := c.StartTLS(cfg); err != nil {
			return noticeError("starttls")
		}
	} else if !loopback {
		return noticeError("the server offers no STARTTLS")
	}
	if n.Username != "" {
		// smtp.PlainAuth itself refuses to send the password unencrypted
		// to anything but localhost.
		if err := c.Auth(smtp.PlainAuth("", n.Username, n.Password, host)); err != nil {
			return noticeError("auth")
		}
	}
	if err := c.Mail(n.From); err != nil {
		return noticeError("mail from")
	}
	if err := c.Rcpt(n.To); err != nil {
		return noticeError("rcpt to")
	}
	w, err := c.Data()
	if err != nil {
		return noticeError("data")
	}
	if _, err := io.WriteString(w, noticeMessage(n, now)); err != nil {
		return noticeError("data")
	}
	if err := w.Close(); err != nil {
		return noticeError("data")
	}
	if err := c.Quit(); err != nil {
		return noticeError("quit")
	}
	return nil
}

// noticeMessage is the whole mail, headers and body. The Date is UTC, so
// it does not tell the server's time zone either.
func noticeMessage(n Notice, now time.Time) string {
	return "From: " + n.From + "\r\n" +
		"To: " + n.To + "\r\n" +
		"Subject: " + noticeSubject + "\r\n" +
		"Date: " + now.UTC().Format(time.RFC1123Z) + "\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"\r\n" + noticeBody
}
