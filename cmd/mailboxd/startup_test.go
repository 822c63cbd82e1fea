package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lotse/content"
	"lotse/internal/mailboxdtest"
	"lotse/mailbox"
)

func TestStartupReport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "lotse.db")
	certFile, keyFile := writeCert(t, dir)
	own := filepath.Join(dir, "content")
	for name, body := range map[string]string{
		"de/imprint.md": "---\ntitle: Impressum\nfooter: true\n---\nBeratung e. V., Hauptstraße 1, 04109 Leipzig\n",
		"en/imprint.md": "---\ntitle: Imprint\nfooter: true\n---\nBeratung e. V., Hauptstraße 1, 04109 Leipzig\n",
		"centres.json": `{"centres": [{"id": "leipzig", "name": "Stelle A", "organisation": "Träger A", "state": "DE-SN", "city": "Leipzig",
			"languages": ["de"], "target_groups": ["women"], "services": {"de": "Beratung"}, "contact": {"email": "a@beratung-leipzig.de"}, "anonymous": true}]}`,
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(own, name)), 0o755)
		if err := os.WriteFile(filepath.Join(own, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const token = "the-configured-setup-token-0123456789"
	imprint := "mailboxd: warning: the imprint (de, en) is still the built-in template"
	centres := "referral centres are the built-in examples"
	plainHTTP := "beyond this machine over plain HTTP"
	spoofable := "LOTSE_PROXY_HEADER is set but mailboxd listens on"

	for _, tc := range []struct {
		name      string
		env       map[string]string
		has, lack []string
	}{
		{"defaults", nil,
			[]string{"mailboxd: settings: addr=127.0.0.1:8080 db=\"" + db + "\" tls=off proxy-header=none retention=90d compact=24h pow=6 content=built-in " +
				"exit-url=https://www.wikipedia.org/ setup-token=generated limits=default debug-stats=off backups=off metrics=none notice=off\n", imprint, centres},
			[]string{plainHTTP, spoofable}},
		{"own content, limits, token", map[string]string{"LOTSE_CONTENT_DIR": own, "LOTSE_SETUP_TOKEN": token, "LOTSE_POST_LIMIT": "5/1m", "LOTSE_MAILBOX_MAX_BYTES": "200000", "LOTSE_COMPACT_HOURS": "0"},
			[]string{"content=\"" + own + "\"", "setup-token=configured", "limits=set:post-limit,mailbox-max-bytes", "compact=off"},
			[]string{token, "warning"}},
		{"all interfaces, plain HTTP", map[string]string{"LOTSE_ADDR": ":8080", "LOTSE_CONTENT_DIR": own},
			[]string{"addr=:8080", "mailboxd: warning: listening on :8080 beyond this machine over plain HTTP"}, []string{spoofable, imprint}},
		{"public address with TLS", map[string]string{"LOTSE_ADDR": "192.0.2.7:443", "LOTSE_TLS_CERT": certFile, "LOTSE_TLS_KEY": keyFile},
			[]string{"tls=on hsts=31536000s proxy-header"}, []string{plainHTTP, spoofable}},
		{"TLS without HSTS", map[string]string{"LOTSE_TLS_CERT": certFile, "LOTSE_TLS_KEY": keyFile, "LOTSE_HSTS_MAX_AGE": "0"},
			[]string{"tls=on hsts=off proxy-header"}, []string{plainHTTP, spoofable}},
		{"proxy header beyond loopback", map[string]string{"LOTSE_ADDR": "0.0.0.0:8080", "LOTSE_PROXY_HEADER": "X-Forwarded-For"},
			[]string{"proxy-header=X-Forwarded-For", "mailboxd: warning: " + spoofable + " 0.0.0.0:8080"}, []string{plainHTTP}},
		{"proxy header on loopback", map[string]string{"LOTSE_ADDR": "[::1]:8080", "LOTSE_PROXY_HEADER": "X-Real-IP"},
			nil, []string{plainHTTP, spoofable}},
		{"localhost", map[string]string{"LOTSE_ADDR": "localhost:8080"}, nil, []string{plainHTTP, spoofable}},
	} {
		env := map[string]string{"LOTSE_DB": db}
		for k, v := range tc.env {
			env[k] = v
		}
		c, err := parseConfig(nil, envFunc(env), io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var out strings.Builder
		startupReport(c, &out)
		for _, s := range tc.has {
			if !strings.Contains(out.String(), s) {
				t.Errorf("%s: the report lacks %q:\n%s", tc.name, s, out.String())
			}
		}
		for _, s := range tc.lack {
			if strings.Contains(out.String(), s) {
				t.Errorf("%s: the report has %q:\n%s", tc.name, s, out.String())
			}
		}
		if n := strings.Count(out.String(), "mailboxd: settings: "); n != 1 || strings.Count(strings.SplitN(out.String(), "\n", 2)[0], "\n") != 0 {
			t.Errorf("%s: %d summary lines, want 1", tc.name, n)
		}
	}
}

func TestReadyCheck(t *testing.T) {
	dir := t.TempDir()
	if err := readyCheck(filepath.Join(dir, "lotse.db"))(); err != nil {
		t.Errorf("a temporary folder's disk: %v", err)
	}
	if err := readyCheck(filepath.Join(dir, "missing", "lotse.db"))(); err == nil {
		if _, known, _ := freeBytes(dir); known {
			t.Error("no error for a folder that does not exist")
		}
	}
}

// TestDirectoryOrgWarnings: an entry of the referral directory that names
// an organisation the data file lacks is a warning naming it, not an
// error; the front door and an existing organisation are not.
func TestDirectoryOrgWarnings(t *testing.T) {
	entry := func(id, org string) string {
		return `{"id": "` + id + `", "name": "Stelle", "organisation": "T", "state": "DE-SN", "city": "Leipzig", "languages": ["de"],
			"target_groups": ["women"], "services": {"de": "Beratung"}, "contact": {"email": "a@beratung-leipzig.de"}, "anonymous": true, "org": "` + org + `"}`
	}
	site, err := content.Load(mailboxdtest.ContentDir(t, map[string]string{"centres.json": `{"centres": [` +
		entry("a", "main") + "," + entry("b", "nord") + "," + entry("c", "sued") + "," + entry("d", "west") + "," + entry("e", "sued") + `]}`}),
		content.Options{RetentionDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	store, err := mailbox.Open(mailbox.Options{Path: filepath.Join(t.TempDir(), "lotse.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, _, err := store.CreateOrg("nord", "Nord"); err != nil {
		t.Fatal(err)
	}
	ws := directoryOrgWarnings(site, store)
	if len(ws) != 1 || !strings.Contains(ws[0], "(sued, west)") || strings.Contains(ws[0], "nord") || strings.Contains(ws[0], "main") {
		t.Fatalf("warnings %q, want one naming sued and west", ws)
	}
	if _, _, err := store.CreateOrg("sued", "Süd"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.CreateOrg("west", "West"); err != nil {
		t.Fatal(err)
	}
	if ws := directoryOrgWarnings(site, store); len(ws) != 0 {
		t.Fatalf("warnings %q once every organisation exists", ws)
	}
	if ws := directoryOrgWarnings(nil, store); len(ws) != 0 {
		t.Fatalf("warnings %q without content", ws)
	}
}
