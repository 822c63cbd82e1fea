package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lotse/internal/mailboxdtest"
)

func envFunc(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// parseOrRefuse parses a configuration that must either fail with exactly
// wantErr as a configError (and give nil) or succeed when wantErr is "".
func parseOrRefuse(t *testing.T, args []string, env map[string]string, wantErr string) *config {
	t.Helper()
	c, err := parseConfig(args, envFunc(env), io.Discard)
	var ce *configError
	switch {
	case wantErr != "":
		if !errors.As(err, &ce) || err.Error() != wantErr {
			t.Errorf("%q %v: error %v, want %q", args, env, err, wantErr)
		}
		return nil
	case err != nil:
		t.Errorf("%q %v: %v", args, env, err)
		return nil
	}
	return c
}

// refusesSetting requires that the setting env with value, alone, stops
// the start with a configError whose message holds want.
func refusesSetting(t *testing.T, env, value, want string) {
	t.Helper()
	_, err := parseConfig(nil, envFunc(map[string]string{env: value}), io.Discard)
	var ce *configError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), want) {
		t.Errorf("%s=%s: %v, want %q", env, value, err, want)
	}
}

// selfSigned makes a certificate for localhost and 127.0.0.1 that is its
// own CA, and writes it, PEM, to cert.pem in dir: for mailboxd's TLS, or
// for SSL_CERT_FILE, so that mailboxd trusts it as a system root.
func selfSigned(t *testing.T, dir string) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}

// writeCert writes a self-signed certificate (selfSigned) and its key.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	cert, certFile := selfSigned(t, dir)
	kder, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestConfigDefaultsAndOverrides(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	c, err := parseConfig(nil, envFunc(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config{Addr: "127.0.0.1:8080", DB: "./data/lotse.db", RetentionDays: 90, CompactHours: 24, PowDifficulty: 6, HSTSMaxAge: 31536000, ExitURL: "https://www.wikipedia.org/"}
	want.Content = c.Content // the pages: content_test.go
	want.Avail = c.Avail     // avail_test.go
	if *c != want {
		t.Errorf("defaults %+v, want %+v", *c, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, "data")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory: %v, %v", fi, err)
	}

	certFile, keyFile := writeCert(t, dir)
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("from-the-file-0123456789abcdef\n"), 0o600)
	env := map[string]string{
		"LOTSE_ADDR": "0.0.0.0:1", "LOTSE_DB": filepath.Join(dir, "a", "b", "x.db"), "LOTSE_RETENTION_DAYS": "3650",
		"LOTSE_POW_DIFFICULTY": "0", "LOTSE_SETUP_TOKEN_FILE": tokenFile, "LOTSE_TLS_CERT": certFile, "LOTSE_TLS_KEY": keyFile,
		"LOTSE_EXIT_URL": "https://example.org/weather", "LOTSE_HSTS_MAX_AGE": "600",
	}
	c, err = parseConfig(nil, envFunc(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want = config{Addr: "0.0.0.0:1", DB: env["LOTSE_DB"], RetentionDays: 3650, CompactHours: 24, PowDifficulty: 0,
		SetupToken: "from-the-file-0123456789abcdef", TLSCert: certFile, TLSKey: keyFile, HSTSMaxAge: 600, ExitURL: "https://example.org/weather"}
	want.Content = c.Content // the pages: content_test.go
	want.Avail = c.Avail     // avail_test.go
	if *c != want {
		t.Errorf("from the environment %+v, want %+v", *c, want)
	}

	c, err = parseConfig([]string{"--addr", "[::1]:0", "--retention-days=1", "-pow-difficulty", "24",
		"--setup-token", "from-the-flag-0123456789abcdef", "--db", filepath.Join(dir, "y.db"),
		"--proxy-header", "X-Forwarded-For", "--hsts-max-age", "0"}, envFunc(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want = config{Addr: "[::1]:0", DB: filepath.Join(dir, "y.db"), RetentionDays: 1, CompactHours: 24, PowDifficulty: 24,
		SetupToken: "from-the-flag-0123456789abcdef", TLSCert: certFile, TLSKey: keyFile, ProxyHeader: "X-Forwarded-For", ExitURL: "https://example.org/weather"}
	want.Content = c.Content // the pages: content_test.go
	want.Avail = c.Avail     // avail_test.go
	if *c != want {
		t.Errorf("flags over the environment %+v, want %+v", *c, want)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir)
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not pem"), 0o600)
	emptyFile := filepath.Join(dir, "empty")
	os.WriteFile(emptyFile, nil, 0o600)
	shortFile := filepath.Join(dir, "short")
	os.WriteFile(shortFile, []byte("short-secret\n"), 0o600)
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o600)
	db := filepath.Join(dir, "ok.db")

	tests := []struct {
		name string
		env  map[string]string
		args []string
		err  string // the whole error text
		hint bool   // whether a hint is expected
	}{
		{"retention not a number", map[string]string{"LOTSE_RETENTION_DAYS": "abc"}, nil,
			`LOTSE_RETENTION_DAYS must be a whole number of days between 1 and 3650, got "abc"`, false},
		{"retention zero", map[string]string{"LOTSE_RETENTION_DAYS": "0"}, nil,
			`LOTSE_RETENTION_DAYS must be a whole number of days between 1 and 3650, got "0"`, false},
		{"retention too long", nil, []string{"--retention-days", "3651"},
			`--retention-days must be a whole number of days between 1 and 3650, got "3651"`, false},
		{"retention fraction", map[string]string{"LOTSE_RETENTION_DAYS": "1.5"}, nil,
			`LOTSE_RETENTION_DAYS must be a whole number of days between 1 and 3650, got "1.5"`, false},
		{"pow negative", map[string]string{"LOTSE_POW_DIFFICULTY": "-1"}, nil,
			`LOTSE_POW_DIFFICULTY must be a whole number of bits between 0 and 24, got "-1"`, false},
		{"proxy header with a space", map[string]string{"LOTSE_PROXY_HEADER": "X Forwarded"}, nil,
			`LOTSE_PROXY_HEADER must be a header name, got "X Forwarded"`, true},
		{"exit URL not https", map[string]string{"LOTSE_EXIT_URL": "http://example.org/"}, nil,
			`LOTSE_EXIT_URL must be an absolute https URL, got "http://example.org/": not an absolute https URL`, true},
		{"exit URL relative", nil, []string{"--exit-url", "/weather"},
			`--exit-url must be an absolute https URL, got "/weather": not an absolute https URL`, true},
		{"service name too long", map[string]string{"LOTSE_SERVICE_NAME": strings.Repeat("ä", 65)}, nil,
			`LOTSE_SERVICE_NAME: want at most 64 characters of UTF-8`, true},
		{"service name with a bidi control", nil, []string{"--service-name", "Rat\u202eonline"},
			`--service-name: character U+202E not allowed`, true},
		{"pow too high", nil, []string{"--pow-difficulty=25"},
			`--pow-difficulty must be a whole number of bits between 0 and 24, got "25"`, false},
		{"addr without port", map[string]string{"LOTSE_ADDR": "localhost"}, nil,
			`LOTSE_ADDR must be host:port, got "localhost"`, true},
		{"addr bad port", nil, []string{"--addr", "127.0.0.1:http"},
			`--addr must be host:port, got "127.0.0.1:http"`, true},
		{"addr port too big", map[string]string{"LOTSE_ADDR": "127.0.0.1:65536"}, nil,
			`LOTSE_ADDR must be host:port, got "127.0.0.1:65536"`, true},
		{"addr url", map[string]string{"LOTSE_ADDR": "http://127.0.0.1:8080"}, nil,
			`LOTSE_ADDR must be host:port, got "http://127.0.0.1:8080"`, true},
		{"hsts negative", map[string]string{"LOTSE_HSTS_MAX_AGE": "-1"}, nil,
			`LOTSE_HSTS_MAX_AGE must be a whole number of seconds between 0 and 63072000, got "-1"`, false},
		{"hsts too long", nil, []string{"--hsts-max-age", "63072001"},
			`--hsts-max-age must be a whole number of seconds between 0 and 63072000, got "63072001"`, false},
		{"hsts with unit", map[string]string{"LOTSE_HSTS_MAX_AGE": "1y"}, nil,
			`LOTSE_HSTS_MAX_AGE must be a whole number of seconds between 0 and 63072000, got "1y"`, false},
		{"cert without key", map[string]string{"LOTSE_TLS_CERT": certFile}, nil,
			`LOTSE_TLS_CERT is set but LOTSE_TLS_KEY is not`, true},
		{"key without cert", nil, []string{"--tls-key", keyFile},
			`--tls-key is set but LOTSE_TLS_CERT is not`, true},
		{"cert unreadable", map[string]string{"LOTSE_TLS_CERT": filepath.Join(dir, "missing.pem"), "LOTSE_TLS_KEY": keyFile}, nil,
			`LOTSE_TLS_CERT: open ` + filepath.Join(dir, "missing.pem") + `: no such file or directory`, false},
		{"cert garbage", map[string]string{"LOTSE_TLS_CERT": garbage, "LOTSE_TLS_KEY": keyFile}, nil,
			`LOTSE_TLS_CERT and LOTSE_TLS_KEY: tls: failed to find any PEM data in certificate input`, true},
		{"key and cert swapped", map[string]string{"LOTSE_TLS_CERT": keyFile, "LOTSE_TLS_KEY": certFile}, nil,
			`LOTSE_TLS_CERT and LOTSE_TLS_KEY: tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched`, true},
		{"setup token short", map[string]string{"LOTSE_SETUP_TOKEN": "secret"}, nil,
			`LOTSE_SETUP_TOKEN must be at least 22 characters (128 random bits), got 6`, true},
		{"setup token with space", nil, []string{"--setup-token", "0123456789 0123456789 0123456789"},
			`--setup-token must be printable ASCII without spaces`, false},
		{"setup token file short", map[string]string{"LOTSE_SETUP_TOKEN_FILE": shortFile}, nil,
			`LOTSE_SETUP_TOKEN_FILE must be at least 22 characters (128 random bits), got 12`, true},
		{"setup token file empty", map[string]string{"LOTSE_SETUP_TOKEN_FILE": emptyFile}, nil,
			`LOTSE_SETUP_TOKEN_FILE: the file "` + emptyFile + `" is empty`, false},
		{"setup token file missing", map[string]string{"LOTSE_SETUP_TOKEN_FILE": filepath.Join(dir, "nope")}, nil,
			`LOTSE_SETUP_TOKEN_FILE: open ` + filepath.Join(dir, "nope") + `: no such file or directory`, false},
		{"setup token twice", map[string]string{"LOTSE_SETUP_TOKEN": "0123456789abcdef0123456789", "LOTSE_SETUP_TOKEN_FILE": shortFile}, nil,
			`LOTSE_SETUP_TOKEN and LOTSE_SETUP_TOKEN_FILE are both set`, true},
		{"db is a directory", map[string]string{"LOTSE_DB": dir}, nil,
			`LOTSE_DB must name a file, "` + dir + `" is a directory`, false},
		{"db below a file", nil, []string{"--db", filepath.Join(notDir, "x.db")},
			`--db: create the directory: mkdir ` + notDir + `: not a directory`, false},
		{"db empty", nil, []string{"--db="}, `--db must name the data file`, false},
		{"unknown flag", nil, []string{"--port", "1"}, `flag provided but not defined: -port`, true},
		{"argument", nil, []string{"serve"}, `unexpected argument "serve"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"LOTSE_DB": db}
			for k, v := range tt.env {
				env[k] = v
			}
			_, err := parseConfig(tt.args, envFunc(env), io.Discard)
			if err == nil {
				t.Fatalf("no error, want %q", tt.err)
			}
			if err.Error() != tt.err {
				t.Errorf("error\n%s\nwant\n%s", err, tt.err)
			}
			var ce *configError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T, want *configError", err)
			}
			if (ce.Hint() != "") != tt.hint {
				t.Errorf("hint %q, want a hint: %v", ce.Hint(), tt.hint)
			}
			if strings.Contains(err.Error()+ce.Hint(), "0123456789abcdef") || strings.Contains(err.Error(), "short-secret") {
				t.Error("the error quotes the setup token")
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	secret := "env-secret-0123456789abcdef"
	_, err := parseConfig([]string{"-h"}, envFunc(map[string]string{"LOTSE_SETUP_TOKEN": secret}), &out)
	if !errors.Is(err, errHelp) {
		t.Fatalf("error %v, want errHelp", err)
	}
	for _, name := range []string{"-addr", "LOTSE_ADDR", "-db", "-retention-days", "-setup-token", "-pow-difficulty", "-tls-cert", "-tls-key"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("usage lacks %s", name)
		}
	}
	if strings.Contains(out.String(), secret) {
		t.Error("the usage shows the setup token from the environment")
	}
}

// setupTokenRE is stricter than the harness's: the token is 256 random
// bits in base64url.
var setupTokenRE = regexp.MustCompile(`(?m)^mailboxd: setup token: ([A-Za-z0-9_-]{43})$`)

// startRun runs run in a goroutine and waits until it listens.
func startRun(t *testing.T, env map[string]string, args ...string) (addr string, log *mailboxdtest.LogBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log = &mailboxdtest.LogBuffer{}
	done := make(chan error, 1)
	ended := make(chan struct{})
	go func() {
		done <- run(ctx, args, envFunc(env), log)
		close(ended)
	}()
	m, err := log.Wait(mailboxdtest.ListeningLine, 0, 20*time.Second, ended)
	if err != nil {
		cancel()
		select {
		case runErr := <-done:
			t.Fatalf("run ended before listening: %v\n%s", runErr, log)
		default:
			t.Fatalf("run does not listen: %v\n%s", err, log)
		}
	}
	addr = m[1]
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("run does not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	return addr, log, stop
}

func TestRunStartsAndStops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "lotse.db")
	env := map[string]string{"LOTSE_DB": db, "LOTSE_POW_DIFFICULTY": "4"}
	addr, log, stop := startRun(t, env, "--addr", "127.0.0.1:0")

	m := setupTokenRE.FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no setup token line:\n%s", log)
	}
	first := m[1]
	resp, err := http.Get("http://" + addr + "/api/v1/pow")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /api/v1/pow: %s", resp.Status)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	if !strings.HasSuffix(log.String(), "mailboxd: stopped\n") {
		t.Errorf("no clean stop:\n%s", log)
	}
	if fi, err := os.Stat(filepath.Dir(db)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory: %v, %v", fi, err)
	}

	// Not set up yet: the next start prints a fresh token.
	_, log, stop = startRun(t, env, "--addr", "127.0.0.1:0")
	m = setupTokenRE.FindStringSubmatch(log.String())
	if m == nil || m[1] == first {
		t.Errorf("second start: setup token line %q (first %q)", m, first)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
}

func TestRunConfiguredSetupTokenIsNotPrinted(t *testing.T) {
	token := "configured-0123456789abcdef-0123456789"
	env := map[string]string{"LOTSE_DB": filepath.Join(t.TempDir(), "lotse.db"), "LOTSE_ADDR": "127.0.0.1:0", "LOTSE_SETUP_TOKEN": token}
	_, log, stop := startRun(t, env)
	if err := stop(); err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	if strings.Contains(log.String(), token) || strings.Contains(log.String(), "setup token:") {
		t.Errorf("log shows the setup token:\n%s", log)
	}
}

// TestRunTLS: mailboxd serves HTTPS itself and sends Strict-Transport-Security
// with the configured max-age, or none when it is 0.
func TestRunTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir)
	pemCert, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemCert)
	for i, tc := range []struct{ maxAge, want string }{
		{"", "max-age=31536000"},
		{"600", "max-age=600"},
		{"0", ""},
	} {
		env := map[string]string{"LOTSE_DB": filepath.Join(dir, fmt.Sprintf("lotse%d.db", i)), "LOTSE_TLS_CERT": certFile, "LOTSE_TLS_KEY": keyFile,
			"LOTSE_HSTS_MAX_AGE": tc.maxAge}
		addr, log, stop := startRun(t, env, "--addr", "127.0.0.1:0")
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
		resp, err := hc.Get("https://" + addr + "/api/v1/pow")
		if err != nil {
			t.Fatalf("HTTPS: %v\n%s", err, log)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.TLS == nil {
			t.Errorf("GET /api/v1/pow over HTTPS: %s", resp.Status)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != tc.want {
			t.Errorf("LOTSE_HSTS_MAX_AGE=%q: Strict-Transport-Security %q, want %q", tc.maxAge, got, tc.want)
		}
		hc.CloseIdleConnections()
		if err := stop(); err != nil {
			t.Fatalf("run: %v\n%s", err, log)
		}
	}
}

func TestRunDataFileInUse(t *testing.T) {
	env := map[string]string{"LOTSE_DB": filepath.Join(t.TempDir(), "lotse.db"), "LOTSE_ADDR": "127.0.0.1:0"}
	startRun(t, env)
	var log mailboxdtest.LogBuffer
	err := run(context.Background(), nil, envFunc(env), &log)
	var ce *configError
	if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "open the data file") || ce.Hint() == "" {
		t.Errorf("second server on the same data file: %v", err)
	}
}

func TestRunConfigError(t *testing.T) {
	var log mailboxdtest.LogBuffer
	err := run(context.Background(), []string{"--retention-days", "abc"}, envFunc(nil), &log)
	if err == nil || !strings.Contains(err.Error(), "--retention-days") {
		t.Errorf("error %v", err)
	}
}
