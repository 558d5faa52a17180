package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// report is what make bench prints.
type report struct {
	size, fy                      string
	dashPage, dashSQL, dashSerial latencies
	floor, tenders, opportunities throughput
	burst                         burst
	rssKB                         int
	rssErr                        error
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func (r report) print(out io.Writer) {
	fmt.Fprintf(out, "\n### make bench: %s dataset, %d CPUs (GOMAXPROCS), %s\n\n", r.size, runtime.GOMAXPROCS(0), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintln(out, "| Measure | Result | Target | |")
	fmt.Fprintln(out, "|---|---|---|---|")
	if p, s := r.dashPage, r.dashSQL; p.n > 0 {
		ratio95 := float64(p.p95) / float64(max(s.p95, 1))
		fmt.Fprintf(out, "| Dashboard, shared service, FY %s, warm (n=%d): p50 / p95 | %s / %s | p95 ≤ 100 ms | %s |\n", r.fy, p.n, ms(p.p50), ms(p.p95), verdict(p.p95 <= 100*time.Millisecond))
		fmt.Fprintf(out, "| Dashboard bare SQL (Store.Dashboard: its four reads at once): p50 / p95 | %s / %s | | |\n", ms(s.p50), ms(s.p95))
		fmt.Fprintf(out, "| Dashboard SQL one read after another (Figures ×2, DashboardBreakdowns, LiveRatings): p50 / p95 | %s / %s | | |\n", ms(r.dashSerial.p50), ms(r.dashSerial.p95))
		fmt.Fprintf(out, "| Dashboard page ÷ bare SQL, p50 / p95 | %.2f× / %.2f× | ≤ 1.5× | %s |\n", float64(p.p50)/float64(max(s.p50, 1)), ratio95, verdict(ratio95 <= 1.5))
	}
	for _, t := range []throughput{r.tenders, r.opportunities, r.floor} {
		if t.name == "" {
			continue // not measured (-only)
		}
		line := fmt.Sprintf("| %s, 64 connections: req/s, p99 (errors) | %.0f req/s, p99 %s (%d) | ", t.name, t.rps, ms(t.lat.p99), t.errors)
		if t.name == r.floor.name {
			fmt.Fprintln(out, line+"the floor | |")
			continue
		}
		rel := t.rps / max(r.floor.rps, 1)
		ok := t.rps >= 1500 && t.lat.p99 <= 50*time.Millisecond && rel >= 0.5 && t.errors == 0
		fmt.Fprintf(out, "%s÷ floor %.2f× | ≥ 1,500 req/s, p99 ≤ 50 ms, ≥ 0.5× floor | %s |\n", line, rel, verdict(ok))
	}
	if b := r.burst; b.suppliers > 0 {
		fmt.Fprintf(out, "| Offer burst: %d suppliers starting within %s, all done in %s: errors / lost | %d / %d (receipts %d, in DB %d, tender count %d) | 0 / 0, within 60 s | %s |\n",
			b.suppliers, b.within, b.window.Round(time.Second), b.errors, b.lost, b.receipts, b.stored, b.counted,
			verdict(b.errors == 0 && b.lost == 0 && b.window <= 60*time.Second))
		fmt.Fprintf(out, "| Offer burst latency: submit POST p50 / p99; whole journey (3 POSTs + 3 GETs) p99 | %s / %s; %s | | |\n", ms(b.submit.p50), ms(b.submit.p99), ms(b.flow.p99))
	}
	if r.rssErr != nil {
		fmt.Fprintf(out, "| Peak server RSS (VmHWM) | %v | ≤ 150 MB | |\n", r.rssErr)
	} else {
		fmt.Fprintf(out, "| Peak server RSS (VmHWM) | %.0f MB | ≤ 150 MB | %s |\n", float64(r.rssKB)/1024, verdict(r.rssKB <= 150*1024))
	}
	if r.floor.requests > 0 {
		fmt.Fprintln(out, "\nCPU time per request while each page was loaded (the server, PostgreSQL and this driver share the cores):")
		fmt.Fprintln(out, "\n| Page | server | PostgreSQL | driver |\n|---|---|---|---|")
		for _, t := range []throughput{r.tenders, r.opportunities, r.floor} {
			if t.requests == 0 {
				continue
			}
			per := func(d time.Duration) string {
				return fmt.Sprintf("%.0f µs", float64(d.Microseconds())/float64(t.requests))
			}
			fmt.Fprintf(out, "| %s | %s | %s | %s |\n", t.name, per(t.cpu.server), per(t.cpu.postgres), per(t.cpu.driver))
		}
	}
	if r.burst.firstErr != "" {
		fmt.Fprintf(out, "\nFirst burst error: %s\n", r.burst.firstErr)
	}
}
