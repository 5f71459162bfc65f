// Package metrics exposes Tollgate's operational figures to Prometheus:
// requests and latency per REST route and per MCP tool, authorization
// decisions by reason, usage batch sizes and the recorder's queue, the
// background job backlog, and the database pool. It is a surface of its own:
// the domain reports through small hooks (billing.Options) and is read at
// scrape time; it never imports this package.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds Tollgate's collectors in a registry of its own.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	tools     *prometheus.CounterVec
	toolTime  *prometheus.HistogramVec
	decisions *prometheus.CounterVec
	batches   prometheus.Histogram
}

// New returns the metrics of a process over pool; queueDepth reports the
// usage events waiting for a batch worker.
func New(pool *pgxpool.Pool, queueDepth func() int) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_http_requests_total",
		Help: "REST requests by route pattern and status."}, []string{"route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tollgate_http_request_duration_seconds",
		Help: "REST request latency by route pattern.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"route"})
	m.tools = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_mcp_tool_calls_total",
		Help: "MCP tool calls by tool and outcome (ok or error)."}, []string{"tool", "outcome"})
	m.toolTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tollgate_mcp_tool_call_duration_seconds",
		Help: "MCP tool call latency by tool.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"tool"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_authorizations_total",
		Help: "Authorization decisions: approved, or declined with its reason."}, []string{"decision", "reason"})
	m.batches = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tollgate_usage_batch_size",
		Help: "Events per usage batch transaction.", Buckets: prometheus.ExponentialBuckets(1, 2, 10)})
	m.reg.MustRegister(m.requests, m.latency, m.tools, m.toolTime, m.decisions, m.batches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tollgate_usage_queue_depth",
			Help: "Usage calls waiting for a batch worker."}, func() float64 { return float64(queueDepth()) }),
		&poolCollector{pool: pool})
	return m
}

// Handler serves the metrics in Prometheus's text format; with a token, only
// to requests that bear it.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "metrics need Authorization: Bearer <TOLLGATE_METRICS_TOKEN>", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ObserveRequest records one REST request.
func (m *Metrics) ObserveRequest(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// ObserveTool records one MCP tool call.
func (m *Metrics) ObserveTool(tool string, failed bool, d time.Duration) {
	outcome := "ok"
	if failed {
		outcome = "error"
	}
	m.tools.WithLabelValues(tool, outcome).Inc()
	m.toolTime.WithLabelValues(tool).Observe(d.Seconds())
}

// ObserveAuthorization records one authorization decision.
func (m *Metrics) ObserveAuthorization(approved bool, reason string) {
	decision := "approved"
	if !approved {
		decision = "declined"
	}
	m.decisions.WithLabelValues(decision, reason).Inc()
}

// ObserveBatch records the size of one usage batch.
func (m *Metrics) ObserveBatch(events int) { m.batches.Observe(float64(events)) }

// poolCollector reads the database pool and the job backlog at scrape time.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolConns = prometheus.NewDesc("tollgate_db_pool_connections", "Database pool connections by state.", []string{"state"}, nil)
	poolWaits = prometheus.NewDesc("tollgate_db_pool_acquire_waits_total", "Acquires that had to wait for a connection.", nil, nil)
	jobs      = prometheus.NewDesc("tollgate_jobs", "Background jobs by kind and state (River).", []string{"kind", "state"}, nil)
)

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolConns
	ch <- poolWaits
	ch <- jobs
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(st.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(st.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(st.MaxConns()), "max")
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := c.pool.Query(ctx, `SELECT kind, state::text, count(*) FROM river_job
		WHERE state NOT IN ('completed', 'discarded', 'cancelled') GROUP BY kind, state`)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var n int64
		if rows.Scan(&kind, &state, &n) == nil {
			ch <- prometheus.MustNewConstMetric(jobs, prometheus.GaugeValue, float64(n), kind, state)
		}
	}
}
