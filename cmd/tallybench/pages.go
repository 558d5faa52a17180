package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// benchDashboard times the shared service's dashboard for last financial
// year (complete, so every figure is there), warm, and then the same store
// calls the handler makes, timed directly on the app role's pool.
func benchDashboard(ctx context.Context, o options, srv *server, store *postgres.Store, r *report) error {
	c, err := srv.login("director@star.example", demo.Password)
	if err != nil {
		return err
	}
	fy := tally.FinancialYear(tally.FinancialYearOf(time.Now())) - 1
	r.fy = fy.Label()
	url := fmt.Sprintf("%s/o/star/dashboard?fy=%d", srv.base, int(fy))
	var page []time.Duration
	for i := range o.dashboards + 5 {
		d, err := get(c, url)
		if err != nil {
			return err
		}
		if i >= 5 {
			page = append(page, d)
		}
	}
	u, _, err := store.UserByEmail(ctx, "director@star.example")
	if err != nil {
		return err
	}
	a, err := store.Access(ctx, u.ID, "star")
	if err != nil {
		return err
	}
	partners := make([]int64, len(a.Partners))
	for i, p := range a.Partners {
		partners[i] = p.ID
	}
	asOf := func(y tally.FinancialYear) time.Time { return y.End().AddDate(0, 0, -1) }
	// The bare SQL: the store call the page makes (its four reads at
	// once), and the same four one after another.
	var bare, serial []time.Duration
	for i := range o.dashboards + 5 {
		start := time.Now()
		if _, err := store.Dashboard(ctx, a.Scope, partners, fy, asOf(fy), asOf(fy.Previous())); err != nil {
			return err
		}
		if i >= 5 {
			bare = append(bare, time.Since(start))
		}
	}
	for i := range o.dashboards + 5 {
		start := time.Now()
		if _, err := store.Figures(ctx, a.Scope, partners, fy, asOf(fy)); err != nil {
			return err
		}
		if _, err := store.Figures(ctx, a.Scope, partners, fy.Previous(), asOf(fy.Previous())); err != nil {
			return err
		}
		if _, err := store.DashboardBreakdowns(ctx, a.Scope, partners, fy); err != nil {
			return err
		}
		if _, err := store.LiveRatings(ctx, a.Scope, partners, asOf(fy)); err != nil {
			return err
		}
		if i >= 5 {
			serial = append(serial, time.Since(start))
		}
	}
	r.dashSerial = summarise(serial)
	r.dashPage, r.dashSQL = summarise(page), summarise(bare)
	return nil
}

// get fetches url and reads the body, failing unless it is 200.
func get(c *http.Client, url string) (time.Duration, error) {
	start := time.Now()
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return d, nil
}

// benchLists loads each list page, and the floor page, from o.connections
// workers for o.duration each. The machine's speed drifts (other work on
// the host), so the pages take turns in o.rounds rounds of
// o.duration/o.rounds and each page's figures add up its rounds: the
// ratios to the floor compare pages measured side by side.
func benchLists(ctx context.Context, o options, srv *server, r *report) error {
	buyer, err := srv.login("buyer@star.example", demo.Password)
	if err != nil {
		return err
	}
	supplier, err := srv.login("bids@northernbuild.example", demo.Password)
	if err != nil {
		return err
	}
	pages := []struct {
		name string
		c    *http.Client
		url  string
		dst  *throughput
	}{
		{"floor: /o/star/notifications", buyer, "/o/star/notifications", &r.floor},
		{"tender list: /o/star/tenders?status=awarded&partner=stockport", buyer, "/o/star/tenders?status=awarded&partner=stockport", &r.tenders},
		{"opportunities: /o/northernbuild/opportunities?category=services", supplier, "/o/northernbuild/opportunities?category=services", &r.opportunities},
	}
	rounds := max(1, o.rounds)
	samples := make([][]time.Duration, len(pages))
	for range rounds {
		for i, p := range pages {
			t, lat := load(ctx, p.c, srv.base+p.url, o.connections, o.duration/time.Duration(rounds), srv.cmd.Process.Pid)
			d := p.dst
			d.name, d.requests, d.errors, d.elapsed = p.name, d.requests+t.requests, d.errors+t.errors, d.elapsed+t.elapsed
			d.cpu = d.cpu.add(t.cpu)
			samples[i] = append(samples[i], lat...)
		}
	}
	for i, p := range pages {
		p.dst.rps = float64(p.dst.requests) / p.dst.elapsed.Seconds()
		p.dst.lat = summarise(samples[i])
	}
	return nil
}

// throughput is one page under load.
type throughput struct {
	name     string
	requests int
	errors   int64
	elapsed  time.Duration
	rps      float64
	lat      latencies
	cpu      cpuTimes // used while loading, by the server, PostgreSQL and the driver
}

// load requests url from n workers until d has passed, and returns the
// successful requests' latencies too.
func load(ctx context.Context, c *http.Client, url string, n int, d time.Duration, serverPID int) (throughput, []time.Duration) {
	// Warm up: every worker's connection, and the page's caches.
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { _, _ = get(c, url) })
	}
	wg.Wait()
	var errs atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	deadline := time.Now().Add(d)
	cpu := readCPU(serverPID)
	start := time.Now()
	for range n {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				lat, err := get(c, url)
				if err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, lat)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	return throughput{requests: len(all), errors: errs.Load(), elapsed: elapsed, cpu: readCPU(serverPID).sub(cpu)}, all
}

// latencies summarise a sample.
type latencies struct{ n, p50, p95, p99, max time.Duration }

func summarise(ds []time.Duration) latencies {
	if len(ds) == 0 {
		return latencies{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return latencies{n: time.Duration(len(s)), p50: at(0.50), p95: at(0.95), p99: at(0.99), max: s[len(s)-1]}
}
