// Package metrics is Kori's Prometheus instrumentation: requests by route
// and status with their latency, receipts and lines ingested, the nightly
// privacy runs and offers runs with their row counts, and the database
// pools. It counts and times; it never holds a member's data, so the
// labels are route patterns and outcomes, never paths, ids or e-mails.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kori-project/kori"
)

// Metrics holds Kori's collectors in a registry of its own.
type Metrics struct {
	reg                *prometheus.Registry
	requests           *prometheus.CounterVec
	latency            *prometheus.HistogramVec
	receipts           *prometheus.CounterVec
	lines              prometheus.Counter
	retentionRuns      prometheus.Counter
	deletedRows        *prometheus.CounterVec
	inactivityErased   prometheus.Counter
	inactivityNotified prometheus.Counter
	offersRuns         prometheus.Counter
	offersMembers      prometheus.Gauge
	offersMade         prometheus.Gauge
}

// New returns Kori's metrics, with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kori_http_requests_total",
		Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kori_http_request_duration_seconds",
		Help: "HTTP request latency by route pattern.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}},
		[]string{"route"})
	m.receipts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kori_receipts_ingested_total",
		Help: "Receipts received over HTTP by outcome: stored, duplicate, not_stored, rejected."}, []string{"status"})
	m.lines = prometheus.NewCounter(prometheus.CounterOpts{Name: "kori_receipt_lines_ingested_total",
		Help: "Lines of the receipts stored over HTTP, as sent."})
	m.retentionRuns = prometheus.NewCounter(prometheus.CounterOpts{Name: "kori_retention_runs_total", Help: "Nightly privacy runs."})
	m.deletedRows = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kori_privacy_deleted_rows_total",
		Help: "Rows deleted by the nightly privacy run, by reason (retention, inactivity) and table."}, []string{"reason", "table"})
	m.inactivityErased = prometheus.NewCounter(prometheus.CounterOpts{Name: "kori_inactivity_members_erased_total",
		Help: "Members deleted for inactivity."})
	m.inactivityNotified = prometheus.NewCounter(prometheus.CounterOpts{Name: "kori_inactivity_members_notified_total",
		Help: "Members told a month before the inactivity deletion."})
	m.offersRuns = prometheus.NewCounter(prometheus.CounterOpts{Name: "kori_offers_runs_total", Help: "Offers runs."})
	m.offersMembers = prometheus.NewGauge(prometheus.GaugeOpts{Name: "kori_offers_last_run_members",
		Help: "Members eligible for offers in the last run."})
	m.offersMade = prometheus.NewGauge(prometheus.GaugeOpts{Name: "kori_offers_last_run_offers", Help: "Offers made by the last run."})
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.receipts, m.lines, m.retentionRuns, m.deletedRows,
		m.inactivityErased, m.inactivityNotified, m.offersRuns, m.offersMembers, m.offersMade,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Request counts one HTTP request; route is the pattern that served it
// ("GET /api/v1/me/receipts/{id}"), or "unmatched".
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(took.Seconds())
}

// Ingested counts the outcomes of receipts received.
func (m *Metrics) Ingested(stored, duplicates, notStored, rejected, lines int) {
	for status, n := range map[string]int{"stored": stored, "duplicate": duplicates, "not_stored": notStored, "rejected": rejected} {
		m.receipts.WithLabelValues(status).Add(float64(n))
	}
	m.lines.Add(float64(lines))
}

// Privacy counts one nightly privacy run: its retention deletions and
// the members notified and erased for inactivity.
func (m *Metrics) Privacy(retention []kori.Deletion, notified int, erased []kori.Deletion) {
	m.retentionRuns.Inc()
	for _, d := range append(append([]kori.Deletion{}, retention...), erased...) {
		for table, n := range d.Rows {
			m.deletedRows.WithLabelValues(string(d.Reason), table).Add(float64(n))
		}
	}
	m.inactivityNotified.Add(float64(notified))
	m.inactivityErased.Add(float64(len(erased)))
}

// Offers records one offers run.
func (m *Metrics) Offers(members, offers int) {
	m.offersRuns.Inc()
	m.offersMembers.Set(float64(members))
	m.offersMade.Set(float64(offers))
}

// DBPool reports a connection pool's statistics under name (write, read).
func (m *Metrics) DBPool(name string, pool *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
}
