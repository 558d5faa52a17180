package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// "Is this supplier local?" is one rule: tally_is_local in SQL, which the
// database applies when it records an offer's or a contract's facts, lists
// the supplier directory and previews a new local area. These cases (once
// tally.LocalArea.Contains's) run against it.
func TestLocalRule(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	const gm = "BL, M, OL, SK, WN, WA3, WA13, WA14, WA15" // tally.GreaterManchester
	for _, tt := range []struct {
		area, postcode string
		want           bool
	}{
		{"M1, BL, WA3", "M1 1AE", true},
		{"M1, BL, WA3", "M11 4AA", false}, // district M1 is not M11
		{"M1, BL, WA3", "M2 3AB", false},
		{"M1, BL, WA3", "BL1 1AA", true}, // area BL
		{"M1, BL, WA3", "BL9 0AA", true},
		{"M1, BL, WA3", "WA3 2AB", true},
		{"M1, BL, WA3", "WA30 1AA", false},
		{"M1, BL, WA3", "WA1 1AA", false},
		{"M1, BL, WA3", "SK1 3XE", false},
		{"M1, BL, WA3", "", false}, // no postcode
		{"", "M1 1AE", false},      // no area
		{gm, "SK1 3XE", true},      // Stockport
		{gm, "M32 0TH", true},      // Trafford
		{gm, "OL16 1AB", true},
		{gm, "WA14 2EY", true}, // Altrincham
		{gm, "WA15 8AA", true},
		{gm, "WA1 1UH", false}, // Warrington
		{gm, "L1 8JQ", false},  // Liverpool
		{gm, "LS1 4AP", false},
		{gm, "GIR 0AA", false},
		{"E, EC1A, N1C", "EC1A 1BB", true},
		{"E, EC1A, N1C", "E1 6AN", true},
		{"E, EC1A, N1C", "N1C 4AA", true},
		{"E, EC1A, N1C", "N1 9GU", false},
		{"E, EC1A, N1C", "W1A 0AX", false},
		{"SK", "SK10 1AA", true},
		{"WA13 WA14 WA15", "WA14 2EY", true},
	} {
		area, err := tally.ParseLocalArea(tt.area)
		if err != nil {
			t.Fatal(err)
		}
		var pc tally.Postcode
		if tt.postcode != "" {
			if pc, err = tally.ParsePostcode(tt.postcode); err != nil {
				t.Fatal(err)
			}
		}
		var got bool
		if err := db.App.QueryRow(ctx, `SELECT tally_is_local($1, $2)`, pc.String(), area.Codes()).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("tally_is_local(%q, %q) = %t, want %t", pc, tt.area, got, tt.want)
		}
	}
	if area, _ := tally.ParseLocalArea(gm); tally.GreaterManchester().String() != area.String() {
		t.Errorf("tally.GreaterManchester() = %q, not the area tested here", tally.GreaterManchester())
	}
	// A partner without settings: the same default area in SQL and Go.
	var codes []string
	if err := db.App.QueryRow(ctx, `SELECT tally_default_local_area()`).Scan(&codes); err != nil {
		t.Fatal(err)
	}
	if want := tally.DefaultPartnerSettings().LocalArea.Codes(); !cmp.Equal(want, codes) {
		t.Errorf("tally_default_local_area() = %v, want tally.DefaultPartnerSettings's %v", codes, want)
	}
}

// A supplier's scope reads a partner's local area through tally_local_area
// and nothing else of the partner's settings: its own scope is back when
// the function returns.
func TestLocalAreaReadLeavesTheScopeAlone(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	w.exec(t, `UPDATE partner_settings SET local_area = '{SK, WA3}' WHERE partner_id = $1`, w.partner)
	err := w.store.InTx(ctx, w.supplier(0), func(tx pgx.Tx) error {
		var area []string
		var visible int
		var partners string
		if err := tx.QueryRow(ctx, `SELECT tally_local_area($1)`, w.partner).Scan(&area); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*), current_setting('app.partner_ids') FROM partner_settings`).Scan(&visible, &partners); err != nil {
			return err
		}
		if !cmp.Equal(area, []string{"SK", "WA3"}) || visible != 0 || partners != "{}" {
			t.Errorf("local area %v; then %d settings rows visible, partner scope %q; want [SK WA3], 0, {}", area, visible, partners)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// factsSnapshot is what the dashboard says about suppliers in a year.
type factsSnapshot struct {
	Contracts                                      int
	ContractValue, LocalSpend, Committed, Local    tally.Pence
	Bidders, BiddersLocal, BiddersSME, BiddersVCSE int
	Winners, WinnersLocal, WinnersSME, WinnersVCSE int
	Sizes                                          string
}

func (w *evWorld) facts(t *testing.T, fy tally.FinancialYear) factsSnapshot {
	t.Helper()
	ctx := context.Background()
	f, err := w.store.Figures(ctx, w.buyer, []int64{w.partner}, fy, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.store.DashboardBreakdowns(ctx, w.buyer, []int64{w.partner}, fy)
	if err != nil {
		t.Fatal(err)
	}
	return factsSnapshot{f.Contracts, f.ContractValue, f.LocalSpend, f.Committed, f.CommittedLocal,
		f.Bidders, f.BiddersLocal, f.BiddersSME, f.BiddersVCSE, f.Winners, f.WinnersLocal, f.WinnersSME, f.WinnersVCSE, fmt.Sprint(b.Sizes)}
}

// SPEC §8: a supplier's local status, size and VCSE flag are recorded with
// each offer and award as they were then. Changing the partner's local
// area and the supplier's details afterwards leaves the year's figures as
// they were; the next offer and award record the new facts.
func TestSupplierFactsAreFrozenWhenDecided(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	fy := tally.FinancialYear(tally.FinancialYearOf(time.Now()))
	// The bidders are all at SK1 1AA, small, not VCSE; SK is local.
	w.exec(t, `UPDATE partner_settings SET local_area = '{SK}' WHERE partner_id = $1`, w.partner)
	c := w.closedTender(t, "FACTS-1")
	w.markAll(t, c)
	if _, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", time.Now()); err != nil {
		t.Fatalf("award: %v", err)
	}
	before := w.facts(t, fy)
	want := factsSnapshot{Contracts: 1, ContractValue: 100_000_000, LocalSpend: 100_000_000, Committed: before.Committed, Local: before.Committed,
		Bidders: 3, BiddersLocal: 3, BiddersSME: 3, Winners: 1, WinnersLocal: 1, WinnersSME: 1,
		Sizes: fmt.Sprint([]postgres.Breakdown{{Label: "small", Committed: before.Committed, Value: 100_000_000, Count: 1}})}
	if before.Committed == 0 || !cmp.Equal(want, before) {
		t.Fatalf("figures after the award (-want +got):\n%s", cmp.Diff(want, before))
	}

	// The partner moves its local area to M; bidder A grows large and
	// becomes a social enterprise.
	w.exec(t, `UPDATE partner_settings SET local_area = '{M}' WHERE partner_id = $1`, w.partner)
	w.exec(t, `UPDATE organisations SET size = 'large', vcse = true WHERE id = $1`, w.suppliers[0])
	if after := w.facts(t, fy); !cmp.Equal(before, after) {
		t.Errorf("changing the local area and a supplier's details rewrote the figures (-before +after):\n%s", cmp.Diff(before, after))
	}

	// A new tender: bidder A bids (now not local, large, VCSE) and wins.
	tn := w.published(t, "FACTS-2")
	offer := w.bid(t, 0, tn, 500_000, "1", "0", "0")
	w.close(t, tn)
	if err := w.store.SaveMarks(ctx, w.buyer, tn.ID, []postgres.Marks{{OfferID: offer, Marked: true}}); err != nil {
		t.Fatalf("marks: %v", err)
	}
	if _, _, err := w.store.Award(ctx, w.buyer, tn.ID, offer, "", time.Now()); err != nil {
		t.Fatalf("award: %v", err)
	}
	var local, vcse bool
	var size string
	if err := w.admin.QueryRow(ctx, `SELECT supplier_local, supplier_size, supplier_vcse FROM contracts WHERE tender_id = $1`, tn.ID).
		Scan(&local, &size, &vcse); err != nil {
		t.Fatal(err)
	}
	if local || size != "large" || !vcse {
		t.Errorf("the new contract records local %t, size %s, VCSE %t; want false, large, true", local, size, vcse)
	}
	if err := w.admin.QueryRow(ctx, `SELECT supplier_local, supplier_size, supplier_vcse FROM offer_submissions WHERE offer_id = $1`, offer).
		Scan(&local, &size, &vcse); err != nil {
		t.Fatal(err)
	}
	if local || size != "large" || !vcse {
		t.Errorf("the new offer records local %t, size %s, VCSE %t; want false, large, true", local, size, vcse)
	}
	now := w.facts(t, fy)
	if now.Contracts != 2 || now.ContractValue != 150_000_000 || now.LocalSpend != 100_000_000 || now.Local != before.Local ||
		now.BiddersVCSE != 1 || now.WinnersVCSE != 1 {
		t.Errorf("after a second award to a supplier no longer local: %+v", now)
	}
	if want := fmt.Sprint([]postgres.Breakdown{{Label: "small", Committed: before.Committed, Value: 100_000_000, Count: 1},
		{Label: "large", Committed: now.Committed - before.Committed, Value: 50_000_000, Count: 1}}); now.Sizes != want {
		t.Errorf("by supplier size %s, want %s", now.Sizes, want)
	}

	// Recorded facts cannot be rewritten, even past row-level security.
	for _, table := range []string{"contracts", "offer_submissions"} {
		if _, err := w.admin.Exec(ctx, `UPDATE `+table+` SET supplier_local = NOT supplier_local`); err == nil {
			t.Errorf("%s: recorded facts were rewritten", table)
		}
	}
}

// recordedFactsMatchToday checks, where nothing has changed since the data
// was written (the demo), that every contract and offer submission recorded
// its supplier's facts as they are: local by tally_is_local to its
// partner's area, and its size and VCSE flag.
func recordedFactsMatchToday(t *testing.T, store *postgres.Store, scope tally.Scope) {
	t.Helper()
	ctx := context.Background()
	err := store.InTx(ctx, scope, func(tx pgx.Tx) error {
		for _, table := range []string{"contracts", "offer_submissions"} {
			var rows, wrong int
			if err := tx.QueryRow(ctx, `
				SELECT count(*), count(*) FILTER (WHERE (x.supplier_local, x.supplier_size, x.supplier_vcse) IS DISTINCT FROM
				       (tally_is_local(s.postcode, coalesce(ps.local_area, tally_default_local_area())), s.size, s.vcse))
				FROM `+table+` x JOIN organisations s ON s.id = x.supplier_id
				LEFT JOIN partner_settings ps ON ps.partner_id = x.partner_id`).Scan(&rows, &wrong); err != nil {
				return err
			}
			if rows == 0 || wrong != 0 {
				t.Errorf("%s: %d of %d rows recorded facts other than the supplier's", table, wrong, rows)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// SPEC §8 counts "tenders published in the period". Publishing is a fact of
// its day: a tender published in the year and cancelled later still was
// published in it, with its value and weighting; a draft cancelled before
// it was ever published never was.
func TestTendersOverThresholdAreThosePublished(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	fy := tally.FinancialYear(tally.FinancialYearOf(time.Now()))
	w.published(t, "TOT-OPEN")
	cancelled := w.published(t, "TOT-CANCELLED")
	if err := w.store.CancelTender(ctx, w.buyer, cancelled.ID, "The requirement changed."); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	draft := tally.Tender{Partner: tally.Org{ID: w.partner}, Reference: "TOT-DRAFT", Title: "Never published", Category: "goods",
		EstimatedValue: 7_000_000, ContractStart: evContractStart, ContractEnd: evContractStart.AddDate(1, 0, -1), Weighting: 300,
		QuantitativeShare: 50, Method: tally.RelativeValue, Deadline: time.Now().Add(time.Hour).Truncate(time.Second)}
	id, err := w.store.SaveTender(ctx, w.buyer, draft, []postgres.MeasureChoice{{MeasureID: w.measures["JOB1"]}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.CancelTender(ctx, w.buyer, id, "Not needed after all."); err != nil {
		t.Fatalf("cancel the draft: %v", err)
	}
	f, err := w.store.Figures(ctx, w.buyer, []int64{w.partner}, fy, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if f.Tenders != 2 || f.TenderValue != 200_000_000 || f.WeightingTotal != 400 {
		t.Errorf("tenders over threshold: %d worth %s, weighting total %d; want the 2 published (one since cancelled), £2,000,000.00, 400",
			f.Tenders, f.TenderValue, f.WeightingTotal)
	}
}
