package postgres_test

import (
	"context"
	"testing"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// The settings page's preview of a new local area and a supplier's page of
// where it counts as local both ask tally_is_local.
func TestLocalAreaImpactAndPartnerAreas(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	owner := postgres.New(db.Owner)
	partner, err := owner.CreateOrganisation(ctx, tally.Org{Kind: tally.Partner, Slug: "p", Name: "P"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	scope := tally.Scope{PartnerIDs: []int64{partner.ID}, OrgIDs: []int64{partner.ID}, Roles: tally.StaffRoles}
	ps := tally.DefaultPartnerSettings()
	ps.PartnerID = partner.ID
	if ps.LocalArea, err = tally.ParseLocalArea("SK, M1"); err != nil {
		t.Fatal(err)
	}
	if err := owner.SavePartnerSettings(ctx, scope, ps); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ slug, postcode string }{{"sk", "SK1 3XE"}, {"ls", "LS1 4DY"}, {"m1", "M1 1AE"}, {"m2", "M2 3AB"}} {
		pc, err := tally.ParsePostcode(s.postcode)
		if err != nil {
			t.Fatal(err)
		}
		d := tally.SupplierDetails{Name: "Supplier " + s.slug, Postcode: pc, Size: tally.SizeSmall}
		if _, err := owner.CreateOrganisation(ctx, tally.Org{Kind: tally.Supplier, Slug: s.slug, Name: d.Name}, &d); err != nil {
			t.Fatal(err)
		}
	}
	proposed, err := tally.ParseLocalArea("LS, M1, M2")
	if err != nil {
		t.Fatal(err)
	}
	im, err := postgres.New(db.App).LocalAreaImpact(ctx, scope, partner.ID, proposed)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ds []tally.SupplierDetails) (out []string) {
		for _, d := range ds {
			out = append(out, d.Name+" "+d.Postcode.String())
		}
		return out
	}
	if got := names(im.Gain); len(got) != 2 || got[0] != "Supplier ls LS1 4DY" || got[1] != "Supplier m2 M2 3AB" {
		t.Errorf("gain %q, want LS1 4DY and M2 3AB", got)
	}
	if got := names(im.Lose); len(got) != 1 || got[0] != "Supplier sk SK1 3XE" {
		t.Errorf("lose %q, want SK1 3XE", got)
	}

	for postcode, want := range map[string]bool{"SK1 3XE": true, "M1 1AE": true, "M2 3AB": false, "LS1 4DY": false} {
		pc, _ := tally.ParsePostcode(postcode)
		areas, err := postgres.New(db.App).PartnerAreas(ctx, pc)
		if err != nil {
			t.Fatal(err)
		}
		if len(areas) != 1 || areas[0].Local != want || areas[0].LocalArea.String() != "M1, SK" {
			t.Errorf("PartnerAreas(%s) = %+v, want local %t in M1, SK", postcode, areas, want)
		}
	}
}
