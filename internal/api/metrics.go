package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are koban's Prometheus metrics, on a registry of its own.
type Metrics struct {
	reg      *prometheus.Registry
	reports  *prometheus.CounterVec
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	orphans  prometheus.Counter
}

// NewMetrics creates the registry with Go and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reports = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "koban_reports_received_total", Help: "Reports stored, by source."}, []string{"source"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "koban_http_requests_total", Help: "HTTP requests, by route pattern and status."}, []string{"route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "koban_http_request_duration_seconds", Help: "HTTP request duration, by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route"})
	m.orphans = prometheus.NewCounter(prometheus.CounterOpts{Name: "koban_evidence_orphans_removed_total",
		Help: "Evidence files removed by the sweep because no report names them (left by a crash or a failed commit)."})
	m.reg.MustRegister(m.reports, m.requests, m.duration, m.orphans, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) received(source string, n int) {
	if m != nil && n > 0 {
		m.reports.WithLabelValues(source).Add(float64(n))
	}
}

// OrphansRemoved counts evidence files the sweep removed.
func (m *Metrics) OrphansRemoved(n int) {
	if m != nil && n > 0 {
		m.orphans.Add(float64(n))
	}
}

// WatchFallbacks publishes how many grouped commits fell back to storing
// one request at a time (store.DB.GroupFallbacks): a rising count means bad
// requests in groups, or a bug, and slower intake either way.
func (m *Metrics) WatchFallbacks(count func() int64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "koban_store_group_fallbacks_total",
		Help: "Grouped report commits that fell back to one request at a time."}, func() float64 { return float64(count()) }))
}

// WatchPatrolQuota publishes what patrol's kept captures take in the file
// store and their quota (KOBAN_PATROL_QUOTA; 0: none), as this server last
// measured or read them: an alert on used ≥ 0.8 × quota (with quota > 0)
// comes before pages stop being kept.
func (m *Metrics) WatchPatrolQuota(used, limit func() int64) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "koban_patrol_captures_bytes",
			Help: "Bytes patrol's kept captures (bodies and screenshots, each file once) take in the file store: the last measurement, plus what this server kept since."},
			func() float64 { return float64(used()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "koban_patrol_quota_bytes",
			Help: "Bytes patrol's captures may take (KOBAN_PATROL_QUOTA); 0: no quota."},
			func() float64 { return float64(limit()) }))
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int)           { w.code = c; w.ResponseWriter.WriteHeader(c) }
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Instrument counts and times requests by the route pattern that served them
// (never the raw path, which may hold a status-link secret).
func (m *Metrics) Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
