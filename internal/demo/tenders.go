package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// demoTender is a tender the generator made, with what later steps need.
type demoTender struct {
	tender  tally.Tender
	partner tally.Org
	offers  []demoOffer
	state   string // "past", "closed", "open", "draft", "cancelled"
}

type demoOffer struct {
	id       int64
	supplier supplier
}

var tenderTitles = map[string][]string{
	"works": {"Highways resurfacing programme", "School roof replacement", "Library refurbishment", "Flood defence improvements",
		"Leisure centre decarbonisation", "Town centre public realm works", "Social housing retrofit"},
	"services": {"Home care services", "Grounds maintenance", "Facilities management", "Youth support services",
		"Domestic abuse support service", "Street cleansing", "Employment support programme", "Digital inclusion support"},
	"goods": {"Fleet electric vehicles", "School catering supplies", "IT equipment refresh", "Office furniture",
		"Winter road salt", "Playground equipment"},
}

// statements make each commitment read like a real delivery statement.
var statementOpeners = []string{
	"We will work with the council's employment hub to", "Our delivery plan commits us to", "Through our local partnership we will",
	"Building on our record in Greater Manchester, we will", "A named social value lead will",
}

// loadTenders creates three financial years of tenders for every partner
// through the store's own tender and offer code, then sets the calendar:
// past tenders are backdated, one tender has just closed and several are
// open now for the demo suppliers.
func loadTenders(ctx context.Context, store *postgres.Store, w *world) error {
	rng := rand.New(rand.NewPCG(2026, 11)) // #nosec G404 -- the demo must be the same every time; nothing secret
	now := time.Now()
	thisFY := tally.FinancialYear(tally.FinancialYearOf(now))
	buyer := w.users["buyer@star.example"]
	n := 0
	for _, partner := range w.partners {
		scope := tally.Scope{UserID: buyer.ID, PartnerIDs: []int64{partner.ID}, OrgIDs: []int64{partner.ID},
			MeasureOrgIDs: []int64{partner.ID, w.star.ID}, Roles: []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}}
		plan := tenderPlan(rng, thisFY, now)
		for _, p := range plan {
			n++
			dt, err := makeTender(ctx, store, rng, w, partner, scope, p, n, now)
			if err != nil {
				return fmt.Errorf("tender %d: %w", n, err)
			}
			w.tenders = append(w.tenders, dt)
		}
	}
	return nil
}

// plannedTender is when a tender happens and what becomes of it.
type plannedTender struct {
	state    string
	deadline time.Time
}

// tenderPlan spreads tenders over the last two full financial years and
// this one: about six a year per partner, plus today's open, just-closed,
// draft and cancelled ones.
func tenderPlan(rng *rand.Rand, thisFY tally.FinancialYear, now time.Time) []plannedTender {
	var plan []plannedTender
	for fy := thisFY - 2; fy <= thisFY; fy++ {
		start, end := fy.Start(), fy.End()
		if end.After(now.AddDate(0, 0, -14)) {
			end = now.AddDate(0, 0, -14)
		}
		for i := range 6 {
			span := end.Sub(start)
			if span <= 0 {
				break
			}
			at := start.Add(time.Duration(float64(span) * (float64(i) + rng.Float64()) / 6))
			state := "past"
			if rng.IntN(14) == 0 {
				state = "cancelled"
			}
			plan = append(plan, plannedTender{state: state, deadline: at.Truncate(time.Hour).Add(12 * time.Hour)})
		}
	}
	plan = append(plan,
		plannedTender{state: "closed", deadline: now.Add(-time.Duration(20+rng.IntN(30)) * time.Hour).Truncate(time.Hour)},
		plannedTender{state: "open", deadline: now.AddDate(0, 0, 10+rng.IntN(20)).Truncate(24 * time.Hour).Add(12 * time.Hour)},
		plannedTender{state: "open", deadline: now.AddDate(0, 0, 25+rng.IntN(20)).Truncate(24 * time.Hour).Add(12 * time.Hour)},
		plannedTender{state: "draft", deadline: now.AddDate(0, 1, 10).Truncate(24 * time.Hour).Add(12 * time.Hour)},
	)
	return plan
}

// historyOpen is how long a past tender was open for offers.
const historyOpen = 28 * 24 * time.Hour

// historyLead is how long before its deadline tender n's demo offers were
// submitted: 3 to 23 days, always inside historyOpen.
func historyLead(n int) time.Duration {
	return time.Duration(3+n%21) * 24 * time.Hour
}

func makeTender(ctx context.Context, store *postgres.Store, rng *rand.Rand, w *world, partner tally.Org, scope tally.Scope,
	p plannedTender, n int, now time.Time) (demoTender, error) {
	categories := []string{"works", "services", "services", "goods"}
	category := categories[rng.IntN(len(categories))]
	titles := tenderTitles[category]
	// Log-uniform between £60k and £4m: many small tenders, a few large.
	value := tally.Pence(6_000_000 * math.Pow(66.0, rng.Float64()))
	value = value / 100_000 * 100_000 // whole thousands of pounds
	weightings := []tally.Weighting{200, 200, 200, 200, 150, 250, 300, 100, 200, 200}
	weighting := weightings[rng.IntN(len(weightings))]
	t := tally.Tender{Partner: partner, Category: category,
		Reference:      fmt.Sprintf("%s-%d-%03d", strings.ToUpper(partner.Slug[:3]), tally.FinancialYearOf(p.deadline), n),
		Title:          titles[rng.IntN(len(titles))],
		Description:    "Illustrative demo tender. The council is buying " + strings.ToLower(titles[0]) + " and asks bidders for measurable social value.",
		EstimatedValue: value, Weighting: weighting, QuantitativeShare: 50, Method: tally.RelativeValue,
		// Drafts and open tenders get their real deadline; history is
		// published with a future one and backdated afterwards. Backdating
		// keeps each offer's distance before the deadline, so offers made
		// now land historyLead before the backdated deadline: after the
		// tender was published (historyOpen before it).
		Deadline: now.Add(historyLead(n)),
	}
	// Both scoring methods of SPEC §6: one tender in three scores social
	// value as a share of the bid price.
	if n%3 == 0 {
		t.Method = tally.RelativePercentage
	}
	if p.state == "draft" || p.state == "open" {
		t.Deadline = p.deadline
	}
	if n%17 == 0 {
		t.Weighting, t.WeightingReason = 50, "Specialist goods with a single realistic supply route: social value is limited to delivery."
	}
	start := tally.FinancialYear(tally.FinancialYearOf(p.deadline)).Start()
	t.ContractStart = p.deadline.AddDate(0, 1, 0).Truncate(24 * time.Hour)
	if t.ContractStart.Before(start) {
		t.ContractStart = start
	}
	t.ContractEnd = t.ContractStart.AddDate(1+rng.IntN(3), 0, -1)
	choices := pickMeasures(rng, w, p.deadline)
	for range choices {
		t.Measures = append(t.Measures, tally.TenderMeasure{})
	}
	id, err := store.SaveTender(ctx, scope, t, choices)
	if err != nil {
		return demoTender{}, err
	}
	dt := demoTender{partner: partner, state: p.state}
	if p.state == "draft" {
		dt.tender, err = store.Tender(ctx, scope, id)
		return dt, err
	}
	if err := store.PublishTender(ctx, scope, id); err != nil {
		return dt, err
	}
	if dt.tender, err = store.Tender(ctx, scope, id); err != nil {
		return dt, err
	}
	if err := makeOffers(ctx, store, rng, w, &dt, n); err != nil {
		return dt, err
	}
	if p.state != "open" {
		if err := store.Backdate(ctx, scope, id, p.deadline.Add(-historyOpen), p.deadline); err != nil {
			return dt, err
		}
	}
	if p.state == "cancelled" {
		if err := store.CancelTender(ctx, scope, id, "The requirement changed after market engagement; it will be re-tendered."); err != nil {
			return dt, err
		}
	}
	dt.tender, err = store.Tender(ctx, scope, id)
	return dt, err
}

// pickMeasures chooses three to six measures, with COVID-19 recovery
// measures more likely in earlier years.
func pickMeasures(rng *rand.Rand, w *world, deadline time.Time) []postgres.MeasureChoice {
	var core, covid []tally.Measure
	for _, m := range w.measures {
		switch {
		case m.Plugin == CovidPlugin:
			covid = append(covid, m)
		case m.HasProxy:
			core = append(core, m)
		}
	}
	count := 3 + rng.IntN(4)
	var picked []tally.Measure
	// Most tenders ask for local jobs and local spend: the reference
	// customer's framework leads with them.
	for _, code := range []string{"JOB1", "GRO1"} {
		for _, m := range core {
			if m.Code == code && rng.IntN(10) < 8 {
				picked = append(picked, m)
			}
		}
	}
	if rng.IntN(3) == 0 || deadline.Year() <= time.Now().Year()-2 {
		picked = append(picked, covid[rng.IntN(len(covid))])
	}
	for len(picked) < count {
		m := core[rng.IntN(len(core))]
		if !containsMeasure(picked, m.ID) {
			picked = append(picked, m)
		}
	}
	if rng.IntN(5) == 0 {
		for _, m := range w.measures {
			if !m.HasProxy && m.Plugin == "" && len(picked) < 6 {
				picked = append(picked, m) // a record-only measure
				break
			}
		}
	}
	choices := make([]postgres.MeasureChoice, len(picked))
	for i, m := range picked {
		choices[i] = postgres.MeasureChoice{MeasureID: m.ID}
	}
	return choices
}

func containsMeasure(ms []tally.Measure, id int64) bool {
	for _, m := range ms {
		if m.ID == id {
			return true
		}
	}
	return false
}

// makeOffers has two to five demo suppliers bid, each committing social
// value worth a typical share of its bid price. One open tender is left
// for the SPEC's demo suppliers to bid on themselves. On the tender just
// closed, and on one past tender in seven, the first bidder overreaches
// on a line, so evaluators see "check" flags.
func makeOffers(ctx context.Context, store *postgres.Store, rng *rand.Rand, w *world, dt *demoTender, n int) error {
	count := 2 + rng.IntN(4)
	order := rng.Perm(len(w.suppliers))
	for k, i := range order[:count] {
		sup := w.suppliers[i]
		if dt.state == "open" && (sup.org.Slug == "northernbuild" || sup.org.Slug == "communitycare" || sup.org.Slug == "nationalfm") {
			continue // left for the person trying the demo
		}
		overreach := k == 0 && (dt.state == "closed" || dt.state == "past" && n%7 == 0)
		id, err := submitDemoOffer(ctx, store, rng, w, dt.tender, sup, overreach)
		if err != nil {
			return fmt.Errorf("offer by %s: %w", sup.org.Slug, err)
		}
		dt.offers = append(dt.offers, demoOffer{id: id, supplier: sup})
	}
	return nil
}

// svShare is the share of its bid price a supplier typically commits as
// social value, in per mille: local SMEs and VCSEs more, nationals less.
func svShare(rng *rand.Rand, s supplier) int {
	base := 260
	if s.local {
		base = 360
	}
	if s.details.VCSE {
		base += 40
	}
	if s.details.Size == tally.SizeLarge {
		base -= 30
	}
	return base + rng.IntN(120) - 60
}

// submitDemoOffer submits sup's offer on t. An offer that overreaches
// commits half as much again as the sanity bound allows on its first
// bounded line.
func submitDemoOffer(ctx context.Context, store *postgres.Store, rng *rand.Rand, w *world, t tally.Tender, sup supplier, overreach bool) (int64, error) {
	user := w.users["bids@"+sup.org.Slug+".example"]
	scope := tally.Scope{UserID: user.ID, OrgIDs: []int64{sup.org.ID}, SupplierID: sup.org.ID,
		Roles: []tally.Role{tally.RoleSupplier}}
	id, err := store.StartOffer(ctx, scope, t.ID)
	if err != nil {
		return 0, err
	}
	bid := t.EstimatedValue * tally.Pence(85+rng.IntN(26)) / 100
	target := bid * tally.Pence(svShare(rng, sup)) / 1000
	in := postgres.OfferInput{BidPrice: bid, HasBidPrice: true}
	priced := 0
	for _, m := range t.Measures {
		if m.HasProxy {
			priced++
		}
	}
	for _, m := range t.Measures {
		var q tally.Quantity
		if m.HasProxy && m.Proxy > 0 {
			// This measure's share of the target value, in whole units or
			// tenths for costly units (FTE).
			share := int64(target) / int64(priced) * int64(60+rng.IntN(80)) / 100 // pence
			// value (pence) = q (10^-3 units) × proxy (10^-4 £) ÷ 10^5
			q = tally.Quantity(share * 100_000 / int64(m.Proxy))
			// Stay within the measure's sanity bound, as most honest
			// offers do: bound × bid ÷ £1m.
			if m.HasMax {
				if bound := tally.Quantity(int64(m.MaxPerMillion) * int64(bid) / 100_000_000); q > bound*9/10 {
					q = bound * 9 / 10
				}
			}
			if m.Proxy >= 10_000_000 { // £1,000 or more per unit: tenths
				q = q / 100 * 100
			} else {
				q = q / 1000 * 1000
			}
			if overreach && m.HasMax {
				bound := tally.Quantity(int64(m.MaxPerMillion) * int64(bid) / 100_000_000)
				q, overreach = (bound*3/2+1000)/1000*1000, false
			}
		} else {
			q = tally.Quantity(1000 * (1 + rng.IntN(20)))
		}
		stmt := ""
		if q > 0 {
			stmt = fmt.Sprintf("%s deliver %s (%s), reported quarterly with evidence.",
				statementOpeners[rng.IntN(len(statementOpeners))], format.Quantity(q, m.Unit), strings.ToLower(m.Title))
		}
		in.Lines = append(in.Lines, tally.OfferLine{TenderMeasureID: m.ID, Quantity: q, Statement: stmt})
	}
	f, err := store.SaveOffer(ctx, scope, id, 1, in)
	if err != nil {
		return 0, err
	}
	if _, err := store.SubmitOffer(ctx, scope, id, f.Version); err != nil {
		return 0, err
	}
	return id, nil
}
