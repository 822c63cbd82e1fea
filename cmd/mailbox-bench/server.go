package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"lotse/internal/mailboxdtest"
)

// server is the mailboxd under test: a child process the bench started, or
// (with --addr) one it only knows the address, pid and data file of.
type server struct {
	child    *mailboxdtest.Server // nil with --addr
	db       string
	addr     string
	pid      int
	statsURL string
}

func benchEnv(setupToken string) []string {
	return append(mailboxdtest.LoadEnv(), "LOTSE_SETUP_TOKEN="+setupToken, "LOTSE_DEBUG_STATS=1")
}

var statsLine = regexp.MustCompile(`(?m)^mailboxd: debug stats on (http://127\.0\.0\.1:\d+/debug/stats)$`)

// buildMailboxd builds ./cmd/mailboxd of the module the go command sees
// from the working directory.
func buildMailboxd() (string, error) {
	bin, err := mailboxdtest.Build(mailboxdtest.BuildOptions{})
	if errors.Is(err, mailboxdtest.ErrNoModule) {
		return "", &usageError{"cannot find the lotse module to build mailboxd", "run mailbox-bench from the repository, or pass --mailboxd"}
	}
	return bin, err
}

// newServer prepares mailboxd on a data file. Its request log is read and
// dropped; lines that report an error go to stderr.
func newServer(bin, db, setupToken string, stderr io.Writer) *server {
	return &server{db: db, child: mailboxdtest.New(mailboxdtest.Options{
		Bin: bin, DB: db, Env: benchEnv(setupToken),
		Ready: []*regexp.Regexp{statsLine},
		Watch: func(line string) {
			if strings.Contains(line, "error") || strings.Contains(line, " 500 ") {
				fmt.Fprintf(stderr, "mailbox-bench: mailboxd said: %s\n", line)
			}
		},
	})}
}

// start runs mailboxd and waits for its listening and debug-stats lines.
func (s *server) start() error {
	if err := s.child.Start(); err != nil {
		return err
	}
	s.addr, s.pid = s.child.Addr, s.child.Pid
	s.statsURL = statsLine.FindStringSubmatch(s.child.Output())[1]
	return nil
}

// stop ends mailboxd with SIGTERM (a graceful stop: every acknowledged
// write is on disk), and kills it if it takes too long.
func (s *server) stop() {
	if s.child != nil {
		s.child.Stop()
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
