package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// dbDirectWorld is two partners, one of which has never saved settings,
// two suppliers and direct contracts in FY2024, for store-level checks of
// the dashboard's figures.
type dbDirectWorld struct {
	app            *postgres.Store
	plain, settled tally.Org // plain has no partner_settings row
}

func dbDirectSetup(t *testing.T) dbDirectWorld {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	owner := postgres.New(db.Owner)
	w := dbDirectWorld{app: postgres.New(db.App)}
	org := func(o tally.Org, d *tally.SupplierDetails) tally.Org {
		t.Helper()
		o, err := owner.CreateOrganisation(ctx, o, d)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	w.plain = org(tally.Org{Kind: tally.Partner, Slug: "dbplain", Name: "Plain Council"}, nil)
	w.settled = org(tally.Org{Kind: tally.Partner, Slug: "dbsettled", Name: "Settled Council"}, nil)
	ps := tally.DefaultPartnerSettings()
	ps.PartnerID = w.settled.ID
	var err error
	if ps.LocalArea, err = tally.ParseLocalArea("LS"); err != nil {
		t.Fatal(err)
	}
	if err := owner.SavePartnerSettings(ctx, dbScope(w.settled), ps); err != nil {
		t.Fatal(err)
	}
	manchester := org(tally.Org{Kind: tally.Supplier, Slug: "dbmcr", Name: "Manchester Supplies"},
		&tally.SupplierDetails{Name: "Manchester Supplies", Postcode: dbPostcode(t, "M1 1AE"), Size: tally.SizeSmall})
	leeds := org(tally.Org{Kind: tally.Supplier, Slug: "dbleeds", Name: "Leeds Supplies"},
		&tally.SupplierDetails{Name: "Leeds Supplies", Postcode: dbPostcode(t, "LS1 4DY"), Size: tally.SizeLarge})
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, tally.London()) }
	// £10 a unit, 5 units: £50 committed.
	kpi := postgres.NewKPI{Measure: tally.TenderMeasure{Edition: "Local", Code: "X1", Title: "Local measure", Unit: "units",
		Proxy: 100_000, HasProxy: true}, Quantity: 5000}
	for _, c := range []postgres.NewContract{
		{PartnerID: w.plain.ID, SupplierID: manchester.ID, Reference: "P-1", Value: 1_000_000, AwardedOn: day(2024, 6, 1), KPIs: []postgres.NewKPI{kpi}},
		{PartnerID: w.settled.ID, SupplierID: manchester.ID, Reference: "S-1", Value: 2_000_000, AwardedOn: day(2024, 7, 1)},
		{PartnerID: w.settled.ID, SupplierID: leeds.ID, Reference: "S-2", Value: 500_000, AwardedOn: day(2024, 8, 1)},
	} {
		c.Title, c.Start, c.End = "Contract "+c.Reference, c.AwardedOn, c.AwardedOn.AddDate(1, 0, -1)
		p := w.plain
		if c.PartnerID == w.settled.ID {
			p = w.settled
		}
		if _, err := owner.CreateDirectContract(ctx, dbScope(p), c); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func dbScope(partners ...tally.Org) tally.Scope {
	var ids []int64
	for _, p := range partners {
		ids = append(ids, p.ID)
	}
	return tally.Scope{PartnerIDs: ids, OrgIDs: ids, Roles: tally.StaffRoles}
}

func dbPostcode(t *testing.T, s string) tally.Postcode {
	t.Helper()
	pc, err := tally.ParsePostcode(s)
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// A partner that has never saved settings still has its contracts counted,
// with the default local area its settings page shows (Greater
// Manchester), not dropped from the dashboard.
func TestFiguresCountPartnerWithoutSettings(t *testing.T) {
	t.Parallel()
	w := dbDirectSetup(t)
	asOf := time.Date(2025, 3, 31, 0, 0, 0, 0, tally.London())
	f, err := w.app.Figures(context.Background(), dbScope(w.plain, w.settled), []int64{w.plain.ID, w.settled.ID}, 2024, asOf)
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Contracts, ContractsWithKPIs                         int
		ContractValue, LocalSpend, Committed, CommittedLocal tally.Pence
		Winners, WinnersLocal, WinnersSME                    int
	}
	want := got{Contracts: 3, ContractsWithKPIs: 1, ContractValue: 3_500_000,
		// Manchester is local to the plain partner (by default), not to the
		// settled one (LS); Leeds is local to the settled one.
		LocalSpend: 1_000_000 + 500_000, Committed: 5000, CommittedLocal: 5000,
		Winners: 2, WinnersLocal: 2, WinnersSME: 1}
	if diff := cmp.Diff(want, got{f.Contracts, f.ContractsWithKPIs, f.ContractValue, f.LocalSpend, f.Committed, f.CommittedLocal,
		f.Winners, f.WinnersLocal, f.WinnersSME}); diff != "" {
		t.Errorf("figures (-want +got):\n%s", diff)
	}
}

// Row-level security backs the partner list: asked for a partner outside
// its scope, the store still counts only what the scope reaches.
func TestFiguresStayInScope(t *testing.T) {
	t.Parallel()
	w := dbDirectSetup(t)
	asOf := time.Date(2025, 3, 31, 0, 0, 0, 0, tally.London())
	f, err := w.app.Figures(context.Background(), dbScope(w.settled), []int64{w.plain.ID, w.settled.ID}, 2024, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if f.Contracts != 2 || f.ContractValue != 2_500_000 || f.Committed != 0 || f.Winners != 2 || f.WinnersLocal != 1 {
		t.Errorf("out of scope counted: %+v", f)
	}
	b, err := w.app.DashboardBreakdowns(context.Background(), dbScope(w.settled), []int64{w.plain.ID, w.settled.ID}, 2024)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range b.Partners {
		if p.Label == w.plain.Name {
			t.Errorf("the partner breakdown shows %s, out of scope", p.Label)
		}
	}
}
