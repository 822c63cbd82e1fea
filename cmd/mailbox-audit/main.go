// Command mailbox-audit lets an auditor check a Lotse server: that a data
// file (a backup) holds nothing but policy-conforming age ciphertext and
// allow-listed metadata (check), that given strings appear nowhere in a
// file, free pages included (scan), and that a server serves the published
// web client (web). See package lotse/audit and mailbox-audit -h.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"lotse/audit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := audit.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
