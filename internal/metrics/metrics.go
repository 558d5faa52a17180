// Package metrics is Tally's Prometheus metrics: HTTP requests by route
// and status with their latency, the database pool, background jobs,
// security events such as failed sign-ins, and the Go runtime and process.
//
// Each Metrics has its own registry (not Prometheus's global one), served
// by Handler on a listener of its own (METRICS_ADDR), never on the public
// router.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics records what the server does and serves it to Prometheus.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	signInFailures *prometheus.CounterVec
	securityEvents *prometheus.CounterVec
}

// New makes the metrics of a server on pool: its pool statistics and job
// counts are read from pool when Prometheus scrapes.
func New(pool *pgxpool.Pool) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern (not the path) and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tally_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		signInFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_sign_in_failures_total",
			Help: "Sign-ins refused, by reason: password (a wrong email address or password), " +
				"link (an emailed sign-in link that was not valid) or throttled (too many attempts).",
		}, []string{"reason"}),
		securityEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_security_events_total",
			Help: "Security events logged, by event (sign_in_failed, sign_in_throttled, ...).",
		}, []string{"event"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.signInFailures, m.securityEvents,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		poolCollector{pool}, jobCollector{pool})
	for _, reason := range signInFailure {
		m.signInFailures.WithLabelValues(reason) // present at 0 from the start
	}
	return m
}

// Handler serves the metrics in Prometheus's text format. A collector
// that fails (the job counts while the database is down) leaves its
// series out; the rest are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Request records one answered request. route is the router's pattern
// ("/o/{org}/tenders/{tender}"), never the path, so that the series stay
// few; "" (no route matched) is recorded as "unmatched".
func (m *Metrics) Request(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		method = "OTHER" // any string can arrive as a method
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// signInFailure is the reason label of a sign-in failure's security
// event.
var signInFailure = map[string]string{
	"sign_in_failed":       "password",
	"sign_in_link_refused": "link",
	"sign_in_throttled":    "throttled",
}

// SecurityEvent counts a security event by its name, one of the fixed
// names the server logs; the events of a refused sign-in also count a
// sign-in failure.
func (m *Metrics) SecurityEvent(event string) {
	m.securityEvents.WithLabelValues(event).Inc()
	if reason, ok := signInFailure[event]; ok {
		m.signInFailures.WithLabelValues(reason).Inc()
	}
}
