package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// server is the mailboxd under test: a child process the bench started, or
// (with --addr) one it only knows the address, pid and data file of.
type server struct {
	bin, db  string
	env      []string
	stderr   io.Writer
	cmd      *exec.Cmd
	exited   chan struct{}
	addr     string
	pid      int
	statsURL string
}

// benchLimitEnv configures mailboxd's limits for a run: the clients all come
// from 127.0.0.1 and each writes thousands of messages to its mailboxes, so
// the per-address, per-mailbox and server-wide limits are switched off or
// raised, and the proof of work is off. Storage and HTTP work are unchanged.
func benchLimitEnv() []string {
	return []string{
		"LOTSE_POW_DIFFICULTY=0",
		"LOTSE_CREATE_LIMIT=off",
		"LOTSE_ENQUIRER_LIMIT=off",
		"LOTSE_POST_LIMIT=off",
		"LOTSE_MAILBOXES_PER_HOUR=off",
		"LOTSE_MAILBOX_PER_HOUR=1000000000",
		"LOTSE_MAILBOX_MAX_MESSAGES=2147483647",
		"LOTSE_MAILBOX_MAX_BYTES=1099511627776",
	}
}

func benchEnv(setupToken string) []string {
	return append(benchLimitEnv(),
		"LOTSE_ADDR=127.0.0.1:0",
		"LOTSE_SETUP_TOKEN="+setupToken,
		"LOTSE_DEBUG_STATS=1",
		"PATH="+os.Getenv("PATH"),
	)
}

var (
	listeningRE = regexp.MustCompile(`^mailboxd: listening on (127\.0\.0\.1:\d+)$`)
	statsRE     = regexp.MustCompile(`^mailboxd: debug stats on (http://127\.0\.0\.1:\d+/debug/stats)$`)
)

// buildMailboxd builds ./cmd/mailboxd of the module the go command sees
// from the working directory.
func buildMailboxd(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", &usageError{"cannot find the lotse module to build mailboxd", "run mailbox-bench from the repository, or pass --mailboxd"}
	}
	bin := filepath.Join(dir, "mailboxd")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/mailboxd")
	cmd.Dir = filepath.Dir(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mailboxd: %v\n%s", err, out)
	}
	return bin, nil
}

// start runs mailboxd and waits for its listening and debug-stats lines.
// Its request log is read and dropped.
func (s *server) start(ctx context.Context) error {
	s.cmd = exec.Command(s.bin, "--db", s.db)
	s.cmd.Env = s.env
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		return err
	}
	s.cmd.Stdout = nil
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start mailboxd: %v", err)
	}
	s.pid = s.cmd.Process.Pid
	s.exited = make(chan struct{})
	ready := make(chan struct{})
	var lines []string
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			if seen {
				if strings.Contains(line, "error") || strings.Contains(line, " 500 ") {
					fmt.Fprintf(s.stderr, "mailbox-bench: mailboxd said: %s\n", line)
				}
				continue
			}
			lines = append(lines, line)
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				s.addr = m[1]
			}
			if m := statsRE.FindStringSubmatch(line); m != nil {
				s.statsURL = m[1]
			}
			if s.addr != "" && s.statsURL != "" {
				seen = true
				close(ready)
			}
		}
		io.Copy(io.Discard, pipe)
	}()
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	select {
	case <-ready:
		return nil
	case <-s.exited:
		return fmt.Errorf("mailboxd exited at start:\n%s", strings.Join(lines, "\n"))
	case <-time.After(30 * time.Second):
		s.stop()
		return fmt.Errorf("mailboxd did not start within 30 s")
	case <-ctx.Done():
		s.stop()
		return ctx.Err()
	}
}

// stop ends mailboxd with SIGTERM (a graceful stop: every acknowledged
// write is on disk), and kills it if it takes longer than 30 s.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.addr, s.statsURL = "", ""
}

// stats reads the store's commit counters from LOTSE_DEBUG_STATS.
func (s *server) stats() (commits, writes uint64, err error) {
	if s.statsURL == "" {
		return 0, 0, fmt.Errorf("no stats URL")
	}
	resp, err := http.Get(s.statsURL)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var v struct{ Commits, Writes uint64 }
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&v); err != nil {
		return 0, 0, err
	}
	return v.Commits, v.Writes, nil
}
