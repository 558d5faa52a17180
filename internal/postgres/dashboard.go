package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// localSQL is true when the supplier s is local to the partner whose
// settings are ps: its postcode's area (letters) or district (outward code)
// is in the partner's local area. It mirrors tally.LocalArea.Contains.
// Queries LEFT JOIN the settings and pass $4, the default local area: a
// partner that has never saved its settings still counts, local to the
// area its settings page shows it (tally.DefaultPartnerSettings).
const localSQL = `(substring(s.postcode from '^[A-Z]+') = ANY (coalesce(ps.local_area, $4)) OR split_part(s.postcode, ' ', 1) = ANY (coalesce(ps.local_area, $4)))`

// committedSQL is a KPI's committed value in pence: quantity × proxy,
// rounded half up to the penny (numeric round), as tally.LineValue does.
const committedSQL = `coalesce(round(k.quantity::numeric * k.proxy / 100000), 0)`

// Figures computes the headline figures of SPEC §8 for the partners given
// (all in scope) and one financial year. asOf bounds the "to date"
// figures: the year's last day, or today for the current year.
func (s *Store) Figures(ctx context.Context, scope tally.Scope, partners []int64, fy tally.FinancialYear, asOf time.Time) (tally.Figures, error) {
	f := tally.Figures{Year: fy}
	start, end := fy.Start(), fy.End()
	area := tally.DefaultPartnerSettings().LocalArea.Codes()
	err := s.InTx(ctx, scope, func(tx pgx.Tx) error {
		// Contracts awarded in the year, their value and commitments.
		err := tx.QueryRow(ctx, `
			WITH c AS (
				SELECT c.partner_id, c.id, c.value, `+localSQL+` AS local,
				       (SELECT coalesce(sum(`+committedSQL+`), 0) FROM kpis k WHERE k.partner_id = c.partner_id AND k.contract_id = c.id) AS committed,
				       EXISTS (SELECT 1 FROM kpis k WHERE k.partner_id = c.partner_id AND k.contract_id = c.id) AS has_kpis
				FROM contracts c JOIN organisations s ON s.id = c.supplier_id
				LEFT JOIN partner_settings ps ON ps.partner_id = c.partner_id
				WHERE c.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3)
			SELECT count(*), count(*) FILTER (WHERE has_kpis), coalesce(sum(value), 0), coalesce(sum(value) FILTER (WHERE local), 0),
			       coalesce(sum(committed), 0), coalesce(sum(committed) FILTER (WHERE local), 0)
			FROM c`, partners, start, end, area).
			Scan(&f.Contracts, &f.ContractsWithKPIs, &f.ContractValue, &f.LocalSpend, &f.Committed, &f.CommittedLocal)
		if err != nil {
			return err
		}
		// Verified delivery on returns for periods ending in the year (a
		// period's last day is the day before its exclusive end).
		if err := tx.QueryRow(ctx, `
			SELECT coalesce(sum(round(l.quantity::numeric * k.proxy / 100000)), 0)
			FROM return_lines l JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
			JOIN kpis k ON k.partner_id = l.partner_id AND k.id = l.kpi_id
			WHERE l.partner_id = ANY ($1) AND l.decision = 'verified' AND k.proxy IS NOT NULL
			  AND r.period_end > $2 AND r.period_end <= $3`, partners, start, end).Scan(&f.Delivered); err != nil {
			return err
		}
		// Live contracts at asOf: phased targets due so far against verified
		// delivery on the returns due by then, each KPI valued once.
		if err := tx.QueryRow(ctx, `
			SELECT coalesce(sum(round(e.expected::numeric * e.proxy / 100000)), 0), coalesce(sum(round(e.delivered::numeric * e.proxy / 100000)), 0)
			FROM (
				SELECT k.proxy,
				       (SELECT coalesce(sum(t.target), 0) FROM kpi_targets t WHERE t.partner_id = k.partner_id AND t.kpi_id = k.id AND t.due <= $2) AS expected,
				       (SELECT coalesce(sum(l.quantity), 0) FROM return_lines l JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
				        WHERE l.partner_id = k.partner_id AND l.kpi_id = k.id AND l.decision = 'verified' AND r.due <= $2::date) AS delivered
				FROM kpis k JOIN contracts c ON c.partner_id = k.partner_id AND c.id = k.contract_id
				WHERE k.partner_id = ANY ($1) AND k.proxy IS NOT NULL AND c.start_date <= $2 AND c.end_date >= $2) e`,
			partners, asOf).Scan(&f.Expected, &f.DeliveredToDate); err != nil {
			return err
		}
		// Tenders published in the year.
		if err := tx.QueryRow(ctx, `
			SELECT count(*), coalesce(sum(estimated_value), 0), coalesce(sum(weighting), 0) FROM tenders
			WHERE partner_id = ANY ($1) AND published_at >= $2 AND published_at < $3`, partners, start, end).
			Scan(&f.Tenders, &f.TenderValue, &f.WeightingTotal); err != nil {
			return err
		}
		// Bidders: distinct suppliers whose offer was submitted in the year
		// and has been opened. A withdrawn offer is sealed for good and is
		// no bid; one on a tender still open stays sealed until its
		// deadline, so its bidder counts only then (buyers may not learn
		// who has bid before). Row-level security hides both from staff
		// anyway; the query says so too. Winners: distinct suppliers
		// awarded a contract in the year. A supplier is local if local to
		// a partner it bid with or won from.
		if err := tx.QueryRow(ctx, `
			WITH b AS (
				SELECT s.id, bool_or(`+localSQL+`) AS local, bool_or(s.size <> 'large') AS sme, bool_or(s.vcse) AS vcse
				FROM offer_submissions o JOIN organisations s ON s.id = o.supplier_id LEFT JOIN partner_settings ps ON ps.partner_id = o.partner_id
				WHERE o.partner_id = ANY ($1) AND o.kind = 'submit' AND o.sealed_until <= now() AND o.submitted_at >= $2 AND o.submitted_at < $3
				GROUP BY s.id)
			SELECT count(*), count(*) FILTER (WHERE local), count(*) FILTER (WHERE sme), count(*) FILTER (WHERE vcse) FROM b`,
			partners, start, end, area).Scan(&f.Bidders, &f.BiddersLocal, &f.BiddersSME, &f.BiddersVCSE); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			WITH w AS (
				SELECT s.id, bool_or(`+localSQL+`) AS local, bool_or(s.size <> 'large') AS sme, bool_or(s.vcse) AS vcse
				FROM contracts c JOIN organisations s ON s.id = c.supplier_id LEFT JOIN partner_settings ps ON ps.partner_id = c.partner_id
				WHERE c.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3
				GROUP BY s.id)
			SELECT count(*), count(*) FILTER (WHERE local), count(*) FILTER (WHERE sme), count(*) FILTER (WHERE vcse) FROM w`,
			partners, start, end, area).Scan(&f.Winners, &f.WinnersLocal, &f.WinnersSME, &f.WinnersVCSE); err != nil {
			return err
		}
		// Plug-in value: every plug-in of an edition the partners (or their
		// shared service) have enabled, £0 when nothing was committed on it, so
		// the headline CSV has the same rows whatever the year or partner;
		// and any other plug-in with commitments in the year.
		rows, err := tx.Query(ctx, `
			WITH v AS (
				SELECT k.plugin, sum(`+committedSQL+`) AS value
				FROM kpis k JOIN contracts c ON c.partner_id = k.partner_id AND c.id = k.contract_id
				WHERE k.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3 AND k.plugin <> ''
				GROUP BY k.plugin),
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
func (s *Store) DashboardBreakdowns(ctx context.Context, scope tally.Scope, partners []int64, fy tally.FinancialYear) (Breakdowns, error) {
	var b Breakdowns
	start, end := fy.Start(), fy.End()
	err := s.InTx(ctx, scope, func(tx pgx.Tx) error {
		queries := []struct {
			dst *[]Breakdown
			sql string
		}{
			{&b.Themes, `
				SELECT coalesce(m.theme, lm.theme, 'Other'), sum(` + committedSQL + `), 0::bigint, count(DISTINCT c.id)
				FROM kpis k JOIN contracts c ON c.partner_id = k.partner_id AND c.id = k.contract_id
				LEFT JOIN measures m ON m.id = k.measure_id
				LEFT JOIN tender_measures tm ON tm.partner_id = k.partner_id AND tm.id = k.tender_measure_id
				LEFT JOIN local_measures lm ON lm.id = tm.local_measure_id
				WHERE k.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3
				GROUP BY 1 ORDER BY 2 DESC, 1`},
			{&b.Measures, `
				SELECT k.code || ' ' || k.title, sum(` + committedSQL + `), 0::bigint, count(DISTINCT c.id)
				FROM kpis k JOIN contracts c ON c.partner_id = k.partner_id AND c.id = k.contract_id
				WHERE k.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3
				GROUP BY k.edition, k.code, k.title ORDER BY 2 DESC, 1 LIMIT 10`},
			{&b.Partners, `
				SELECT p.name, coalesce(sum(x.committed), 0), coalesce(sum(x.value), 0), count(x.id)
				FROM organisations p
				LEFT JOIN (SELECT c.partner_id, c.id, c.value,
				                  (SELECT coalesce(sum(` + committedSQL + `), 0) FROM kpis k WHERE k.partner_id = c.partner_id AND k.contract_id = c.id) AS committed
				           FROM contracts c WHERE c.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3) x ON x.partner_id = p.id
				WHERE p.id = ANY ($1) AND p.id = ANY (tally_partner_ids()) GROUP BY p.name ORDER BY p.name`},
			{&b.Sizes, `
				SELECT s.size, sum((SELECT coalesce(sum(` + committedSQL + `), 0) FROM kpis k WHERE k.partner_id = c.partner_id AND k.contract_id = c.id)),
				       sum(c.value), count(*)
				FROM contracts c JOIN organisations s ON s.id = c.supplier_id
				WHERE c.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3
				GROUP BY s.size ORDER BY array_position(ARRAY['micro', 'small', 'medium', 'large'], s.size)`},
			{&b.Committed, `
				SELECT to_char(date_trunc('month', c.awarded_on), 'YYYY-MM'),
				       sum((SELECT coalesce(sum(` + committedSQL + `), 0) FROM kpis k WHERE k.partner_id = c.partner_id AND k.contract_id = c.id)),
				       sum(c.value), count(*)
				FROM contracts c WHERE c.partner_id = ANY ($1) AND c.awarded_on >= $2 AND c.awarded_on < $3
				GROUP BY 1 ORDER BY 1`},
			{&b.Delivered, `
				SELECT to_char(date_trunc('month', r.period_end - 1), 'YYYY-MM'), sum(round(l.quantity::numeric * k.proxy / 100000)), 0::bigint, count(DISTINCT r.id)
				FROM return_lines l JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
				JOIN kpis k ON k.partner_id = l.partner_id AND k.id = l.kpi_id
				WHERE l.partner_id = ANY ($1) AND l.decision = 'verified' AND k.proxy IS NOT NULL AND r.period_end > $2 AND r.period_end <= $3
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
