package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// rssMB reads VmRSS of a process from /proc/PID/status: everything
// resident, including pages of the data file that the kernel has mapped in.
func rssMB(pid int) (float64, error) { return procStatusMB(pid, "VmRSS") }

// pollRSS samples a process's VmRSS and RssAnon every interval until stop
// is closed; the func it returns waits for that and gives the peaks.
func pollRSS(pid int, interval time.Duration, stop <-chan struct{}) func() rssPeak {
	var peak rssPeak
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if r, err := rssMB(pid); err == nil {
				peak.all = max(peak.all, r)
			}
			if r, err := anonMB(pid); err == nil {
				peak.anon = max(peak.anon, r)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() rssPeak { <-done; return peak }
}

// anonMB reads RssAnon: the process's own memory, without mapped file
// pages (bbolt's mmap of the data file), which the kernel can drop.
func anonMB(pid int) (float64, error) { return procStatusMB(pid, "RssAnon") }

func procStatusMB(pid int, field string) (float64, error) {
	if pid <= 0 {
		return -1, fmt.Errorf("no pid")
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return -1, err
			}
			return kb / 1024, nil
		}
	}
	return -1, fmt.Errorf("no %s for pid %d", field, pid)
}

// fdatasyncRate writes 4 KiB and calls fdatasync in a loop for d, on a new
// file next to the data file (so on the same disk), and removes it: the
// rate at which the disk makes one small write durable, one at a time.
// Group commit should beat it: many submissions share one sync.
func fdatasyncRate(path string, d time.Duration) (float64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer os.Remove(path)
	defer f.Close()
	buf := make([]byte, 4096)
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		if _, err := f.WriteAt(buf, int64(n%256)*4096); err != nil {
			return 0, err
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// allocatedBytes is the space the file takes on disk (st_blocks), not its
// length: bbolt grows its file ahead of need.
func allocatedBytes(path string) (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, err
	}
	return st.Blocks * 512, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
