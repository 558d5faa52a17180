package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// loadAwards evaluates and awards the demo's past tenders through the
// product's evaluation code, leaving the one that has just closed for a
// person to evaluate, and registers a few direct contracts (most without
// KPIs), so that about 85% of contracts have performance measures.
func loadAwards(ctx context.Context, store *postgres.Store, w *world) error {
	rng := rand.New(rand.NewPCG(2026, 6)) // #nosec G404 -- the demo must be the same every time; nothing secret
	buyer := w.users["buyer@star.example"]
	for _, dt := range w.tenders {
		if dt.state != "past" || len(dt.offers) == 0 {
			continue
		}
		scope := tally.Scope{UserID: buyer.ID, PartnerIDs: []int64{dt.partner.ID}, OrgIDs: []int64{dt.partner.ID},
			Roles: []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}}
		e, err := store.Evaluation(ctx, scope, dt.tender.ID, tally.OpenedOnPage)
		if err != nil {
			return fmt.Errorf("evaluate %s: %w", dt.tender.Reference, err)
		}
		// Evaluators bring a line over the sanity bound down to it, and
		// trim the odd line they find unrealistic.
		for _, o := range e.Offers {
			for i, l := range o.Lines {
				if i < len(o.Flags.Lines) && len(o.Flags.Lines[i]) > 0 && l.Measure.HasMax {
					bound := tally.Quantity(int64(l.Measure.MaxPerMillion) * int64(o.BidPrice) / 100_000_000)
					if err := store.Moderate(ctx, scope, dt.tender.ID, o.OfferID, l.Measure.ID, bound/1000*1000,
						"More than a contract of this size can plausibly deliver (above the measure's sanity bound): reduced to the bound."); err != nil {
						return fmt.Errorf("moderate %s: %w", dt.tender.Reference, err)
					}
					continue
				}
				if l.Submitted > 0 && l.Measure.HasProxy && rng.IntN(25) == 0 {
					if err := store.Moderate(ctx, scope, dt.tender.ID, o.OfferID, l.Measure.ID, l.Submitted*3/4/1000*1000,
						"Reduced to what the supplier's current workforce can plausibly deliver on a contract of this size."); err != nil {
						return fmt.Errorf("moderate %s: %w", dt.tender.Reference, err)
					}
				}
			}
		}
		// Price, quality and social value share the evaluation's 100
		// points: social value its weighting, price 70% of the rest and
		// quality 30%. Each offer scores within its criterion's share.
		rest := int(tally.MaxPoints) - int(dt.tender.Weighting)*10 // hundredths of a point
		var marks []postgres.Marks
		for _, o := range e.Offers {
			marks = append(marks, postgres.Marks{OfferID: o.OfferID, Mark: 2 + rng.IntN(4), Marked: true,
				PricePoints:   tally.Points(rest * 7 / 10 * (75 + rng.IntN(26)) / 100),
				QualityPoints: tally.Points(rest * 3 / 10 * (40 + rng.IntN(61)) / 100)})
		}
		if err := store.SaveMarks(ctx, scope, dt.tender.ID, marks); err != nil {
			return err
		}
		if e, err = store.Evaluation(ctx, scope, dt.tender.ID, tally.OpenedOnPage); err != nil {
			return err
		}
		top := e.Top()
		awarded := dt.tender.Deadline.AddDate(0, 0, 21+rng.IntN(14))
		if awarded.After(time.Now()) {
			awarded = time.Now()
		}
		if start := dt.tender.ContractStart; awarded.After(start) {
			awarded = start // an award is never dated after the contract starts
		}
		if _, _, err := store.Award(ctx, scope, dt.tender.ID, top.OfferID, "", awarded); err != nil {
			return fmt.Errorf("award %s: %w", dt.tender.Reference, err)
		}
	}
	return loadDirectContracts(ctx, store, rng, w)
}

// loadDirectContracts registers one legacy or direct award per partner per
// year; only one in three has KPIs.
func loadDirectContracts(ctx context.Context, store *postgres.Store, rng *rand.Rand, w *world) error {
	buyer := w.users["buyer@star.example"]
	now := time.Now()
	thisFY := tally.FinancialYear(tally.FinancialYearOf(now))
	n := 0
	for pi, partner := range w.partners {
		scope := tally.Scope{UserID: buyer.ID, PartnerIDs: []int64{partner.ID}, OrgIDs: []int64{partner.ID},
			Roles: []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}}
		for fy := thisFY - 2; fy <= thisFY; fy++ {
			n++
			awarded := fy.Start().AddDate(0, 1+rng.IntN(9), rng.IntN(28))
			if awarded.After(now) {
				awarded = now.AddDate(0, 0, -7)
			}
			sup := w.suppliers[rng.IntN(len(w.suppliers))]
			c := postgres.NewContract{PartnerID: partner.ID, SupplierID: sup.org.ID,
				Reference: fmt.Sprintf("%s-DA-%d-%02d", partner.Slug[:3], int(fy), n), Title: "Legacy contract: " + []string{
					"parking enforcement", "legal services", "payroll software", "translation services"}[rng.IntN(4)],
				Value: tally.Pence(5_000_000 + rng.IntN(20_000_000)), Start: awarded.AddDate(0, 0, 14), AwardedOn: awarded,
				AwardReason: "Registered directly"}
			c.End = c.Start.AddDate(2, 0, -1)
			if (pi+int(fy))%3 == 0 {
				for _, m := range w.measures {
					if m.Code == "JOB7" {
						c.KPIs = []postgres.NewKPI{{Measure: tally.TenderMeasure{MeasureID: m.ID, Edition: "Open Demo Measures 2026",
							Code: m.Code, Title: m.Title, Unit: m.Unit, Proxy: m.Proxy, HasProxy: m.HasProxy, Local: m.Local},
							Quantity: tally.Quantity(c.Value / 100 / 10_000 * 1000 * 12)}}
					}
				}
			}
			if _, err := store.CreateDirectContract(ctx, scope, c); err != nil {
				return fmt.Errorf("direct contract: %w", err)
			}
		}
	}
	return nil
}
