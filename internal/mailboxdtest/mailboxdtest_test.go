package mailboxdtest

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestLogBufferWait(t *testing.T) {
	var l LogBuffer
	l.Write([]byte("old: 1\n"))
	from := l.Len()
	re := regexp.MustCompile(`(?m)^new: (\d+)$`)
	written := make(chan struct{})
	go func() {
		defer close(written)
		time.Sleep(20 * time.Millisecond)
		l.Write([]byte("new: 4")) // half a line: it must not match yet
		time.Sleep(20 * time.Millisecond)
		l.Write([]byte("2\n"))
	}()
	m, err := l.Wait(re, from, 5*time.Second, nil)
	<-written
	if err != nil || m[1] != "42" {
		t.Fatalf("Wait = %q, %v; want the line written after the offset", m, err)
	}
	if _, err := l.Wait(regexp.MustCompile(`old`), from, 50*time.Millisecond, nil); err == nil {
		t.Error("Wait found a line before the offset")
	}
	quit := make(chan struct{})
	close(quit)
	if _, err := l.Wait(regexp.MustCompile(`never`), 0, time.Minute, quit); !errors.Is(err, errQuit) {
		t.Errorf("Wait after quit: %v, want errQuit", err)
	}
	if got := l.From(from); got != "new: 42\n" {
		t.Errorf("From(%d) = %q", from, got)
	}
}

func TestClock(t *testing.T) {
	t0 := time.Date(2027, 2, 26, 13, 47, 12, 0, time.UTC)
	c := NewClock(t0)
	if got := c.Advance(time.Hour); !got.Equal(t0.Add(time.Hour)) || !c.Now().Equal(got) {
		t.Errorf("Advance: %v, Now %v", got, c.Now())
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Errorf("Set: %v", c.Now())
	}
}

// TestServer starts mailboxd, bootstraps a team, restarts it cleanly and
// after SIGKILL on the same file and address, and finds the team still
// there.
func TestServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs mailboxd")
	}
	watched := make(chan string, 1000)
	s := Start(t, Options{Env: []string{"LOTSE_POW_DIFFICULTY=0"}, Watch: func(line string) {
		select {
		case watched <- line:
		default:
		}
	}})
	if s.SetupToken == "" || !strings.HasPrefix(s.URL, "http://127.0.0.1:") || !strings.HasSuffix(s.DB(), "lotse.db") {
		t.Fatalf("after start: token %t, URL %q, DB %q", s.SetupToken != "", s.URL, s.DB())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tm := TeamAt(t, ctx, s.URL, s.SetupToken)
	c := tm.Client
	if team, err := c.Team(ctx); err != nil || team.Epoch != 1 || team.Recipient != tm.Key.Recipient().String() {
		t.Fatalf("team after the bootstrap: %+v, %v", team, err)
	}
	if strings.Contains(s.Log().String(), tm.Session) || strings.Contains(s.Log().String(), s.SetupToken+"x") {
		t.Error("the log shows the session token")
	}

	url := s.URL
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.URL != url || s.SetupToken != "" {
		t.Errorf("after restart: URL %q (was %q), setup token printed: %t", s.URL, url, s.SetupToken != "")
	}
	if strings.Count(s.Log().String(), "mailboxd: listening on "+s.Addr) != 2 || strings.Count(s.Output(), "listening") != 1 {
		t.Errorf("log of every start, output of the latest:\n%s", s.Log())
	}
	s.Kill()
	if s.Running() {
		t.Fatal("running after Kill")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if team, err := c.Team(ctx); err != nil || team.Recipient != tm.Key.Recipient().String() {
		t.Errorf("the team after a kill and a start: %+v, %v", team, err)
	}
	var all string
	for len(watched) > 0 {
		all += <-watched + "\n"
	}
	if !strings.Contains(all, "mailboxd: stopped") || !strings.Contains(all, "POST /api/v1/counsellors 201") || strings.Contains(s.Log().String(), "stopped") {
		t.Errorf("Watch saw:\n%s\nthe log kept:\n%s", all, s.Log())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestStartFails(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs mailboxd")
	}
	s := New(Options{Bin: Binary(t), DB: t.TempDir(), Env: []string{"LOTSE_POW_DIFFICULTY=0"}})
	err := s.Start()
	if err == nil || !strings.Contains(err.Error(), "exited at start") || s.Running() {
		t.Errorf("a data file that is a directory: %v", err)
	}
}

func TestRepeatDuring(t *testing.T) {
	n := 0
	loaded := false
	err := RepeatDuring(3, func() error { n++; return nil }, func() { loaded = true })
	if err != nil || !loaded || n < 3 {
		t.Errorf("quick load: err %v, loaded %t, %d calls, want at least 3", err, loaded, n)
	}
	n = 0
	boom := errors.New("boom")
	err = RepeatDuring(3, func() error { n++; return boom }, func() { time.Sleep(10 * time.Millisecond) })
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("failing f: err %v after %d calls, want boom after 1", err, n)
	}
}

func TestParallel(t *testing.T) {
	seen := make(chan int, 4)
	boom := errors.New("boom")
	err := Parallel(4, func(i int) error {
		seen <- i
		if i == 2 {
			return boom
		}
		return nil
	})
	close(seen)
	sum := 0
	for i := range seen {
		sum += i
	}
	if !errors.Is(err, boom) || sum != 0+1+2+3 {
		t.Errorf("Parallel: %v, indexes summing to %d, want boom and 6", err, sum)
	}
}

func TestAcks(t *testing.T) {
	var a Acks
	if err := Parallel(3, func(i int) error { return a.Add("b", uint64(i+1), []byte{byte(i)}) }); err != nil {
		t.Fatal(err)
	}
	if err := a.Add("a", 1, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := a.Add("a", 1, []byte("y")); err == nil {
		t.Error("a seq acknowledged twice is accepted")
	}
	if got := strings.Join(a.Mailboxes(), ","); got != "a,b" {
		t.Errorf("Mailboxes() = %s", got)
	}
	if p := a.Check("b", map[uint64][]byte{1: {0}, 2: {1}, 3: {2}}); len(p) != 0 {
		t.Errorf("what was acknowledged: %q", p)
	}
	want := []string{"acknowledged seq 1 is missing", "seq 2 holds other bytes than acknowledged", "seq 4 was never acknowledged"}
	if p := a.Check("b", map[uint64][]byte{2: {9}, 3: {2}, 4: {3}}); strings.Join(p, "|") != strings.Join(want, "|") {
		t.Errorf("Check = %q, want %q", p, want)
	}
}
