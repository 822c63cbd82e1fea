package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"

	"lotse/api"
	"lotse/mailbox"
)

// availConfig bounds what mailboxd spends under attack: memory,
// connections, client prefixes, the rise of the proof of work and disk
// (PROTOCOL.md §6.12 and §7). Unlike limitsConfig its zero values are
// never used: parseAvail resolves every default, because several derive
// from the memory budget.
type availConfig struct {
	MemoryBudget     int64 // LOTSE_MEMORY_BUDGET, bytes; GOMEMLIMIT unless that is set
	MaxConns         int   // LOTSE_MAX_CONNS
	ConnsPerAddress  int   // LOTSE_CONNS_PER_ADDRESS; -1 is off
	BodyBudget       int64 // a quarter of the memory budget
	IPv4Prefix       int   // LOTSE_IPV4_PREFIX
	IPv6Prefix       int   // LOTSE_IPV6_PREFIX
	PowMaxDifficulty int   // LOTSE_POW_MAX_DIFFICULTY; 0: the API's default
	Disk             mailbox.DiskLimits
}

const (
	defaultMemoryBudget = 512 << 20
	minMemoryBudget     = 64 << 20
	// connCost is what one open connection may hold: its goroutine, read
	// and write buffers and the first 8 KiB of a streamed body.
	connCost = 32 << 10
)

func availSettings() []*setting {
	return []*setting{
		{flag: "memory-budget", env: "LOTSE_MEMORY_BUDGET", def: "512MiB", usage: "memory mailboxd aims to stay within, as `bytes` (KiB, MiB, GiB); sets GOMEMLIMIT unless that is set, and the defaults of --max-conns and of the request bodies held at once (a quarter)"},
		{flag: "max-conns", env: "LOTSE_MAX_CONNS", usage: "open `connections` at once, more get 503 (default: a quarter of the memory budget at 32 KiB each, 4096 for 512MiB)"},
		{flag: "conns-per-address", env: "LOTSE_CONNS_PER_ADDRESS", def: "64", usage: "open `connections` per client prefix, more are closed at once, or off (ignored with --proxy-header; behind a Tor onion service set off)"},
		{flag: "ipv4-prefix", env: "LOTSE_IPV4_PREFIX", def: "32", usage: "leading `bits` of an IPv4 address that name one client for the per-address limits (8-32)"},
		{flag: "ipv6-prefix", env: "LOTSE_IPV6_PREFIX", def: "64", usage: "leading `bits` of an IPv6 address that name one client for the per-address limits (16-128)"},
		{flag: "pow-max-difficulty", env: "LOTSE_POW_MAX_DIFFICULTY", usage: "highest proof-of-work `bits` the difficulty rises to under a flood of new mailboxes (default: --pow-difficulty + 4, at most 24)"},
		{flag: "storage-budget", env: "LOTSE_STORAGE_BUDGET", def: "40%", usage: "largest data file that still takes new mailboxes, as `bytes` (KiB … TiB) or a share of its disk (N%), or off"},
		{flag: "min-free-disk", env: "LOTSE_MIN_FREE_DISK", def: "5%", usage: "free space the data file's disk keeps before new mailboxes are refused, as `bytes` or N%, or off"},
	}
}

func parseAvail(get func(string) *setting, powDifficulty int) (availConfig, error) {
	var a availConfig
	var err error
	if a.MemoryBudget, err = parseBytes(get("memory-budget"), minMemoryBudget); err != nil {
		return a, err
	}
	a.BodyBudget = a.MemoryBudget / 4
	a.MaxConns = int(max(64, a.MemoryBudget/4/connCost))
	if s := get("max-conns"); s.value != "" {
		if a.MaxConns, err = parseInt(s, 16, 1<<20, "a whole number of connections"); err != nil {
			return a, err
		}
	}
	if s := get("conns-per-address"); s.value == "off" {
		a.ConnsPerAddress = -1
	} else if a.ConnsPerAddress, err = parseInt(s, 1, 1<<20, `a whole number of connections (or "off")`); err != nil {
		return a, err
	}
	if a.IPv4Prefix, err = parseInt(get("ipv4-prefix"), 8, 32, "a number of bits"); err != nil {
		return a, err
	}
	if a.IPv6Prefix, err = parseInt(get("ipv6-prefix"), 16, 128, "a number of bits"); err != nil {
		return a, err
	}
	if s := get("pow-max-difficulty"); s.value != "" {
		if a.PowMaxDifficulty, err = parseInt(s, powDifficulty, 24, "a whole number of bits, not below --pow-difficulty,"); err != nil {
			return a, err
		}
	}
	if a.Disk.Budget, err = parseDiskAmount(get("storage-budget")); err != nil {
		return a, err
	}
	if a.Disk.MinFree, err = parseDiskAmount(get("min-free-disk")); err != nil {
		return a, err
	}
	return a, nil
}

// apply hands the limits to the API's configuration.
func (a availConfig) apply(c *api.Config) {
	c.MaxConns, c.ConnsPerAddress, c.BodyBudget = a.MaxConns, a.ConnsPerAddress, a.BodyBudget
	c.IPv4Prefix, c.IPv6Prefix, c.PowMaxDifficulty = a.IPv4Prefix, a.IPv6Prefix, a.PowMaxDifficulty
}

// setMemoryLimit makes the memory budget the Go runtime's soft limit,
// unless the operator set GOMEMLIMIT, which the runtime has applied.
func (a availConfig) setMemoryLimit(getenv func(string) string, stderr io.Writer) {
	if getenv("GOMEMLIMIT") != "" {
		fmt.Fprintf(stderr, "mailboxd: memory budget %d MiB; GOMEMLIMIT is set and wins\n", a.MemoryBudget>>20)
		return
	}
	debug.SetMemoryLimit(a.MemoryBudget)
	fmt.Fprintf(stderr, "mailboxd: memory budget %d MiB, %d connections at once\n", a.MemoryBudget>>20, a.MaxConns)
}

var byteUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}, {"", 0}}

// parseBytes reads a whole number of bytes with an optional binary unit.
func parseBytes(s *setting, lo int64) (int64, error) {
	for _, u := range byteUnits {
		num, ok := strings.CutSuffix(s.value, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil || n < 0 || n > 1<<(62-u.shift) || n<<u.shift < lo {
			break
		}
		return n << u.shift, nil
	}
	return 0, &configError{
		msg:  fmt.Sprintf("%s must be a size of at least %d MiB, got %q", s.source, lo>>20, s.value),
		hint: "write bytes or a number with KiB, MiB, GiB or TiB, e.g. 2GiB",
	}
}

// parseDiskAmount reads "off", "N%" or a size.
func parseDiskAmount(s *setting) (mailbox.DiskAmount, error) {
	if s.value == "off" {
		return mailbox.DiskAmount{}, nil
	}
	if num, ok := strings.CutSuffix(s.value, "%"); ok {
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > 100 {
			return mailbox.DiskAmount{}, &configError{msg: fmt.Sprintf("%s must be a share between 1%% and 100%%, got %q", s.source, s.value)}
		}
		return mailbox.DiskAmount{Percent: n}, nil
	}
	n, err := parseBytes(s, 1<<20)
	if err != nil {
		return mailbox.DiskAmount{}, &configError{
			msg:  fmt.Sprintf("%s must be a size of at least 1 MiB, a share like 40%%, or off, got %q", s.source, s.value),
			hint: "write bytes or a number with KiB, MiB, GiB or TiB, e.g. 20GiB",
		}
	}
	return mailbox.DiskAmount{Bytes: n}, nil
}
