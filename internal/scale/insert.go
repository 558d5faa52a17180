package scale

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// columns are rows kept column by column, to bind as arrays to unnest.
type columns struct {
	cols [][]any
	n    int
}

func (c *columns) add(vals ...any) {
	if c.cols == nil {
		c.cols = make([][]any, len(vals))
	}
	for i, v := range vals {
		c.cols[i] = append(c.cols[i], v)
	}
	c.n++
}

// slice is rows [lo, hi) as query arguments.
func (c *columns) slice(lo, hi int) []any {
	args := make([]any, len(c.cols))
	for i, col := range c.cols {
		args[i] = col[lo:hi]
	}
	return args
}

// batchRows is how many rows one INSERT carries: a few thousand keeps each
// statement's arrays to a few megabytes.
const batchRows = 5000

// The INSERTs, one per table, each taking its columns as arrays.
const (
	insertTenders = `
		INSERT INTO tenders (partner_id, id, reference, title, description, category, estimated_value, contract_start, contract_end,
		                     weighting, deadline, status, published_at, cancelled_at, cancel_reason, submitted_offers, created_by,
		                     created_at, updated_at)
		OVERRIDING SYSTEM VALUE
		SELECT p, i, r, t, d, c, v, cs, ce, w, dl, s, pa, ca, cr, so, nullif(cb, 0), at, at
		FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::date[], $9::date[],
		            $10::int[], $11::timestamptz[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::text[], $16::int[],
		            $17::bigint[], $18::timestamptz[]) AS x(p, i, r, t, d, c, v, cs, ce, w, dl, s, pa, ca, cr, so, cb, at)`
	insertMeasures = `
		INSERT INTO tender_measures (partner_id, tender_id, id, position, measure_id, edition, code, title, unit, proxy, local, plugin,
		                             max_per_million, published)
		OVERRIDING SYSTEM VALUE
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::bigint[], $6::text[], $7::text[], $8::text[],
		                     $9::text[], $10::bigint[], $11::bool[], $12::text[], $13::bigint[], $14::bool[])`
	insertOffers = `
		INSERT INTO offers (partner_id, id, tender_id, supplier_id, status, counted, bid_price, social_value, version, revision,
		                    sealed_until, submitted_at, created_at, updated_at)
		OVERRIDING SYSTEM VALUE
		SELECT p, i, t, s, st, c, b, v, ve, r, coalesce(su, 'infinity'), sa, ca, ua
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::bool[], $7::bigint[], $8::bigint[],
		            $9::int[], $10::int[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[])
		     AS x(p, i, t, s, st, c, b, v, ve, r, su, sa, ca, ua)`
	insertLines = `
		INSERT INTO offer_lines (partner_id, offer_id, tender_id, tender_measure_id, supplier_id, sealed_until, quantity, statement, value)
		SELECT p, o, t, m, s, coalesce(su, 'infinity'), q, st, v
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::timestamptz[], $7::bigint[], $8::text[],
		            $9::bigint[]) AS x(p, o, t, m, s, su, q, st, v)`
	insertSubmissions = `
		INSERT INTO offer_submissions (partner_id, offer_id, tender_id, revision, kind, supplier_id, sealed_until, reference,
		                               submitted_at, sha256, content)
		SELECT p, o, t, r, k, s, su, ref, sa, h, c::jsonb
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::bigint[], $7::timestamptz[], $8::text[],
		            $9::timestamptz[], $10::text[], $11::text[]) AS x(p, o, t, r, k, s, su, ref, sa, h, c)`
	insertContracts = `
		INSERT INTO contracts (partner_id, id, supplier_id, tender_id, offer_id, reference, title, value, start_date, end_date,
		                       awarded_on, created_by)
		OVERRIDING SYSTEM VALUE
		SELECT p, i, s, t, o, r, ti, v, sd, ed, aw, nullif(cb, 0)
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::bigint[],
		            $9::date[], $10::date[], $11::date[], $12::bigint[]) AS x(p, i, s, t, o, r, ti, v, sd, ed, aw, cb)`
	insertKPIs = `
		INSERT INTO kpis (partner_id, contract_id, id, supplier_id, position, tender_measure_id, measure_id, edition, code, title, unit,
		                  proxy, local, plugin, quantity)
		OVERRIDING SYSTEM VALUE
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[], $6::bigint[], $7::bigint[], $8::text[],
		                     $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bool[], $14::text[], $15::bigint[])`
	insertTargets = `
		INSERT INTO kpi_targets (partner_id, contract_id, kpi_id, supplier_id, period, period_start, period_end, due, target)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[], $6::date[], $7::date[], $8::date[],
		                     $9::bigint[])`
	insertReturns = `
		INSERT INTO returns (partner_id, id, contract_id, supplier_id, period, period_start, period_end, due, status, narrative,
		                     attest_contract, attest_period, version, submitted_at, created_at, updated_at)
		OVERRIDING SYSTEM VALUE
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[], $6::date[], $7::date[], $8::date[],
		                     $9::text[], $10::text[], $11::bool[], $12::bool[], $13::int[], $14::timestamptz[], $15::timestamptz[],
		                     $16::timestamptz[])`
	insertReturnLines = `
		INSERT INTO return_lines (partner_id, return_id, kpi_id, contract_id, supplier_id, quantity, decision, note, decided_by, decided_at)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::text[],
		                     $9::bigint[], $10::timestamptz[])`
)

// insert writes the chunk: staff-scoped tables under the partners' scope,
// and each supplier's offers under that supplier's scope, pipelined.
func (ch *chunk) insert(ctx context.Context, tx pgx.Tx, w *world, c *Counts) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('app.supplier_id', '', true)`)
	queue(b, insertTenders, &ch.tenders)
	queue(b, insertMeasures, &ch.measures)
	for _, s := range ch.suppliers {
		r := ch.offers[s]
		b.Queue(`SELECT set_config('app.supplier_id', $1, true)`, strconv.FormatInt(s, 10))
		queue(b, insertOffers, &r.offers)
		queue(b, insertLines, &r.lines)
		queue(b, insertSubmissions, &r.submissions)
		c.Offers += r.offers.n
		c.OfferLines += r.lines.n
		c.Submissions += r.submissions.n
	}
	b.Queue(`SELECT set_config('app.supplier_id', '', true)`)
	queue(b, insertContracts, &ch.contracts)
	queue(b, insertKPIs, &ch.kpis)
	queue(b, insertTargets, &ch.targets)
	queue(b, insertReturns, &ch.returns)
	queue(b, insertReturnLines, &ch.returnLines)
	c.Tenders += ch.tenders.n
	c.TenderMeasures += ch.measures.n
	c.Contracts += ch.contracts.n
	c.KPIs += ch.kpis.n
	c.Targets += ch.targets.n
	c.Returns += ch.returns.n
	c.ReturnLines += ch.returnLines.n
	return tx.SendBatch(ctx, b).Close()
}

func queue(b *pgx.Batch, sql string, c *columns) {
	for lo := 0; lo < c.n; lo += batchRows {
		b.Queue(sql, c.slice(lo, min(lo+batchRows, c.n))...)
	}
}

// setScope gives the loading transaction every partner in scope.
func setScope(ctx context.Context, tx pgx.Tx, w *world) error {
	ids := "{"
	for i, p := range w.partners {
		if i > 0 {
			ids += ","
		}
		ids += strconv.FormatInt(p.id, 10)
	}
	_, err := tx.Exec(ctx, `SELECT set_config('app.partner_ids', $1, true)`, ids+"}")
	return err
}

// allocator hands out identity values reserved in blocks.
type allocator struct{ free map[string][]int64 }

func (a *allocator) next(ctx context.Context, tx pgx.Tx, table string) (int64, error) {
	if a.free == nil {
		a.free = map[string][]int64{}
	}
	if len(a.free[table]) == 0 {
		ids, err := reserve(ctx, tx, table, 20000)
		if err != nil {
			return 0, err
		}
		a.free[table] = ids
	}
	id := a.free[table][0]
	a.free[table] = a.free[table][1:]
	return id, nil
}
