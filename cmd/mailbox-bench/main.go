// Command mailbox-bench measures a real mailboxd on loopback: durable
// message submissions per second and their latency at 1, 16, 64 and 256
// concurrent clients sending real-size age ciphertexts, the server's memory
// (RSS), the bytes on disk per message, the commits per second, and the
// disk's raw fdatasync rate, measured in the same run for comparison.
//
// By default it builds ./cmd/mailboxd, starts it on 127.0.0.1 with a fresh
// data file in a temporary directory, sets up a team through api/client and
// removes everything when it ends. With --addr it measures a mailboxd that
// already runs on a loopback address instead. It never talks to anything
// but loopback, and every run is bounded by --duration per step.
//
//	mailbox-bench [--duration 10s] [--clients 1,16,64,256] [--json] [--fill 1000000]
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, errHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mailbox-bench: error: %v\n", err)
		var h interface{ Hint() string }
		if errors.As(err, &h) && h.Hint() != "" {
			fmt.Fprintf(os.Stderr, "mailbox-bench: hint: %s\n", h.Hint())
		}
		os.Exit(1)
	}
}
