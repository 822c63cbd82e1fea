package main

import (
	"io"
	"math"
	"runtime/debug"
	"strings"
	"testing"

	"lotse/mailbox"
)

func TestAvailSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := parseConfig(nil, envFunc(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := availConfig{
		MemoryBudget: 512 << 20, MaxConns: 4096, ConnsPerAddress: 64, BodyBudget: 128 << 20,
		IPv4Prefix: 32, IPv6Prefix: 64,
		Disk: mailbox.DiskLimits{Budget: mailbox.DiskAmount{Percent: 40}, MinFree: mailbox.DiskAmount{Percent: 5}},
	}
	if c.Avail != want {
		t.Errorf("defaults %+v, want %+v", c.Avail, want)
	}
	env := map[string]string{
		"LOTSE_MEMORY_BUDGET": "2GiB", "LOTSE_CONNS_PER_ADDRESS": "off", "LOTSE_IPV4_PREFIX": "24",
		"LOTSE_IPV6_PREFIX": "56", "LOTSE_POW_MAX_DIFFICULTY": "10", "LOTSE_STORAGE_BUDGET": "20GiB",
		"LOTSE_MIN_FREE_DISK": "off",
	}
	c, err = parseConfig([]string{"--max-conns", "100"}, envFunc(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want = availConfig{
		MemoryBudget: 2 << 30, MaxConns: 100, ConnsPerAddress: -1, BodyBudget: 512 << 20,
		IPv4Prefix: 24, IPv6Prefix: 56, PowMaxDifficulty: 10,
		Disk: mailbox.DiskLimits{Budget: mailbox.DiskAmount{Bytes: 20 << 30}},
	}
	if c.Avail != want {
		t.Errorf("set %+v, want %+v", c.Avail, want)
	}
	// The connection default follows the memory budget.
	c, err = parseConfig(nil, envFunc(map[string]string{"LOTSE_MEMORY_BUDGET": "1073741824"}), io.Discard)
	if err != nil || c.Avail.MaxConns != 8192 {
		t.Errorf("1 GiB budget: %+v, %v", c.Avail, err)
	}
}

func TestAvailSettingErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct{ env, value, want string }{
		{"LOTSE_MEMORY_BUDGET", "10MiB", "LOTSE_MEMORY_BUDGET must be a size of at least 64 MiB"},
		{"LOTSE_MEMORY_BUDGET", "lots", "LOTSE_MEMORY_BUDGET must be a size"},
		{"LOTSE_MEMORY_BUDGET", "99999999999TiB", "LOTSE_MEMORY_BUDGET must be a size"},
		{"LOTSE_MAX_CONNS", "3", "LOTSE_MAX_CONNS must be"},
		{"LOTSE_CONNS_PER_ADDRESS", "0", "LOTSE_CONNS_PER_ADDRESS must be"},
		{"LOTSE_IPV4_PREFIX", "33", "LOTSE_IPV4_PREFIX must be"},
		{"LOTSE_IPV6_PREFIX", "8", "LOTSE_IPV6_PREFIX must be"},
		{"LOTSE_POW_MAX_DIFFICULTY", "5", "LOTSE_POW_MAX_DIFFICULTY must be"}, // below the default difficulty 6
		{"LOTSE_STORAGE_BUDGET", "0%", "LOTSE_STORAGE_BUDGET must be a share"},
		{"LOTSE_STORAGE_BUDGET", "100", "LOTSE_STORAGE_BUDGET must be a size of at least 1 MiB"},
		{"LOTSE_MIN_FREE_DISK", "101%", "LOTSE_MIN_FREE_DISK must be a share"},
	} {
		refusesSetting(t, tc.env, tc.value, tc.want)
	}
}

// The memory budget becomes the runtime's soft limit, unless GOMEMLIMIT
// is set, which wins.
func TestMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	debug.SetMemoryLimit(math.MaxInt64)
	a := availConfig{MemoryBudget: 300 << 20, MaxConns: 10}
	var out strings.Builder
	a.setMemoryLimit(envFunc(map[string]string{"GOMEMLIMIT": "1GiB"}), &out)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set the limit became %d", got)
	}
	a.setMemoryLimit(envFunc(nil), &out)
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Errorf("limit %d, want %d", got, 300<<20)
	}
	if !strings.Contains(out.String(), "GOMEMLIMIT is set and wins") || !strings.Contains(out.String(), "memory budget 300 MiB, 10 connections") {
		t.Errorf("output %q", out.String())
	}
}
