package mailboxdtest

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"
)

// LogBuffer collects a server's output; it is safe for the goroutines that
// write it and the test that reads it.
type LogBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Len is the number of bytes written so far: an offset for From and Wait.
func (l *LogBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

// From is what was written from offset on.
func (l *LogBuffer) From(offset int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b.Bytes()[min(offset, l.b.Len()):])
}

// errQuit is what Wait returns when quit is closed before the line comes.
var errQuit = errors.New("the writer ended")

// Wait waits until the output from offset on matches re and returns the
// submatches. It gives up after timeout, or when quit (if not nil) is
// closed, for instance because the process exited.
func (l *LogBuffer) Wait(re *regexp.Regexp, offset int, timeout time.Duration, quit <-chan struct{}) ([]string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		m := submatches(re, completeLines(l.b.Bytes()[min(offset, l.b.Len()):]))
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed := l.changed
		l.mu.Unlock()
		if m != nil {
			return m, nil
		}
		select {
		case <-changed:
		case <-quit:
			// The writer ended: its last line is complete even without a
			// newline, and may have come just before the end.
			if m := submatches(re, []byte(l.From(offset))); m != nil {
				return m, nil
			}
			return nil, fmt.Errorf("no line matching %q: %w", re, errQuit)
		case <-deadline.C:
			return nil, fmt.Errorf("no line matching %q within %v", re, timeout)
		}
	}
}

// submatches is re's first match in b as strings, or nil.
func submatches(re *regexp.Regexp, b []byte) []string {
	m := re.FindSubmatch(b)
	if m == nil {
		return nil
	}
	out := make([]string, len(m))
	for i, s := range m {
		out[i] = string(s)
	}
	return out
}

// completeLines cuts b after its last newline: a line still being written
// (a process writes a log line in more than one call) must not match.
func completeLines(b []byte) []byte {
	return b[:bytes.LastIndexByte(b, '\n')+1]
}
