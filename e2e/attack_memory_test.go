package e2e

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Attack 1: connections that announce a body and never send it. Before
// streaming, fasthttp reserved the announced length per connection: 3,000
// of them grew mailboxd by about 3 GB. Now a body's memory follows the
// bytes that arrive, so the growth stays under 300 MB (the bound,
// which underAttack checks; about 16 KiB a connection is what remains), a
// genuine enquirer from a fresh address gets through and the admin reads
// the cases. The numbers are logged; memory is asserted, never time. LOTSE_ATTACK_SOURCES
// sets the number of addresses (default 60, 40 connections each) for a
// run at the scale.
func TestAttackBodilessContentLength(t *testing.T) {
	const perSrc = 40 // connections from each address, within the per-address cap of 64
	sources := 60
	if v, err := strconv.Atoi(os.Getenv("LOTSE_ATTACK_SOURCES")); err == nil && v > 0 && v <= 200 {
		sources = v
	}
	srv, ctx, at := underAttack(t, 3*time.Minute, "LOTSE_POW_DIFFICULTY=4")

	routes := []string{
		"PUT /api/v1/keyring", // the largest body, 1 MiB
		"POST /api/v1/mailboxes",
		"POST /api/v1/mailbox/messages",
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		fails int
	)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var wg sync.WaitGroup
	for s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := dialerFrom(attackSource(s))
			for i := range perSrc {
				c, err := d.Dial("tcp", srv.Addr)
				if err != nil {
					mu.Lock()
					fails++
					mu.Unlock()
					continue
				}
				route := routes[i%len(routes)]
				length := 1 << 20
				if !strings.HasPrefix(route, "PUT") {
					length = 128 << 10
				}
				method, path, _ := strings.Cut(route, " ")
				fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: lotse\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", method, path, length)
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	time.Sleep(time.Second) // let the server read every header

	took, refusals := at.genuine(t, ctx, srv.URL, "127.0.99.1")
	cases := at.adminReads(t, ctx)
	t.Logf("%d bodiless connections (%d failed to connect); genuine enquirer in %v after %d refusals; admin sees %d cases",
		len(conns), fails, took.Round(time.Millisecond), refusals, cases)
	if len(conns) < sources*perSrc*9/10 {
		t.Errorf("only %d of %d attacking connections opened", len(conns), sources*perSrc)
	}
	if cases < 1 {
		t.Errorf("the admin sees %d cases, want the genuine one", cases)
	}
	srv.checkLog(t, nil)
}

// The per-address cap: one address cannot hold more than its share of
// connections, and the others are not affected.
func TestAttackConnectionsFromOneAddress(t *testing.T) {
	srv, ctx, at := underAttack(t, 2*time.Minute, "LOTSE_POW_DIFFICULTY=4", "LOTSE_CONNS_PER_ADDRESS=20")
	d := dialerFrom(attackSource(0))
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	open := 0
	for range 200 {
		c, err := d.Dial("tcp", srv.Addr)
		if err != nil {
			continue
		}
		held = append(held, c)
		fmt.Fprintf(c, "POST /api/v1/mailboxes HTTP/1.1\r\nHost: lotse\r\nContent-Length: 100000\r\n\r\n")
	}
	time.Sleep(500 * time.Millisecond)
	for _, c := range held {
		// A connection closed at accept reads EOF at once; a held one
		// times out.
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		var b [1]byte
		if _, err := c.Read(b[:]); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				open++
			}
		}
	}
	took, _ := at.genuine(t, ctx, srv.URL, "127.0.99.2")
	t.Logf("one address opened 200 connections, %d held open; a genuine enquirer got through in %v", open, took.Round(time.Millisecond))
	if open > 20 {
		t.Errorf("one address holds %d connections, cap 20", open)
	}
	at.adminReads(t, ctx)
}
