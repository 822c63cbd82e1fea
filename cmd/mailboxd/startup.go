package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"

	"lotse/api"
	"lotse/content"
	"lotse/mailbox"
)

// The start-up report: one line of the effective settings, so that an
// operator reading the journal sees what runs without reading the unit
// file, and a warning for each thing that must change before the service
// goes online. It names no secret: the setup token is "configured" or not,
// the backup recipients only by count.

// startupReport writes the summary line and the warnings.
func startupReport(cfg *config, stderr io.Writer) {
	fmt.Fprintf(stderr, "mailboxd: settings: %s\n", summary(cfg))
	for _, w := range startupWarnings(cfg) {
		fmt.Fprintf(stderr, "mailboxd: warning: %s\n", w)
	}
}

// summary is the effective settings as space-separated key=value pairs.
func summary(cfg *config) string {
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	orNone := func(s string) string {
		if s == "" {
			return "none"
		}
		return s
	}
	compact := "off"
	if cfg.CompactHours > 0 {
		compact = fmt.Sprintf("%dh", cfg.CompactHours)
	}
	token := "generated"
	if cfg.SetupToken != "" {
		token = "configured"
	}
	contentDir := "built-in"
	if cfg.ContentDir != "" {
		contentDir = fmt.Sprintf("%q", cfg.ContentDir)
	}
	backups := "off"
	if b := cfg.Backup; b != nil {
		backups = fmt.Sprintf("%q every %dh keep %d to %d recipients", b.Dir, b.Hours, b.Keep, len(b.Recipients))
	}
	pairs := []string{
		"addr=" + cfg.Addr,
		fmt.Sprintf("db=%q", cfg.DB),
		"tls=" + onOff(cfg.TLSCert != "") + hstsSummary(cfg),
		"proxy-header=" + orNone(cfg.ProxyHeader),
		fmt.Sprintf("retention=%dd", cfg.RetentionDays),
		"compact=" + compact,
		fmt.Sprintf("pow=%d", cfg.PowDifficulty),
		"content=" + contentDir,
		"exit-url=" + cfg.ExitURL,
		"setup-token=" + token,
		"limits=" + limitsSummary(cfg.Limits),
		"debug-stats=" + onOff(cfg.Limits.DebugStats),
		"backups=" + backups,
		"metrics=" + orNone(cfg.MetricsAddr),
		"notice=" + noticeSummary(cfg.Notice),
	}
	if o := orgSummary(cfg.Org); o != "" {
		pairs = append(pairs, o)
	}
	return strings.Join(pairs, " ")
}

// limitsSummary is "default", or the flags of the limits set otherwise.
func limitsSummary(l limitsConfig) string {
	var set []string
	for _, f := range []struct {
		flag string
		set  bool
	}{
		{"create-limit", l.Create != (api.Rate{})},
		{"challenge-limit", l.Challenge != (api.Rate{})},
		{"enquirer-limit", l.Enquirer != (api.Rate{})},
		{"post-limit", l.Post != (api.Rate{})},
		{"login-failures", l.LoginFailures != (api.Rate{})},
		{"mailboxes-per-hour", l.MailboxesPerHour != 0},
		{"mailbox-per-hour", l.Mailbox.MessagesPerHour != 0},
		{"mailbox-max-messages", l.Mailbox.MaxMessages != 0},
		{"mailbox-max-bytes", l.Mailbox.MaxBytes != 0},
		{"attachments-max", l.Attachments.MaxCount != 0},
		{"attachments-max-bytes", l.Attachments.MaxBytes != 0},
		{"attachments-per-hour", l.Attachments.PerHour != 0},
	} {
		if f.set {
			set = append(set, f.flag)
		}
	}
	if len(set) == 0 {
		return "default"
	}
	return "set:" + strings.Join(set, ",")
}

// startupWarnings are the things an operator must change before going
// online, or has set up in a way that does not protect what it seems to.
func startupWarnings(cfg *config) []string {
	var ws []string
	if cfg.Content != nil {
		ws = append(ws, placeholderWarnings(cfg.Content)...)
	}
	if !loopback(cfg.Addr) {
		switch {
		case cfg.TLSCert == "" && cfg.ProxyHeader == "":
			ws = append(ws, fmt.Sprintf("listening on %s beyond this machine over plain HTTP: "+
				"serve it through a TLS reverse proxy on 127.0.0.1 (docs/DEPLOY.md) or set LOTSE_TLS_CERT and LOTSE_TLS_KEY", cfg.Addr))
		case cfg.ProxyHeader != "":
			ws = append(ws, fmt.Sprintf("LOTSE_PROXY_HEADER is set but mailboxd listens on %s beyond this machine: "+
				"a client that reaches it directly chooses its own address for the rate limits; listen on 127.0.0.1 behind the proxy", cfg.Addr))
		}
	}
	return ws
}

// directoryOrgWarnings names the organisations that entries of the
// referral directory name (centres.json "org") and the data file lacks:
// those entries offer no "write to this centre here" until the
// organisation exists and has its keyring. A warning, not an error: the
// directory may be written before the organisations are set up.
func directoryOrgWarnings(site *content.Site, store *mailbox.Store) []string {
	if site == nil {
		return nil
	}
	var missing []string
	for _, slug := range site.CentreOrgs() {
		_, err := store.GetOrg(slug)
		switch {
		case errors.Is(err, mailbox.ErrNotFound):
			missing = append(missing, slug)
		case err != nil:
			return []string{fmt.Sprintf("the referral directory's organisations could not be checked: %v", err)}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("the referral directory names organisations this server does not have (%s): "+
		"their entries offer no \"write to this centre here\" until an admin of the front door creates them", strings.Join(missing, ", "))}
}

// The built-in imprint is a template (content/defaults/*/imprint.md): its
// note to the operator and its bracketed placeholders.
var imprintTemplateMarks = []string{
	"Diese Seite ist eine Vorlage", "this page is a template",
	"[Name des Trägers]", "[Name of the organisation]",
}

// placeholderWarnings names the built-in texts that stand in for the
// operator's: the imprint template and the example referral centres.
func placeholderWarnings(site *content.Site) []string {
	var ws []string
	var langs []string
	for _, lang := range content.Languages {
		page, ok := site.Page(lang, "imprint")
		if !ok {
			continue
		}
		for _, m := range imprintTemplateMarks {
			if strings.Contains(string(page), m) {
				langs = append(langs, lang)
				break
			}
		}
	}
	if len(langs) > 0 {
		ws = append(ws, fmt.Sprintf("the imprint (%s) is still the built-in template: "+
			"put your own imprint.md for each language in LOTSE_CONTENT_DIR before the service goes online", strings.Join(langs, ", ")))
	}
	examples := 0
	for _, c := range site.Centres() {
		if exampleCentre(c) {
			examples++
		}
	}
	if examples > 0 {
		ws = append(ws, fmt.Sprintf("%d of the %d referral centres are the built-in examples: "+
			"put your own centres.json in LOTSE_CONTENT_DIR before the service goes online", examples, len(site.Centres())))
	}
	return ws
}

// exampleCentre reports whether c is one of the built-in example entries
// (content/defaults/centres.json): their ids start with "example-" and
// their contacts are on example.org.
func exampleCentre(c content.Centre) bool {
	return strings.HasPrefix(c.ID, "example-") ||
		strings.HasSuffix(c.Contact.Website, ".example.org/") || strings.HasSuffix(c.Contact.Email, "@example.org")
}

// loopback reports whether addr listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// minFreeBytes is the free space below which mailboxd is not ready: bbolt
// grows the data file in steps, and a write that finds no room fails.
const minFreeBytes = 256 << 20

// readyCheck is GET /readyz's check of the data file's disk; the error is
// logged, never sent.
func readyCheck(db string) func() error {
	dir := filepath.Dir(db)
	return func() error {
		free, known, err := freeBytes(dir)
		switch {
		case err != nil:
			return fmt.Errorf("free space on the data file's disk: %v", err)
		case known && free < minFreeBytes:
			return fmt.Errorf("less than %s free on the data file's disk", formatSize(minFreeBytes))
		}
		return nil
	}
}

// hstsSummary names the HSTS max-age next to tls=on; without TLS mailboxd
// sends none, whatever is configured, so it says nothing.
func hstsSummary(cfg *config) string {
	switch {
	case cfg.TLSCert == "":
		return ""
	case cfg.HSTSMaxAge == 0:
		return " hsts=off"
	}
	return fmt.Sprintf(" hsts=%ds", cfg.HSTSMaxAge)
}
