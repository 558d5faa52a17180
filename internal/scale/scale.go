// Package scale generates a large synthetic history beside the demo: its
// four partners over ten financial years, with tenders, sealed offers,
// awards, contracts with phased KPIs, and verified delivery returns, for
// benchmarks and query-plan tests. It is deterministic (a fixed seed), it
// values every line with the domain's own rules (tally.LineValue,
// tally.ReportingPeriods, tally.PhaseTarget), and it writes with batched
// INSERT … SELECT FROM unnest(…) as the owner role: COPY into tables whose
// row-level security is forced is refused, and the owner is not exempt, so
// every transaction sets the scope the policies ask for.
package scale

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Size is how much history to generate.
type Size struct {
	Name string
	// TendersPerYear is per partner and financial year.
	TendersPerYear int
	Years          int
	Suppliers      int // generated supplier organisations, besides the demo's
}

// Sizes are the sizes `tally seed --scale=` knows. Large is the issue's
// figure (about 40,000 tenders and 3,000,000 offer lines); medium is a
// tenth of it, for query-plan tests; small is for quick checks.
var Sizes = map[string]Size{
	"large":  {Name: "large", TendersPerYear: 1000, Years: 10, Suppliers: 400},
	"medium": {Name: "medium", TendersPerYear: 100, Years: 10, Suppliers: 200},
	"small":  {Name: "small", TendersPerYear: 10, Years: 10, Suppliers: 40},
}

// SupplierSlugPrefix starts every generated supplier's slug; its presence
// means the scale data is loaded.
const SupplierSlugPrefix = "scale-supplier-"

// Counts are the rows a load wrote.
type Counts struct {
	Tenders, TenderMeasures, Offers, OfferLines, Submissions int
	Contracts, KPIs, Targets, Returns, ReturnLines           int
}

// Load adds the scale data of the given size to a database that holds the
// demo (demo.Load), connected as the owner role, in one transaction: it
// loads all of it or nothing. When scale data is there already it changes
// nothing. now fixes the calendar (time.Now() in use; tests pass a fixed
// day for deterministic plans).
func Load(ctx context.Context, pool *pgxpool.Pool, size Size, now time.Time, out io.Writer) (Counts, error) {
	var c Counts
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE slug LIKE $1 || '%'`, SupplierSlugPrefix).Scan(&n); err != nil {
		return c, err
	}
	if n > 0 {
		fmt.Fprintln(out, "tally: the scale data is already loaded")
		return c, nil
	}
	started := time.Now()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Bulk load: spare the WAL flush per batch (the transaction is atomic
		// anyway) and give sorts room.
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		w, err := loadWorld(ctx, tx, size)
		if err != nil {
			return err
		}
		if err := setScope(ctx, tx, w); err != nil {
			return err
		}
		g := newGenerator(w, size, now)
		ids := &allocator{}
		for pi := range w.partners {
			for y := range size.Years {
				ch, err := g.chunk(ctx, tx, ids, pi, g.thisFY-size.Years+1+y)
				if err != nil {
					return err
				}
				if err := ch.insert(ctx, tx, w, &c); err != nil {
					return fmt.Errorf("partner %s, year %d: %w", w.partners[pi].slug, g.thisFY-size.Years+1+y, err)
				}
			}
			fmt.Fprintf(out, "tally: scale %s: partner %s done after %s (%d tenders, %d offer lines so far)\n",
				size.Name, w.partners[pi].slug, time.Since(started).Round(time.Second), c.Tenders, c.OfferLines)
		}
		// What the store writes beside each publication and award: the
		// tenders' measure codes and the contracts' rollups.
		if _, err := tx.Exec(ctx, `
			UPDATE tenders t SET measure_codes = m.codes
			FROM (SELECT partner_id, tender_id, string_agg(code, ', ' ORDER BY position) AS codes
			      FROM tender_measures WHERE published GROUP BY partner_id, tender_id) m
			WHERE t.partner_id = m.partner_id AND t.id = m.tender_id AND t.measure_codes = ''`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			SELECT tally_refresh_contracts(array_agg(partner_id), array_agg(id)), tally_refresh_commitments(array_agg(partner_id), array_agg(id))
			FROM contracts`)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("scale %s: %w", size.Name, err)
	}
	// Fresh statistics, so the planner sees the new sizes at once, and a
	// visibility map, so index-only scans need not visit the heap.
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return c, err
	}
	fmt.Fprintf(out, "tally: loaded the %s scale data in %s: %+v\n", size.Name, time.Since(started).Round(time.Second), c)
	return c, nil
}

// ErrNoDemo means Load found no demo to build on.
var ErrNoDemo = errors.New("scale: load the demo first (tally seed --demo)")
