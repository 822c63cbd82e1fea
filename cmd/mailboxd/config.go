package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"lotse/api"
	"lotse/content"
	"lotse/internal/bounded"
)

// config is mailboxd's validated configuration (PROTOCOL.md §7).
type config struct {
	Addr          string
	DB            string
	RetentionDays int
	CompactHours  int    // hours between compactions of the data file, 0: none
	SetupToken    string // "" means generate one while no counsellor exists
	PowDifficulty int
	TLSCert       string
	TLSKey        string
	HSTSMaxAge    int    // seconds of Strict-Transport-Security on HTTPS; 0: none
	ProxyHeader   string // "" means the connection's address
	ExitURL       string // where the web client's quick exit goes
	Limits        limitsConfig
	Avail         availConfig // avail.go

	// Content is the information pages (LOTSE_CONTENT_DIR), loaded and checked.
	Content *content.Site

	ContentDir  string        // LOTSE_CONTENT_DIR, for the start-up summary
	Backup      *backupConfig // backup.go; nil: no scheduled backups
	MetricsAddr string        // metrics.go; "": no metrics
	Notice      *api.Notice   // notify.go; nil: no e-mail notice
	Org         orgConfig     // orgs.go
}

// minSetupTokenLen is 128 bits as base64url: a configured setup token
// shorter than this cannot hold the random bits PROTOCOL.md asks for.
const minSetupTokenLen = 22

// maxHSTSMaxAge is two years, the longest max-age the HSTS preload list
// asks for; more only makes a mistaken certificate setup last longer.
const maxHSTSMaxAge = 2 * 365 * 24 * 60 * 60

// maxSetupTokenFile bounds LOTSE_SETUP_TOKEN_FILE.
const maxSetupTokenFile = 4096

// configError is a configuration mistake with an optional next step.
type configError struct {
	msg, hint string
}

func (e *configError) Error() string { return e.msg }
func (e *configError) Hint() string  { return e.hint }

// errHelp is returned after -h printed the usage.
var errHelp = errors.New("help requested")

// setting is one configuration value: its flag, its variable, its default.
type setting struct {
	flag, env, def, usage string
	value                 string // after parsing: flag, else env, else def
	source                string // "--flag" or "LOTSE_…": what an error names
}

// parseConfig reads the environment (through getenv) and the flags in
// args; a flag overrides its variable. It validates every value and
// creates the data file's directory.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	settings := []*setting{
		{flag: "addr", env: "LOTSE_ADDR", def: "127.0.0.1:8080", usage: "listen address, `host:port`"},
		{flag: "db", env: "LOTSE_DB", def: "./data/lotse.db", usage: "bbolt data `file`"},
		{flag: "retention-days", env: "LOTSE_RETENTION_DAYS", def: "90", usage: "`days` a mailbox is kept after its last activity (1-3650)"},
		{flag: "compact-hours", env: "LOTSE_COMPACT_HOURS", def: "24", usage: "`hours` between compactions that remove deleted data from the data file, counted from 00:00 UTC (0-720, 0 turns them off)"},
		{flag: "setup-token", env: "LOTSE_SETUP_TOKEN", usage: "bootstrap `token` for the first counsellor (default: random, printed while needed); prefer LOTSE_SETUP_TOKEN_FILE"},
		{flag: "pow-difficulty", env: "LOTSE_POW_DIFFICULTY", def: "6", usage: "leading zero `bits` of the proof of work for a new mailbox (0-24, 0 turns it off)"},
		{flag: "tls-cert", env: "LOTSE_TLS_CERT", usage: "TLS certificate `file` (PEM), to serve HTTPS directly"},
		{flag: "tls-key", env: "LOTSE_TLS_KEY", usage: "TLS key `file` (PEM)"},
		{flag: "hsts-max-age", env: "LOTSE_HSTS_MAX_AGE", def: "31536000", usage: "`seconds` browsers keep to HTTPS after a visit (Strict-Transport-Security, sent only when mailboxd serves TLS itself; 0-63072000, 0 sends none)"},
		{flag: "content-dir", env: "LOTSE_CONTENT_DIR", usage: "`folder` with the operator's pages, texts and centres.json, on top of the built-in ones (see README)"},
		{flag: "service-name", env: "LOTSE_SERVICE_NAME", usage: "the `name` in the web page's header and every title, 1-64 characters (default: service_name of the content's strings.json, which names no topic)"},
		{flag: "exit-url", env: "LOTSE_EXIT_URL", def: api.DefaultExitURL, usage: "neutral https `URL` the web client's quick exit replaces the page with"},
		{flag: "proxy-header", env: "LOTSE_PROXY_HEADER", usage: "request `header` that a trusted reverse proxy sets to the client address, e.g. X-Forwarded-For (only for rate limits, never stored)"},
	}
	settings = append(settings, limitSettings()...)
	settings = append(settings, availSettings()...)
	settings = append(settings, backupSettings()...)
	settings = append(settings, metricsSettings()...)
	settings = append(settings, noticeSettings()...)
	settings = append(settings, orgSettings()...)
	fs := flag.NewFlagSet("mailboxd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	byFlag := map[string]*setting{}
	for _, s := range settings {
		// The flag's default is the built-in one, so that -h never shows
		// a value from the environment (it may be the setup token).
		fs.StringVar(&s.value, s.flag, s.def, s.usage+" ($"+s.env+")")
		byFlag[s.flag] = s
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "usage: mailboxd [flags]\n\nEvery flag can also be set by its environment variable; a flag wins.\n\n")
			fs.PrintDefaults()
			return nil, errHelp
		}
		return nil, &configError{msg: err.Error(), hint: "run mailboxd -h for the flags"}
	}
	if fs.NArg() > 0 {
		return nil, &configError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0)), hint: "run mailboxd -h for the flags"}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, s := range settings {
		switch {
		case set[s.flag]:
			s.source = "--" + s.flag
		case getenv(s.env) != "":
			s.value, s.source = getenv(s.env), s.env
		default:
			s.source = s.env
		}
	}
	get := func(name string) *setting { return byFlag[name] }

	var c config
	var err error
	if c.Addr, err = parseAddr(get("addr")); err != nil {
		return nil, err
	}
	if c.RetentionDays, err = parseInt(get("retention-days"), 1, 3650, "a whole number of days"); err != nil {
		return nil, err
	}
	if c.CompactHours, err = parseInt(get("compact-hours"), 0, maxCompactHours, "a whole number of hours"); err != nil {
		return nil, err
	}
	if c.PowDifficulty, err = parseInt(get("pow-difficulty"), 0, 24, "a whole number of bits"); err != nil {
		return nil, err
	}
	if c.SetupToken, err = parseSetupToken(get("setup-token"), getenv); err != nil {
		return nil, err
	}
	if c.TLSCert, c.TLSKey, err = parseTLS(get("tls-cert"), get("tls-key")); err != nil {
		return nil, err
	}
	if c.HSTSMaxAge, err = parseInt(get("hsts-max-age"), 0, maxHSTSMaxAge, "a whole number of seconds"); err != nil {
		return nil, err
	}
	if c.ProxyHeader, err = parseHeaderName(get("proxy-header")); err != nil {
		return nil, err
	}
	if c.Limits, err = parseLimits(get); err != nil {
		return nil, err
	}
	if c.Avail, err = parseAvail(get, c.PowDifficulty); err != nil {
		return nil, err
	}
	if err := api.ValidateExitURL(get("exit-url").value); err != nil {
		return nil, &configError{
			msg:  fmt.Sprintf("%s must be an absolute https URL, got %q: %v", get("exit-url").source, get("exit-url").value, err),
			hint: "choose a neutral, widely used site, for example " + api.DefaultExitURL,
		}
	}
	c.ExitURL = get("exit-url").value
	c.ContentDir = get("content-dir").value
	if c.Backup, err = parseBackup(get); err != nil {
		return nil, err
	}
	if c.MetricsAddr, err = parseMetricsAddr(get("metrics-addr")); err != nil {
		return nil, err
	}
	if c.Notice, err = parseNotice(get); err != nil {
		return nil, err
	}
	if c.Org, err = parseOrg(get); err != nil {
		return nil, err
	}
	// Before prepareDB: a broken content folder changes nothing on disk.
	if v := get("service-name").value; v != "" {
		if err := content.CheckServiceName(v); err != nil {
			return nil, &configError{
				msg:  fmt.Sprintf("%s: %s", get("service-name").source, strings.TrimPrefix(err.Error(), "content: service name: ")),
				hint: "choose a short, neutral name of 1 to 64 printable characters",
			}
		}
	}
	if c.Content, err = loadContent(get("content-dir"), c.RetentionDays, c.ExitURL, get("service-name").value); err != nil {
		return nil, err
	}
	if c.DB, err = prepareDB(get("db")); err != nil {
		return nil, err
	}
	return &c, nil
}

func parseAddr(s *setting) (string, error) {
	host, port, err := net.SplitHostPort(s.value)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil || strings.ContainsAny(host, " /") {
		return "", &configError{
			msg:  fmt.Sprintf("%s must be host:port, got %q", s.source, s.value),
			hint: "for example 127.0.0.1:8080, or :8080 to listen on every interface",
		}
	}
	return s.value, nil
}

// parseHeaderName accepts an HTTP header name (RFC 9110 token) or nothing.
func parseHeaderName(s *setting) (string, error) {
	if s.value == "" {
		return "", nil
	}
	ok := len(s.value) <= 64
	for _, r := range s.value {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			ok = false
		}
	}
	if !ok {
		return "", &configError{
			msg:  fmt.Sprintf("%s must be a header name, got %q", s.source, s.value),
			hint: "for example X-Forwarded-For or X-Real-IP, as your reverse proxy sets it",
		}
	}
	return s.value, nil
}

func parseInt(s *setting, lo, hi int, what string) (int, error) {
	n, err := strconv.Atoi(s.value)
	if err != nil || n < lo || n > hi {
		return 0, &configError{msg: fmt.Sprintf("%s must be %s between %d and %d, got %q", s.source, what, lo, hi, s.value)}
	}
	return n, nil
}

// parseSetupToken takes the flag or LOTSE_SETUP_TOKEN, else the file named
// by LOTSE_SETUP_TOKEN_FILE. Errors never quote the token.
func parseSetupToken(s *setting, getenv func(string) string) (string, error) {
	const fileEnv = "LOTSE_SETUP_TOKEN_FILE"
	token, source := s.value, s.source
	if file := getenv(fileEnv); file != "" && s.source != "--setup-token" {
		if token != "" {
			return "", &configError{
				msg:  "LOTSE_SETUP_TOKEN and LOTSE_SETUP_TOKEN_FILE are both set",
				hint: "set only one of them",
			}
		}
		b, err := readSmallFile(file, maxSetupTokenFile)
		if err != nil {
			return "", &configError{msg: fmt.Sprintf("%s: %v", fileEnv, err)}
		}
		token, source = strings.TrimSpace(string(b)), fileEnv
		if token == "" {
			return "", &configError{msg: fmt.Sprintf("%s: the file %q is empty", fileEnv, file)}
		}
	}
	if token == "" {
		return "", nil
	}
	if len(token) < minSetupTokenLen {
		return "", &configError{
			msg:  fmt.Sprintf("%s must be at least %d characters (128 random bits), got %d", source, minSetupTokenLen, len(token)),
			hint: "leave it unset to have mailboxd generate one, or use: head -c 32 /dev/urandom | base64",
		}
	}
	for _, r := range token {
		if r < 0x21 || r > 0x7e {
			return "", &configError{msg: fmt.Sprintf("%s must be printable ASCII without spaces", source)}
		}
	}
	return token, nil
}

func readSmallFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := bounded.ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("read %q: %v", name, err)
	}
	return b, nil
}

func parseTLS(cert, key *setting) (string, string, error) {
	switch {
	case cert.value == "" && key.value == "":
		return "", "", nil
	case key.value == "":
		return "", "", &configError{
			msg:  fmt.Sprintf("%s is set but %s is not", cert.source, key.source),
			hint: "set both to serve HTTPS, or neither to serve HTTP behind a TLS proxy",
		}
	case cert.value == "":
		return "", "", &configError{
			msg:  fmt.Sprintf("%s is set but %s is not", key.source, cert.source),
			hint: "set both to serve HTTPS, or neither to serve HTTP behind a TLS proxy",
		}
	}
	for _, s := range []*setting{cert, key} {
		f, err := os.Open(s.value)
		if err != nil {
			return "", "", &configError{msg: fmt.Sprintf("%s: %v", s.source, err)}
		}
		f.Close()
	}
	if _, err := tls.LoadX509KeyPair(cert.value, key.value); err != nil {
		return "", "", &configError{
			msg:  fmt.Sprintf("%s and %s: %v", cert.source, key.source, err),
			hint: "both must be PEM files, and the key must belong to the certificate",
		}
	}
	return cert.value, key.value, nil
}

// prepareDB creates the data file's directory (0700) if it is missing.
func prepareDB(s *setting) (string, error) {
	if s.value == "" {
		return "", &configError{msg: fmt.Sprintf("%s must name the data file", s.source)}
	}
	dir := filepath.Dir(s.value)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", &configError{msg: fmt.Sprintf("%s: create the directory: %v", s.source, err)}
	}
	if fi, err := os.Stat(s.value); err == nil && fi.IsDir() {
		return "", &configError{msg: fmt.Sprintf("%s must name a file, %q is a directory", s.source, s.value)}
	}
	return s.value, nil
}

// loadContent reads and renders the information pages: the built-in ones
// and, if set, the operator's folder on top.
func loadContent(s *setting, retentionDays int, exitURL, serviceName string) (*content.Site, error) {
	site, err := content.Load(s.value, content.Options{RetentionDays: retentionDays, ExitURL: exitURL, ServiceName: serviceName})
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "content: ")
		if s.value != "" {
			msg = s.source + ": " + msg
		}
		return nil, &configError{
			msg:  msg,
			hint: "fix the named file, or unset " + s.source + " to serve the built-in pages",
		}
	}
	return site, nil
}
