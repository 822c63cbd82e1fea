package counsel

import (
	"bufio"
	"bytes"
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

	"lotse/internal/bounded"
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

// commandHelp says more about a command in its -h, where a command needs
// it.
var commandHelp = map[string]msg{
	"init": mHelpInit,
}

// Main runs counsel with args (without the program name) and returns the
// exit status: 0, 1 for an error, 3 for an alarm.
func Main(args []string, stdio IO, opts Options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stdio.Stdout, stdio.Stderr = safeWriter{stdio.Stdout}, safeWriter{stdio.Stderr}
	err := run(ctx, args, stdio, opts)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var a *AlarmError
	if errors.As(err, &a) {
		fmt.Fprintf(stdio.Stderr, "counsel: %s\n", localize(stdio.Lang, a))
		fmt.Fprintf(stdio.Stderr, "counsel: ALARM: %s\n", tr(stdio.Lang, mAlarmAdvice))
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
	c.dir = fs.String("config", "", mFlagConfig.id)
	c.passF = fs.String("passphrase-file", "", mFlagPassphraseFile.id)
	c.jsonOut = fs.Bool("json", false, mFlagJson.id)
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
		fmt.Fprintf(c.io.Stderr, c.tr(mOutUsageLine), c.name, posNames())
		if about, ok := commandHelp[c.name]; ok {
			fmt.Fprintf(c.io.Stderr, "\n%s\n", c.tr(about))
		}
		c.fs.VisitAll(func(f *flag.Flag) {
			// A flag's usage is the id of its text (see newCmd).
			typ, id := flag.UnquoteUsage(f)
			fmt.Fprintf(c.io.Stderr, "  -%s %s\n    \t%s\n", f.Name, typ, c.tr(msg{id}))
		})
	}
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, withHintf(flagError(err), mHintSeeFlags, c.name)
	}
	rest := c.fs.Args()
	positionalNames := positional()
	pos := strings.Join(positionalNames, " ")
	// The flag package stops at the first argument; a flag of this
	// command after it is a mistake, not an argument.
	for _, a := range rest {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && c.fs.Lookup(name) != nil {
			return nil, withHintf(errorf(mErrFlagAfterArguments, a), mHintFlagsFirst, c.name, pos)
		}
	}
	if len(rest) != len(positionalNames) {
		for _, a := range rest {
			if strings.HasPrefix(a, "-") {
				return nil, withHintf(errorf(mErrFlagAfterArguments, a), mHintFlagsFirst, c.name, pos)
			}
		}
		return nil, withHintf(errorf(pArgumentCount.of(len(positionalNames)), c.name, len(positionalNames), len(rest)),
			mHintUsage, c.name, pos)
	}
	return rest, nil
}

// flagError turns the flag package's errors into ones counsel can say in
// German; the flag's name and value stay as typed.
func flagError(err error) error {
	m := err.Error()
	if f, ok := strings.CutPrefix(m, "flag provided but not defined: "); ok {
		return errorf(mErrUnknownFlag, f)
	}
	if f, ok := strings.CutPrefix(m, "flag needs an argument: "); ok {
		return errorf(mErrFlagNeedsArgument, f)
	}
	if f, ok := strings.CutPrefix(m, "bad flag syntax: "); ok {
		return errorf(mErrBadFlagSyntax, f)
	}
	if rest, ok := strings.CutPrefix(m, "invalid value "); ok {
		return errorf(mErrInvalidValue, rest)
	}
	if rest, ok := strings.CutPrefix(m, "invalid boolean value "); ok {
		return errorf(mErrInvalidBooleanValue, rest)
	}
	return err
}

func (c *cmd) configDir() (string, error) {
	if *c.dir != "" {
		return *c.dir, nil
	}
	return DefaultDir()
}

// config loads the configuration that --config names or the default one.
func (c *cmd) config() (*Config, error) {
	dir, err := c.configDir()
	if err != nil {
		return nil, err
	}
	return LoadConfig(dir)
}

// passphrase reads the passphrase from --passphrase-file or, on a
// terminal, without echo; twice when it is a new one.
func (c *cmd) passphrase(isNew bool) ([]byte, error) {
	if *c.passF != "" {
		b, err := readBounded(*c.passF, maxPassphrase+2)
		if err != nil {
			return nil, withHint(errorf(mErrReadPassphraseFile, err), mHintPassphraseFileForm)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		clear(b)
		return []byte(strings.TrimSuffix(line, "\r")), nil
	}
	if !c.io.Terminal {
		return nil, withHint(errorf(mErrNoPassphrase), mHintPassPassphraseFile)
	}
	prompt := mAskPassphrase
	if isNew {
		prompt = mAskNewPassphrase
	}
	fmt.Fprint(c.io.Stderr, c.tr(prompt))
	p, err := term.ReadPassword(c.io.StdinFd)
	fmt.Fprintln(c.io.Stderr)
	if err != nil {
		return nil, errorf(mErrReadPassphrase, err)
	}
	if isNew {
		if err := checkNewPassphrase(p); err != nil {
			return nil, err
		}
		fmt.Fprint(c.io.Stderr, c.tr(mAskPassphraseAgain))
		again, err := term.ReadPassword(c.io.StdinFd)
		fmt.Fprintln(c.io.Stderr)
		if err != nil {
			return nil, errorf(mErrReadPassphrase, err)
		}
		same := string(again) == string(p)
		clear(again)
		if !same {
			clear(p)
			return nil, withHint(errorf(mErrPassphrasesDiffer), mHintRunAgain)
		}
	}
	return p, nil
}

// secretSource is where a one-time secret (the setup token, an invite)
// may come from.
type secretSource struct {
	value, file    string // the values of the two flags
	flag, fileFlag string // their names
	ask            msg    // the prompt on a terminal
	missing        msg    // the error without a terminal
}

// maxSecret bounds a secret read from a file or standard input.
const maxSecret = 4 << 10

// secret reads a one-time secret from its file ("-": standard input) or,
// on a terminal, without echo. The flag that takes the secret itself
// still works but warns: the process list shows it to every account on
// the computer for as long as counsel runs.
func (c *cmd) secret(src secretSource) (string, error) {
	if src.value != "" && src.file != "" {
		return "", errorf(mErrSecretTwice, src.flag, src.fileFlag)
	}
	if src.value != "" {
		fmt.Fprintf(c.io.Stderr, "counsel: %s\n", fmt.Sprintf(c.tr(mOutSecretOnCommandLine), src.flag, src.fileFlag))
		return strings.TrimSpace(src.value), nil
	}
	var b []byte
	var err error
	switch {
	case src.file == "-":
		b, err = bounded.ReadAll(c.io.Stdin, maxSecret)
	case src.file != "":
		b, err = readBounded(src.file, maxSecret)
	case c.io.Terminal:
		fmt.Fprint(c.io.Stderr, c.tr(src.ask))
		b, err = term.ReadPassword(c.io.StdinFd)
		fmt.Fprintln(c.io.Stderr)
	default:
		return "", withHintf(errorf(src.missing), mHintSeeFlags, c.name)
	}
	defer clear(b)
	if err != nil {
		return "", errorf(mErrReadSecret, src.fileFlag, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", withHintf(errorf(src.missing), mHintSeeFlags, c.name)
	}
	return line, nil
}

// confirm asks a yes/no question (already in the person's language) on
// a terminal; without one it fails with the hint.
func (c *cmd) confirm(question string, hint msg) error {
	if !c.io.Terminal {
		return withHint(errorf(mErrNotConfirmedNoTerminal), hint)
	}
	fmt.Fprintf(c.io.Stderr, "%s %s", question, c.tr(mAskYesNo))
	line, _ := bufio.NewReader(c.io.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes", "j", "ja":
		return nil
	}
	return errorf(mErrNotConfirmed)
}

// unlock loads the config, asks for the passphrase, logs in and verifies
// the keyring (a pending counsellor has none to verify when allowPending).
func (c *cmd) unlock(ctx context.Context, allowPending bool) (*Session, error) {
	cfg, err := c.config()
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
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := c.io.Stdout.Write(jsonForTerminal(b.Bytes()))
	return err
}

func (c *cmd) printf(format msg, a ...any) { fmt.Fprintf(c.io.Stdout, c.tr(format), a...) }

func (c *cmd) eprintf(format msg, a ...any) { fmt.Fprintf(c.io.Stderr, c.tr(format), a...) }

func (c *cmd) tr(m msg) string { return tr(c.io.Lang, m) }

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
	// err is what the command ends with after printing: an alarm about
	// what it listed.
	err error
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
		err = c.printJSON(out.json)
	} else if out.text != nil {
		err = out.text(c)
	}
	if err != nil {
		return err
	}
	return out.err
}

func run(ctx context.Context, args []string, stdio IO, opts Options) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdio.Stderr, tr(stdio.Lang, mHelpUsage))
		if len(args) == 0 {
			return withHint(errorf(mErrMissingCommand), mHintSeeHelp)
		}
		return nil
	}
	name, args := args[0], args[1:]
	// A command with subcommands ("orgs pin") is named by both words.
	if len(args) > 0 {
		if _, ok := commands[name+" "+args[0]]; ok {
			name, args = name+" "+args[0], args[1:]
		}
	}
	define, ok := commands[name]
	if !ok {
		return withHint(errorf(mErrUnknownCommand, name), mHintSeeHelp)
	}
	c := newCmd(name, stdio, opts)
	return c.withSession(ctx, define(c), args)
}
