package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
)

// digestKey is partner p's digest for the ISO week (London) of today:
// one a week, sent by the first sweep of the week that has something to
// say, from Monday 7am.
func digestKey(p tally.Org, today time.Time) ledgerKey {
	y, w := today.ISOWeek()
	return ledgerKey{partner: p.ID, kind: kindDigest, item: p.ID, org: p.ID, period: fmt.Sprintf("%d-W%02d", y, w)}
}

// ratingKeys name the ratings a contract is reported in a digest with: a
// contract is reported the first time it has each.
var ratingKeys = map[tally.Rating]string{
	tally.RatingRequiresImprovement: "requires_improvement",
	tally.RatingInadequate:          "inadequate",
}

// sendDigest sends partner p's weekly digest to its contract managers, in
// p's scope, unless this week's was sent or there is nothing to say. The
// contracts it reports as newly rated are recorded in the ledger in the
// same transaction, so the next digest leaves them out; they roll back
// with it when it is not sent (another sweep sent this week's first).
func (s *Store) sendDigest(ctx context.Context, p tally.Org, now time.Time) (bool, error) {
	today := londonDay(now)
	return s.remindOnce(ctx, partnerScope(p.ID), now, func(tx pgx.Tx) (ledgerKey, []notify.Telling, error) {
		key := digestKey(p, today)
		d := notify.Digest{Partner: p}
		var err error
		if d.ToCheck, d.ToCheckCount, err = returnsToCheck(ctx, tx, p, digestItems); err != nil {
			return key, nil, fmt.Errorf("returns to check: %w", err)
		}
		if d.Overdue, d.OverdueCount, err = overdueReturns(ctx, tx, p, today, digestItems); err != nil {
			return key, nil, fmt.Errorf("overdue returns: %w", err)
		}
		low, err := lowRatedContracts(ctx, tx, p, today)
		if err != nil {
			return key, nil, fmt.Errorf("ratings: %w", err)
		}
		for _, c := range low {
			first, err := recordSent(ctx, tx, ledgerKey{partner: p.ID, kind: kindDigestRating, item: c.Contract.ID, org: p.ID,
				period: ratingKeys[c.Rating]}, now)
			if err != nil {
				return key, nil, err
			}
			if first {
				if d.RatedCount < digestItems {
					d.Rated = append(d.Rated, c)
				}
				d.RatedCount++
			}
		}
		if d.Empty() {
			return key, nil, nil // nothing to say this time
		}
		users, err := digestPeople(ctx, tx, p.ID)
		n := notify.WeeklyDigest(d, route.Path("/o/{org}/returns", p.Slug))
		return key, []notify.Telling{notify.DigestTo(n, p, users)}, err
	})
}

// returnsToCheck lists up to limit of partner p's returns submitted and
// awaiting verification, longest waiting first, and how many there are.
func returnsToCheck(ctx context.Context, tx pgx.Tx, p tally.Org, limit int) ([]tally.Return, int, error) {
	rows, err := tx.Query(ctx, `
		SELECT r.id, r.contract_id, c.reference, c.title, s.name, r.period, r.due, count(*) OVER ()
		FROM returns r JOIN contracts c ON c.partner_id = r.partner_id AND c.id = r.contract_id
		JOIN organisations s ON s.id = r.supplier_id
		WHERE r.partner_id = $1 AND r.status = 'submitted'
		ORDER BY r.submitted_at, r.id LIMIT $2`, p.ID, limit)
	if err != nil {
		return nil, 0, err
	}
	return digestReturns(rows, p)
}

// overdueReturns lists up to limit of partner p's returns not submitted by
// their due date (before today), most overdue first, and how many there
// are. A return not started has ID 0.
func overdueReturns(ctx context.Context, tx pgx.Tx, p tally.Org, today time.Time, limit int) ([]tally.Return, int, error) {
	rows, err := tx.Query(ctx, `
		SELECT coalesce(r.id, 0), t.contract_id, c.reference, c.title, s.name, t.period, t.due, count(*) OVER ()
		FROM contract_periods t
		JOIN contracts c ON c.partner_id = t.partner_id AND c.id = t.contract_id
		JOIN organisations s ON s.id = t.supplier_id
		LEFT JOIN returns r ON r.partner_id = t.partner_id AND r.contract_id = t.contract_id AND r.period = t.period
		WHERE t.partner_id = $1 AND NOT t.submitted AND t.due < $2::date
		ORDER BY t.due, t.contract_id, t.period LIMIT $3`, p.ID, today, limit)
	if err != nil {
		return nil, 0, err
	}
	return digestReturns(rows, p)
}

func digestReturns(rows pgx.Rows, p tally.Org) ([]tally.Return, int, error) {
	total := 0
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tally.Return, error) {
		rt := tally.Return{Contract: tally.Contract{Partner: p}}
		c := &rt.Contract
		err := row.Scan(&rt.ID, &c.ID, &c.Reference, &c.Title, &c.Supplier.Name, &rt.Period.Number, &rt.Period.Due, &total)
		return rt, err
	})
	return list, total, err
}

// lowRatedContracts rates partner p's live contracts with KPIs at today
// (as ContractRatings does, from the contract rollups, with p's bands)
// and returns those rated Requires improvement or Inadequate.
func lowRatedContracts(ctx context.Context, tx pgx.Tx, p tally.Org, today time.Time) ([]tally.ContractStatus, error) {
	bands := tally.DefaultBands()
	rows, err := tx.Query(ctx, `
		SELECT c.id, c.reference, c.title, s.name, coalesce(lp.expected, 0), coalesce(lp.delivered, 0),
		       coalesce(ps.band_good, $3), coalesce(ps.band_approaching, $4), coalesce(ps.band_requires_improvement, $5)
		FROM contracts c JOIN organisations s ON s.id = c.supplier_id
		LEFT JOIN LATERAL `+lastPeriodSQL+` lp ON true
		LEFT JOIN partner_settings ps ON ps.partner_id = c.partner_id
		WHERE c.partner_id = $1 AND c.end_date >= $2::date - 90 AND c.kpi_count > 0
		ORDER BY c.id`, p.ID, today, bands.Good, bands.Approaching, bands.RequiresImprovement)
	if err != nil {
		return nil, err
	}
	all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tally.ContractStatus, error) {
		cs := tally.ContractStatus{Contract: tally.Contract{Partner: p}}
		c := &cs.Contract
		var b tally.Bands
		err := row.Scan(&c.ID, &c.Reference, &c.Title, &c.Supplier.Name, &cs.Expected, &cs.Delivered, &b.Good, &b.Approaching, &b.RequiresImprovement)
		cs.Rating = tally.Rate(cs.Delivered, cs.Expected, b)
		return cs, err
	})
	low := all[:0]
	for _, cs := range all {
		if _, ok := ratingKeys[cs.Rating]; ok {
			low = append(low, cs)
		}
	}
	return low, err
}
