package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/scale"
	"github.com/tally-sv/tally/internal/tally"
)

// planDay is the medium dataset's "today", so that plans do not move with
// the calendar; the dashboard's year is the one before it.
var planDay = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// planCase is one of the store's hottest queries and the index it must use.
type planCase struct {
	name     string
	supplier bool // planned in a supplier's scope, else the shared service's
	generic  bool // the store runs it with plan_cache_mode = force_generic_plan
	sql      string
	args     []any
	indexes  []string
}

// TestHotQueryPlans checks, on the medium scale dataset (a tenth of large:
// 4,000 tenders, 30,000 offers, 2,300 contracts), that the store's hottest
// queries use their indexes when PostgreSQL plans them as the app role
// under row-level security (issue 10). Each case names the index whose
// loss would turn it into a scan; the test fails if the plan (custom and,
// as the app may come to run it, generic) does not use it. The dataset
// loads once per test binary and day (about 20 s).
func TestHotQueryPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the medium scale dataset")
	}
	db := pgtest.NewSeeded(t, "scalemedium", func(db *pgtest.DB) error {
		ctx := context.Background()
		if err := demo.Load(ctx, postgres.New(db.Owner).WithFiles(db.Files), io.Discard); err != nil {
			return err
		}
		_, err := scale.Load(ctx, db.Owner, scale.Sizes["medium"], planDay, io.Discard)
		return err
	})
	ctx := context.Background()
	var partners []int64
	var stockport, supplier int64
	if err := db.Owner.QueryRow(ctx, `
		SELECT array_agg(id ORDER BY id), min(id) FILTER (WHERE slug = 'stockport'), (SELECT id FROM organisations WHERE slug = 'northernbuild')
		FROM organisations WHERE kind = 'partner'`).Scan(&partners, &stockport, &supplier); err != nil {
		t.Fatal(err)
	}
	staff := tally.Scope{PartnerIDs: partners, OrgIDs: partners, Roles: tally.StaffRoles}
	fy := tally.FinancialYear(tally.FinancialYearOf(planDay)) - 1
	asOf := fy.End().AddDate(0, 0, -1)

	listCount, listCountArgs, listPage, listPageArgs := postgres.TenderListSQL(
		postgres.TenderFilter{PartnerID: stockport, Status: tally.TenderAwarded, Limit: 50})
	oppCount, oppCountArgs, oppPage, oppPageArgs := postgres.TenderListSQL(
		postgres.TenderFilter{Status: tally.TenderPublished, Category: "services", Codes: true, Limit: 50})
	cases := []planCase{
		{name: "tender list page (partner, status)", generic: true, sql: listPage, args: listPageArgs, indexes: []string{"tenders_list_idx"}},
		{name: "tender list count (partner, status)", generic: true, sql: listCount, args: listCountArgs, indexes: []string{"tender_counts_pkey"}},
		{name: "opportunities page (category)", supplier: true, generic: true, sql: oppPage, args: oppPageArgs, indexes: []string{"tenders_category_idx"}},
		{name: "opportunities count (category)", supplier: true, generic: true, sql: oppCount, args: oppCountArgs, indexes: []string{"tenders_category_idx"}},
		{name: "dashboard: live contracts' value to date", sql: postgres.LiveToDateSQL, args: []any{partners, asOf},
			indexes: []string{"contract_periods_due_idx"}},
		{name: "dashboard: live contracts' ratings", sql: postgres.LiveRatingsSQL, args: []any{partners, asOf, 95, 90, 85},
			indexes: []string{"contract_periods_due_idx"}},
		{name: "dashboard: delivered in the year", sql: postgres.DeliveredInYearSQL, args: []any{partners, fy.Start(), fy.End()},
			indexes: []string{"contract_periods_verified_idx"}},
		{name: "dashboard: bidders in the year", sql: postgres.BiddersSQL,
			args: []any{partners, fy.Start(), fy.End()}, indexes: []string{"offer_submissions_year_idx"}},
		{name: "dashboard: tenders published in the year", sql: postgres.TendersInYearSQL, args: []any{partners, fy.Start(), fy.End()},
			indexes: []string{"tenders_published_at_idx"}},
	}
	for _, c := range cases {
		scope := staff
		if c.supplier {
			scope = tally.Scope{SupplierID: supplier, OrgIDs: []int64{supplier}}
		}
		modes := []string{"auto", "force_generic_plan"}
		if c.generic {
			modes = modes[1:]
		}
		for _, mode := range modes {
			plan := explain(t, db, scope, mode, c.sql, c.args)
			for _, index := range c.indexes {
				if !strings.Contains(plan, `"Index Name":"`+index+`"`) {
					t.Errorf("%s (%s): the plan does not use %s:\n%s", c.name, mode, index, plan)
				}
			}
		}
	}
}

// explain plans sql as the app role in scope: a custom plan for its
// arguments (mode "auto", as a statement's first runs get), or the generic
// plan a prepared statement may settle on.
func explain(t *testing.T, db *pgtest.DB, scope tally.Scope, mode, sql string, args []any) string {
	t.Helper()
	ctx := context.Background()
	var plan []map[string]any
	err := postgres.New(db.App).InTx(ctx, scope, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('plan_cache_mode', $1, true)`, mode); err != nil {
			return err
		}
		if mode == "auto" {
			return tx.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+sql, args...).Scan(&plan)
		}
		// The generic plan: prepared, then explained with its arguments
		// (EXECUTE takes them as literals).
		if _, err := tx.Prepare(ctx, "hot", sql); err != nil {
			return err
		}
		literals := make([]string, len(args))
		for i, a := range args {
			literals[i] = literal(a)
		}
		err := tx.QueryRow(ctx, `EXPLAIN (FORMAT JSON) EXECUTE hot (`+strings.Join(literals, ", ")+`)`).Scan(&plan)
		if _, derr := tx.Exec(ctx, `DEALLOCATE hot`); err == nil {
			err = derr
		}
		return err
	})
	if err != nil {
		t.Fatalf("explain %s: %v", sql, err)
	}
	b, _ := json.Marshal(plan)
	return string(b)
}

// literal writes a plan test's argument as an SQL literal, which EXECUTE
// coerces to the parameter's type.
func literal(a any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := a.(type) {
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return quote(v)
	case time.Time:
		return quote(v.Format(time.RFC3339Nano))
	case []int64:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = strconv.FormatInt(x, 10)
		}
		return quote("{" + strings.Join(s, ",") + "}")
	case []string:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = `"` + x + `"`
		}
		return quote("{" + strings.Join(s, ",") + "}")
	}
	panic(fmt.Sprintf("plan test argument of type %T", a))
}
