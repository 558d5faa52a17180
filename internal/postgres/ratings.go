package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// ContractStatuses rates every live contract in scope that has KPIs (or
// just contractID when it is not 0): verified delivery to date against the
// phased targets of the periods whose returns were due by asOf (a quarter
// counts once its return is due), per KPI and by committed value, with
// each partner's bands, and counts overdue returns.
func (s *Store) ContractStatuses(ctx context.Context, scope tally.Scope, contractID int64, asOf time.Time) (_ []tally.ContractStatus, err error) {
	defer derrors.Wrap(&err, "Store.ContractStatuses(%d)", contractID)
	var out []tally.ContractStatus
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		bands := map[int64]tally.Bands{}
		brows, err := tx.Query(ctx, `SELECT partner_id, band_good, band_approaching, band_requires_improvement FROM partner_settings`)
		if err != nil {
			return err
		}
		for brows.Next() {
			var id int64
			var b tally.Bands
			if err := brows.Scan(&id, &b.Good, &b.Approaching, &b.RequiresImprovement); err != nil {
				return err
			}
			bands[id] = b
		}
		if err := brows.Err(); err != nil {
			return err
		}
		// Set-based: the live contracts once, then each KPI's targets due
		// and verified delivery summed per KPI, and the overdue periods per
		// contract (not per KPI row), joined back to the KPIs.
		live, args := `c.end_date >= $1::date - 90`, []any{asOf}
		if contractID != 0 {
			live, args = `c.id = $2`, append(args, contractID)
		}
		rows, err := tx.Query(ctx, `
			WITH c AS (
				SELECT c.partner_id, c.id, c.supplier_id, c.reference, c.title, c.value FROM contracts c WHERE `+live+`),
			e AS (
				SELECT k.partner_id, k.id, sum(t.target) AS expected
				FROM c JOIN kpis k ON k.partner_id = c.partner_id AND k.contract_id = c.id
				JOIN kpi_targets t ON t.partner_id = k.partner_id AND t.kpi_id = k.id
				WHERE t.due <= $1::date
				GROUP BY k.partner_id, k.id),
			d AS (
				SELECT k.partner_id, k.id, sum(l.quantity) AS delivered
				FROM c JOIN kpis k ON k.partner_id = c.partner_id AND k.contract_id = c.id
				JOIN return_lines l ON l.partner_id = k.partner_id AND l.kpi_id = k.id
				JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
				WHERE l.decision = 'verified' AND r.due <= $1::date
				GROUP BY k.partner_id, k.id),
			o AS (
				SELECT t.partner_id, t.contract_id, count(DISTINCT t.period) AS overdue
				FROM c JOIN kpi_targets t ON t.partner_id = c.partner_id AND t.contract_id = c.id
				WHERE t.due < $1::date
				  AND NOT EXISTS (SELECT 1 FROM returns r WHERE r.partner_id = t.partner_id AND r.contract_id = t.contract_id
				                  AND r.period = t.period AND r.status <> 'draft')
				GROUP BY t.partner_id, t.contract_id)
			SELECT c.id, c.partner_id, p.name, c.supplier_id, s.name, c.reference, c.title, c.value,
			       k.id, k.code, k.title, k.unit, coalesce(k.proxy, 0), k.proxy IS NOT NULL, k.quantity,
			       coalesce(e.expected, 0), coalesce(d.delivered, 0), coalesce(o.overdue, 0)
			FROM c JOIN kpis k ON k.partner_id = c.partner_id AND k.contract_id = c.id
			JOIN organisations p ON p.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
			LEFT JOIN e ON e.partner_id = k.partner_id AND e.id = k.id
			LEFT JOIN d ON d.partner_id = k.partner_id AND d.id = k.id
			LEFT JOIN o ON o.partner_id = c.partner_id AND o.contract_id = c.id
			ORDER BY c.id, k.position`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c tally.Contract
			var k tally.KPI
			var st tally.KPIStatus
			var overdue int
			if err := rows.Scan(&c.ID, &c.Partner.ID, &c.Partner.Name, &c.Supplier.ID, &c.Supplier.Name, &c.Reference, &c.Title, &c.Value,
				&k.ID, &k.Code, &k.Title, &k.Unit, &k.Proxy, &k.HasProxy, &k.Quantity, &st.Expected, &st.Delivered, &overdue); err != nil {
				return err
			}
			if len(out) == 0 || out[len(out)-1].Contract.ID != c.ID {
				out = append(out, tally.ContractStatus{Contract: c, Overdue: overdue})
			}
			cs := &out[len(out)-1]
			b, ok := bands[c.Partner.ID]
			if !ok {
				b = tally.DefaultBands()
			}
			st.KPI = k
			st.Rating = tally.Rate(st.Delivered, st.Expected, b)
			cs.KPIs = append(cs.KPIs, st)
			if k.HasProxy {
				d, _ := tally.LineValue(st.Delivered, k.Proxy)
				e, _ := tally.LineValue(st.Expected, k.Proxy)
				cs.Delivered += d
				cs.Expected += e
				cs.Contract.Committed += k.Value()
			}
			cs.Rating = tally.Rate(cs.Delivered, cs.Expected, b)
		}
		return rows.Err()
	})
	return out, translate(err)
}

// ReturnSummary is a return in a list.
type ReturnSummary struct {
	ID         int64
	ContractID int64
	Contract   string
	Reference  string
	Partner    string
	Supplier   string
	Period     int
	Due        time.Time
	Status     tally.ReturnStatus
}

// Returns lists returns in scope with the given statuses, oldest due first.
func (s *Store) Returns(ctx context.Context, scope tally.Scope, statuses []tally.ReturnStatus, limit int) (_ []ReturnSummary, err error) {
	defer derrors.Wrap(&err, "Store.Returns()")
	var list []ReturnSummary
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		st := make([]string, len(statuses))
		for i, x := range statuses {
			st[i] = string(x)
		}
		rows, err := tx.Query(ctx, `
			SELECT r.id, r.contract_id, c.title, c.reference, p.name, s.name, r.period, r.due, r.status
			FROM returns r JOIN contracts c ON c.partner_id = r.partner_id AND c.id = r.contract_id
			JOIN organisations p ON p.id = r.partner_id JOIN organisations s ON s.id = r.supplier_id
			WHERE r.status = ANY ($1) ORDER BY r.due, r.id LIMIT $2`, st, limit)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ReturnSummary])
		return err
	})
	return list, translate(err)
}

// DuePeriod is a reporting period whose return is not yet submitted.
type DuePeriod struct {
	ContractID int64
	Contract   string
	Reference  string
	Partner    string
	Supplier   string
	Period     int
	End        time.Time // exclusive
	Due        time.Time
	ReturnID   int64 // a draft, if started
	Overdue    bool
}

// DuePeriods lists ended periods of contracts in scope whose return has
// not been submitted, most overdue first.
func (s *Store) DuePeriods(ctx context.Context, scope tally.Scope, asOf time.Time, limit int) (_ []DuePeriod, err error) {
	defer derrors.Wrap(&err, "Store.DuePeriods()")
	var list []DuePeriod
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		// contract_periods marks each period's return submitted (migration
		// 000010): the worklist reads the few unsubmitted periods by index
		// rather than checking every period's return.
		rows, err := tx.Query(ctx, `
			SELECT t.contract_id, c.title, c.reference, p.name, s.name, t.period, t.period_end, t.due, coalesce(r.id, 0), t.due < $1::date
			FROM contract_periods t
			JOIN contracts c ON c.partner_id = t.partner_id AND c.id = t.contract_id
			JOIN organisations p ON p.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
			LEFT JOIN returns r ON r.partner_id = t.partner_id AND r.contract_id = t.contract_id AND r.period = t.period
			WHERE NOT t.submitted AND t.period_end <= $1::date
			ORDER BY t.due, c.id LIMIT $2`, asOf, limit)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[DuePeriod])
		return err
	})
	return list, translate(err)
}

// ContractPeriod is a contract's reporting period with its return, if any.
type ContractPeriod struct {
	Period   int
	Start    time.Time
	End      time.Time // exclusive
	Due      time.Time
	ReturnID int64
	Status   tally.ReturnStatus // "" when no return was started
	Ended    bool
	Overdue  bool
}

// ContractPeriods lists a contract's reporting periods and their returns.
func (s *Store) ContractPeriods(ctx context.Context, scope tally.Scope, contractID int64) (_ []ContractPeriod, err error) {
	defer derrors.Wrap(&err, "Store.ContractPeriods(%d)", contractID)
	var list []ContractPeriod
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT t.period, t.period_start, t.period_end, t.due, coalesce(r.id, 0), coalesce(r.status, ''),
			       t.period_end <= current_date, t.due < current_date AND coalesce(r.status, 'draft') = 'draft'
			FROM (SELECT DISTINCT partner_id, contract_id, period, period_start, period_end, due FROM kpi_targets
			      WHERE partner_id = (SELECT partner_id FROM contracts WHERE id = $1) AND contract_id = $1) t
			LEFT JOIN returns r ON r.partner_id = t.partner_id AND r.contract_id = t.contract_id AND r.period = t.period
			ORDER BY t.period`, contractID)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ContractPeriod])
		return err
	})
	return list, translate(err)
}

// liveRatingsSQL reads each live contract's committed value, its last
// period due by $2 and its partner's bands ($3-$5 when it has none).
const liveRatingsSQL = `
	SELECT c.committed, coalesce(p.expected, 0), coalesce(p.delivered, 0),
	       coalesce(ps.band_good, $3), coalesce(ps.band_approaching, $4), coalesce(ps.band_requires_improvement, $5)
	FROM contracts c LEFT JOIN LATERAL ` + lastPeriodSQL + ` p ON true
	LEFT JOIN partner_settings ps ON ps.partner_id = c.partner_id
	WHERE c.partner_id = ANY ($1) AND c.end_date >= $2::date - 90 AND c.kpi_count > 0`

// ContractRatings rates the live contracts in scope that have KPIs (only
// supplierID's when it is not 0) at asOf, as ContractStatuses does but
// from the contract rollups and without each KPI's detail: the contract,
// its expected and delivered value to date, its rating with its partner's
// bands, and its overdue returns. It is what lists of contracts need.
func (s *Store) ContractRatings(ctx context.Context, scope tally.Scope, supplierID int64, asOf time.Time) (_ []tally.ContractStatus, err error) {
	defer derrors.Wrap(&err, "Store.ContractRatings(%d)", supplierID)
	var out []tally.ContractStatus
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rated, err := contractRatings(ctx, tx, supplierID, asOf)
		out = make([]tally.ContractStatus, len(rated))
		for i, r := range rated {
			out[i] = r.ContractStatus
		}
		return err
	})
	return out, translate(err)
}

// ratedContract is a contract's status as ContractRatings gives it, with
// the bands it was rated with.
type ratedContract struct {
	tally.ContractStatus
	bands tally.Bands
}

// contractRatings is ContractRatings inside a transaction (the weekly
// digest rates contracts with it too), keeping each contract's bands.
func contractRatings(ctx context.Context, tx pgx.Tx, supplierID int64, asOf time.Time) ([]ratedContract, error) {
	bands := tally.DefaultBands()
	rows, err := tx.Query(ctx, `
		SELECT c.id, c.partner_id, o.name, c.supplier_id, s.name, c.reference, c.title, c.value, c.committed,
		       coalesce(p.expected, 0), coalesce(p.delivered, 0),
		       (SELECT count(*) FROM contract_periods d
		        WHERE d.partner_id = c.partner_id AND d.contract_id = c.id AND NOT d.submitted AND d.due < $2::date),
		       coalesce(ps.band_good, $3), coalesce(ps.band_approaching, $4), coalesce(ps.band_requires_improvement, $5)
		FROM contracts c JOIN organisations o ON o.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
		LEFT JOIN LATERAL `+lastPeriodSQL+` p ON true
		LEFT JOIN partner_settings ps ON ps.partner_id = c.partner_id
		WHERE c.end_date >= $2::date - 90 AND c.kpi_count > 0 AND ($1 = 0 OR c.supplier_id = $1)
		ORDER BY c.id`, supplierID, asOf, bands.Good, bands.Approaching, bands.RequiresImprovement)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ratedContract, error) {
		var rc ratedContract
		c, b := &rc.Contract, &rc.bands
		err := r.Scan(&c.ID, &c.Partner.ID, &c.Partner.Name, &c.Supplier.ID, &c.Supplier.Name, &c.Reference, &c.Title, &c.Value,
			&c.Committed, &rc.Expected, &rc.Delivered, &rc.Overdue, &b.Good, &b.Approaching, &b.RequiresImprovement)
		rc.Rating = tally.Rate(rc.Delivered, rc.Expected, *b)
		return rc, err
	})
}

// RatingTotal counts contracts with one rating and their committed value.
type RatingTotal struct {
	Contracts int
	Committed tally.Pence
}

// LiveRatings rates the partners' live contracts at asOf (those with KPIs
// ending no more than 90 days before it, as ContractStatuses lists them)
// and totals them by rating. It reads the contract rollups (migration
// 000010), so it costs one index probe per contract, not a sum over every
// KPI's targets and returns; ContractStatuses gives the same ratings with
// each KPI's detail.
func (s *Store) LiveRatings(ctx context.Context, scope tally.Scope, partners []int64, asOf time.Time) (_ map[tally.Rating]RatingTotal, err error) {
	defer derrors.Wrap(&err, "Store.LiveRatings()")
	return s.liveRatings(ctx, scope, partners, asOf)
}

// liveRatings is LiveRatings without the wrap, for callers inside the store.
func (s *Store) liveRatings(ctx context.Context, scope tally.Scope, partners []int64, asOf time.Time) (_ map[tally.Rating]RatingTotal, err error) {
	totals := map[tally.Rating]RatingTotal{}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, liveRatingsSQL,
			partners, asOf, tally.DefaultBands().Good, tally.DefaultBands().Approaching, tally.DefaultBands().RequiresImprovement)
		if err != nil {
			return err
		}
		var committed, expected, delivered tally.Pence
		var b tally.Bands
		_, err = pgx.ForEachRow(rows, []any{&committed, &expected, &delivered, &b.Good, &b.Approaching, &b.RequiresImprovement}, func() error {
			rt := tally.Rate(delivered, expected, b)
			t := totals[rt]
			t.Contracts++
			t.Committed += committed
			totals[rt] = t
			return nil
		})
		return err
	})
	return totals, translate(err)
}
