package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lotse/mailbox"
)

// Prometheus metrics on their own listener, which must be on this machine
// (LOTSE_METRICS_ADDR, a loopback address): counts over time show when
// enquirers write, which the public port never tells (GET /readyz says
// only ok). A local Prometheus or agent scrapes them; whoever ships them
// elsewhere decides to share that timing. Besides the API's (api/metrics.go):
// the store's commits and writes (their ratio is the commit batch size),
// the data file's size, the backups, Go's runtime and the process.

func metricsSettings() []*setting {
	return []*setting{
		{flag: "metrics-addr", env: "LOTSE_METRICS_ADDR", usage: "loopback `host:port` to serve Prometheus metrics on at /metrics, e.g. 127.0.0.1:9464 (default: none)"},
	}
}

// parseMetricsAddr accepts nothing or a host:port on a loopback address.
func parseMetricsAddr(s *setting) (string, error) {
	if s.value == "" {
		return "", nil
	}
	if _, err := parseAddr(s); err != nil {
		return "", err
	}
	if !loopback(s.value) {
		return "", &configError{
			msg:  fmt.Sprintf("%s must be a loopback address, got %q", s.source, s.value),
			hint: "the metrics show when people write: serve them on 127.0.0.1 and let a local agent scrape them",
		}
	}
	return s.value, nil
}

// Backups, counted by backupOnce whether or not metrics are served.
var (
	backupsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lotse_backups_total",
		Help: "Scheduled backups by result: ok (checked, encrypted, in place) or failed.",
	}, []string{"result"})
	backupLastSuccess = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "lotse_backup_last_success_timestamp_seconds",
		Help: "When the newest scheduled backup was put in place (Unix time), 0 if none since the start.",
	})
)

// opsMetrics is mailboxd's registry; nil when metrics are off.
type opsMetrics struct {
	reg *prometheus.Registry
}

func newOpsMetrics(cfg *config, store *mailbox.Store) *opsMetrics {
	if cfg.MetricsAddr == "" {
		return nil
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lotse_store_commits_total",
			Help: "Commits of the store; writes_total over commits_total is the mean commit batch size.",
		}, func() float64 { c, _ := store.Stats(); return float64(c) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lotse_store_writes_total",
			Help: "Writes the store committed, each in one of the commits.",
		}, func() float64 { _, w := store.Stats(); return float64(w) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lotse_store_file_bytes",
			Help: "Size of the data file.",
		}, func() float64 {
			fi, err := os.Stat(cfg.DB)
			if err != nil {
				return 0
			}
			return float64(fi.Size())
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lotse_store_disk_free_bytes",
			Help: "Space left on the data file's disk (Linux).",
		}, func() float64 {
			free, _, _ := freeBytes(filepath.Dir(cfg.DB))
			return float64(free)
		}),
		backupsTotal, backupLastSuccess,
	)
	return &opsMetrics{reg: reg}
}

// registerer is what api.Config.Metrics gets: nil when metrics are off.
func (m *opsMetrics) registerer() prometheus.Registerer {
	if m == nil {
		return nil
	}
	return m.reg
}

// serve serves GET /metrics on addr until stop.
func (m *opsMetrics) serve(addr string, stderr io.Writer) (stop func(), err error) {
	if m == nil {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &configError{msg: fmt.Sprintf("metrics: listen on %s: %v", addr, err), hint: "choose another port with LOTSE_METRICS_ADDR"}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "mailboxd: error: metrics: %v\n", err)
		}
	}()
	fmt.Fprintf(stderr, "mailboxd: metrics on http://%s/metrics\n", ln.Addr())
	return func() { hs.Close() }, nil
}
