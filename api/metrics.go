package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics for the operator's monitoring, registered on Config.Metrics
// (mailboxd serves them on a loopback-only listener, never on the API's
// port: counts over time show when enquirers write). Labels are route
// patterns ("/api/v1/cases/:id"), route classes, methods and status codes:
// never a path with an id, an address or anything else of a request.
type metrics struct {
	requests    *prometheus.CounterVec   // route, method, code
	latency     *prometheus.HistogramVec // class
	rateLimited *prometheus.CounterVec   // class
}

// newMetrics registers the API's metrics on reg; nil reg: none.
func newMetrics(s *Server, reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lotse_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lotse_http_request_duration_seconds",
			Help:    "Time to answer a request by route class (an event stream: until its headers are sent).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"class"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lotse_http_rate_limited_total",
			Help: "Requests refused with 429 by a rate limit, by route class.",
		}, []string{"class"}),
	}
	streams := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "lotse_event_streams_open",
		Help: "Event streams open now, enquirers' and counsellors' together.",
	}, func() float64 { return float64(s.hub.open()) })
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.rateLimited, streams} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records one answered request; route is its pattern or "-".
func (m *metrics) observe(method, route string, status int, latency time.Duration) {
	if m == nil {
		return
	}
	class := routeClass(route)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(class).Observe(latency.Seconds())
	if status == 429 {
		m.rateLimited.WithLabelValues(class).Inc()
	}
}

// routeClass groups the routes by who calls them.
func routeClass(route string) string {
	switch {
	case route == "/api/v1/team" || route == "/api/v1/pow" || route == "/api/v1/mailboxes" || strings.HasPrefix(route, "/api/v1/mailbox"):
		return "enquirer"
	case strings.HasPrefix(route, "/api/v1/admin/"):
		return "admin"
	case strings.HasPrefix(route, "/api/v1/"):
		return "counsellor"
	case route == "/healthz" || route == "/readyz":
		return "health"
	case strings.HasPrefix(route, "/info/"):
		return "info"
	case route == "/" || route == "/:file" || route == "/favicon.ico":
		return "web"
	}
	return "other"
}

// open counts the open event streams.
func (h *hub) open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.mailbox {
		n += len(set)
	}
	for _, set := range h.sessions {
		n += len(set)
	}
	return n
}
