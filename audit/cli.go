package audit

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

const usage = `usage: mailbox-audit <command> [flags] <argument>

  check [--json] [--identity KEY] SNAPSHOT
      Check every bucket, key and value of a data file (a backup, or a
      stopped server's file) against the allow-list and the ciphertext
      policy of PROTOCOL.md §5. With --identity, SNAPSHOT is one of
      mailboxd's encrypted scheduled backups, decrypted with the age
      identity in the file KEY into a temporary file removed afterwards.
  scan [--json] [--raw] [--identity KEY] --canary FILE SNAPSHOT
      Search every byte of the file, free pages included, for each line of
      FILE as UTF-8, UTF-16, JSON, hex and base64. --raw scans a file that
      is not a data file (a log).
  web [--json] [--timeout 30s] --expect SHA256SUMS URL
      Fetch every file SHA256SUMS lists from URL and compare its hash.

Flags come before the argument. The exit status is 0 when the check
passes, 1 when it finds a problem or cannot run.
`

// cliError is an error with an optional next step for the person.
type cliError struct {
	msg, hint string
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Hint() string  { return e.hint }

var errHelp = errors.New("help requested")

// Run runs mailbox-audit with args (without the program name) and returns
// the exit status: 0 pass, 1 a problem found or an error.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout)
	switch {
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errFailed):
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "mailbox-audit: error: %v\n", err)
		var h interface{ Hint() string }
		if errors.As(err, &h) && h.Hint() != "" {
			fmt.Fprintf(stderr, "mailbox-audit: hint: %s\n", h.Hint())
		}
		return 1
	}
	return 0
}

// errFailed: the report is printed and says what failed.
var errFailed = errors.New("check failed")

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return &cliError{msg: "no command", hint: "run mailbox-audit -h for the commands"}
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "-h", "-help", "--help", "help":
		io.WriteString(stdout, usage)
		return errHelp
	}
	fs := flag.NewFlagSet("mailbox-audit "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print a JSON report")
	var canaryFile, sumsFile, identity *string
	var raw *bool
	var timeout *time.Duration
	switch cmd {
	case "check":
		identity = fs.String("identity", "", "age identity `file` that decrypts a scheduled backup")
	case "scan":
		identity = fs.String("identity", "", "age identity `file` that decrypts a scheduled backup")
		canaryFile = fs.String("canary", "", "`file` of canaries, one a line")
		raw = fs.Bool("raw", false, "scan a file that is not a data file")
	case "web":
		sumsFile = fs.String("expect", "", "SHA256SUMS `file` of the published web client")
		timeout = fs.Duration("timeout", 30*time.Second, "time limit per file")
	default:
		return &cliError{msg: fmt.Sprintf("unknown command %q", cmd), hint: "the commands are check, scan and web; run mailbox-audit -h"}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(stdout, usage)
			return errHelp
		}
		return &cliError{msg: fmt.Sprintf("%s: %v", cmd, err), hint: "run mailbox-audit -h for the flags"}
	}
	what := map[string]string{"check": "SNAPSHOT", "scan": "SNAPSHOT", "web": "URL"}[cmd]
	switch {
	case fs.NArg() == 0:
		return &cliError{msg: fmt.Sprintf("%s: no %s given", cmd, what), hint: "run mailbox-audit -h"}
	case fs.NArg() > 1:
		for _, a := range fs.Args()[1:] {
			if strings.HasPrefix(a, "-") {
				return &cliError{msg: fmt.Sprintf("%s: flag %s after the %s", cmd, a, what),
					hint: fmt.Sprintf("flags go before it: mailbox-audit %s %s %s", cmd, a, what)}
			}
		}
		return &cliError{msg: fmt.Sprintf("%s: one %s only, got %d arguments", cmd, what, fs.NArg()), hint: "run mailbox-audit -h"}
	}
	target := fs.Arg(0)
	decrypted := ""
	if identity != nil && *identity != "" {
		ids, err := readFile(*identity, ParseIdentities)
		if err != nil {
			return &cliError{msg: fmt.Sprintf("%s: identity: %v", cmd, err)}
		}
		plain, err := DecryptBackup(target, ids, "")
		if err != nil {
			return &cliError{msg: fmt.Sprintf("%s: %v", cmd, err), hint: "give the backup key whose recipient is in mailboxd's LOTSE_BACKUP_RECIPIENTS_FILE"}
		}
		defer os.Remove(plain)
		decrypted, target = target+" (decrypted with --identity)", plain
	}

	var rep interface {
		print(io.Writer)
		ok() bool
	}
	switch cmd {
	case "check":
		r, err := Check(target)
		if err != nil {
			return err
		}
		if decrypted != "" {
			r.File.Path = decrypted
		}
		rep = r
	case "scan":
		if *canaryFile == "" {
			return &cliError{msg: "scan: no canary file", hint: "give one with --canary FILE, one canary a line, before the file to scan"}
		}
		canaries, err := readFile(*canaryFile, ReadCanaries)
		if err != nil {
			return err
		}
		r, err := Scan(target, canaries, *raw)
		if err != nil {
			return err
		}
		if decrypted != "" {
			r.File.Path = decrypted
		}
		r.canaryFile = *canaryFile
		rep = r
	case "web":
		if *sumsFile == "" {
			return &cliError{msg: "web: no hash list", hint: "give the published SHA256SUMS with --expect FILE, before the URL"}
		}
		if *timeout <= 0 {
			return &cliError{msg: "web: --timeout must be positive"}
		}
		sums, err := readFile(*sumsFile, ReadSums)
		if err != nil {
			return err
		}
		r, err := Web(ctx, target, sums, *timeout)
		if err != nil {
			return err
		}
		rep = r
	}
	if *asJSON {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		stdout.Write(append(b, '\n'))
	} else {
		rep.print(stdout)
	}
	if !rep.ok() {
		return errFailed
	}
	return nil
}

func (h header) ok() bool { return h.OK }

func readFile[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return zero, fmt.Errorf("%s: %v", path, err)
	}
	return v, nil
}
