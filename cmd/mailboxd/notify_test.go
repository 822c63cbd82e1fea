package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

func TestNoticeConfig(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "lotse.db")
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	twoLines := filepath.Join(dir, "pw2")
	if err := os.WriteFile(twoLines, []byte("a\nb\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := map[string]string{"LOTSE_NOTIFY_SMTP": "mail.example.org:587", "LOTSE_NOTIFY_FROM": "lotse@example.org", "LOTSE_NOTIFY_TO": "team@example.org"}
	with := func(kv ...string) map[string]string {
		env := map[string]string{"LOTSE_DB": db}
		for k, v := range ok {
			env[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	for _, tc := range []struct {
		env map[string]string
		err string
	}{
		{map[string]string{"LOTSE_DB": db}, ""},
		{with(), ""},
		{with("LOTSE_NOTIFY_SMTP_USER", "lotse", "LOTSE_NOTIFY_SMTP_PASSWORD_FILE", pw, "LOTSE_NOTIFY_INTERVAL", "30m"), ""},
		{map[string]string{"LOTSE_DB": db, "LOTSE_NOTIFY_TO": "team@example.org"}, "LOTSE_NOTIFY_TO is set but LOTSE_NOTIFY_SMTP is not"},
		{with("LOTSE_NOTIFY_SMTP", "mail.example.org"), `LOTSE_NOTIFY_SMTP must be host:port, got "mail.example.org"`},
		{with("LOTSE_NOTIFY_FROM", ""), "LOTSE_NOTIFY_SMTP is set but LOTSE_NOTIFY_FROM is not"},
		{with("LOTSE_NOTIFY_TO", "Team <team@example.org>"), `LOTSE_NOTIFY_TO must be a bare e-mail address, got "Team <team@example.org>"`},
		{with("LOTSE_NOTIFY_TO", "team@example.org\r\nBcc: x@example.org"), "LOTSE_NOTIFY_TO must be a bare e-mail address"},
		{with("LOTSE_NOTIFY_TO", "a@example.org, b@example.org"), "LOTSE_NOTIFY_TO must be a bare e-mail address"},
		{with("LOTSE_NOTIFY_SMTP_USER", "lotse"), "LOTSE_NOTIFY_SMTP_USER is set but LOTSE_NOTIFY_SMTP_PASSWORD_FILE is not"},
		{with("LOTSE_NOTIFY_SMTP_PASSWORD_FILE", pw), "LOTSE_NOTIFY_SMTP_PASSWORD_FILE is set but LOTSE_NOTIFY_SMTP_USER is not"},
		{with("LOTSE_NOTIFY_SMTP_USER", "lotse", "LOTSE_NOTIFY_SMTP_PASSWORD_FILE", filepath.Join(dir, "missing")), "LOTSE_NOTIFY_SMTP_PASSWORD_FILE: open"},
		{with("LOTSE_NOTIFY_SMTP_USER", "lotse", "LOTSE_NOTIFY_SMTP_PASSWORD_FILE", twoLines), "LOTSE_NOTIFY_SMTP_PASSWORD_FILE: the file must hold the password on one line"},
		{with("LOTSE_NOTIFY_INTERVAL", "0s"), `LOTSE_NOTIFY_INTERVAL must be a duration from 1s to 168h, got "0s"`},
		{with("LOTSE_NOTIFY_INTERVAL", "1h"+"x"), "LOTSE_NOTIFY_INTERVAL must be a duration"},
		{with("LOTSE_NOTIFY_INTERVAL", "169h"), "LOTSE_NOTIFY_INTERVAL must be a duration"},
	} {
		c, err := parseConfig(nil, envFunc(tc.env), io.Discard)
		var ce *configError
		if tc.err != "" {
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tc.err) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%v: error %v, want %q", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.env, err)
			continue
		}
		if (c.Notice != nil) != (tc.env["LOTSE_NOTIFY_SMTP"] != "") {
			t.Errorf("%v: notice %+v", tc.env, c.Notice)
		}
		if c.Notice != nil && tc.env["LOTSE_NOTIFY_SMTP_USER"] != "" && c.Notice.Password != "s3cret" {
			t.Errorf("%v: password not read from the file", tc.env)
		}
		if s := summary(c); strings.Contains(s, "example.org") || strings.Contains(s, "s3cret") {
			t.Errorf("the start-up summary names an address or the password: %s", s)
		}
	}
}

// smtpMail is one mail the test's SMTP server took.
type smtpMail struct {
	from string
	to   []string
	data []byte
	tls  bool
	at   time.Time
}

// smtpBackend is a real SMTP server (go-smtp) that requires AUTH PLAIN
// with user and pass and hands every mail to mails.
type smtpBackend struct {
	user, pass string
	mails      chan smtpMail
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{b: b, c: c}, nil
}

type smtpSession struct {
	b      *smtpBackend
	c      *smtp.Conn
	authed bool
	m      smtpMail
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	_, s.m.tls = s.c.TLSConnectionState()
	s.m.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.to = append(s.m.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return err
	}
	m := s.m
	m.data, m.at = data, time.Now()
	s.b.mails <- m
	return nil
}

func (s *smtpSession) Reset()        { s.m = smtpMail{} }
func (s *smtpSession) Logout() error { return nil }

// startSMTP runs the test's SMTP server on 127.0.0.1, offering STARTTLS
// with cert if cert is set.
func startSMTP(t *testing.T, user, pass string, cert *tls.Certificate) (string, chan smtpMail) {
	t.Helper()
	be := &smtpBackend{user: user, pass: pass, mails: make(chan smtpMail, 100)}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = cert == nil
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String(), be.mails
}

// noticeEnv starts a real mailboxd that sends notices to smtpAddr every
// interval, with AUTH as user and the password in a file, and sets up its
// team through c.
type noticeEnv struct {
	srv *mailboxdtest.Server
	ctx context.Context
	c   *client.Client
	tm  *mailboxdtest.Team
}

func startNoticeEnv(t *testing.T, smtpAddr, pass, interval string, extra ...string) *noticeEnv {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(pw, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(mailboxdtest.LoadEnv(),
		"LOTSE_NOTIFY_SMTP="+smtpAddr, "LOTSE_NOTIFY_FROM=lotse@example.org", "LOTSE_NOTIFY_TO=team@example.org",
		"LOTSE_NOTIFY_SMTP_USER=lotse", "LOTSE_NOTIFY_SMTP_PASSWORD_FILE="+pw, "LOTSE_NOTIFY_INTERVAL="+interval)
	e := &noticeEnv{srv: mailboxdtest.Start(t, mailboxdtest.Options{Env: append(env, extra...)})}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	e.tm = mailboxdtest.TeamAt(t, ctx, e.srv.URL, e.srv.SetupToken)
	e.ctx, e.c = ctx, e.tm.Client
	return e
}

// openCase creates a case with a real first document and returns its id.
func openCase(t *testing.T, ctx context.Context, c *client.Client, tm *mailboxdtest.Team) string {
	t.Helper()
	enquirer := mailboxdtest.NewIdentity(t)
	m := mailboxdtest.RandomMailbox()
	d := mailboxdtest.NewMessageDoc(t, m.ID, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", crypto.FromEnquirer, "Hallo, ich brauche Hilfe.")
	d.Recipient = enquirer.Recipient().String()
	ct, err := crypto.SealDocument(d, tm.Key.Recipient(), enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateMailbox(ctx, client.NewMailbox{ID: m.ID, Verifier: m.Verifier[:], Epoch: 1, Message: ct}); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// TestNoticeMail: with a case waiting, no notice goes out while a desk's
// event stream is open; once the last desk has gone one comes, over
// STARTTLS with AUTH, content-free, and then at most one per interval
// until nothing waits.
func TestNoticeMail(t *testing.T) {
	cert, caFile := selfSigned(t, t.TempDir())
	smtpAddr, mails := startSMTP(t, "lotse", "pw-of-the-relay", &cert)
	const interval = 2 * time.Second
	e := startNoticeEnv(t, smtpAddr, "pw-of-the-relay", interval.String(), "SSL_CERT_FILE="+caFile)
	srv, ctx, c, tm := e.srv, e.ctx, e.c, e.tm
	if !strings.Contains(srv.Output(), "notice=every-2s+auth") {
		t.Errorf("the start-up summary does not show the notice:\n%s", srv.Output())
	}
	sess, err := c.Login(ctx, tm.AdminID, tm.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	desk := c.WithToken(sess.Token)
	events, err := desk.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := openCase(t, ctx, c, tm)

	select {
	case m := <-mails:
		t.Fatalf("a notice while a desk's stream is open: %q", m.data)
	case <-time.After(3 * interval):
	}

	// The desk goes: its session ends and with it the stream.
	if err := desk.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	events.Close()
	var got []smtpMail
	select {
	case m := <-mails:
		got = append(got, m)
	case <-time.After(5 * interval):
		t.Fatalf("no notice with a case waiting and no desk open\n%s", srv.Log())
	}
	m := got[0]
	if !m.tls || m.from != "lotse@example.org" || len(m.to) != 1 || m.to[0] != "team@example.org" {
		t.Errorf("notice: tls %v, from %q, to %q", m.tls, m.from, m.to)
	}
	head, body, ok := bytes.Cut(m.data, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("notice without a body: %q", m.data)
	}
	if string(body) != "In Lotse warten Anfragen.\r\n\r\nThere are enquiries waiting in Lotse.\r\n" {
		t.Errorf("notice body %q", body)
	}
	var names []string
	for _, line := range strings.Split(string(head), "\r\n") {
		name, value, _ := strings.Cut(line, ": ")
		names = append(names, name)
		if (name == "From" || name == "To" || name == "Subject") && regexp.MustCompile(`[0-9]`).MatchString(value) {
			t.Errorf("header %s carries a number: %q", name, value)
		}
	}
	if strings.Join(names, " ") != "From To Subject Date MIME-Version Content-Type Content-Transfer-Encoding" {
		t.Errorf("notice headers %v", names)
	}
	if bytes.Contains(bytes.ToLower(m.data), []byte(id[:8])) {
		t.Error("the notice names the case")
	}

	// Still waiting, still no desk: more notices, at most one an interval.
	deadline := time.After(3*interval + interval/2)
collect:
	for {
		select {
		case m := <-mails:
			got = append(got, m)
		case <-deadline:
			break collect
		}
	}
	if len(got) < 2 {
		t.Errorf("%d notices in %v of waiting, want a reminder every %v", len(got), 4*interval, interval)
	}
	for i := 1; i < len(got); i++ {
		if gap := got[i].at.Sub(got[i-1].at); gap < interval-interval/5 {
			t.Errorf("notices %d and %d came %v apart, interval %v", i-1, i, gap, interval)
		}
	}

	// Answered, the case waits no more: no notice.
	sess, err = c.Login(ctx, tm.AdminID, tm.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WithToken(sess.Token).PatchCase(ctx, id, client.CasePatch{Status: "closed"}); err != nil {
		t.Fatal(err)
	}
	for len(mails) > 0 {
		<-mails // sent before the case was closed
	}
	select {
	case m := <-mails:
		if m.at.After(time.Now().Add(-interval / 2)) {
			t.Errorf("a notice after the case was closed: %q", m.data)
		}
	case <-time.After(3 * interval):
	}
	for _, secret := range []string{"pw-of-the-relay", "example.org", smtpAddr} {
		if strings.Contains(srv.Log().String(), secret) {
			t.Errorf("mailboxd's log names %q", secret)
		}
	}
}

// TestNoticeFailure: a relay that refuses the credentials gets no mail;
// mailboxd logs the failed step without an address or the password, and
// tries again an interval later.
func TestNoticeFailure(t *testing.T) {
	smtpAddr, mails := startSMTP(t, "lotse", "right", nil)
	e := startNoticeEnv(t, smtpAddr, "wrong", "1s", "LOTSE_METRICS_ADDR=127.0.0.1:0")
	srv := e.srv
	metricsURL, err := srv.Log().Wait(regexp.MustCompile(`(?m)^mailboxd: metrics on (http://127\.0\.0\.1:\d+/metrics)$`), 0, 10*time.Second, nil)
	if err != nil {
		t.Fatalf("no metrics line: %v\n%s", err, srv.Log())
	}
	openCase(t, e.ctx, e.c, e.tm)
	failed := regexp.MustCompile(`(?m)^mailboxd: notice: not sent \(auth\); next try in 1s$`)
	if _, err := srv.Log().Wait(failed, 0, 20*time.Second, nil); err != nil {
		t.Fatalf("no failure logged: %v\n%s", err, srv.Log())
	}
	if _, err := srv.Log().Wait(failed, srv.Log().Len(), 20*time.Second, nil); err != nil {
		t.Fatalf("not tried again: %v\n%s", err, srv.Log())
	}
	if len(mails) != 0 {
		t.Error("a mail went through with the wrong password")
	}
	resp, err := http.Get(metricsURL[1])
	if err != nil {
		t.Fatal(err)
	}
	scraped, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`(?m)^lotse_notice_mails_total\{result="failed"\} ([2-9]|[1-9][0-9]+)$`).Match(scraped) ||
		!regexp.MustCompile(`(?m)^lotse_notice_mails_total\{result="sent"\} 0$`).Match(scraped) {
		t.Errorf("metrics do not count the failed notices:\n%s", scraped)
	}
	for _, secret := range []string{"wrong", "example.org", smtpAddr, "127.0.0.1:" + strings.Split(smtpAddr, ":")[1]} {
		if strings.Contains(srv.Log().String(), secret) {
			t.Errorf("mailboxd's log names %q", secret)
		}
	}
}
