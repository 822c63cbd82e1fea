package api

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// gather flattens a registry into "name{label=value,…}" → value.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			key := mf.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, envOptions{cfg: Config{Metrics: reg, ChallengeLimit: Rate{1, time.Hour}}})
	const id = "0123456789abcdef0123456789abcdef"
	e.do(request{method: http.MethodGet, path: "/api/v1/pow"})
	if r := e.do(request{method: http.MethodGet, path: "/api/v1/pow"}); r.status != 429 {
		t.Fatalf("second challenge: %d, want 429", r.status)
	}
	e.do(request{method: http.MethodGet, path: "/api/v1/cases/" + id})
	e.do(request{method: http.MethodGet, path: "/healthz"})
	e.do(request{method: http.MethodGet, path: "/no/such/" + id})

	got := gather(t, reg)
	for key, want := range map[string]float64{
		"lotse_http_requests_total{code=200,method=GET,route=/api/v1/pow}":       1,
		"lotse_http_requests_total{code=429,method=GET,route=/api/v1/pow}":       1,
		"lotse_http_requests_total{code=401,method=GET,route=/api/v1/cases/:id}": 1,
		"lotse_http_requests_total{code=200,method=GET,route=/healthz}":          1,
		"lotse_http_requests_total{code=404,method=GET,route=-}":                 1,
		"lotse_http_rate_limited_total{class=enquirer}":                          1,
		"lotse_http_request_duration_seconds{class=enquirer}":                    2,
		"lotse_http_request_duration_seconds{class=counsellor}":                  1,
		"lotse_http_request_duration_seconds{class=health}":                      1,
		"lotse_event_streams_open{}":                                             0,
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
	for key := range got {
		if strings.Contains(key, id) || strings.Contains(key, "127.0.0.1") {
			t.Errorf("a metric names a request's id or address: %s", key)
		}
	}
}

func TestRouteClass(t *testing.T) {
	for route, want := range map[string]string{
		"/api/v1/team": "enquirer", "/api/v1/pow": "enquirer", "/api/v1/mailboxes": "enquirer",
		"/api/v1/mailbox": "enquirer", "/api/v1/mailbox/messages": "enquirer", "/api/v1/mailbox/events": "enquirer",
		"/api/v1/auth/challenge": "counsellor", "/api/v1/cases/:id": "counsellor", "/api/v1/events": "counsellor",
		"/api/v1/admin/backup": "admin", "/api/v1/admin/compact": "admin",
		"/healthz": "health", "/readyz": "health", "/": "web", "/:file": "web", "/favicon.ico": "web",
		"/info/:lang/:slug": "info", "-": "other",
	} {
		if got := routeClass(route); got != want {
			t.Errorf("routeClass(%q) = %q, want %q", route, got, want)
		}
	}
}
