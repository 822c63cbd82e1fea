package e2e

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	startTimeout = 30 * time.Second
	stopTimeout  = 20 * time.Second
)

// buildMailboxd builds ./cmd/mailboxd into a temporary directory with the
// go command that runs the tests.
func buildMailboxd(t *testing.T) string {
	t.Helper()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			t.Skipf("no go command to build mailboxd: %v", err)
		}
	}
	bin := filepath.Join(t.TempDir(), "mailboxd")
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	cmd := exec.Command(goCmd, append(args, "./cmd/mailboxd")...)
	cmd.Dir = ".." // the module root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mailboxd: %v\n%s", err, out)
	}
	return bin
}

// logBuffer collects the server's output over every start.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

// server is a mailboxd subprocess that can be stopped and started again on
// the same data file and address.
type server struct {
	t    *testing.T
	bin  string
	env  []string
	addr string // 127.0.0.1:port once started
	log  logBuffer

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error

	URL        string
	SetupToken string // the token printed by the latest start, "" if none
	startedAt  int    // offset in log where the latest start's output begins
}

var (
	listeningRE  = regexp.MustCompile(`(?m)^mailboxd: listening on (127\.0\.0\.1:\d+)$`)
	setupTokenRE = regexp.MustCompile(`(?m)^mailboxd: setup token: (\S+)$`)
)

// startServer starts mailboxd on a free port of 127.0.0.1 with a fresh
// data file, and kills it at the end of the test if it still runs.
func startServer(t *testing.T, bin string, env ...string) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{
		t:    t,
		bin:  bin,
		addr: "127.0.0.1:0",
		env: append([]string{
			"LOTSE_DB=" + filepath.Join(dir, "data", "lotse.db"),
			"PATH=" + os.Getenv("PATH"),
		}, env...),
	}
	t.Cleanup(s.kill)
	s.start()
	return s
}

// start runs the binary and waits until it answers GET /api/v1/pow.
func (s *server) start() {
	t := s.t
	t.Helper()
	s.startedAt = s.log.Len()
	s.cmd = exec.Command(s.bin)
	s.cmd.Env = append(append([]string{}, s.env...), "LOTSE_ADDR="+s.addr)
	s.cmd.Stdout = &s.log
	s.cmd.Stderr = &s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start mailboxd: %v", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		err := cmd.Wait()
		s.waitErr = err
		close(exited)
	}(s.cmd, s.exited)

	deadline := time.Now().Add(startTimeout)
	for {
		out := s.output()
		if m := listeningRE.FindStringSubmatch(out); m != nil {
			s.addr = m[1]
			s.SetupToken = ""
			if m := setupTokenRE.FindStringSubmatch(out); m != nil {
				s.SetupToken = m[1]
			}
			break
		}
		select {
		case <-s.exited:
			t.Fatalf("mailboxd exited before listening: %v\n%s", s.waitErr, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailboxd does not listen after %v:\n%s", startTimeout, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.URL = "http://" + s.addr
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/pow", nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = errors.New(resp.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailboxd not ready after %v: %v\n%s", startTimeout, err, s.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// output is what the latest start wrote.
func (s *server) output() string { return s.log.String()[s.startedAt:] }

// stop sends SIGTERM and requires a clean exit.
func (s *server) stop() {
	t := s.t
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		s.kill()
		t.Fatalf("mailboxd does not stop within %v after SIGTERM:\n%s", stopTimeout, s.output())
	}
	if s.waitErr != nil {
		t.Fatalf("mailboxd after SIGTERM: %v\n%s", s.waitErr, s.output())
	}
}

// restart stops the server and starts it again on the same data file and
// address.
func (s *server) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}

func (s *server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.exited
}

// checkLog fails if the log of every start shows any of the secrets, or a
// data race when mailboxd was built with -race.
func (s *server) checkLog(t *testing.T, secrets map[string]string) {
	t.Helper()
	log := s.log.String()
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
