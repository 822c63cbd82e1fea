package deploy

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lotse/internal/mailboxdtest"
)

func TestMain(m *testing.M) { os.Exit(mailboxdtest.Main(m)) }

// tool returns the path of a checker, or skips the test saying so.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed: its check of the example is skipped (apt install %s)", name, name)
	}
	return p
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// unitDirectives are the directives of a systemd unit, by key, in order.
func unitDirectives(text string) map[string][]string {
	d := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok {
			d[k] = append(d[k], v)
		}
	}
	return d
}

func TestSystemdUnit(t *testing.T) {
	unit := read(t, "lotse-mailboxd.service")
	d := unitDirectives(unit)
	for k, want := range map[string]string{
		"User": "lotse", "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
		"StateDirectory": "lotse", "StateDirectoryMode": "0700", "UMask": "0077", "ProtectHome": "yes",
		"CapabilityBoundingSet": "", "EnvironmentFile": "/etc/lotse/mailboxd.env", "KillSignal": "SIGTERM",
	} {
		if got := d[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	// The data file and the backups are below the state directory, the one
	// place the unit lets mailboxd write.
	env := envFile(t)
	for _, k := range []string{"LOTSE_DB", "LOTSE_BACKUP_DIR"} {
		if !strings.HasPrefix(env[k], "/var/lib/lotse/") {
			t.Errorf("mailboxd.env: %s=%q lies outside the state directory /var/lib/lotse", k, env[k])
		}
	}

	analyze := tool(t, "systemd-analyze")
	dir := t.TempDir()
	// verify wants ExecStart to exist; the unit names where it is installed.
	test := strings.Replace(unit, "ExecStart=/usr/local/bin/mailboxd", "ExecStart=/bin/true", 1)
	p := filepath.Join(dir, "lotse-mailboxd.service")
	if err := os.WriteFile(p, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", p).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// systemd's own score of the hardening: 0 (locked down) to 10.
	out, err := exec.Command(analyze, "security", "--offline=true", "--threshold=20", p).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security: exposure above 2.0, or it failed: %v\n%s", err, tail(out))
	}
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(len(lines)-5, 0):], "\n")
}

// envFile reads mailboxd.env's settings.
func envFile(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, line := range strings.Split(read(t, "mailboxd.env"), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	return env
}

// Event streams must be unbuffered and outlive mailboxd's keep-alive
// comments (25 s); every proxy overwrites the client address header
// mailboxd reads; bodies up to mailboxd's largest (1 MiB, the keyring)
// pass, so that mailboxd answers larger ones itself.
const (
	maxBody      = 1 << 20
	streamRoutes = "/api/v1/events /api/v1/mailbox/events"
)

// nginxLocations returns each "location = path { … }" block's body.
func nginxLocations(conf string) map[string]string {
	m := map[string]string{}
	for _, match := range regexp.MustCompile(`(?s)location = (\S+) \{(.*?)\}`).FindAllStringSubmatch(conf, -1) {
		m[match[1]] = match[2]
	}
	return m
}

func nginxSeconds(v string) int {
	n, _ := strconv.Atoi(strings.TrimRight(v, "smh"))
	switch {
	case strings.HasSuffix(v, "h"):
		return n * 3600
	case strings.HasSuffix(v, "m"):
		return n * 60
	}
	return n
}

func TestNginxSettings(t *testing.T) {
	env := envFile(t)
	for _, name := range []string{"nginx/lotse.conf", "tor/nginx-onion.conf"} {
		conf := read(t, name)
		locs := nginxLocations(conf)
		for _, route := range strings.Fields(streamRoutes) {
			body, ok := locs[route]
			if !ok {
				t.Errorf("%s: no location for the event stream %s", name, route)
				continue
			}
			if !strings.Contains(body, "proxy_buffering off;") {
				t.Errorf("%s: %s is buffered", name, route)
			}
			m := regexp.MustCompile(`proxy_read_timeout (\S+);`).FindStringSubmatch(body)
			if m == nil || nginxSeconds(m[1]) < 3600 {
				t.Errorf("%s: %s: proxy_read_timeout %v, want an hour or more", name, route, m)
			}
		}
		if !regexp.MustCompile(`(?m)^\s*proxy_set_header ` + regexp.QuoteMeta(env["LOTSE_PROXY_HEADER"]) + ` \$(remote_addr|proxy_protocol_addr);`).MatchString(conf) {
			t.Errorf("%s does not overwrite %s with the client's address", name, env["LOTSE_PROXY_HEADER"])
		}
		m := regexp.MustCompile(`client_max_body_size (\d+)m;`).FindStringSubmatch(conf)
		if m == nil {
			t.Errorf("%s: no client_max_body_size", name)
		} else if n, _ := strconv.Atoi(m[1]); n<<20 < maxBody || n<<20 > 2*maxBody {
			t.Errorf("%s: client_max_body_size %sm, want 1 to 2 MiB", name, m[1])
		}
		if strings.Count(conf, "access_log off;") != strings.Count(conf, "server {") {
			t.Errorf("%s: a server block logs accesses (addresses)", name)
		}
		if strings.Contains(conf, "gzip on") || strings.Contains(conf, "proxy_cache ") && !strings.Contains(conf, "proxy_cache off") {
			t.Errorf("%s compresses or caches", name)
		}
	}
}

func TestCaddySettings(t *testing.T) {
	conf := read(t, "caddy/Caddyfile")
	for _, want := range []string{
		"reverse_proxy 127.0.0.1:8080", "header_up " + envFile(t)["LOTSE_PROXY_HEADER"] + " {remote_host}",
		"flush_interval -1", "read_timeout 1h", "max_size 2MiB",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
	for _, bad := range []string{"\n\tencode", "\n\tlog"} {
		if strings.Contains(conf, bad) {
			t.Errorf("Caddyfile has %q", strings.TrimSpace(bad))
		}
	}
	caddy := tool(t, "caddy")
	cmd := exec.Command(caddy, "validate", "--config", "caddy/Caddyfile", "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Valid configuration") {
		t.Errorf("caddy validate: %v\n%s", err, tail(out))
	}
}

func TestTorConfig(t *testing.T) {
	torrc := read(t, "tor/torrc")
	if !strings.Contains(torrc, "HiddenServicePort 80 127.0.0.1:8081") || !strings.Contains(read(t, "tor/nginx-onion.conf"), "listen 127.0.0.1:8081 proxy_protocol;") {
		t.Error("torrc and nginx-onion.conf do not meet on 127.0.0.1:8081 with the PROXY protocol")
	}
	tor := tool(t, "tor")
	dir := t.TempDir()
	hs := filepath.Join(dir, "hs")
	os.Mkdir(hs, 0o700)
	p := filepath.Join(dir, "torrc")
	os.WriteFile(p, []byte(strings.Replace(torrc, "/var/lib/tor/lotse/", hs+"/", 1)), 0o644)
	out, err := exec.Command(tor, "--verify-config", "-f", p, "--DataDirectory", filepath.Join(dir, "data")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Configuration was valid") {
		t.Errorf("tor --verify-config: %v\n%s", err, tail(out))
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lotse.example.org"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"lotse.example.org"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestNginxInFrontOfMailboxd starts a real mailboxd with the example
// settings (its paths moved into a temporary folder) and nginx with the
// example site in front of it, and requires the health check, the API and
// mailboxd's own security headers through TLS, and HSTS from nginx.
func TestNginxInFrontOfMailboxd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs mailboxd")
	}
	nginx := tool(t, "nginx")
	dir := t.TempDir()

	// mailboxd with mailboxd.env: /var/lib/lotse and /etc/lotse moved.
	state, etc := filepath.Join(dir, "var-lib-lotse"), filepath.Join(dir, "etc-lotse")
	os.MkdirAll(filepath.Join(etc, "content"), 0o755)
	out, err := exec.Command(mailboxdtest.Binary(t), "backup-key", filepath.Join(dir, "backup-key.txt")).Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(etc, "backup-recipients.txt"), out, 0o644)
	var env []string
	for k, v := range envFile(t) {
		v = strings.Replace(v, "/var/lib/lotse", state, 1)
		v = strings.Replace(v, "/etc/lotse", etc, 1)
		if k != "LOTSE_ADDR" {
			env = append(env, k+"="+v)
		}
	}
	srv := mailboxdtest.Start(t, mailboxdtest.Options{Env: env})
	for _, want := range []string{"proxy-header=X-Forwarded-For", "backups=\"" + filepath.Join(state, "backups") + "\" every 24h keep 14 to 1 recipients"} {
		if !strings.Contains(srv.Output(), want) {
			t.Errorf("mailboxd with mailboxd.env: the settings line lacks %q:\n%s", want, srv.Output())
		}
	}

	certFile, keyFile := writeCert(t, dir)
	site := read(t, "nginx/lotse.conf")
	httpPort, httpsPort := freePort(t), freePort(t)
	for old, repl := range map[string]string{
		"listen 80;": "listen 127.0.0.1:" + httpPort + ";", "listen [::]:80;": "",
		"listen 443 ssl http2;": "listen 127.0.0.1:" + httpsPort + " ssl http2;", "listen [::]:443 ssl http2;": "",
		"/etc/letsencrypt/live/lotse.example.org/fullchain.pem": certFile,
		"/etc/letsencrypt/live/lotse.example.org/privkey.pem":   keyFile,
		"/var/log/nginx/lotse-error.log":                        filepath.Join(dir, "nginx-error.log"),
		"http://127.0.0.1:8080":                                 "http://" + srv.Addr,
	} {
		if !strings.Contains(site, old) {
			t.Fatalf("nginx/lotse.conf no longer has %q", old)
		}
		site = strings.ReplaceAll(site, old, repl)
	}
	os.WriteFile(filepath.Join(dir, "site.conf"), []byte(site), 0o644)
	main := "daemon off;\nmaster_process off;\nerror_log stderr;\npid " + filepath.Join(dir, "nginx.pid") + ";\nevents {}\n" +
		"http {\n client_body_temp_path " + dir + "/body;\n proxy_temp_path " + dir + "/proxy;\n include " + filepath.Join(dir, "site.conf") + ";\n}\n"
	mainConf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(mainConf, []byte(main), 0o644)
	if out, err := exec.Command(nginx, "-t", "-c", mainConf).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(nginx, "-c", mainConf)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url string) (*http.Response, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := hc.Do(req)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp, string(b)
			}
			if ctx.Err() != nil {
				t.Fatalf("GET %s through nginx: %v\n%s", url, err, log.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	base := "https://127.0.0.1:" + httpsPort
	resp, body := get(base + "/readyz")
	if resp.StatusCode != 200 || body != "ok\n" {
		t.Errorf("GET /readyz through nginx: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("Content-Security-Policy") != "default-src 'none'" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers through nginx: %v", resp.Header)
	}
	if resp, body := get(base + "/api/v1/pow"); resp.StatusCode != 200 || !strings.Contains(body, `"difficulty"`) {
		t.Errorf("GET /api/v1/pow through nginx: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get("http://127.0.0.1:" + httpPort + "/readyz"); resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(resp.Header.Get("Location"), "https://") {
		t.Errorf("plain HTTP: %d to %q, want a redirect to https", resp.StatusCode, resp.Header.Get("Location"))
	}
}
