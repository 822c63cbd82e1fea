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
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"lotse/api/client"
	"lotse/crypto"
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

func (c *cmd) parse(args []string, positional ...string) ([]string, error) {
	pos := strings.Join(positional, " ")
	// The flag package's own messages are English; counsel prints the
	// usage and the error itself, in the desk's language.
	c.fs.SetOutput(io.Discard)
	c.fs.Usage = func() {
		fmt.Fprintf(c.io.Stderr, c.tr("usage: counsel %s [flags] %s\n"), c.name, pos)
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
	if len(rest) != len(positional) {
		for _, a := range rest {
			if strings.HasPrefix(a, "-") {
				return nil, withHintf(errorf("flag %s after the arguments", a), "put flags before arguments: counsel %s [flags] %s", c.name, pos)
			}
		}
		return nil, withHintf(errorf("%s takes %d argument(s), got %d", c.name, len(positional), len(rest)),
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

func checkCaseID(id string) error {
	if !crypto.ValidMailboxID(id) {
		return withHint(errorf("%q is not a case id", id), "a case id is 32 hex digits; \"counsel cases\" lists them")
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
	c := newCmd(name, stdio, opts)
	switch name {
	case "init":
		return c.runInit(ctx, args)
	case "join":
		return c.runJoin(ctx, args)
	case "invite":
		return c.runInvite(ctx, args)
	case "approve":
		return c.runApprove(ctx, args)
	case "remove":
		return c.runRemove(ctx, args)
	case "roster":
		return c.runRoster(ctx, args)
	case "fingerprint":
		return c.runFingerprint(args)
	case "cases":
		return c.runCases(ctx, args)
	case "read":
		return c.runRead(ctx, args)
	case "reply":
		return c.runReply(ctx, args)
	case "close", "reopen":
		return c.runStatus(ctx, args)
	case "assign":
		return c.runAssign(ctx, args)
	case "delete":
		return c.runDelete(ctx, args)
	case "backup":
		return c.runBackup(ctx, args)
	case "compact":
		return c.runCompact(ctx, args)
	case "desk":
		return c.runDesk(ctx, args)
	}
	return withHint(errorf("unknown command %q", name), "counsel help lists the commands")
}

func (c *cmd) runInit(ctx context.Context, args []string) error {
	server := c.fs.String("server", "", "the server's address, e.g. https://beratung.example.org")
	setup := c.fs.String("setup", "", "the setup token from the server's log")
	name := c.fs.String("name", "", "your name as colleagues and enquirers see it")
	if _, err := c.parse(args); err != nil {
		return err
	}
	if *server == "" || *setup == "" {
		return withHint(errorf("init needs --server and --setup"), "counsel init --server URL --setup TOKEN --name NAME")
	}
	dir, err := c.configDir()
	if err != nil {
		return err
	}
	if err := checkName(*name); err != nil {
		return err
	}
	// An init that stopped after registering is resumed with the
	// passphrase chosen then (see Init).
	resume := resumableInit(dir, *server) != nil
	if !resume {
		if err := checkFresh(dir); err != nil {
			return err
		}
	}
	p, err := c.passphrase(!resume)
	if err != nil {
		return err
	}
	s, err := Init(ctx, dir, *server, *setup, *name, p, c.opts)
	clear(p)
	if err != nil {
		return err
	}
	defer s.Wipe()
	team, err := s.Team(ctx)
	if err != nil {
		return err
	}
	fp := crypto.Fingerprint(s.cfg.Recipient)
	if *c.jsonOut {
		return c.printJSON(map[string]any{"id": s.cfg.ID, "fingerprint": fp, "team_fingerprint": team.Fingerprint})
	}
	c.printf("You are the team's first admin, id %s.\nYour fingerprint:  %s\nTeam fingerprint:  %s (epoch %d)\n", s.cfg.ID, fp, team.Fingerprint, team.Epoch)
	c.printf("Put the team fingerprint on printed material and the public site.\n")
	return nil
}

func (c *cmd) runJoin(ctx context.Context, args []string) error {
	server := c.fs.String("server", "", "the server's address")
	invite := c.fs.String("invite", "", "the invite from your admin")
	name := c.fs.String("name", "", "your name as colleagues and enquirers see it")
	teamFP := c.fs.String("team-fingerprint", "", "the team fingerprint your admin read out to you")
	if _, err := c.parse(args); err != nil {
		return err
	}
	if *server == "" || *invite == "" {
		return withHint(errorf("join needs --server and --invite"), "counsel join --server URL --invite CODE --name NAME")
	}
	dir, err := c.configDir()
	if err != nil {
		return err
	}
	if err := checkName(*name); err != nil {
		return err
	}
	if err := checkFresh(dir); err != nil {
		return err
	}
	confirm := func(fp string) error {
		if *teamFP != "" {
			if !SameFingerprint(*teamFP, fp) {
				return alarm("the server's team key has fingerprint %s, not the %s your admin gave you", fp, strings.TrimSpace(*teamFP))
			}
			return nil
		}
		c.eprintf("Team fingerprint: %s\n", fp)
		return c.confirm("Is this exactly the team fingerprint your admin read out to you?",
			"pass --team-fingerprint \"…\" as your admin read it out to you")
	}
	p, err := c.passphrase(true)
	if err != nil {
		return err
	}
	cfg, err := Join(ctx, dir, *server, *invite, *name, p, confirm, c.opts)
	clear(p)
	if err != nil {
		return err
	}
	fp := crypto.Fingerprint(cfg.Recipient)
	if *c.jsonOut {
		return c.printJSON(map[string]any{"id": cfg.ID, "fingerprint": fp})
	}
	c.printf("Registered as %s, waiting for approval.\nYour fingerprint: %s\n", cfg.ID, fp)
	c.printf("Read it to your admin by phone or in person; they run: counsel approve %s\n", cfg.ID)
	return nil
}

func (c *cmd) runInvite(ctx context.Context, args []string) error {
	admin := c.fs.Bool("admin", false, "invite an admin instead of a counsellor")
	if _, err := c.parse(args); err != nil {
		return err
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	inv, err := s.Invite(ctx, *admin)
	if err != nil {
		return err
	}
	if *c.jsonOut {
		return c.printJSON(map[string]any{"invite": inv.Invite})
	}
	c.printf("%s\n", inv.Invite)
	c.eprintf("Valid once, until %s. Give it to the newcomer in person or by a trusted channel.\n", inv.Expires)
	return nil
}

func (c *cmd) runApprove(ctx context.Context, args []string) error {
	fpFlag := c.fs.String("fingerprint", "", "approve only if the counsellor's fingerprint is this one")
	rest, err := c.parse(args, "ID")
	if err != nil {
		return err
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	p, err := s.Pending(ctx, rest[0])
	if err != nil {
		return err
	}
	fp := crypto.Fingerprint(p.Recipient)
	confirmed := *fpFlag
	if confirmed == "" {
		c.eprintf("%s (%s) has the fingerprint\n    %s\nCompare it with them by phone or in person.\n", p.ID, oneLine(p.Name), fp)
		if err := c.confirm("Did they read out exactly these digits?", "pass --fingerprint \"…\" as the counsellor read it out to you"); err != nil {
			return err
		}
		confirmed = fp
	}
	if err := s.Approve(ctx, rest[0], confirmed); err != nil {
		return err
	}
	if *c.jsonOut {
		return c.printJSON(map[string]any{"id": p.ID, "state": "active"})
	}
	c.printf("%s (%s) is now a member of the team.\n", p.ID, oneLine(p.Name))
	return nil
}

func (c *cmd) runRemove(ctx context.Context, args []string) error {
	yes := c.fs.Bool("yes", false, "do not ask")
	rest, err := c.parse(args, "ID")
	if err != nil {
		return err
	}
	if !*yes {
		if err := c.confirm(fmt.Sprintf(c.tr("Remove %s from the team? A new team key is made."), rest[0]), "pass --yes to remove without asking"); err != nil {
			return err
		}
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	if err := s.Remove(ctx, rest[0]); err != nil {
		return err
	}
	team, err := s.Team(ctx)
	if err != nil {
		return err
	}
	if *c.jsonOut {
		return c.printJSON(map[string]any{"id": rest[0], "epoch": team.Epoch, "team_fingerprint": team.Fingerprint})
	}
	c.printf("%s was removed. New team key: epoch %d, fingerprint %s\n", rest[0], team.Epoch, team.Fingerprint)
	c.printf("Update the team fingerprint on printed material and the public site.\n")
	return nil
}

func (c *cmd) runRoster(ctx context.Context, args []string) error {
	if _, err := c.parse(args); err != nil {
		return err
	}
	s, err := c.unlock(ctx, true)
	if err != nil {
		return err
	}
	defer s.Wipe()
	cs, err := s.Roster(ctx)
	if err != nil {
		return err
	}
	if *c.jsonOut {
		return c.printJSON(map[string]any{"counsellors": cs})
	}
	tw := tabwriter.NewWriter(c.io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.tr("ID\tNAME\tROLE\tSTATE\tFINGERPRINT"))
	for _, x := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.ID, oneLine(x.Name), x.Role, x.State, x.Fingerprint)
	}
	return tw.Flush()
}

func (c *cmd) runFingerprint(args []string) error {
	if _, err := c.parse(args); err != nil {
		return err
	}
	dir, err := c.configDir()
	if err != nil {
		return err
	}
	cfg, err := LoadConfig(dir)
	if err != nil {
		return err
	}
	fp := crypto.Fingerprint(cfg.Recipient)
	var team map[string]any
	if len(cfg.Pins) > 0 {
		p := cfg.Pins[len(cfg.Pins)-1]
		team = map[string]any{"epoch": p.Epoch, "fingerprint": crypto.Fingerprint(p.Recipient)}
	}
	if *c.jsonOut {
		return c.printJSON(map[string]any{"id": cfg.ID, "fingerprint": fp, "team": team})
	}
	c.printf("Your fingerprint: %s\n", fp)
	if team != nil {
		c.printf("Team fingerprint: %s (epoch %d, as last verified)\n", team["fingerprint"], team["epoch"])
	}
	return nil
}

func (c *cmd) runCases(ctx context.Context, args []string) error {
	status := c.fs.String("status", "", "only cases with this status: new, open or closed")
	if _, err := c.parse(args); err != nil {
		return err
	}
	switch *status {
	case "", "new", "open", "closed":
	default:
		return withHint(errorf("unknown status %q", *status), "use new, open or closed")
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	cs, err := s.Cases(ctx, *status)
	if err != nil {
		return err
	}
	if *c.jsonOut {
		return c.printJSON(map[string]any{"cases": cs})
	}
	if len(cs) == 0 {
		c.printf("No cases.\n")
		return nil
	}
	tw := tabwriter.NewWriter(c.io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.tr("ID\tSTATUS\tAWAITING REPLY\tASSIGNEE\tLAST ACTIVITY\tMESSAGES"))
	for _, x := range cs {
		assignee := "-"
		if x.Assignee != nil {
			assignee = *x.Assignee
		}
		awaiting := ""
		if x.AwaitingReply {
			awaiting = c.tr("yes")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", x.ID, x.Status, awaiting, assignee, x.LastActivity, x.MessageCount)
	}
	return tw.Flush()
}

func (c *cmd) runRead(ctx context.Context, args []string) error {
	rest, err := c.parse(args, "ID")
	if err != nil {
		return err
	}
	if err := checkCaseID(rest[0]); err != nil {
		return err
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	t, err := s.ReadCase(ctx, rest[0])
	if err != nil {
		return err
	}
	defer t.wipe()
	if *c.jsonOut {
		return c.printJSON(map[string]any{"id": t.Case.ID, "messages": t.Messages})
	}
	c.printf("Case %s · %s · %d messages\n", t.Case.ID, t.Case.Status, t.Case.MessageCount)
	for _, m := range t.Messages {
		who := c.tr("Enquirer")
		if m.From == crypto.FromCounsellor {
			who = fmt.Sprintf(c.tr("Counsellor %s"), oneLine(m.Name))
		}
		c.printf("\n#%d  %s  %s\n", m.Seq, who, oneLine(m.Sent))
		switch {
		case m.Warning != "":
			c.printf("!! WARNING: message %d %s. It is not shown.\n", m.Seq, m.Warning)
		case m.Duplicate:
			c.printf("(the same message again, shown above)\n")
		default:
			c.printf("%s\n", terminalText(m.Body))
		}
	}
	return nil
}

func (c *cmd) runReply(ctx context.Context, args []string) error {
	lang := c.fs.String("lang", "", "language of the reply (default: the enquirer's)")
	rest, err := c.parse(args, "ID")
	if err != nil {
		return err
	}
	if err := checkCaseID(rest[0]); err != nil {
		return err
	}
	if *lang != "" && !validLang(*lang) {
		return errorf("%q is not a language tag", *lang)
	}
	var body string
	if c.io.Terminal {
		body, err = c.editor()
	} else {
		var b []byte
		b, err = io.ReadAll(io.LimitReader(c.io.Stdin, maxBody+1))
		body = string(b)
	}
	if err != nil {
		return err
	}
	body = strings.TrimRight(body, "\n")
	if strings.TrimSpace(body) == "" {
		return withHint(errorf("the reply is empty"), "write the text to standard input")
	}
	if len(body) > maxBody {
		return errorf("the reply is longer than %d bytes", maxBody)
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	t, err := s.ReadCase(ctx, rest[0])
	if err != nil {
		return err
	}
	defer t.wipe()
	seq, err := s.Reply(ctx, t, body, *lang)
	if err != nil {
		return err
	}
	if *c.jsonOut {
		return c.printJSON(map[string]any{"id": rest[0], "seq": seq})
	}
	c.printf("Sent as message %d.\n", seq)
	return nil
}

// editor lets the counsellor write in $VISUAL or $EDITOR, in a private
// temporary file that is removed afterwards.
func (c *cmd) editor() (string, error) {
	ed := c.io.Getenv("VISUAL")
	if ed == "" {
		ed = c.io.Getenv("EDITOR")
	}
	if ed == "" {
		ed = "vi"
	}
	f, err := os.CreateTemp("", "counsel-reply-*.txt")
	if err != nil {
		return "", errorf("editor: %v", err)
	}
	name := f.Name()
	f.Close()
	defer func() {
		// Overwrite before removing: the text is confidential.
		if fi, err := os.Stat(name); err == nil {
			os.WriteFile(name, make([]byte, fi.Size()), 0o600)
		}
		os.Remove(name)
	}()
	fields := editorCommand(ed)
	if len(fields) == 0 {
		return "", withHint(errorf("editor: %v", "$EDITOR is empty"), "set $EDITOR, or pipe the text into counsel reply")
	}
	cmd := exec.Command(fields[0], append(fields[1:], name)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", withHint(errorf("editor %s: %v", fields[0], err), "set $EDITOR, or pipe the text into counsel reply")
	}
	b, err := readBounded(name, maxBody+1)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// editorCommand splits $VISUAL or $EDITOR into the program and its
// arguments. A value that names an existing file is the program as it
// stands, spaces and all (C:\Program Files\…\notepad++.exe); otherwise
// words are split at spaces outside quotes, "…" and '…' group, and a
// backslash is literal (Windows paths) except before a double quote
// inside double quotes.
func editorCommand(v string) []string {
	v = strings.TrimSpace(v)
	if fi, err := os.Stat(v); err == nil && !fi.IsDir() {
		return []string{v}
	}
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	rs := []rune(v)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '"' && r == '\\' && i+1 < len(rs) && rs[i+1] == '"':
			i++
			w.WriteRune(rs[i])
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

func validLang(s string) bool {
	if len(s) < 2 || len(s) > 35 {
		return false
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' && i > 1 || r == '-' && i > 1) {
			return false
		}
	}
	return true
}

func (c *cmd) printCase(cs *client.Case) error {
	if *c.jsonOut {
		return c.printJSON(cs)
	}
	assignee := c.tr("nobody")
	if cs.Assignee != nil {
		assignee = *cs.Assignee
	}
	c.printf("Case %s: %s, assigned to %s.\n", cs.ID, cs.Status, assignee)
	return nil
}

func (c *cmd) runStatus(ctx context.Context, args []string) error {
	rest, err := c.parse(args, "ID")
	if err != nil {
		return err
	}
	if err := checkCaseID(rest[0]); err != nil {
		return err
	}
	status := "closed"
	if c.name == "reopen" {
		status = "open"
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	cs, err := s.PatchCase(ctx, rest[0], client.CasePatch{Status: status})
	if err != nil {
		return err
	}
	return c.printCase(cs)
}

func (c *cmd) runAssign(ctx context.Context, args []string) error {
	none := c.fs.Bool("none", false, "assign the case to nobody")
	positional := []string{"ID", "COUNSELLOR"}
	if len(args) > 0 && slicesContains(args, "--none", "-none") {
		positional = []string{"ID"}
	}
	rest, err := c.parse(args, positional...)
	if err != nil {
		return err
	}
	if err := checkCaseID(rest[0]); err != nil {
		return err
	}
	to := ""
	if !*none {
		to = rest[1]
		if !validID(to) {
			return withHint(errorf("%q is not a counsellor id", to), "\"counsel roster\" lists the ids")
		}
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	cs, err := s.PatchCase(ctx, rest[0], client.CasePatch{Assignee: &to})
	if err != nil {
		return err
	}
	return c.printCase(cs)
}

func slicesContains(args []string, vals ...string) bool {
	for _, a := range args {
		for _, v := range vals {
			if a == v {
				return true
			}
		}
	}
	return false
}

func (c *cmd) runDelete(ctx context.Context, args []string) error {
	yes := c.fs.Bool("yes", false, "do not ask")
	rest, err := c.parse(args, "ID")
	if err != nil {
		return err
	}
	if err := checkCaseID(rest[0]); err != nil {
		return err
	}
	if !*yes {
		if err := c.confirm(fmt.Sprintf(c.tr("Delete case %s and every message in it, for everyone, for ever?"), rest[0]), "pass --yes to delete without asking"); err != nil {
			return err
		}
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	if err := s.DeleteCase(ctx, rest[0]); err != nil {
		return err
	}
	if *c.jsonOut {
		return c.printJSON(map[string]any{"id": rest[0], "deleted": true})
	}
	c.printf("Case %s was deleted.\n", rest[0])
	return nil
}

func (c *cmd) runBackup(ctx context.Context, args []string) error {
	rest, err := c.parse(args, "FILE")
	if err != nil {
		return err
	}
	path := rest[0]
	if _, err := os.Stat(path); err == nil {
		return withHint(errorf("%s exists", path), "choose a new file name; counsel never overwrites a backup")
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	f, err := os.CreateTemp(filepath.Dir(path), ".backup-*")
	if err != nil {
		return errorf("create the backup: %v", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	var n int64
	err = s.retry(ctx, func(api *client.Client) error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if err := f.Truncate(0); err != nil {
			return err
		}
		var err error
		n, err = api.Backup(ctx, f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return apiError("backup", err)
	}
	if err := os.Link(tmp, path); err != nil {
		return errorf("write the backup: %v", err)
	}
	if *c.jsonOut {
		return c.printJSON(map[string]any{"file": path, "bytes": n})
	}
	c.printf("Wrote %d bytes to %s.\n", n, path)
	return nil
}

func (c *cmd) runDesk(ctx context.Context, args []string) error {
	noBrowser := c.fs.Bool("no-browser", false, "print the address instead of opening the browser")
	lockAfter := c.fs.Duration("lock-after", 15*time.Minute, "lock the desk after this long unused")
	if _, err := c.parse(args); err != nil {
		return err
	}
	if *lockAfter < time.Minute || *lockAfter > 15*time.Minute {
		return withHint(errorf("--lock-after %v is outside 1m to 15m", *lockAfter), "the desk locks at the latest after 15 minutes")
	}
	dir, err := c.configDir()
	if err != nil {
		return err
	}
	cfg, err := LoadConfig(dir)
	if err != nil {
		return err
	}
	opts := c.opts
	opts.LockAfter = *lockAfter
	d := NewDesk(cfg, opts)
	if *c.passF != "" {
		p, err := c.passphrase(false)
		if err != nil {
			return err
		}
		err = d.unlock(ctx, p)
		clear(p)
		if err != nil {
			return err
		}
	}
	url, err := d.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer d.Close()
	if *noBrowser || !openBrowser(url) {
		c.printf("Open the desk in your browser:\n%s\n", url)
	} else {
		fmt.Fprintln(c.io.Stderr, c.tr("The desk is open in your browser. Press Ctrl+C here to end it."))
	}
	<-ctx.Done()
	fmt.Fprintln(c.io.Stderr, c.tr("counsel: desk closed"))
	return nil
}

// openBrowser starts the system's browser; false if it could not.
func openBrowser(url string) bool {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return false
	}
	go cmd.Wait()
	return true
}
