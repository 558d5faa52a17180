package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// SPEC §8: the figures use each supplier's local status, size and VCSE
// flag as recorded with its offers and awards. After the partners move
// their local areas and every supplier's details change, last year's and
// the year before's headline figures are still the hand calculation's.
func TestDashboardKeepsPastYearsWhenFactsChange(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := dbScenario()
	b := dbBuild(t, ts, w)
	hub := measuresLogin(t, ts, "director@hub.test")
	before := map[int][][]string{}
	for _, fy := range []int{2023, 2024} {
		before[fy] = dbHeadline(t, hub, fmt.Sprintf("%s/o/hub/dashboard.csv?fy=%d", ts.URL, fy))
		if diff := cmp.Diff(dbExpect(w, fy, "north", "south"), before[fy]); diff != "" {
			t.Fatalf("FY%d before the change (-hand calculation +dashboard):\n%s", fy, diff)
		}
	}

	ctx := context.Background()
	store := postgres.New(ts.db.Owner)
	for _, p := range w.partners {
		settings := tally.DefaultPartnerSettings()
		settings.PartnerID = b.orgs[p.slug].ID
		var err error
		if settings.LocalArea, err = tally.ParseLocalArea("ZE"); err != nil {
			t.Fatal(err)
		}
		scope := tally.Scope{PartnerIDs: []int64{settings.PartnerID}, OrgIDs: []int64{settings.PartnerID}, Roles: tally.StaffRoles}
		if cur, err := store.PartnerSettings(ctx, scope, settings.PartnerID); err == nil {
			settings.Version = cur.Version
		}
		if err := store.SavePartnerSettings(ctx, scope, settings); err != nil {
			t.Fatal(err)
		}
	}
	admin, err := pgx.Connect(ctx, ts.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	tag, err := admin.Exec(ctx, `UPDATE organisations SET size = CASE size WHEN 'large' THEN 'micro' ELSE 'large' END, vcse = NOT vcse
		WHERE kind = 'supplier'`)
	if err != nil || tag.RowsAffected() != int64(len(w.suppliers)) {
		t.Fatalf("change the suppliers: %v, %d rows", err, tag.RowsAffected())
	}

	for _, fy := range []int{2023, 2024} {
		after := dbHeadline(t, hub, fmt.Sprintf("%s/o/hub/dashboard.csv?fy=%d", ts.URL, fy))
		if diff := cmp.Diff(before[fy], after); diff != "" {
			t.Errorf("FY%d: changing local areas and suppliers' details rewrote the figures (-before +after):\n%s", fy, diff)
		}
	}
}
