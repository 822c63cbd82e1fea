// Command mailboxd serves the Lotse mailbox API (PROTOCOL.md §6) from one
// bbolt data file. It is configured by LOTSE_* environment variables and the
// matching flags (PROTOCOL.md §7); see mailboxd -h. "mailboxd backup-key"
// and "mailboxd restore" make the key for scheduled backups and put a
// backup back in place (restore.go, docs/DEPLOY.md).
//
// While no counsellor exists it prints a setup token, unless one is
// configured; SIGTERM or SIGINT stops it gracefully: in-flight requests
// finish, and so do their commits, before the data file is closed.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"lotse/api"
	"lotse/mailbox"
	"lotse/webclient"
)

const (
	// Every 15 minutes, so that an attachment no message referenced is
	// gone soon after its window (PROTOCOL.md §10); a turn that finds
	// nothing reads two small index ranges.
	purgeInterval   = 15 * time.Minute
	shutdownTimeout = 10 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal kills at once
	}()
	var err error
	if len(os.Args) > 1 && isBackupTool(os.Args[1]) {
		err = runBackupTool(os.Args[1], os.Args[2:], os.Getenv, os.Stdout) // restore.go
	} else {
		err = run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	}
	stop()
	if errors.Is(err, errHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mailboxd: error: %v\n", err)
		var h interface{ Hint() string }
		if errors.As(err, &h) && h.Hint() != "" {
			fmt.Fprintf(os.Stderr, "mailboxd: hint: %s\n", h.Hint())
		}
		os.Exit(1)
	}
}

// run is mailboxd: it serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	stderr = &lockedWriter{w: stderr}
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	startupReport(cfg, stderr)

	cfg.Avail.setMemoryLimit(getenv, stderr)
	store, err := mailbox.Open(mailbox.Options{Path: cfg.DB, RetentionDays: cfg.RetentionDays, Limits: cfg.Limits.Mailbox, Attachments: cfg.Limits.Attachments, Disk: cfg.Avail.Disk,
		FrontDoor: cfg.Org.Slug, FrontDoorName: cfg.Org.Name})
	if err != nil {
		return &configError{
			msg:  fmt.Sprintf("open the data file %q: %v", cfg.DB, err),
			hint: "check that the directory is writable and that no other mailboxd uses the file",
		}
	}
	mx := newOpsMetrics(cfg, store) // metrics.go; nil when off
	srv, ln, err := start(store, cfg, mx, stderr)
	if err != nil {
		return errors.Join(err, closeStore(store))
	}
	stopMetrics, err := mx.serve(cfg.MetricsAddr, stderr)
	if err != nil {
		ln.Close()
		srv.Shutdown(shutdownTimeout)
		return errors.Join(err, closeStore(store))
	}
	defer stopMetrics()

	served := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			served <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			served <- srv.Serve(ln)
		}
	}()
	if cfg.Limits.DebugStats {
		stopStats, err := serveDebugStats(store, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "mailboxd: debug stats: %v\n", err)
		} else {
			defer stopStats()
		}
	}
	purgeCtx, stopPurge := context.WithCancel(context.Background())
	purged := make(chan struct{})
	go func() {
		defer close(purged)
		purgeLoop(purgeCtx, store, purgeInterval, stderr)
	}()
	compacted := make(chan struct{})
	go func() {
		defer close(compacted)
		compactLoop(purgeCtx, store, time.Duration(cfg.CompactHours)*time.Hour, stderr)
	}()
	waitBackups := startBackups(purgeCtx, store, cfg, stderr)
	waitNotices := startNotices(purgeCtx, srv, cfg.Notice, stderr) // notify.go

	var serveErr error
	select {
	case <-ctx.Done():
		fmt.Fprintln(stderr, "mailboxd: shutting down")
	case err := <-served:
		served <- err
		serveErr = fmt.Errorf("serve: stopped unexpectedly: %v", err)
	}
	shutdownErr := srv.Shutdown(shutdownTimeout)
	if shutdownErr != nil {
		shutdownErr = fmt.Errorf("shut down the server: %v", shutdownErr)
	}
	select {
	case <-served:
	case <-time.After(shutdownTimeout):
		shutdownErr = errors.Join(shutdownErr, errors.New("shut down the server: still serving after the deadline"))
	}
	stopPurge()
	<-purged
	<-compacted
	waitBackups()
	waitNotices()
	err = errors.Join(serveErr, shutdownErr, closeStore(store))
	if err == nil {
		fmt.Fprintln(stderr, "mailboxd: stopped")
	}
	return err
}

// hstsMaxAge maps the configuration's 0 ("send none") onto api.Config's
// "< 0 off", whose zero means the default.
func hstsMaxAge(seconds int) time.Duration {
	if seconds == 0 {
		return -1
	}
	return time.Duration(seconds) * time.Second
}

// start prepares the setup token, builds the API server and listens.
func start(store *mailbox.Store, cfg *config, mx *opsMetrics, stderr io.Writer) (*api.Server, net.Listener, error) {
	if err := prepareSetup(store, cfg.SetupToken, stderr); err != nil {
		return nil, nil, err
	}
	for _, w := range directoryOrgWarnings(cfg.Content, store) { // startup.go
		fmt.Fprintf(stderr, "mailboxd: warning: %s\n", w)
	}
	acfg := api.Config{
		PowDifficulty: cfg.PowDifficulty, Log: stderr, ProxyHeader: cfg.ProxyHeader,
		Web: webclient.Files(), ExitURL: cfg.ExitURL, Content: cfg.Content,
		CreateLimit: cfg.Limits.Create, ChallengeLimit: cfg.Limits.Challenge, EnquirerLimit: cfg.Limits.Enquirer,
		PostLimit: cfg.Limits.Post, LoginFailures: cfg.Limits.LoginFailures, MailboxesPerHour: cfg.Limits.MailboxesPerHour,
		Ready: readyCheck(cfg.DB), Metrics: mx.registerer(), HSTSMaxAge: hstsMaxAge(cfg.HSTSMaxAge),
	}
	cfg.Avail.apply(&acfg)
	srv, err := api.New(store, acfg)
	if err != nil {
		return nil, nil, fmt.Errorf("start the API: %v", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, nil, &configError{
			msg:  fmt.Sprintf("listen on %s: %v", cfg.Addr, err),
			hint: "is another server using the address? choose another with --addr or LOTSE_ADDR",
		}
	}
	fmt.Fprintf(stderr, "mailboxd: listening on %s\n", ln.Addr())
	return srv, ln, nil
}

// prepareSetup stores the setup token while no counsellor exists: the
// configured one, else a fresh random one, printed (the one secret mailboxd
// ever prints, and only until it has been used).
func prepareSetup(store *mailbox.Store, configured string, stderr io.Writer) error {
	needs, err := store.NeedsSetup()
	if err != nil {
		return fmt.Errorf("read the data file: %v", err)
	}
	if !needs {
		return nil
	}
	token := configured
	if token == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("generate the setup token: %v", err)
		}
		token = base64.RawURLEncoding.EncodeToString(b)
	}
	if err := store.SetSetupToken(token); err != nil {
		return fmt.Errorf("store the setup token: %v", err)
	}
	if configured == "" {
		fmt.Fprintf(stderr, "mailboxd: setup token: %s\n", token)
	} else {
		fmt.Fprintln(stderr, "mailboxd: no counsellor yet: register the first with the configured setup token")
	}
	return nil
}

// purgeOnce deletes expired mailboxes and logs how many, or why not. A
// failed purge is tried again at the next turn rather than stopping the
// server.
func purgeOnce(store *mailbox.Store, stderr io.Writer) {
	n, err := store.Purge()
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "mailboxd: purge: %v\n", err)
	case n > 0:
		fmt.Fprintf(stderr, "mailboxd: purged %d expired mailboxes\n", n)
	}
}

// purgeLoop deletes expired mailboxes now and every interval until ctx ends.
func purgeLoop(ctx context.Context, store *mailbox.Store, interval time.Duration, stderr io.Writer) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		purgeOnce(store, stderr)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func closeStore(store *mailbox.Store) error {
	if err := store.Close(); err != nil {
		return fmt.Errorf("close the data file: %v", err)
	}
	return nil
}

// lockedWriter serialises writes from the request log and from mailboxd
// itself, so lines never interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
