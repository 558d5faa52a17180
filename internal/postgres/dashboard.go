package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// Dashboard is what the dashboard page shows for a year.
type Dashboard struct {
	Current, Previous tally.Figures // the year's figures and the year before's
	Breakdowns        Breakdowns
	Ratings           map[tally.Rating]RatingTotal // live contracts at asOf
}

// Dashboard reads a year's figures (to date at asOf), the previous year's
// (at prevAsOf), the year's breakdowns and the live contracts' ratings.
// They are independent reads, so they run at once, each in its own
// transaction on its own connection: on two or more cores the whole takes
// about as long as the slowest part rather than the sum.
func (s *Store) Dashboard(ctx context.Context, scope tally.Scope, partners []int64, fy tally.FinancialYear, asOf, prevAsOf time.Time) (_ Dashboard, err error) {
	defer derrors.Wrap(&err, "Store.Dashboard()")
	var d Dashboard
	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Go(func() { d.Current, errs[0] = s.figures(ctx, scope, partners, fy, asOf) })
	wg.Go(func() { d.Previous, errs[1] = s.figures(ctx, scope, partners, fy.Previous(), prevAsOf) })
	wg.Go(func() { d.Breakdowns, errs[2] = s.dashboardBreakdowns(ctx, scope, partners, fy) })
	wg.Go(func() { d.Ratings, errs[3] = s.liveRatings(ctx, scope, partners, asOf) })
	wg.Wait()
	return d, errors.Join(errs...)
}

// Who a supplier was (local to the partner, its size, VCSE) is read from
// the facts recorded with each offer submission and contract when it was
// made (migration 000014), never from the supplier's details or the
// partner's local area today: changing those changes later offers and
// awards, not the figures of years already reported.

// The dashboard's queries that read most rows, named so that the plan
// tests (plan_test.go) check the very SQL the store runs.
const (
	// Verified delivery on returns for periods ending in the year ($2, $3],
	// each line valued (the contract_periods rollup, migration 000010).
	deliveredInYearSQL = `
		SELECT coalesce(sum(verified), 0) FROM contract_periods
		WHERE partner_id = ANY ($1) AND verified_lines > 0 AND period_end > $2 AND period_end <= $3`
	// Expected and delivered value to date ($2) on contracts live then:
	// each contract's last period due by $2.
	liveToDateSQL = `
		SELECT coalesce(sum(p.expected), 0), coalesce(sum(p.delivered), 0)
		FROM contracts c CROSS JOIN LATERAL ` + lastPeriodSQL + ` p
		WHERE c.partner_id = ANY ($1) AND c.end_date >= $2 AND c.start_date <= $2`
	// lastPeriodSQL is contract c's last reporting period due by $2 (a
	// date), with its expected and delivered value to date: one index probe
	// per contract (contract_periods_due_idx). Join it LATERAL.
	lastPeriodSQL = `(
		SELECT p.expected, p.delivered FROM contract_periods p
		WHERE p.partner_id = c.partner_id AND p.contract_id = c.id AND p.due <= $2::date ORDER BY p.due DESC LIMIT 1)`
	// Tenders published in the year [$2, $3), including any cancelled
	// since: they were published then (SPEC §8). A draft cancelled before
	// publication has no published_at.
	tendersInYearSQL = `
		SELECT count(*), coalesce(sum(estimated_value), 0), coalesce(sum(weighting), 0) FROM tenders
		WHERE partner_id = ANY ($1) AND published_at >= $2 AND published_at < $3`
	// Distinct bidders in the year, and how many are local, SME and VCSE.
	biddersSQL = `
		WITH o AS (
			SELECT DISTINCT o.supplier_id, o.supplier_local AS local, o.supplier_size AS size, o.supplier_vcse AS vcse FROM offer_submissions o
			WHERE o.partner_id = ANY ($1) AND o.kind = 'submit' AND o.sealed_until <= now() AND o.submitted_at >= $2 AND o.submitted_at < $3),
		b AS (
			SELECT supplier_id, bool_or(local) AS local, bool_or(size <> 'large') AS sme, bool_or(vcse) AS vcse
			FROM o GROUP BY supplier_id)
		SELECT count(*), count(*) FILTER (WHERE local), count(*) FILTER (WHERE sme), count(*) FILTER (WHERE vcse) FROM b`
)

// Figures computes the headline figures of SPEC §8 for the partners given
// (all in scope) and one financial year. asOf bounds the "to date"
// figures: the year's last day, or today for the current year.
func (s *Store) Figures(ctx context.Context, scope tally.Scope, partners []int64, fy tally.FinancialYear, asOf time.Time) (_ tally.Figures, err error) {
	defer derrors.Wrap(&err, "Store.Figures()")
	return s.figures(ctx, scope, partners, fy, asOf)
}

// figures is Figures without the wrap, for callers inside the store.
func (s *Store) figures(ctx context.Context, scope tally.Scope, partners []int64, fy tally.FinancialYear, asOf time.Time) (_ tally.Figures, err error) {
	f := tally.Figures{Year: fy}
	start, end := fy.Start(), fy.End()
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		// Contracts awarded in the year, their value and commitments (the
		// contract's committed value is a rollup: migration 000010).
		err := tx.QueryRow(ctx, `
			SELECT count(*), count(*) FILTER (WHERE c.kpi_count > 0), coalesce(sum(c.value), 0), coalesce(sum(c.value) FILTER (WHERE c.supplier_local), 0),
			       coalesce(sum(c.committed), 0), coalesce(sum(c.committed) FILTER (WHERE c.supplier_local), 0)
			FROM contracts c
			WHERE c.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3`, partners, start, end).
			Scan(&f.Contracts, &f.ContractsWithKPIs, &f.ContractValue, &f.LocalSpend, &f.Committed, &f.CommittedLocal)
		if err != nil {
			return err
		}
		// Verified delivery on returns for periods ending in the year (a
		// period's last day is the day before its exclusive end), each line
		// valued.
		if err := tx.QueryRow(ctx, deliveredInYearSQL, partners, start, end).Scan(&f.Delivered); err != nil {
			return err
		}
		// Live contracts at asOf: phased targets due so far against verified
		// delivery on the returns due by then, each KPI valued once; that
		// is each contract's last period due by asOf.
		if err := tx.QueryRow(ctx, liveToDateSQL, partners, asOf).Scan(&f.Expected, &f.DeliveredToDate); err != nil {
			return err
		}
		// Tenders published in the year.
		if err := tx.QueryRow(ctx, tendersInYearSQL, partners, start, end).Scan(&f.Tenders, &f.TenderValue, &f.WeightingTotal); err != nil {
			return err
		}
		// Bidders: distinct suppliers whose offer was submitted in the year
		// and has been opened. A withdrawn offer is sealed for good and is
		// no bid; one on a tender still open stays sealed until its
		// deadline, so its bidder counts only then (buyers may not learn
		// who has bid before). Row-level security hides both from staff
		// anyway; the query says so too. Winners: distinct suppliers
		// awarded a contract in the year. A supplier counts as local (SME,
		// VCSE) if it was recorded so on any of those offers or contracts.
		if err := tx.QueryRow(ctx, biddersSQL, partners, start, end).Scan(&f.Bidders, &f.BiddersLocal, &f.BiddersSME, &f.BiddersVCSE); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			WITH w AS (
				SELECT c.supplier_id, bool_or(c.supplier_local) AS local, bool_or(c.supplier_size <> 'large') AS sme, bool_or(c.supplier_vcse) AS vcse
				FROM contracts c
				WHERE c.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3
				GROUP BY c.supplier_id)
			SELECT count(*), count(*) FILTER (WHERE local), count(*) FILTER (WHERE sme), count(*) FILTER (WHERE vcse) FROM w`,
			partners, start, end).Scan(&f.Winners, &f.WinnersLocal, &f.WinnersSME, &f.WinnersVCSE); err != nil {
			return err
		}
		// Plug-in value: every plug-in of an edition the partners (or their
		// shared service) have enabled, £0 when nothing was committed on it, so
		// the headline CSV has the same rows whatever the year or partner;
		// and any other plug-in with commitments in the year.
		rows, err := tx.Query(ctx, `
			WITH v AS (
				SELECT label AS plugin, sum(committed) AS value
				FROM commitments WHERE partner_id = ANY ($1) AND kind = 'plugin' AND month >= $2 AND month < $3
				GROUP BY label),
			enabled AS (
				SELECT m.plugin
				FROM edition_choices ch JOIN organisations p ON ch.org_id = p.id OR ch.org_id = p.shared_service_id
				JOIN measures m ON m.edition_id = ch.edition_id AND m.plugin = ANY (ch.plugins)
				WHERE p.id = ANY ($1))
			SELECT x.plugin, coalesce(v.value, 0)
			FROM (SELECT plugin FROM v UNION SELECT plugin FROM enabled) x LEFT JOIN v ON v.plugin = x.plugin
			ORDER BY x.plugin`, partners, start, end)
		if err != nil {
			return err
		}
		f.Plugins, err = pgx.CollectRows(rows, pgx.RowToStructByPos[tally.PluginValue])
		return err
	})
	return f, translate(err)
}

// Breakdown is one row of a dashboard breakdown.
type Breakdown struct {
	Label     string
	Committed tally.Pence
	Value     tally.Pence // contract value, where it applies
	Count     int
}

// Breakdowns are the dashboard's tables for a year.
type Breakdowns struct {
	Themes    []Breakdown // committed by theme
	Measures  []Breakdown // top 10 measures by committed value
	Partners  []Breakdown // by partner: committed, contract value, contracts
	Sizes     []Breakdown // by supplier size: committed, contract value, contracts
	Committed []Breakdown // by month of award
	Delivered []Breakdown // by month a period ended
}

// DashboardBreakdowns computes the year's breakdowns for the partners.
func (s *Store) DashboardBreakdowns(ctx context.Context, scope tally.Scope, partners []int64, fy tally.FinancialYear) (_ Breakdowns, err error) {
	defer derrors.Wrap(&err, "Store.DashboardBreakdowns()")
	return s.dashboardBreakdowns(ctx, scope, partners, fy)
}

// dashboardBreakdowns is DashboardBreakdowns without the wrap, for callers inside the store.
func (s *Store) dashboardBreakdowns(ctx context.Context, scope tally.Scope, partners []int64, fy tally.FinancialYear) (_ Breakdowns, err error) {
	var b Breakdowns
	start, end := fy.Start(), fy.End()
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		queries := []struct {
			dst *[]Breakdown
			sql string
		}{
			{&b.Themes, `
				SELECT label, sum(committed), 0::bigint, sum(contracts)
				FROM commitments WHERE partner_id = ANY ($1) AND kind = 'theme' AND month >= $2 AND month < $3
				GROUP BY label ORDER BY 2 DESC, 1`},
			{&b.Measures, `
				SELECT code || ' ' || label, sum(committed), 0::bigint, sum(contracts)
				FROM commitments WHERE partner_id = ANY ($1) AND kind = 'measure' AND month >= $2 AND month < $3
				GROUP BY edition, code, label ORDER BY 2 DESC, 1 LIMIT 10`},
			{&b.Partners, `
				SELECT p.name, coalesce(sum(c.committed), 0), coalesce(sum(c.value), 0), count(c.id)
				FROM organisations p
				LEFT JOIN contracts c ON c.partner_id = p.id AND c.awarded_on >= $2 AND c.awarded_on < $3
				WHERE p.id = ANY ($1) AND p.id = ANY (tally_partner_ids()) GROUP BY p.name ORDER BY p.name`},
			{&b.Sizes, `
				SELECT c.supplier_size, sum(c.committed), sum(c.value), count(*)
				FROM contracts c
				WHERE c.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3
				GROUP BY c.supplier_size ORDER BY array_position(ARRAY['micro', 'small', 'medium', 'large'], c.supplier_size)`},
			{&b.Committed, `
				SELECT to_char(date_trunc('month', c.awarded_on), 'YYYY-MM'), sum(c.committed), sum(c.value), count(*)
				FROM contracts c WHERE c.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3
				GROUP BY 1 ORDER BY 1`},
			{&b.Delivered, `
				SELECT to_char(date_trunc('month', period_end - 1), 'YYYY-MM'), sum(verified), 0::bigint, count(*)
				FROM contract_periods
				WHERE partner_id = ANY ($1) AND verified_lines > 0 AND period_end > $2 AND period_end <= $3
				GROUP BY 1 ORDER BY 1`},
		}
		for _, q := range queries {
			rows, err := tx.Query(ctx, q.sql, partners, start, end)
			if err != nil {
				return err
			}
			if *q.dst, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Breakdown]); err != nil {
				return err
			}
		}
		return nil
	})
	return b, translate(err)
}
