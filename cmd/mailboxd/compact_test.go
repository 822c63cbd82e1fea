package main

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"lotse/internal/mailboxdtest"
	"lotse/mailbox"
)

func TestConfigCompactHours(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	for _, tc := range []struct {
		env  string
		args []string
		want int
		err  string
	}{
		{"", nil, 24, ""},
		{"0", nil, 0, ""},
		{"720", nil, 720, ""},
		{"6", []string{"--compact-hours", "1"}, 1, ""},
		{"721", nil, 0, `LOTSE_COMPACT_HOURS must be a whole number of hours between 0 and 720, got "721"`},
		{"-1", nil, 0, `LOTSE_COMPACT_HOURS must be a whole number of hours between 0 and 720, got "-1"`},
		{"", []string{"--compact-hours=1.5"}, 0, `--compact-hours must be a whole number of hours between 0 and 720, got "1.5"`},
		{"daily", nil, 0, `LOTSE_COMPACT_HOURS must be a whole number of hours between 0 and 720, got "daily"`},
	} {
		c := parseOrRefuse(t, tc.args, map[string]string{"LOTSE_DB": db, "LOTSE_COMPACT_HOURS": tc.env}, tc.err)
		if c != nil && c.CompactHours != tc.want {
			t.Errorf("%q %q: %d hours, want %d", tc.env, tc.args, c.CompactHours, tc.want)
		}
	}
}

func TestNextCompaction(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	berlin := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		now   time.Time
		every time.Duration
		want  string
	}{
		{at("2027-02-26T13:47:12Z"), 24 * time.Hour, "2027-02-27T00:00:00Z"},
		{at("2027-02-26T00:00:00Z"), 24 * time.Hour, "2027-02-27T00:00:00Z"},
		{at("2027-02-26T23:59:59Z"), 24 * time.Hour, "2027-02-27T00:00:00Z"},
		{at("2027-02-26T13:47:12Z").In(berlin), 24 * time.Hour, "2027-02-27T00:00:00Z"},
		{at("2027-02-26T13:47:12Z"), 6 * time.Hour, "2027-02-26T18:00:00Z"},
		{at("2027-02-26T13:47:12Z"), time.Hour, "2027-02-26T14:00:00Z"},
		{at("2027-02-26T13:47:12Z"), 168 * time.Hour, "2027-03-04T00:00:00Z"}, // Thursdays, as 1970-01-01
	} {
		if got := nextCompaction(tc.now, tc.every).Format(time.RFC3339); got != tc.want {
			t.Errorf("nextCompaction(%v, %v) = %s, want %s", tc.now, tc.every, got, tc.want)
		}
	}
}

func TestCompactLoop(t *testing.T) {
	store, err := mailbox.Open(mailbox.Options{Path: filepath.Join(t.TempDir(), "lotse.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var log mailboxdtest.LogBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		compactLoop(ctx, store, 100*time.Millisecond, &log)
	}()
	twice := regexp.MustCompile(`(?s)mailboxd: compacted the data file: .*mailboxd: compacted the data file: `)
	if _, err := log.Wait(twice, 0, 10*time.Second, done); err != nil {
		t.Fatalf("%v:\n%s", err, log.String())
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("compactLoop does not stop")
	}

	// Off: returns at once.
	compactLoop(context.Background(), store, 0, &log)
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 32768: "32.0 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
