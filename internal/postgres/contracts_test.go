package postgres_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// demoAccess is the demo database and a person's access in an organisation.
func demoAccess(t *testing.T, email, org string) (*postgres.Store, *pgtest.DB, tally.Access) {
	t.Helper()
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(context.Background(), postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	ctx := context.Background()
	app := postgres.New(db.App)
	u, _, err := app.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Access(ctx, u.ID, org)
	if err != nil {
		t.Fatal(err)
	}
	return app, db, a
}

// TestContractListRatesAsRateDoes: the list's SQL rating is tally.Rate's,
// contract by contract, and its statuses and filters agree with it.
func TestContractListRatesAsRateDoes(t *testing.T) {
	t.Parallel()
	app, _, a := demoAccess(t, "director@star.example", "star")
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	want, err := app.ContractRatings(ctx, a.Scope, 0, today)
	if err != nil {
		t.Fatal(err)
	}
	list, total, err := app.ContractList(ctx, a.Scope, postgres.ContractListFilter{AsOf: today, Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(list) || total == 0 {
		t.Fatalf("%d rows, total %d", len(list), total)
	}
	keys := map[tally.Rating]string{tally.RatingGood: "good", tally.RatingApproaching: "approaching",
		tally.RatingRequiresImprovement: "requires_improvement", tally.RatingInadequate: "inadequate", tally.RatingNotYetDue: "not_yet_due"}
	byID := map[int64]postgres.ContractRow{}
	for _, c := range list {
		byID[c.ID] = c
	}
	counts := map[string]int{}
	for _, cs := range want {
		got, ok := byID[cs.Contract.ID]
		if !ok {
			t.Fatalf("contract %d is not listed", cs.Contract.ID)
		}
		if got.Rating != keys[cs.Rating] || got.Expected != cs.Expected || got.Delivered != cs.Delivered {
			t.Errorf("contract %d: listed %s (%d of %d), rated %s (%d of %d)", cs.Contract.ID, got.Rating, got.Delivered, got.Expected,
				keys[cs.Rating], cs.Delivered, cs.Expected)
		}
		counts[keys[cs.Rating]]++
	}
	// Filtering by a rating finds those contracts (live ones, and ended
	// ones ContractRatings leaves out).
	for key, n := range counts {
		got, _, err := app.ContractList(ctx, a.Scope, postgres.ContractListFilter{AsOf: today, Rating: key, Limit: 100_000})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < n {
			t.Errorf("rating %s: %d listed, at least %d rated so", key, len(got), n)
		}
		for _, c := range got {
			if c.Rating != key {
				t.Errorf("rating %s lists contract %d rated %s", key, c.ID, c.Rating)
			}
		}
	}
	for _, status := range []string{"live", "ended", "not_started"} {
		got, _, err := app.ContractList(ctx, a.Scope, postgres.ContractListFilter{AsOf: today, Status: status, Limit: 100_000})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			live := !c.Start.After(today) && !c.End.Before(today)
			if (status == "live") != live || (status == "ended") != c.End.Before(today) || (status == "not_started") != c.Start.After(today) {
				t.Errorf("status %s lists contract %d running %s to %s", status, c.ID, c.Start.Format(time.DateOnly), c.End.Format(time.DateOnly))
			}
		}
	}
}

// TestSetKPITargetsLocksPeriodsEndedOrReported: the store itself refuses
// to move the target of a period that has ended or has a return in, and
// records a change with its reason.
func TestSetKPITargetsLocksPeriodsEndedOrReported(t *testing.T) {
	t.Parallel()
	app, db, a := demoAccess(t, "buyer@stockport.example", "stockport")
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var contractID, kpiID int64
	if err := admin.QueryRow(ctx, `
		SELECT k.contract_id, k.id FROM kpis k JOIN organisations o ON o.id = k.partner_id AND o.slug = 'stockport'
		WHERE EXISTS (SELECT 1 FROM kpi_targets t WHERE t.kpi_id = k.id AND t.period_end <= current_date)
		  AND EXISTS (SELECT 1 FROM kpi_targets t WHERE t.kpi_id = k.id AND t.period_start > current_date + 1)
		ORDER BY k.id LIMIT 1`).Scan(&contractID, &kpiID); err != nil {
		t.Fatalf("a KPI with periods past and to come: %v", err)
	}
	c, err := app.Contract(ctx, a.Scope, contractID)
	if err != nil {
		t.Fatal(err)
	}
	var k tally.KPI
	for _, x := range c.KPIs {
		if x.ID == kpiID {
			k = x
		}
	}
	targets := func(change func(i int, t tally.KPITarget) tally.Quantity) []tally.Quantity {
		var out []tally.Quantity
		for i, t := range k.Targets {
			out = append(out, change(i, t))
		}
		return out
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var fe tally.FormErrors
	err = app.SetKPITargets(ctx, a.Scope, contractID, kpiID, k.Version, targets(func(i int, t tally.KPITarget) tally.Quantity {
		return t.Target + 1000 // every period, the ended ones too
	}), "Everything moves")
	if !errors.As(err, &fe) || fe["target-1"] == "" {
		t.Fatalf("changing an ended period: %v, want a message on target-1", err)
	}
	var changes int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM kpi_changes WHERE kpi_id = $1`, kpiID).Scan(&changes); err != nil || changes != 0 {
		t.Fatalf("a refused change was recorded (%d, %v)", changes, err)
	}
	if err := app.SetKPITargets(ctx, a.Scope, contractID, kpiID, k.Version, targets(func(i int, t tally.KPITarget) tally.Quantity {
		if t.Locked(today) {
			return t.Target
		}
		return t.Target + 1000
	}), "Extra phase agreed"); err != nil {
		t.Fatal(err)
	}
	list, err := app.KPIChanges(ctx, a.Scope, contractID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Reason != "Extra phase agreed" || list[0].Code != k.Code || list[0].Before != k.Quantity ||
		list[0].After <= k.Quantity || list[0].By == "" {
		t.Errorf("history %+v", list)
	}
}
