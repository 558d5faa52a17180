package metrics

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reads the pool's statistics (pgxpool.Stat) at each scrape.
// It needs no database: it works during an outage too.
type poolCollector struct{ pool *pgxpool.Pool }

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("tally_db_pool_"+name, help, nil, nil)
}

var (
	poolAcquired     = poolDesc("acquired_connections", "Connections in use by a request or job.")
	poolIdle         = poolDesc("idle_connections", "Open connections not in use.")
	poolTotal        = poolDesc("connections", "Open connections, in use or not, and those being opened.")
	poolConstructing = poolDesc("constructing_connections", "Connections being opened.")
	poolMax          = poolDesc("max_connections", "The most connections the pool opens (DB_MAX_CONNS).")
	poolAcquires     = poolDesc("acquires_total", "Connections taken from the pool.")
	poolAcquireWait  = poolDesc("acquire_seconds_total", "Time spent taking connections from the pool, waiting included.")
	poolEmpty        = poolDesc("empty_acquires_total", "Times a connection was wanted and none was idle, so the caller waited or one was opened.")
	poolCanceled     = poolDesc("canceled_acquires_total", "Waits for a connection given up because the request ended.")
	poolNew          = poolDesc("new_connections_total", "Connections opened.")
	poolLifetimeEnds = poolDesc("lifetime_closed_total", "Connections closed for reaching their maximum lifetime.")
	poolIdleEnds     = poolDesc("idle_closed_total", "Connections closed for being idle too long.")
)

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolConstructing, poolMax,
		poolAcquires, poolAcquireWait, poolEmpty, poolCanceled, poolNew, poolLifetimeEnds, poolIdleEnds} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolAcquired, float64(s.AcquiredConns()))
	gauge(poolIdle, float64(s.IdleConns()))
	gauge(poolTotal, float64(s.TotalConns()))
	gauge(poolConstructing, float64(s.ConstructingConns()))
	gauge(poolMax, float64(s.MaxConns()))
	counter(poolAcquires, float64(s.AcquireCount()))
	counter(poolAcquireWait, s.AcquireDuration().Seconds())
	counter(poolEmpty, float64(s.EmptyAcquireCount()))
	counter(poolCanceled, float64(s.CanceledAcquireCount()))
	counter(poolNew, float64(s.NewConnsCount()))
	counter(poolLifetimeEnds, float64(s.MaxLifetimeDestroyCount()))
	counter(poolIdleEnds, float64(s.MaxIdleDestroyCount()))
}

// jobCollector counts River's jobs by kind and state at each scrape, in
// one grouped count of river_job. The workers have River delete finished
// jobs (completed after an hour; see package worker for the others), so
// the table stays small; the query still gives up after jobQueryTimeout,
// leaving the job series out of that scrape and tally_database_up at 0.
type jobCollector struct{ pool *pgxpool.Pool }

const jobQueryTimeout = 2 * time.Second

var (
	jobsDesc = prometheus.NewDesc("tally_jobs", "Background jobs in River's table, by kind and state "+
		"(available, scheduled, running, retryable, completed, cancelled, discarded).", []string{"kind", "state"}, nil)
	dbUpDesc = prometheus.NewDesc("tally_database_up", "1 if the database answered the scrape's job count, else 0.", nil, nil)
)

func (c jobCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- dbUpDesc
}

func (c jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), jobQueryTimeout)
	defer cancel()
	type count struct {
		Kind, State string
		N           int64
	}
	rows, err := c.pool.Query(ctx, `SELECT kind, state::text, count(*) FROM river_job GROUP BY kind, state`)
	var counts []count
	if err == nil {
		counts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (count, error) {
			var n count
			return n, row.Scan(&n.Kind, &n.State, &n.N)
		})
	}
	if err != nil {
		ch <- prometheus.MustNewConstMetric(dbUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(dbUpDesc, prometheus.GaugeValue, 1)
	for _, n := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n.N), n.Kind, n.State)
	}
}
