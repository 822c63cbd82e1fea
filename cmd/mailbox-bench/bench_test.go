package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestShortRun is the CI variant of the benchmark: one second per step at 1
// and 16 clients against a real mailboxd. It checks the JSON shape and that
// messages were stored without errors; it asserts no timing.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs mailboxd")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	err := run(ctx, []string{"--duration", "1s", "--clients", "1,16", "--mailboxes-per-client", "2", "--json", "--dir", t.TempDir()}, &out, &errb)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errb.String())
	}
	want := []string{"clients", "commits_per_s", "disk_bytes_per_message", "errors", "fdatasync_per_s", "p50_ms", "p99_ms", "rss_mb", "submissions_per_s"}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %d:\n%s", len(lines), out.String())
	}
	for i, line := range lines {
		var m map[string]float64
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, line)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want) {
			t.Errorf("line %d fields %v, want %v", i, keys, want)
		}
		if m["clients"] != []float64{1, 16}[i] || m["submissions_per_s"] <= 0 || m["errors"] != 0 ||
			m["rss_mb"] <= 0 || m["disk_bytes_per_message"] <= 0 || m["commits_per_s"] <= 0 || m["fdatasync_per_s"] <= 0 {
			t.Errorf("line %d: %s", i, line)
		}
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"10.0.0.1:8080", "example.org:80", "0.0.0.0:8080", "[::]:80", "localhost"} {
		err := run(context.Background(), []string{"--addr", addr, "--setup-token", "x"}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil {
			t.Errorf("--addr %s accepted", addr)
		}
	}
	err := run(context.Background(), []string{"--addr", "127.0.0.1:1", "--stats-url", "http://192.0.2.1/debug/stats", "--setup-token", "x"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("non-loopback --stats-url: %v", err)
	}
}
