package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lotse/mailbox"
)

func TestMetricsAddrConfig(t *testing.T) {
	db := filepath.Join(t.TempDir(), "lotse.db")
	for _, tc := range []struct{ value, err string }{
		{"", ""},
		{"127.0.0.1:9464", ""},
		{"[::1]:9464", ""},
		{"0.0.0.0:9464", `LOTSE_METRICS_ADDR must be a loopback address, got "0.0.0.0:9464"`},
		{":9464", `LOTSE_METRICS_ADDR must be a loopback address, got ":9464"`},
		{"192.0.2.1:9464", `LOTSE_METRICS_ADDR must be a loopback address, got "192.0.2.1:9464"`},
		{"9464", `LOTSE_METRICS_ADDR must be host:port, got "9464"`},
	} {
		c := parseOrRefuse(t, nil, map[string]string{"LOTSE_DB": db, "LOTSE_METRICS_ADDR": tc.value}, tc.err)
		if c != nil && c.MetricsAddr != tc.value {
			t.Errorf("%q: %q", tc.value, c.MetricsAddr)
		}
	}
}

// TestMetricsScrape runs mailboxd with metrics on and scrapes them as
// Prometheus would, after one API request.
func TestMetricsScrape(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "lotse.db")
	addr, log, stop := startRun(t, map[string]string{"LOTSE_DB": db, "LOTSE_ADDR": "127.0.0.1:0", "LOTSE_METRICS_ADDR": "127.0.0.1:0"})
	m, err := log.Wait(regexp.MustCompile(`(?m)^mailboxd: metrics on (http://127\.0\.0\.1:\d+/metrics)$`), 0, 10*time.Second, nil)
	if err != nil {
		t.Fatalf("no metrics line: %v\n%s", err, log)
	}
	resp, err := http.Get("http://" + addr + "/api/v1/pow")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^lotse_http_requests_total\{code="200",method="GET",route="/api/v1/pow"\} 1$`),
		regexp.MustCompile(`(?m)^lotse_http_request_duration_seconds_count\{class="enquirer"\} 1$`),
		regexp.MustCompile(`(?m)^lotse_event_streams_open 0$`),
		regexp.MustCompile(`(?m)^lotse_store_commits_total [1-9]`), // the setup token
		regexp.MustCompile(`(?m)^lotse_store_writes_total [1-9]`),
		regexp.MustCompile(`(?m)^lotse_store_file_bytes [1-9]`),
		regexp.MustCompile(`(?m)^lotse_store_disk_free_bytes `),
		regexp.MustCompile(`(?m)^go_goroutines [1-9]`),
		regexp.MustCompile(`(?m)^process_resident_memory_bytes [1-9]`),
	} {
		if !want.Match(body) {
			t.Errorf("the scrape lacks %s", want)
		}
	}
	// The public port does not serve them.
	if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("the API's port serves /metrics")
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(m[1]); err == nil {
		t.Error("the metrics listener still answers after the stop")
	}
}

// TestMetricsPortInUse: a metrics address that cannot be had stops the
// start with a message naming it, and leaves the data file closed.
func TestMetricsPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	db := filepath.Join(t.TempDir(), "lotse.db")
	env := map[string]string{"LOTSE_DB": db, "LOTSE_ADDR": "127.0.0.1:0", "LOTSE_METRICS_ADDR": ln.Addr().String()}
	err = run(context.Background(), nil, envFunc(env), io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "metrics: listen on "+ln.Addr().String()) {
		t.Fatalf("run with a taken metrics port: %v", err)
	}
	store, err := mailbox.Open(mailbox.Options{Path: db})
	if err != nil {
		t.Fatalf("the data file is still held: %v", err)
	}
	store.Close()
}
