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
// contract is reported the first time it falls to each, and again each
// time it falls to it again after a period rated otherwise (the ledger
// key is the rating and the period the fall began: see
// lowRatedContracts).
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
		low, lowKeys, err := lowRatedContracts(ctx, tx, p, today)
		if err != nil {
			return key, nil, fmt.Errorf("ratings: %w", err)
		}
		for i, c := range low {
			first, err := recordSent(ctx, tx, ledgerKey{partner: p.ID, kind: kindDigestRating, item: c.Contract.ID, org: p.ID,
				period: lowKeys[i]}, now)
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
// (with contractRatings, as the contracts pages do) and returns those
// rated Requires improvement or Inadequate, each with its ledger key: the
// rating and the period its latest fall to that rating began (see
// ratingSince). A contract that stays at the rating keeps its key and is
// reported once; one that recovers and falls again has a new key and is
// reported again.
func lowRatedContracts(ctx context.Context, tx pgx.Tx, p tally.Org, today time.Time) ([]tally.ContractStatus, []string, error) {
	// Partner p's scope: its own contracts alone.
	all, err := contractRatings(ctx, tx, 0, today)
	if err != nil {
		return nil, nil, err
	}
	var low []ratedContract
	for _, rc := range all {
		if _, ok := ratingKeys[rc.Rating]; ok {
			rc.Contract.Partner = p
			low = append(low, rc)
		}
	}
	if len(low) == 0 {
		return nil, nil, nil
	}
	since, err := ratingSince(ctx, tx, p, low, today)
	if err != nil {
		return nil, nil, err
	}
	list, keys := make([]tally.ContractStatus, len(low)), make([]string, len(low))
	for i, rc := range low {
		list[i] = rc.ContractStatus
		keys[i] = fmt.Sprintf("%s since period %d", ratingKeys[rc.Rating], since[rc.Contract.ID])
	}
	return list, keys, nil
}

// ratingSince finds, for each of partner p's contracts low, the first
// period of its latest run of periods due by today rated as it is rated
// now, each period rated on its own figures to date with the contract's
// bands. Periods before one rated otherwise are history: the contract
// recovered (or moved between the low ratings), and its fall since is a
// new one.
func ratingSince(ctx context.Context, tx pgx.Tx, p tally.Org, low []ratedContract, today time.Time) (map[int64]int, error) {
	byID := make(map[int64]ratedContract, len(low))
	ids := make([]int64, len(low))
	for i, rc := range low {
		byID[rc.Contract.ID], ids[i] = rc, rc.Contract.ID
	}
	rows, err := tx.Query(ctx, `
		SELECT contract_id, period, expected, delivered FROM contract_periods
		WHERE partner_id = $1 AND contract_id = ANY ($2) AND due <= $3::date
		ORDER BY contract_id, due DESC`, p.ID, ids, today)
	if err != nil {
		return nil, err
	}
	since := make(map[int64]int, len(low))
	broken := map[int64]bool{} // a period rated otherwise was found: the run is over
	var contract int64
	var period int
	var expected, delivered tally.Pence
	_, err = pgx.ForEachRow(rows, []any{&contract, &period, &expected, &delivered}, func() error {
		rc := byID[contract]
		if broken[contract] || tally.Rate(delivered, expected, rc.bands) != rc.Rating {
			broken[contract] = true
			return nil
		}
		since[contract] = period
		return nil
	})
	return since, err
}
