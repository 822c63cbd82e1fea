package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// The attack suite (issue 10): each attack runs against a real mailboxd on
// loopback, from 127.x.y.z source addresses that stand in for clients,
// bounded in count and time and scaled to CI's two cores. While it runs, a
// genuine enquirer from a fresh address opens a mailbox and the admin reads
// the cases.

// genuineDeadline is how long a genuine enquirer may take under attack.
const genuineDeadline = 90 * time.Second

// dialerFrom connects from a loopback source address.
func dialerFrom(src string) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
}

// clientFrom is an API client whose connections come from src.
func clientFrom(t *testing.T, url, src string) *client.Client {
	t.Helper()
	tr := &http.Transport{DialContext: dialerFrom(src).DialContext, MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := client.New(url, client.WithHTTPClient(&http.Client{Transport: tr, Timeout: 30 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// maxGrowth is issue 10's bound on how much mailboxd may grow under any
// attack.
const maxGrowth = 300 << 20

// procMemory is a field of a process's /proc status in bytes: VmRSS (its
// resident set now), VmHWM (the highest it reached) or RssAnon.
func procMemory(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s %q: %v", field, v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// underAttack is a mailboxd started with env and a team set up in it;
// the context bounds the whole attack. Its memory is measured from here
// to the end of the test: the peak (VmHWM) may exceed the resident set
// after the team's setup by at most maxGrowth. The server is built
// without the race detector also in a -race run, whose memory use says
// nothing about mailboxd's, so that CI checks the bound too.
func underAttack(t *testing.T, limit time.Duration, env ...string) (*server, context.Context, attackTeam) {
	t.Helper()
	needsMailboxd(t)
	bin, err := mailboxdtest.Build(mailboxdtest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv, ctx, tm := teamOn(t, &server{Server: mailboxdtest.Start(t, mailboxdtest.Options{Bin: bin, Env: env}), t: t}, limit)
	before, err := procMemory(srv.Pid, "VmRSS")
	if err != nil {
		t.Fatalf("mailboxd's memory cannot be measured: %v", err)
	}
	t.Cleanup(func() {
		peak, err := procMemory(srv.Pid, "VmHWM")
		if err != nil {
			t.Errorf("mailboxd's peak memory: %v", err)
			return
		}
		t.Logf("mailboxd's memory: %d MiB after the setup, peak %d MiB (+%d MiB)", before>>20, peak>>20, (peak-before)>>20)
		if peak-before > maxGrowth {
			t.Errorf("mailboxd grew by %d MiB under the attack, want under %d MiB", (peak-before)>>20, maxGrowth>>20)
		}
	})
	return srv, ctx, attackTeam{&faultTeam{Team: tm, enquirer: newIdentity(t)}}
}

// attackTeam is a team with a sealing key for enquirer messages.
type attackTeam struct{ *faultTeam }

// genuine is an enquirer from src opening a mailbox as the web client
// does: fetch a challenge, solve it at the difficulty announced, create;
// a 503 or 429 is retried after its Retry-After, a dropped connection
// after a second (as a person tries again after a network error), until
// genuineDeadline. It returns how long that took and how many tries were
// refused.
func (at attackTeam) genuine(t *testing.T, ctx context.Context, url, src string) (time.Duration, int) {
	t.Helper()
	c := clientFrom(t, url, src)
	start := time.Now()
	refusals := 0
	for {
		err := at.createOnce(t, ctx, c)
		if err == nil {
			return time.Since(start), refusals
		}
		var ae *client.Error
		wait := time.Second
		switch {
		case errors.As(err, &ae) && (ae.Status == 503 || ae.Status == 429):
			wait = max(ae.RetryAfter, time.Second)
		case errors.As(err, &ae) || ctx.Err() != nil:
			t.Fatalf("genuine enquirer from %s: %v", src, err)
		default:
			// Past the connection total, fasthttp answers 503 at accept
			// and closes, and a client whose request crosses that answer
			// sees a dropped connection instead.
		}
		refusals++
		if time.Since(start)+wait > genuineDeadline {
			t.Fatalf("genuine enquirer from %s still refused after %v: %v", src, time.Since(start), err)
		}
		time.Sleep(wait)
	}
}

// createOnce solves a challenge and creates a mailbox with a policy-valid
// first message.
func (at attackTeam) createOnce(t *testing.T, ctx context.Context, c *client.Client) error {
	p, err := c.Pow(ctx)
	if err != nil {
		return err
	}
	var pow *client.PowSolution
	if p.Difficulty > 0 {
		nonce, err := crypto.SolvePow(ctx, p.Challenge, p.Difficulty)
		if err != nil {
			t.Fatal(err)
		}
		pow = &client.PowSolution{Challenge: p.Challenge, Nonce: nonce}
	}
	m := mailboxdtest.RandomMailbox()
	_, err = c.CreateMailbox(ctx, client.NewMailbox{ID: m.ID, Verifier: m.Verifier[:], Epoch: 1, Message: at.seal(t, true, 100), Pow: pow})
	return err
}

// adminReads requires the admin to list the cases.
func (at attackTeam) adminReads(t *testing.T, ctx context.Context) int {
	t.Helper()
	cases, err := at.Admin.Cases(ctx, "")
	if err != nil {
		t.Fatalf("the admin cannot read the cases: %v", err)
	}
	return len(cases)
}

// attackSource is the i-th attacking address, in 127.10.0.0/16, away
// from the genuine enquirer's and the admin's addresses.
func attackSource(i int) string {
	return fmt.Sprintf("127.10.%d.%d", i/250, i%250+1)
}
