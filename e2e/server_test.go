package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"lotse/internal/mailboxdtest"
)

// TestMain removes the mailboxd binary the tests built.
func TestMain(m *testing.M) { os.Exit(mailboxdtest.Main(m)) }

// server is a mailboxd subprocess (built with -race in a -race run) whose
// stop, start and restart fail the test.
type server struct {
	*mailboxdtest.Server
	t *testing.T
}

// needsMailboxd skips a test in -short mode: every test that builds and
// runs mailboxd, which startServer does for most of them.
func needsMailboxd(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs mailboxd")
	}
}

// startServer starts mailboxd on a free port of 127.0.0.1 with a fresh
// data file (env may name another), and kills it at the end of the test
// if it still runs.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	needsMailboxd(t)
	return &server{Server: mailboxdtest.Start(t, mailboxdtest.Options{Env: env}), t: t}
}

// startTeam is a mailboxd started with env and a team set up in it; the
// context, cancelled when the test ends, bounds the whole test.
func startTeam(t *testing.T, limit time.Duration, env ...string) (*server, context.Context, *mailboxdtest.Team) {
	t.Helper()
	return teamOn(t, startServer(t, env...), limit)
}

// teamOn sets up a team in srv, within a context that limit bounds and
// the test's end cancels.
func teamOn(t *testing.T, srv *server, limit time.Duration) (*server, context.Context, *mailboxdtest.Team) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return srv, ctx, newTeam(t, ctx, srv)
}

// startFaultTeam is startTeam with a faultTeam (faults_helpers_test.go).
func startFaultTeam(t *testing.T, limit time.Duration, env ...string) (*server, context.Context, *faultTeam) {
	t.Helper()
	srv, ctx, tm := startTeam(t, limit, env...)
	return srv, ctx, &faultTeam{Team: tm, enquirer: newIdentity(t)}
}

// newTeam bootstraps a team with the setup token the server printed.
func newTeam(t *testing.T, ctx context.Context, srv *server) *mailboxdtest.Team {
	t.Helper()
	return mailboxdtest.TeamAt(t, ctx, srv.URL, srv.SetupToken)
}

// stop sends SIGTERM and requires a clean exit.
func (s *server) stop() {
	s.t.Helper()
	if err := s.Stop(); err != nil {
		s.t.Fatal(err)
	}
}

// start starts it again after a stop or a kill, on the same data file and
// address.
func (s *server) start() {
	s.t.Helper()
	if err := s.Start(); err != nil {
		s.t.Fatal(err)
	}
}

func (s *server) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}

// checkLog fails if the log of every start shows any of the secrets, or a
// data race when mailboxd was built with -race.
func (s *server) checkLog(t *testing.T, secrets map[string]string) {
	t.Helper()
	log := s.Log().String()
	if strings.Contains(log, "DATA RACE") {
		t.Error("mailboxd reports a data race")
	}
	for name, v := range secrets {
		if v != "" && strings.Contains(log, v) {
			t.Errorf("the server log shows the %s", name)
		}
	}
	if t.Failed() {
		t.Logf("server log:\n%s", log)
	}
}
