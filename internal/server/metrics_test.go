package server_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// probeArgs is a job kind of the test's own, to see jobs counted.
type probeArgs struct{}

func (probeArgs) Kind() string { return "metrics_probe" }

// The metrics, scraped from their own listener as Prometheus would: a
// request counts under its route pattern and status, a failed sign-in
// counts, and the pool, job, runtime and process series are there. The
// public router does not serve them.
func TestMetrics(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	m := httptest.NewServer(ts.srv.Metrics())
	t.Cleanup(m.Close)
	c := ts.client(t)

	before := scrape(t, m.URL)
	get(t, c, ts.URL+"/login")
	get(t, c, ts.URL+"/login")
	get(t, c, ts.URL+"/reset/secret-token-42")         // no such link: 404
	get(t, c, ts.URL+"/o/somewhere-secret/tenders/42") // signed out: sent to sign in
	post(t, c, ts.URL+"/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}})
	client, err := river.NewClient[pgx.Tx](riverpgxv5.New(ts.db.Owner), &river.Config{SkipUnknownJobCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Insert(t.Context(), probeArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	after := scrape(t, m.URL)

	for _, tt := range []struct {
		series string
		moved  float64
	}{
		{`tally_http_requests_total{method="GET",route="/login",status="200"}`, 2},
		{`tally_http_request_duration_seconds_count{method="GET",route="/login"}`, 2},
		{`tally_http_requests_total{method="GET",route="/reset/{token}",status="404"}`, 1},
		// The signed-out check comes before the routes inside /o/{org}.
		{`tally_http_requests_total{method="GET",route="/o/{org}/*",status="303"}`, 1},
		{`tally_http_requests_total{method="POST",route="/login",status="422"}`, 1},
		{`tally_sign_in_failures_total{reason="password"}`, 1},
		{`tally_security_events_total{event="sign_in_failed"}`, 1},
		{`tally_jobs{kind="metrics_probe",state="available"}`, 1},
	} {
		if got := after[tt.series] - before[tt.series]; got != tt.moved {
			t.Errorf("%s moved by %v, want %v", tt.series, got, tt.moved)
		}
	}
	for _, series := range []string{
		`tally_db_pool_max_connections`, `tally_db_pool_acquires_total`, `tally_db_pool_connections`,
		`tally_database_up`, `go_goroutines`, `process_resident_memory_bytes`,
		`tally_sign_in_failures_total{reason="link"}`,
	} {
		if _, ok := after[series]; !ok {
			t.Errorf("no series %s", series)
		}
	}
	if after["tally_db_pool_max_connections"] != 8 || after["tally_database_up"] != 1 || after["tally_db_pool_acquires_total"] == 0 {
		t.Errorf("pool max %v, acquires %v, database up %v; want 8, more than 0, 1", after["tally_db_pool_max_connections"],
			after["tally_db_pool_acquires_total"], after["tally_database_up"])
	}
	for series := range after {
		if strings.Contains(series, "secret") {
			t.Errorf("a path, not a route pattern, in %s", series)
		}
	}
	if resp, _ := get(t, c, ts.URL+"/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public router: %d, want 404", resp.StatusCode)
	}
}

// scrape reads the metrics endpoint's text format into series → value.
func scrape(t *testing.T, endpoint string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: status %d", resp.StatusCode)
	}
	series := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape: %q: %v", line, err)
		}
		series[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return series
}
