package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// fromBase computes the figures the contract rollups (migration 000010)
// feed, straight from kpis, kpi_targets, returns and return_lines, as the
// dashboard did before the rollups.
type fromBase struct {
	Committed, Delivered, Expected, DeliveredToDate tally.Pence
}

func baseFigures(t *testing.T, store *postgres.Store, scope tally.Scope, fy tally.FinancialYear, asOf time.Time) fromBase {
	t.Helper()
	ctx := context.Background()
	var f fromBase
	err := store.InTx(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			SELECT coalesce(sum(round(k.quantity::numeric * k.proxy / 100000)), 0)
			FROM kpis k JOIN contracts c ON c.partner_id = k.partner_id AND c.id = k.contract_id
			WHERE c.awarded_on >= $1 AND c.awarded_on < $2`, fy.Start(), fy.End()).Scan(&f.Committed); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			SELECT coalesce(sum(round(l.quantity::numeric * k.proxy / 100000)), 0)
			FROM return_lines l JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
			JOIN kpis k ON k.partner_id = l.partner_id AND k.id = l.kpi_id
			WHERE l.decision = 'verified' AND k.proxy IS NOT NULL AND r.period_end > $1 AND r.period_end <= $2`, fy.Start(), fy.End()).Scan(&f.Delivered); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
			SELECT coalesce(sum(round(e.expected::numeric * e.proxy / 100000)), 0), coalesce(sum(round(e.delivered::numeric * e.proxy / 100000)), 0)
			FROM (
				SELECT k.proxy,
				       (SELECT coalesce(sum(t.target), 0) FROM kpi_targets t WHERE t.partner_id = k.partner_id AND t.kpi_id = k.id AND t.due <= $1) AS expected,
				       (SELECT coalesce(sum(l.quantity), 0) FROM return_lines l JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
				        WHERE l.partner_id = k.partner_id AND l.kpi_id = k.id AND l.decision = 'verified' AND r.due <= $1::date) AS delivered
				FROM kpis k JOIN contracts c ON c.partner_id = k.partner_id AND c.id = k.contract_id
				WHERE k.proxy IS NOT NULL AND c.start_date <= $1 AND c.end_date >= $1) e`, asOf).Scan(&f.Expected, &f.DeliveredToDate)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// baseBreakdowns are the breakdowns the commitments and contract period
// rollups feed, from the base tables.
func baseBreakdowns(t *testing.T, store *postgres.Store, scope tally.Scope, fy tally.FinancialYear) (b postgres.Breakdowns, plugins []tally.PluginValue) {
	t.Helper()
	ctx := context.Background()
	err := store.InTx(ctx, scope, func(tx pgx.Tx) error {
		for _, q := range []struct {
			dst *[]postgres.Breakdown
			sql string
		}{
			{&b.Themes, `
				SELECT coalesce(m.theme, lm.theme, 'Other'), sum(coalesce(round(k.quantity::numeric * k.proxy / 100000), 0)), 0::bigint, count(DISTINCT c.id)
				FROM kpis k JOIN contracts c ON c.partner_id = k.partner_id AND c.id = k.contract_id
				LEFT JOIN measures m ON m.id = k.measure_id
				LEFT JOIN tender_measures tm ON tm.partner_id = k.partner_id AND tm.id = k.tender_measure_id
				LEFT JOIN local_measures lm ON lm.id = tm.local_measure_id
				WHERE c.awarded_on >= $1 AND c.awarded_on < $2
				GROUP BY 1 ORDER BY 2 DESC, 1`},
			{&b.Measures, `
				SELECT k.code || ' ' || k.title, sum(coalesce(round(k.quantity::numeric * k.proxy / 100000), 0)), 0::bigint, count(DISTINCT c.id)
				FROM kpis k JOIN contracts c ON c.partner_id = k.partner_id AND c.id = k.contract_id
				WHERE c.awarded_on >= $1 AND c.awarded_on < $2
				GROUP BY k.edition, k.code, k.title ORDER BY 2 DESC, 1 LIMIT 10`},
			{&b.Delivered, `
				SELECT to_char(date_trunc('month', r.period_end - 1), 'YYYY-MM'), sum(round(l.quantity::numeric * k.proxy / 100000)), 0::bigint, count(DISTINCT r.id)
				FROM return_lines l JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
				JOIN kpis k ON k.partner_id = l.partner_id AND k.id = l.kpi_id
				WHERE l.decision = 'verified' AND k.proxy IS NOT NULL AND r.period_end > $1 AND r.period_end <= $2
				GROUP BY 1 ORDER BY 1`},
		} {
			rows, err := tx.Query(ctx, q.sql, fy.Start(), fy.End())
			if err != nil {
				return err
			}
			if *q.dst, err = pgx.CollectRows(rows, pgx.RowToStructByPos[postgres.Breakdown]); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `
			SELECT k.plugin, sum(coalesce(round(k.quantity::numeric * k.proxy / 100000), 0))
			FROM kpis k JOIN contracts c ON c.partner_id = k.partner_id AND c.id = k.contract_id
			WHERE c.awarded_on >= $1 AND c.awarded_on < $2 AND k.plugin <> ''
			GROUP BY k.plugin ORDER BY 1`, fy.Start(), fy.End())
		if err != nil {
			return err
		}
		plugins, err = pgx.CollectRows(rows, pgx.RowToStructByPos[tally.PluginValue])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b, plugins
}

// ratingsFromStatuses totals ContractStatuses, which rates each KPI from
// the base tables, as LiveRatings totals the rollups.
func ratingsFromStatuses(t *testing.T, store *postgres.Store, scope tally.Scope, asOf time.Time) map[tally.Rating]postgres.RatingTotal {
	t.Helper()
	statuses, err := store.ContractStatuses(context.Background(), scope, 0, asOf)
	if err != nil {
		t.Fatal(err)
	}
	out := map[tally.Rating]postgres.RatingTotal{}
	for _, cs := range statuses {
		r := out[cs.Rating]
		r.Contracts++
		r.Committed += cs.Contract.Committed
		out[cs.Rating] = r
	}
	return out
}

// TestRollupsMatchTheBaseTables checks the dashboard's rollup-fed figures
// against the same figures summed from the base tables, on the demo (which
// has contracts in every rating) for every year and at several dates,
// then again after a verification and a KPI target change, which must
// refresh the rollups in their own transactions.
func TestRollupsMatchTheBaseTables(t *testing.T) {
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(context.Background(), postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	ctx := context.Background()
	app := postgres.New(db.App)
	u, _, err := app.UserByEmail(ctx, "director@star.example")
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Access(ctx, u.ID, "star")
	if err != nil {
		t.Fatal(err)
	}
	// The test reads as the director and changes as the staff who may
	// (verifies, rephases, adds measures, tenders and contracts).
	a.Scope.Roles = tally.StaffRoles
	var partners []int64
	for _, p := range a.Partners {
		partners = append(partners, p.ID)
	}
	now := tally.FinancialYear(tally.FinancialYearOf(time.Now()))
	check := func(when string) {
		t.Helper()
		for fy := now - 3; fy <= now; fy++ {
			for _, asOf := range []time.Time{fy.Start().AddDate(0, 4, 10), fy.End().AddDate(0, 0, -1)} {
				got, err := app.Figures(ctx, a.Scope, partners, fy, asOf)
				if err != nil {
					t.Fatal(err)
				}
				want := baseFigures(t, app, a.Scope, fy, asOf)
				if diff := cmp.Diff(want, fromBase{got.Committed, got.Delivered, got.Expected, got.DeliveredToDate}); diff != "" {
					t.Errorf("%s: FY %s at %s: figures from the rollups differ from the base tables (-base +rollups):\n%s", when, fy.Label(), asOf.Format(time.DateOnly), diff)
				}
				// Plug-ins the partners enabled show at £0; compare the others.
				var gotPlugins []tally.PluginValue
				for _, p := range got.Plugins {
					if p.Value != 0 {
						gotPlugins = append(gotPlugins, p)
					}
				}
				b, err := app.DashboardBreakdowns(ctx, a.Scope, partners, fy)
				if err != nil {
					t.Fatal(err)
				}
				wantB, wantPlugins := baseBreakdowns(t, app, a.Scope, fy)
				if diff := cmp.Diff(wantB.Themes, b.Themes); diff != "" {
					t.Errorf("%s: FY %s: themes differ (-base +rollups):\n%s", when, fy.Label(), diff)
				}
				if diff := cmp.Diff(wantB.Measures, b.Measures); diff != "" {
					t.Errorf("%s: FY %s: top measures differ (-base +rollups):\n%s", when, fy.Label(), diff)
				}
				if diff := cmp.Diff(wantB.Delivered, b.Delivered); diff != "" {
					t.Errorf("%s: FY %s: delivered by month differs (-base +rollups):\n%s", when, fy.Label(), diff)
				}
				if diff := cmp.Diff(wantPlugins, gotPlugins, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s: FY %s: plug-in values differ (-base +rollups):\n%s", when, fy.Label(), diff)
				}
				ratings, err := app.LiveRatings(ctx, a.Scope, partners, asOf)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(ratingsFromStatuses(t, app, a.Scope, asOf), ratings); diff != "" {
					t.Errorf("%s: at %s: live ratings differ from ContractStatuses (-statuses +rollups):\n%s", when, asOf.Format(time.DateOnly), diff)
				}
				contractsMatch(t, app, a.Scope, asOf, when)
			}
		}
	}
	check("demo")
	recordedFactsMatchToday(t, app, a.Scope)
	tenderCountsMatch(t, app, a.Scope)
	// A draft's category may change; the counts follow, whatever writes it.
	err = app.InTx(ctx, a.Scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tenders SET category = CASE category WHEN 'goods' THEN 'works' ELSE 'goods' END WHERE status = 'draft'`)
		if err == nil && tag.RowsAffected() == 0 {
			err = errors.New("no draft tenders in the demo")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tenderCountsMatch(t, app, a.Scope)

	// Every demo rating is present, or the comparison proves little.
	ratings, err := app.LiveRatings(ctx, a.Scope, partners, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []tally.Rating{tally.RatingGood, tally.RatingApproaching, tally.RatingRequiresImprovement, tally.RatingInadequate} {
		if ratings[r].Contracts == 0 {
			t.Errorf("the demo has no live contract rated %s today: %+v", r.Label(), ratings)
		}
	}

	// Verify every pending line of a submitted return, and change a KPI's
	// targets; the rollups must follow.
	var returnID, contractID, kpiID int64
	var periods int
	err = app.InTx(ctx, a.Scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM returns WHERE status = 'submitted' ORDER BY due LIMIT 1`).Scan(&returnID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
			SELECT k.contract_id, k.id, count(*) FROM kpis k JOIN kpi_targets t ON t.partner_id = k.partner_id AND t.kpi_id = k.id
			WHERE k.proxy IS NOT NULL GROUP BY k.contract_id, k.id
			HAVING max(t.period_end) > current_date + 1 -- a period to come, whose target may change
			ORDER BY k.id LIMIT 1`).Scan(&contractID, &kpiID, &periods)
	})
	if err != nil {
		t.Fatalf("a submitted return and a KPI in the demo: %v", err)
	}
	r, err := app.Return(ctx, a.Scope, returnID)
	if err != nil {
		t.Fatal(err)
	}
	var verdicts []postgres.Verdict
	for _, l := range r.Lines {
		verdicts = append(verdicts, postgres.Verdict{KPIID: l.KPI.ID, Decision: tally.DecisionVerified})
	}
	if _, err := app.VerifyReturn(ctx, a.Scope, returnID, 1, verdicts); err != nil {
		t.Fatal(err)
	}
	targets := make([]tally.Quantity, periods)
	for i := range targets {
		targets[i] = tally.Quantity(1234567 * (i + 1))
	}
	// Targets of periods ended or reported are locked: they keep theirs.
	before, err := app.Contract(ctx, a.Scope, contractID)
	if err != nil {
		t.Fatal(err)
	}
	version := 0
	for _, k := range before.KPIs {
		if k.ID == kpiID {
			version = k.Version
		}
		for i, target := range k.Targets {
			if k.ID == kpiID && target.Locked(time.Now().AddDate(0, 0, 1)) {
				targets[i] = target.Target
			}
		}
	}
	if err := app.SetKPITargets(ctx, a.Scope, contractID, kpiID, version, targets, "Rephased after a site closure"); err != nil {
		t.Fatal(err)
	}
	check("after a verification and a target change")

	// A local measure's theme is read when commitments are grouped by
	// theme: committing to one, then renaming its theme, must move them.
	var stockport, supplier int64
	err = app.InTx(ctx, a.Scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT id FROM organisations WHERE slug = 'stockport'), (SELECT supplier_id FROM contracts LIMIT 1)`).
			Scan(&stockport, &supplier)
	})
	if err != nil {
		t.Fatal(err)
	}
	local := tally.Measure{Theme: "Clean streets", Outcome: "Less litter", Code: "LOC1", Title: "Litter picks", Unit: "events",
		Proxy: 5_000_000, HasProxy: true}
	if local.ID, err = app.SaveLocalMeasure(ctx, a.Scope, stockport, local, 0); err != nil {
		t.Fatal(err)
	}
	start := time.Date(now.Start().Year(), 6, 1, 0, 0, 0, 0, tally.London())
	tenderID, err := app.SaveTender(ctx, a.Scope, tally.Tender{Partner: tally.Org{ID: stockport}, Reference: "LOCAL-1", Title: "Local",
		Category: "services", EstimatedValue: 10_000_000, ContractStart: start, ContractEnd: start.AddDate(1, 0, -1), Weighting: 200,
		QuantitativeShare: 50, Method: tally.RelativeValue, Deadline: time.Now().Add(time.Hour)},
		[]postgres.MeasureChoice{{LocalMeasureID: local.ID}})
	if err != nil {
		t.Fatal(err)
	}
	var tm tally.TenderMeasure
	err = app.InTx(ctx, a.Scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id, edition, code, title, unit, proxy FROM tender_measures WHERE tender_id = $1`, tenderID).
			Scan(&tm.ID, &tm.Edition, &tm.Code, &tm.Title, &tm.Unit, &tm.Proxy)
	})
	if err != nil {
		t.Fatal(err)
	}
	tm.HasProxy = true
	if _, err := app.CreateDirectContract(ctx, a.Scope, postgres.NewContract{PartnerID: stockport, SupplierID: supplier, Reference: "LOCAL-C",
		Title: "Local", Value: 1_000_000, Start: start, End: start.AddDate(1, 0, -1), AwardedOn: start,
		KPIs: []postgres.NewKPI{{Measure: tm, Quantity: 2000}}}); err != nil {
		t.Fatal(err)
	}
	local.Theme = "Tidy neighbourhoods"
	if _, err := app.SaveLocalMeasure(ctx, a.Scope, stockport, local, 1); err != nil {
		t.Fatal(err)
	}
	b, err := app.DashboardBreakdowns(ctx, a.Scope, partners, now)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := baseBreakdowns(t, app, a.Scope, now); !cmp.Equal(want.Themes, b.Themes) || !strings.Contains(fmt.Sprint(b.Themes), "Tidy neighbourhoods") {
		t.Errorf("after a local measure's theme changed, themes are %v, want %v (with Tidy neighbourhoods)", b.Themes, want.Themes)
	}
}

// TestConcurrentAwardsKeepTheCommitmentsRight awards contracts in one
// partner and month from many transactions at once: each must succeed,
// and the month's commitments must count every one of them.
func TestConcurrentAwardsKeepTheCommitmentsRight(t *testing.T) {
	w := dbDirectSetup(t)
	ctx := context.Background()
	day := time.Date(2024, 9, 12, 0, 0, 0, 0, tally.London())
	var supplier int64
	err := w.app.InTx(ctx, dbScope(w.settled), func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT supplier_id FROM contracts ORDER BY id LIMIT 1`).Scan(&supplier)
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			kpi := postgres.NewKPI{Measure: tally.TenderMeasure{Edition: "Local", Code: "X1", Title: "Local measure", Unit: "units",
				Proxy: 100_000, HasProxy: true}, Quantity: tally.Quantity(1000 * (i + 1))}
			_, err := w.app.CreateDirectContract(ctx, dbScope(w.settled), postgres.NewContract{
				PartnerID: w.settled.ID, SupplierID: supplier, Reference: fmt.Sprintf("C-%d", i), Title: "Concurrent", Value: 100_000,
				Start: day, End: day.AddDate(1, 0, -1), AwardedOn: day, KPIs: []postgres.NewKPI{kpi}})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("a concurrent award failed: %v", err)
		}
	}
	b, err := w.app.DashboardBreakdowns(ctx, dbScope(w.settled), []int64{w.settled.ID}, tally.FinancialYear(2024))
	if err != nil {
		t.Fatal(err)
	}
	// £10 a unit: 1 + 2 + … + 8 units is £360, on 8 contracts.
	want := []postgres.Breakdown{{Label: "X1 Local measure", Committed: 36_000, Count: n}}
	if diff := cmp.Diff(want, b.Measures); diff != "" {
		t.Errorf("commitments after %d concurrent awards (-want +got):\n%s", n, diff)
	}
}

// tenderCountsMatch checks the per-status tender counts (migration 000012)
// against counting the tenders.
func tenderCountsMatch(t *testing.T, store *postgres.Store, scope tally.Scope) {
	t.Helper()
	ctx := context.Background()
	type row struct {
		Partner          int64
		Status, Category string
		N                int64
	}
	var kept, counted []row
	err := store.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT partner_id, status, category, n FROM tender_counts WHERE n > 0 ORDER BY 1, 2, 3`)
		if err != nil {
			return err
		}
		if kept, err = pgx.CollectRows(rows, pgx.RowToStructByPos[row]); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT partner_id, status, category, count(*) FROM tenders GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
		if err != nil {
			return err
		}
		counted, err = pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(counted) == 0 {
		t.Fatal("no tenders to count")
	}
	if diff := cmp.Diff(counted, kept); diff != "" {
		t.Errorf("tender counts kept by the triggers differ from counting the tenders (-counted +kept):\n%s", diff)
	}
}

// contractsMatch checks ContractRatings, which reads the rollups, against
// the contract-level figures of ContractStatuses, which reads every KPI's
// targets and returns: expected, delivered, rating, overdue returns and
// committed value, contract by contract.
func contractsMatch(t *testing.T, store *postgres.Store, scope tally.Scope, asOf time.Time, when string) {
	t.Helper()
	ctx := context.Background()
	statuses, err := store.ContractStatuses(ctx, scope, 0, asOf)
	if err != nil {
		t.Fatal(err)
	}
	ratings, err := store.ContractRatings(ctx, scope, 0, asOf)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID                             int64
		Expected, Delivered, Committed tally.Pence
		Rating                         tally.Rating
		Overdue                        int
	}
	flat := func(list []tally.ContractStatus) []row {
		var out []row
		for _, cs := range list {
			out = append(out, row{cs.Contract.ID, cs.Expected, cs.Delivered, cs.Contract.Committed, cs.Rating, cs.Overdue})
		}
		return out
	}
	if diff := cmp.Diff(flat(statuses), flat(ratings)); diff != "" {
		t.Errorf("%s: at %s: ContractRatings differ from ContractStatuses (-statuses +rollups):\n%s", when, asOf.Format(time.DateOnly), diff)
	}
}
