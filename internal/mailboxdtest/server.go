package mailboxdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// StartTimeout bounds a start: a -race build on a loaded machine is slow.
	StartTimeout = 30 * time.Second
	// StopTimeout is how long Stop waits after SIGTERM before it kills.
	StopTimeout = 20 * time.Second
)

// The lines of mailboxd's start-up output that the harness reads.
var (
	ListeningLine  = regexp.MustCompile(`(?m)^mailboxd: listening on (127\.0\.0\.1:\d+)$`)
	SetupTokenLine = regexp.MustCompile(`(?m)^mailboxd: setup token: (\S+)$`)
)

// Options say how to run mailboxd.
type Options struct {
	Bin string // the binary, from Build
	DB  string // the data file (LOTSE_DB); Env may override it
	// Env is added to the environment, KEY=VALUE; a later entry wins, so
	// it may override LOTSE_ADDR and LOTSE_DB. Nothing else of the test's
	// environment but PATH reaches the server.
	Env  []string
	Args []string
	// Ready are lines, besides the listening line, that a start waits for.
	Ready []*regexp.Regexp
	// Watch, if set, receives every whole line the server writes once it
	// is ready, and the log keeps only the start-up lines: a load run's
	// request log would otherwise grow without bound.
	Watch func(line string)
}

// Server is a mailboxd child process that can be stopped, killed and
// started again on the same data file and address.
type Server struct {
	o   Options
	log LogBuffer
	out sink

	cmd       *exec.Cmd
	exited    chan struct{}
	waitErr   error
	startedAt int // offset in the log where the latest start's output begins

	Addr       string // 127.0.0.1:port once started
	URL        string // http://Addr
	SetupToken string // printed by the latest start, "" if none
	Pid        int
}

// New prepares a server; Start runs it.
func New(o Options) *Server {
	s := &Server{o: o}
	s.out.s = s
	return s
}

// Start runs the binary and waits until it listens, has written the Ready
// lines and answers GET /api/v1/pow. After a Stop or Kill it starts again
// on the same address.
func (s *Server) Start() error {
	if s.Running() {
		return errors.New("mailboxd: already running")
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "LOTSE_ADDR=127.0.0.1:0"}
	if s.o.DB != "" {
		env = append(env, "LOTSE_DB="+s.o.DB)
	}
	env = append(env, s.o.Env...)
	if s.Addr != "" {
		env = append(env, "LOTSE_ADDR="+s.Addr)
	}
	s.startedAt = s.log.Len()
	s.out.watching(false)
	s.cmd = exec.Command(s.o.Bin, s.o.Args...)
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start mailboxd: %v", err)
	}
	s.Pid = s.cmd.Process.Pid
	exited := make(chan struct{})
	s.exited = exited
	go func(cmd *exec.Cmd) {
		err := cmd.Wait()
		s.waitErr = err
		close(exited)
	}(s.cmd)

	deadline := time.Now().Add(StartTimeout)
	fail := func(err error) error {
		s.Kill()
		if errors.Is(err, errQuit) {
			return fmt.Errorf("mailboxd exited at start: %v\n%s", s.waitErr, s.Output())
		}
		return fmt.Errorf("mailboxd does not start: %v\n%s", err, s.Output())
	}
	m, err := s.log.Wait(ListeningLine, s.startedAt, StartTimeout, exited)
	if err != nil {
		return fail(err)
	}
	s.Addr, s.URL = m[1], "http://"+m[1]
	s.SetupToken = ""
	if m := SetupTokenLine.FindStringSubmatch(s.Output()); m != nil {
		s.SetupToken = m[1]
	}
	for _, re := range s.o.Ready {
		if _, err := s.log.Wait(re, s.startedAt, time.Until(deadline), exited); err != nil {
			return fail(err)
		}
	}
	if err := s.probe(deadline); err != nil {
		return fail(err)
	}
	if s.o.Watch != nil {
		s.out.watching(true)
	}
	return nil
}

// probe waits until the API answers: the listening line comes just
// before the server serves.
func (s *Server) probe(deadline time.Time) error {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/pow", nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("GET /api/v1/pow: %v", err)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("GET /api/v1/pow: %w", errQuit)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Running reports whether the process runs.
func (s *Server) Running() bool {
	if s.exited == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM and waits for the exit; it kills the process after
// StopTimeout. Anything but a clean exit is an error; a server that does
// not run stops at once.
func (s *Server) Stop() error {
	if !s.Running() {
		return nil
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop mailboxd: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(StopTimeout):
		s.Kill()
		return fmt.Errorf("mailboxd does not stop within %v after SIGTERM:\n%s", StopTimeout, s.Output())
	}
	if s.waitErr != nil {
		return fmt.Errorf("mailboxd after SIGTERM: %v\n%s", s.waitErr, s.Output())
	}
	return nil
}

// Kill ends the process with SIGKILL, as a crash or power cut would, and
// waits for it.
func (s *Server) Kill() {
	if !s.Running() {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
}

// Restart stops the server cleanly and starts it again on the same data
// file and address.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.Start()
}

// Log is the output of every start.
func (s *Server) Log() *LogBuffer { return &s.log }

// Output is what the latest start wrote.
func (s *Server) Output() string { return s.log.From(s.startedAt) }

// DB is the data file the server runs on: the last LOTSE_DB it was given.
func (s *Server) DB() string {
	db := s.o.DB
	for _, e := range s.o.Env {
		if v, ok := strings.CutPrefix(e, "LOTSE_DB="); ok {
			db = v
		}
	}
	return db
}

// sink is the process's stdout and stderr: into the log, or once the
// server is ready and Options.Watch is set, line by line to Watch.
type sink struct {
	s       *Server
	mu      sync.Mutex
	watch   bool
	partial []byte
}

func (w *sink) watching(on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.watch, w.partial = on, nil
}

func (w *sink) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.watch {
		return w.s.log.Write(p)
	}
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.s.o.Watch(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > 64<<10 { // a line this long is not worth keeping whole
		w.partial = nil
	}
	return len(p), nil
}
