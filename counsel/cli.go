package counsel

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// IO is the outside world of one command.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Terminal reports whether Stdin is a terminal; only then does counsel
	// prompt. StdinFd is its descriptor for reading a passphrase without
	// echo.
	Terminal bool
	StdinFd  int
	// Lang is "de" or "en" for prompts, output for people and hints.
	Lang string
}

// StdIO is the process's standard streams.
func StdIO() IO {
	fd := int(os.Stdin.Fd())
	return IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Terminal: term.IsTerminal(fd), StdinFd: fd, Lang: cliLang(os.Getenv)}
}

const usage = `counsel is the counsellor's desktop of Lotse.

Usage: counsel COMMAND [flags] [arguments]   (flags before arguments)

Team:
  init     --server URL --setup TOKEN --name NAME   set up the team as its first admin
  join     --server URL --invite CODE --name NAME [--team-fingerprint FP]
  invite   [--admin]                 create an invite (admins)
  approve  [--fingerprint FP] ID     add a pending counsellor after comparing fingerprints (admins)
  remove   [--yes] ID                remove a counsellor: new team key (admins)
  roster                             list the counsellors with their fingerprints
  fingerprint                        show your fingerprint and the team's

Cases:
  cases    [--status new|open|closed]
  read     ID
  reply    [--lang de] ID            text from standard input, or $EDITOR on a terminal
  close ID, reopen ID, delete [--yes] ID
  assign   ID COUNSELLOR | assign --none ID

Other:
  desk     [--no-browser]            open the desk in the browser
  backup   FILE                      write a backup of the server's data (admins)
  compact                            compact the server's data file now (admins)

Flags of every command: --config DIR (default: the user's config directory),
--passphrase-file F (instead of a prompt), --json (one JSON object on standard output).
`

// commandHelp says more about a command in its -h, where a command needs
// it.
var commandHelp = map[string]string{
	"init": "Sets up the team as its first admin: registers you with the setup token,\n" +
		"makes the epoch-1 team key and puts the team's first keyring.\n" +
		"If init stopped after registering (e.g. the connection dropped), run the\n" +
		"same command again with the same --config and passphrase: it logs in and\n" +
		"puts the keyring, without registering again.",
}

// Main runs counsel with args (without the program name) and returns the
// exit status: 0, 1 for an error, 3 for an alarm.
func Main(args []string, stdio IO, opts Options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, args, stdio, opts)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var a *AlarmError
	if errors.As(err, &a) {
		fmt.Fprintf(stdio.Stderr, "counsel: %s\n", localize(stdio.Lang, a))
		fmt.Fprintf(stdio.Stderr, "counsel: ALARM: %s\n", tr(stdio.Lang, AlarmAdvice))
		return 3
	}
	fmt.Fprintf(stdio.Stderr, "counsel: error: %s\n", localize(stdio.Lang, err))
	if h := localHint(stdio.Lang, err); h != "" {
		fmt.Fprintf(stdio.Stderr, "counsel: hint: %s\n", h)
	}
	return 1
}

// cmd is one invocation: its flags and what they set.
type cmd struct {
	name    string
	fs      *flag.FlagSet
	io      IO
	opts    Options
	dir     *string
	passF   *string
	jsonOut *bool
}

func newCmd(name string, stdio IO, opts Options) *cmd {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdio.Stderr)
	c := &cmd{name: name, fs: fs, io: stdio, opts: opts}
	c.dir = fs.String("config", "", "config directory (default: the user's config directory + /lotse-counsel)")
	c.passF = fs.String("passphrase-file", "", "read the passphrase from this file instead of asking")
	c.jsonOut = fs.Bool("json", false, "print one JSON object")
	return c
}

// parse parses the flags, then takes the positional arguments that
// positional names once the flags are known.
func (c *cmd) parse(args []string, positional func() []string) ([]string, error) {
	if positional == nil {
		positional = fixed()
	}
	posNames := func() string { return strings.Join(positional(), " ") }
	// The flag package's own messages are English; counsel prints the
	// usage and the error itself, in the desk's language.
	c.fs.SetOutput(io.Discard)
	c.fs.Usage = func() {
		fmt.Fprintf(c.io.Stderr, c.tr("usage: counsel %s [flags] %s\n"), c.name, posNames())
		if about, ok := commandHelp[c.name]; ok {
			fmt.Fprintf(c.io.Stderr, "\n%s\n", c.tr(about))
		}
		c.fs.VisitAll(func(f *flag.Flag) {
			typ, text := flag.UnquoteUsage(f)
			fmt.Fprintf(c.io.Stderr, "  -%s %s\n    \t%s\n", f.Name, typ, c.tr(text))
		})
	}
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, withHintf(flagError(err), "counsel %s -h shows the flags; flags come before arguments", c.name)
	}
	rest := c.fs.Args()
	positionalNames := positional()
	pos := strings.Join(positionalNames, " ")
	// The flag package stops at the first argument; a flag of this
	// command after it is a mistake, not an argument.
	for _, a := range rest {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && c.fs.Lookup(name) != nil {
			return nil, withHintf(errorf("flag %s after the arguments", a), "put flags before arguments: counsel %s [flags] %s", c.name, pos)
		}
	}
	if len(rest) != len(positionalNames) {
		for _, a := range rest {
			if strings.HasPrefix(a, "-") {
				return nil, withHintf(errorf("flag %s after the arguments", a), "put flags before arguments: counsel %s [flags] %s", c.name, pos)
			}
		}
		return nil, withHintf(errorf("%s takes %d argument(s), got %d", c.name, len(positionalNames), len(rest)),
			"usage: counsel %s [flags] %s", c.name, pos)
	}
	return rest, nil
}

// flagError turns the flag package's errors into ones counsel can say in
// German; the flag's name and value stay as typed.
func flagError(err error) error {
	m := err.Error()
	if f, ok := strings.CutPrefix(m, "flag provided but not defined: "); ok {
		return errorf("flag provided but not defined: %s", f)
	}
	if f, ok := strings.CutPrefix(m, "flag needs an argument: "); ok {
		return errorf("flag needs an argument: %s", f)
	}
	if f, ok := strings.CutPrefix(m, "bad flag syntax: "); ok {
		return errorf("bad flag syntax: %s", f)
	}
	if rest, ok := strings.CutPrefix(m, "invalid value "); ok {
		return errorf("invalid value %s", rest)
	}
	if rest, ok := strings.CutPrefix(m, "invalid boolean value "); ok {
		return errorf("invalid boolean value %s", rest)
	}
	return err
}

func (c *cmd) configDir() (string, error) {
	if *c.dir != "" {
		return *c.dir, nil
	}
	return DefaultDir()
}

// passphrase reads the passphrase from --passphrase-file or, on a
// terminal, without echo; twice when it is a new one.
func (c *cmd) passphrase(isNew bool) ([]byte, error) {
	if *c.passF != "" {
		b, err := readBounded(*c.passF, maxPassphrase+2)
		if err != nil {
			return nil, withHint(errorf("read the passphrase file: %v", err), "the file holds the passphrase on its first line")
		}
		line, _, _ := strings.Cut(string(b), "\n")
		clear(b)
		return []byte(strings.TrimSuffix(line, "\r")), nil
	}
	if !c.io.Terminal {
		return nil, withHint(errorf("no passphrase: standard input is not a terminal"), "pass --passphrase-file F")
	}
	prompt := "Passphrase: "
	if isNew {
		prompt = "New passphrase (at least 10 characters): "
	}
	fmt.Fprint(c.io.Stderr, c.tr(prompt))
	p, err := term.ReadPassword(c.io.StdinFd)
	fmt.Fprintln(c.io.Stderr)
	if err != nil {
		return nil, errorf("read the passphrase: %v", err)
	}
	if isNew {
		if err := checkNewPassphrase(p); err != nil {
			return nil, err
		}
		fmt.Fprint(c.io.Stderr, c.tr("The same passphrase again: "))
		again, err := term.ReadPassword(c.io.StdinFd)
		fmt.Fprintln(c.io.Stderr)
		if err != nil {
			return nil, errorf("read the passphrase: %v", err)
		}
		same := string(again) == string(p)
		clear(again)
		if !same {
			clear(p)
			return nil, withHint(errorf("the two passphrases differ"), "run the command again")
		}
	}
	return p, nil
}

// confirm asks a yes/no question on a terminal; without one it fails
// with the hint.
func (c *cmd) confirm(question, hint string) error {
	if !c.io.Terminal {
		return withHint(errorf("not confirmed: standard input is not a terminal"), hint)
	}
	fmt.Fprintf(c.io.Stderr, "%s %s", c.tr(question), c.tr("[y/N] "))
	line, _ := bufio.NewReader(c.io.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes", "j", "ja":
		return nil
	}
	return errorf("not confirmed")
}

// ask reads one line on a terminal.
func (c *cmd) ask(question, hint string) (string, error) {
	if !c.io.Terminal {
		return "", withHint(errorf("standard input is not a terminal"), hint)
	}
	fmt.Fprint(c.io.Stderr, question)
	line, err := bufio.NewReader(c.io.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errorf("read the answer: %v", err)
	}
	return strings.TrimSpace(line), nil
}

// unlock loads the config, asks for the passphrase, logs in and verifies
// the keyring (a pending counsellor has none to verify when allowPending).
func (c *cmd) unlock(ctx context.Context, allowPending bool) (*Session, error) {
	dir, err := c.configDir()
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	p, err := c.passphrase(false)
	if err != nil {
		return nil, err
	}
	s, err := Unlock(ctx, cfg, p)
	clear(p)
	if err != nil {
		return nil, err
	}
	if allowPending && s.Me().State == "pending" {
		return s, nil
	}
	if err := s.Verify(ctx); err != nil {
		s.Wipe()
		return nil, err
	}
	return s, nil
}

func (c *cmd) printJSON(v any) error {
	enc := json.NewEncoder(c.io.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (c *cmd) printf(format string, a ...any) { fmt.Fprintf(c.io.Stdout, c.tr(format), a...) }

func (c *cmd) eprintf(format string, a ...any) { fmt.Fprintf(c.io.Stderr, c.tr(format), a...) }

func (c *cmd) tr(s string) string { return tr(c.io.Lang, s) }

// need is what a command needs before it runs.
type need int

const (
	// noSession: the command opens what it needs itself.
	noSession need = iota
	// member: an unlocked session with a verified keyring.
	member
	// memberOrPending: as member, or a pending counsellor's session.
	memberOrPending
)

// action is one command once its flags are defined on c.fs.
type action struct {
	// args names the positional arguments, after the flags are parsed
	// (assign --none takes one fewer).
	args func() []string
	need need
	// before runs after parsing and before the passphrase: checks of the
	// arguments and questions to the person.
	before func(rest []string) error
	run    func(ctx context.Context, s *Session, rest []string) (*output, error)
}

func fixed(names ...string) func() []string { return func() []string { return names } }

// output is a command's answer: json for --json, text for people.
type output struct {
	json any
	text func(c *cmd) error
	// wipe drops decrypted text once it is printed.
	wipe func()
}

// withSession is the one path of every command: parse the flags, check
// the arguments, unlock (verifying the keyring), run, wipe, and print
// JSON or text.
func (c *cmd) withSession(ctx context.Context, a action, args []string) error {
	rest, err := c.parse(args, a.args)
	if err != nil {
		return err
	}
	if a.before != nil {
		if err := a.before(rest); err != nil {
			return err
		}
	}
	var s *Session
	if a.need != noSession {
		s, err = c.unlock(ctx, a.need == memberOrPending)
		if err != nil {
			return err
		}
		defer s.Wipe()
	}
	out, err := a.run(ctx, s, rest)
	if err != nil || out == nil {
		return err
	}
	if out.wipe != nil {
		defer out.wipe()
	}
	if *c.jsonOut {
		return c.printJSON(out.json)
	}
	if out.text != nil {
		return out.text(c)
	}
	return nil
}

func run(ctx context.Context, args []string, stdio IO, opts Options) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if stdio.Lang == "de" {
			fmt.Fprint(stdio.Stderr, usageDE)
		} else {
			fmt.Fprint(stdio.Stderr, usage)
		}
		if len(args) == 0 {
			return withHint(errorf("missing command"), "counsel help lists the commands")
		}
		return nil
	}
	name, args := args[0], args[1:]
	define, ok := commands[name]
	if !ok {
		return withHint(errorf("unknown command %q", name), "counsel help lists the commands")
	}
	c := newCmd(name, stdio, opts)
	return c.withSession(ctx, define(c), args)
}
