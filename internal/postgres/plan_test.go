package postgres_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/scale"
)

// TestHotQueryPlans checks that the dashboard's hottest lookups use their
// indexes on the medium scale dataset, planned as the app role under
// row-level security (issue 10). Loading the dataset takes about a minute,
// so it runs only with TALLY_PLAN_TESTS=1.
func TestHotQueryPlans(t *testing.T) {
	if os.Getenv("TALLY_PLAN_TESTS") != "1" {
		t.Skip("set TALLY_PLAN_TESTS=1 to load the medium scale dataset and check query plans")
	}
	db := pgtest.NewSeeded(t, "scalemedium", func(db *pgtest.DB) error {
		ctx := context.Background()
		if err := demo.Load(ctx, postgres.New(db.Owner), io.Discard); err != nil {
			return err
		}
		// A fixed day, so the plans do not move with the calendar.
		_, err := scale.Load(ctx, db.Owner, scale.Sizes["medium"], time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), io.Discard)
		return err
	})
	ctx := context.Background()
	cases := []struct {
		name, index, sql string
	}{
		{"a KPI's targets due so far (Figures, ContractStatuses)", "kpi_targets_kpi_idx", `
			SELECT coalesce(sum(t.target), 0) FROM kpi_targets t WHERE t.partner_id = $1 AND t.kpi_id = $2 AND t.due <= $3::date`},
		{"a KPI's verified delivery (Figures, ContractStatuses)", "return_lines_kpi_idx", `
			SELECT coalesce(sum(l.quantity), 0) FROM return_lines l JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
			WHERE l.partner_id = $1 AND l.kpi_id = $2 AND l.decision = 'verified' AND r.due <= $3::date`},
		{"a contract's overdue periods (ContractStatuses)", "kpi_targets_pkey", `
			SELECT count(DISTINCT t.period) FROM kpi_targets t
			WHERE t.partner_id = $1 AND t.contract_id = (SELECT contract_id FROM kpis WHERE partner_id = $1 AND id = $2) AND t.due < $3::date`},
	}
	err := pgx.BeginFunc(ctx, db.App, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.partner_ids', (SELECT array_agg(id)::text FROM organisations WHERE kind = 'partner'), true)`); err != nil {
			return err
		}
		var partner, kpi int64
		if err := tx.QueryRow(ctx, `SELECT partner_id, id FROM kpis ORDER BY id DESC LIMIT 1`).Scan(&partner, &kpi); err != nil {
			return err
		}
		for _, c := range cases {
			var plan []map[string]any
			if err := tx.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+c.sql, partner, kpi, "2026-03-31").Scan(&plan); err != nil {
				return err
			}
			b, _ := json.Marshal(plan)
			if !strings.Contains(string(b), `"Index Name":"`+c.index+`"`) {
				t.Errorf("%s: the plan does not use %s:\n%s", c.name, c.index, b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
