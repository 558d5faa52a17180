package scale

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// generator makes one partner's year at a time. Each chunk has its own
// random stream, seeded by partner and year, so a chunk is the same
// whatever was generated before it.
type generator struct {
	w      *world
	size   Size
	now    time.Time
	today  time.Time
	thisFY int
}

func newGenerator(w *world, size Size, now time.Time) *generator {
	y, m, d := now.In(tally.London()).Date()
	return &generator{w: w, size: size, now: now, today: time.Date(y, m, d, 0, 0, 0, 0, tally.London()),
		thisFY: tally.FinancialYearOf(now)}
}

var (
	categories   = []string{"works", "services", "services", "goods"}
	tenderTitles = map[string][]string{
		"works": {"Highways resurfacing programme", "School roof replacement", "Library refurbishment", "Flood defence improvements",
			"Leisure centre decarbonisation", "Town centre public realm works", "Social housing retrofit"},
		"services": {"Home care services", "Grounds maintenance", "Facilities management", "Youth support services",
			"Domestic abuse support service", "Street cleansing", "Employment support programme", "Digital inclusion support"},
		"goods": {"Fleet electric vehicles", "School catering supplies", "IT equipment refresh", "Office furniture",
			"Winter road salt", "Playground equipment"},
	}
	weightings = []tally.Weighting{200, 200, 200, 200, 150, 250, 300, 100, 200, 200}
	statements = []string{
		"We will recruit through the council's employment hub and report monthly.",
		"Our social value lead will deliver this with local partners and keep evidence.",
		"Delivered by our local supply chain, evidenced by invoices and payroll records.",
		"Commitment built into the delivery plan, with quarterly reporting to the council.",
	}
	queries = []string{"Please send the payroll extract for the quarter.", "The invoices do not show local suppliers' postcodes."}
)

// chunk is the rows of one partner's financial year, column by column.
type chunk struct {
	tenders, measures, contracts, kpis, targets, returns, returnLines columns
	offers                                                            map[int64]*supplierRows // by supplier
	suppliers                                                         []int64                 // in first-seen order
}

// supplierRows are one supplier's offer rows: row-level security lets the
// owner insert offers only with app.supplier_id set to their supplier.
type supplierRows struct{ offers, lines, submissions columns }

func (g *generator) chunk(ctx context.Context, tx pgx.Tx, ids *allocator, pi, fy int) (*chunk, error) {
	rng := rand.New(rand.NewPCG(uint64(pi+1)*7919, uint64(fy))) // #nosec G115 G404 -- a seed from small non-negative indexes, for repeatable synthetic data
	partner := g.w.partners[pi]
	year := tally.FinancialYear(fy)
	start, end := year.Start(), year.End()
	if last := g.now.AddDate(0, 0, 45); end.After(last) {
		end = last
	}
	ch := &chunk{offers: map[int64]*supplierRows{}}
	n := g.size.TendersPerYear
	for i := range n {
		deadline := start.Add(time.Duration(float64(end.Sub(start)) * (float64(i) + rng.Float64()) / float64(n))).Truncate(time.Hour)
		if err := g.tender(ctx, tx, ids, rng, ch, partner, fy, i, deadline); err != nil {
			return nil, err
		}
	}
	return ch, nil
}

type tenderMeasure struct {
	id int64
	m  measure
}

type offer struct {
	id        int64
	supplier  int64
	submitted bool
	bid       tally.Pence
	value     tally.Pence
	lines     []tally.Quantity // by tender measure
}

func (g *generator) tender(ctx context.Context, tx pgx.Tx, ids *allocator, rng *rand.Rand, ch *chunk, partner org, fy, i int, deadline time.Time) error {
	id, err := ids.next(ctx, tx, "tenders")
	if err != nil {
		return err
	}
	// What becomes of it: open or drafted when the deadline is ahead,
	// awaiting evaluation for a month after, then mostly awarded.
	state := "awarded"
	switch r := rng.Float64(); {
	case deadline.After(g.now):
		state = "open"
		if r < 0.15 {
			state = "draft"
		}
	case deadline.After(g.now.AddDate(0, 0, -30)):
		state = "closed"
	case r < 0.09:
		state = "cancelled"
	case r < 0.12:
		state = "draft"
	case r < 0.42:
		state = "closed"
	}
	category := categories[rng.IntN(len(categories))]
	titles := tenderTitles[category]
	value := tally.Pence(6_000_000*math.Pow(66.0, rng.Float64())) / 100_000 * 100_000
	published := deadline.AddDate(0, 0, -28-rng.IntN(14))
	cstart := dateOf(deadline.AddDate(0, 0, 60))
	cend := cstart.AddDate(0, 12+6*rng.IntN(3), -1)
	ref := fmt.Sprintf("SC-%s-%d-%05d", strings.ToUpper(partner.slug[:3]), fy, i+1)
	title := titles[rng.IntN(len(titles))]
	status, cancelReason := "published", ""
	var publishedAt, cancelledAt any = published, nil
	switch state {
	case "draft":
		status, publishedAt = "draft", nil
	case "cancelled":
		status, cancelReason, cancelledAt = "cancelled", "The requirement changed before the deadline.", deadline.AddDate(0, 0, -3)
	case "awarded":
		status = "awarded"
	}

	// Measures: 8 to 14 of the edition, the COVID-19 plug-in only from 2020.
	var tms []tenderMeasure
	for _, k := range rng.Perm(len(g.w.measures)) {
		m := g.w.measures[k]
		if m.plugin != "" && fy < 2020 {
			continue
		}
		tmID, err := ids.next(ctx, tx, "tender_measures")
		if err != nil {
			return err
		}
		tms = append(tms, tenderMeasure{id: tmID, m: m})
		if len(tms) == 8+int(id%7) {
			break
		}
	}
	for pos, tm := range tms {
		ch.measures.add(partner.id, id, tm.id, pos+1, tm.m.id, g.w.edition, tm.m.code, tm.m.title, tm.m.unit,
			nullable(int64(tm.m.proxy), tm.m.hasProx), tm.m.local, tm.m.plugin, nullable(tm.m.maxPM, tm.m.hasMax), status != "draft")
	}

	// Offers from distinct suppliers.
	bidders := 0
	switch state {
	case "open":
		bidders = rng.IntN(6)
	case "closed", "awarded":
		bidders = 5 + rng.IntN(8)
	case "cancelled":
		bidders = rng.IntN(4)
	}
	var offers []offer
	seen := map[int]bool{}
	for len(offers) < bidders {
		k := rng.IntN(len(g.w.suppliers))
		if seen[k] {
			continue
		}
		seen[k] = true
		o, err := g.offer(ctx, tx, ids, rng, ch, partner, id, ref, deadline, value, state, g.w.suppliers[k].id, tms)
		if err != nil {
			return err
		}
		offers = append(offers, o)
	}
	count := 0
	var win *offer
	for k := range offers {
		if offers[k].submitted {
			count++
			if win == nil || offers[k].value > win.value {
				win = &offers[k]
			}
		}
	}
	awarded := deadline.AddDate(0, 0, 21+rng.IntN(14))
	if state == "awarded" && (win == nil || awarded.After(g.now)) {
		state, status = "closed", "published"
	}
	ch.tenders.add(partner.id, id, ref, title, "Synthetic tender for benchmarks: "+strings.ToLower(title)+".", category, int64(value),
		cstart, cend, int(weightings[rng.IntN(len(weightings))]), deadline, status, publishedAt, cancelledAt, cancelReason, count,
		g.w.buyer, published.AddDate(0, 0, -7))
	if state == "awarded" {
		return g.contract(ctx, tx, ids, rng, ch, partner, id, ref, title, dateOf(awarded), cstart, cend, *win, tms)
	}
	return nil
}

func (g *generator) offer(ctx context.Context, tx pgx.Tx, ids *allocator, rng *rand.Rand, ch *chunk, partner org, tenderID int64,
	ref string, deadline time.Time, value tally.Pence, state string, supplierID int64, tms []tenderMeasure) (offer, error) {
	id, err := ids.next(ctx, tx, "offers")
	if err != nil {
		return offer{}, err
	}
	o := offer{id: id, supplier: supplierID, submitted: rng.IntN(100) < 94 || state == "awarded" && rng.IntN(2) == 0}
	if state == "open" {
		o.submitted = rng.IntN(2) == 0
	}
	o.bid = tally.Pence(float64(value)*(0.85+0.3*rng.Float64())) / 10_000 * 10_000
	// Aim at a social value of 8% to 43% of the bid, spread unevenly over
	// the measures with a proxy value; about one line in ten left at zero.
	aim := float64(o.bid) * (0.08 + 0.35*rng.Float64())
	weights := make([]float64, len(tms))
	var total float64
	for k, tm := range tms {
		if tm.m.hasProx && tm.m.proxy > 0 && rng.IntN(10) > 0 {
			weights[k] = rng.Float64() * rng.Float64()
			total += weights[k]
		}
	}
	var vl []tally.ValueLine
	sealed := nullable(deadline, o.submitted)
	rows := ch.forSupplier(supplierID)
	sub := tally.ReceiptContent{Reference: tally.OfferReference(id, 1), Tender: ref, TenderID: tenderID, SupplierID: supplierID, Revision: 1,
		SubmittedAt: deadline.Add(-time.Duration(1+rng.IntN(240)) * time.Hour).UTC(), BidPrice: int64(o.bid)}
	for k, tm := range tms {
		var q tally.Quantity
		switch {
		case weights[k] > 0:
			q = tally.Quantity(aim * weights[k] / total * 100_000 / float64(tm.m.proxy))
			if q >= 10_000 {
				q = q / 1000 * 1000
			}
		case !tm.m.hasProx && rng.IntN(2) == 0:
			q = tally.Quantity(1000 * (1 + rng.IntN(20)))
		}
		proxy := tally.Proxy(0)
		if tm.m.hasProx {
			proxy = tm.m.proxy
		}
		v, err := tally.LineValue(q, proxy)
		if err != nil {
			return o, err
		}
		statement := ""
		if q > 0 {
			statement = statements[rng.IntN(len(statements))]
		}
		o.lines = append(o.lines, q)
		vl = append(vl, tally.ValueLine{Quantity: q, Proxy: proxy})
		rows.lines.add(partner.id, id, tenderID, tm.id, supplierID, sealed, int64(q), statement, int64(v))
		sub.Lines = append(sub.Lines, tally.ReceiptLine{TenderMeasureID: tm.id, Edition: g.w.edition, Code: tm.m.code,
			Quantity: q.String(), Proxy: proxy.String(), Statement: statement, Value: int64(v)})
	}
	if o.value, err = tally.OfferValue(vl); err != nil {
		return o, err
	}
	sub.SocialValue = int64(o.value)
	created := deadline.AddDate(0, 0, -10-rng.IntN(10))
	if !o.submitted {
		rows.offers.add(partner.id, id, tenderID, supplierID, "draft", false, int64(o.bid), int64(o.value), 1, 0, sealed, nil, created, created)
		return o, nil
	}
	rows.offers.add(partner.id, id, tenderID, supplierID, "submitted", true, int64(o.bid), int64(o.value), 2, 1, sealed, sub.SubmittedAt,
		created, sub.SubmittedAt)
	body, sha, err := sub.Seal()
	if err != nil {
		return o, err
	}
	rows.submissions.add(partner.id, id, tenderID, 1, "submit", supplierID, deadline, sub.Reference, sub.SubmittedAt,
		sha, string(body))
	return o, nil
}

// contract awards the tender to the winning offer: one KPI per committed
// line, phased over quarterly periods, and the returns of the periods that
// have ended, most of them verified.
func (g *generator) contract(ctx context.Context, tx pgx.Tx, ids *allocator, rng *rand.Rand, ch *chunk, partner org, tenderID int64,
	ref, title string, awarded, start, end time.Time, win offer, tms []tenderMeasure) error {
	id, err := ids.next(ctx, tx, "contracts")
	if err != nil {
		return err
	}
	ch.contracts.add(partner.id, id, win.supplier, tenderID, win.id, ref, title, int64(win.bid), start, end, awarded, g.w.buyer)
	periods := tally.ReportingPeriods(start, end)
	type kpi struct {
		id     int64
		phased []tally.Quantity
	}
	var kpis []kpi
	for k, tm := range tms {
		q := win.lines[k]
		if q == 0 {
			continue
		}
		kid, err := ids.next(ctx, tx, "kpis")
		if err != nil {
			return err
		}
		ch.kpis.add(partner.id, id, kid, win.supplier, len(kpis)+1, tm.id, tm.m.id, g.w.edition, tm.m.code, tm.m.title, tm.m.unit,
			nullable(int64(tm.m.proxy), tm.m.hasProx), tm.m.local, tm.m.plugin, int64(q))
		phased := tally.PhaseTarget(q, periods)
		for i, p := range periods {
			ch.targets.add(partner.id, id, kid, win.supplier, p.Number, p.Start, p.End, p.Due, int64(phased[i]))
		}
		kpis = append(kpis, kpi{kid, phased})
	}
	// Most suppliers deliver about what they promised; one in eight falls
	// well short.
	perf := 0.8 + 0.35*rng.Float64()
	if rng.IntN(8) == 0 {
		perf = 0.3 + 0.4*rng.Float64()
	}
	for i, p := range periods {
		if p.End.After(g.today) {
			break
		}
		status := "complete"
		switch r := rng.Float64(); {
		case !p.Due.Before(g.today.AddDate(0, 0, -60)) && r < 0.35:
			continue // not yet returned (or overdue)
		case !p.Due.Before(g.today.AddDate(0, 0, -60)) && r < 0.75:
			status = "submitted"
		case r < 0.18:
			continue // never returned: overdue
		case r < 0.21:
			status = "queried"
		case r < 0.23:
			status = "submitted"
		}
		rid, err := ids.next(ctx, tx, "returns")
		if err != nil {
			return err
		}
		submitted := p.Due.Add(-time.Duration(rng.IntN(20*24)) * time.Hour)
		if submitted.After(g.now) {
			submitted = g.now.Add(-time.Hour)
		}
		decided := submitted.AddDate(0, 0, 10)
		if decided.After(g.now) {
			decided = g.now
		}
		ch.returns.add(partner.id, rid, id, win.supplier, p.Number, p.Start, p.End, p.Due, status,
			"Delivery this quarter as set out in our plan; evidence attached.", true, true, 2, submitted, submitted, decided)
		for _, k := range kpis {
			q := tally.Quantity(float64(k.phased[i]) * perf * (0.8 + 0.4*rng.Float64()))
			decision, note := "pending", ""
			var by, at any
			switch {
			case status == "complete" && rng.IntN(25) == 0:
				decision, note = "rejected", "The evidence does not show delivery on this contract."
			case status == "complete":
				decision = "verified"
			case status == "queried" && rng.IntN(3) == 0:
				decision, note = "queried", queries[rng.IntN(len(queries))]
			case status == "queried":
				decision = "verified"
			}
			if decision != "pending" {
				by, at = nullable(g.w.verifier, g.w.verifier != 0), decided
			}
			ch.returnLines.add(partner.id, rid, k.id, id, win.supplier, int64(q), decision, note, by, at)
		}
	}
	return nil
}

func (ch *chunk) forSupplier(id int64) *supplierRows {
	r, ok := ch.offers[id]
	if !ok {
		r = &supplierRows{}
		ch.offers[id] = r
		ch.suppliers = append(ch.suppliers, id)
	}
	return r
}

// nullable is v, or SQL NULL when ok is false.
func nullable[T any](v T, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

// dateOf is midnight Europe/London of t's day there.
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(tally.London()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, tally.London())
}
