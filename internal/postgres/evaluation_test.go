package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/measurecsv"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// evWorld is one evaluation test's database: a partner whose buyer runs a
// tender, another partner, three suppliers and a measure edition.
type evWorld struct {
	db        *pgtest.DB
	store     *postgres.Store // the app role, as the server runs
	owner     *postgres.Store // the owner role, for Backdate
	admin     *pgx.Conn       // superuser: setup, sabotage and the truth past RLS
	partner   int64
	other     int64
	suppliers [3]int64
	measures  map[string]int64 // catalogue measure id by code
	buyer     tally.Scope
	outsider  tally.Scope // the other partner's buyer
}

const evEdition = `edition,theme,outcome,code,title,unit,proxy_gbp,local,plugin,max_per_million,description
Evaluation Tests,Jobs,Local work,JOB1,Local people employed,FTE,28000,true,,10,
Evaluation Tests,Environment,Carbon,ENV1,Carbon saved,tCO2e,12.3456,false,,500,
Evaluation Tests,Social,Volunteering,VOL1,Volunteering hours,hours,,true,,,record only
`

func evSetup(t *testing.T) *evWorld {
	t.Helper()
	ctx := context.Background()
	w := &evWorld{db: pgtest.New(t), measures: map[string]int64{}}
	w.store, w.owner = postgres.New(w.db.App), postgres.New(w.db.Owner)
	var err error
	if w.admin, err = pgx.Connect(ctx, w.db.AdminURL()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.admin.Close(context.Background()) })
	w.partner = w.id(t, `INSERT INTO organisations (kind, slug, name) VALUES ('partner', 'evp', 'Evaluating Council') RETURNING id`)
	w.other = w.id(t, `INSERT INTO organisations (kind, slug, name) VALUES ('partner', 'evo', 'Other Council') RETURNING id`)
	for i := range w.suppliers {
		w.suppliers[i] = w.id(t, `INSERT INTO organisations (kind, slug, name, postcode, size)
			VALUES ('supplier', $1, $2, 'SK1 1AA', 'small') RETURNING id`, fmt.Sprintf("evs%d", i), fmt.Sprintf("Bidder %c", 'A'+i))
	}
	w.exec(t, `INSERT INTO partner_settings (partner_id) VALUES ($1), ($2)`, w.partner, w.other)
	ed, err := measurecsv.Parse(strings.NewReader(evEdition))
	if err != nil {
		t.Fatal(err)
	}
	edition, err := w.store.ImportEdition(ctx, tally.Scope{Roles: []tally.Role{tally.RoleAdmin}}, 0, ed, true)
	if err != nil {
		t.Fatal(err)
	}
	w.exec(t, `INSERT INTO edition_choices (org_id, edition_id, plugins) VALUES ($1, $3, '{}'), ($2, $3, '{}')`, w.partner, w.other, edition)
	rows, _ := w.admin.Query(ctx, `SELECT code, id FROM measures WHERE edition_id = $1`, edition)
	for rows.Next() {
		var code string
		var id int64
		if err := rows.Scan(&code, &id); err != nil {
			t.Fatal(err)
		}
		w.measures[code] = id
	}
	if rows.Err() != nil || len(w.measures) != 3 {
		t.Fatalf("measures: %v %v", w.measures, rows.Err())
	}
	w.buyer = tally.Scope{PartnerIDs: []int64{w.partner}, OrgIDs: []int64{w.partner}, MeasureOrgIDs: []int64{w.partner}, Roles: tally.StaffRoles}
	w.outsider = tally.Scope{PartnerIDs: []int64{w.other}, OrgIDs: []int64{w.other}, MeasureOrgIDs: []int64{w.other}, Roles: tally.StaffRoles}
	return w
}

func (w *evWorld) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := w.admin.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (w *evWorld) id(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := w.admin.QueryRow(context.Background(), q, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return id
}

// count counts rows as the superuser, past row-level security.
func (w *evWorld) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	return int(w.id(t, q, args...))
}

func (w *evWorld) supplier(i int) tally.Scope {
	return tally.Scope{OrgIDs: []int64{w.suppliers[i]}, SupplierID: w.suppliers[i], Roles: []tally.Role{tally.RoleSupplier}}
}

// evContractStart is the tenders' contract start: 19 months to the end,
// so seven quarterly periods, the last one a single month.
var evContractStart = time.Date(time.Now().Year()+1, time.April, 1, 0, 0, 0, 0, time.UTC)

// published publishes a tender asking for JOB1, ENV1 and VOL1, due in an hour.
func (w *evWorld) published(t *testing.T, ref string) tally.Tender {
	t.Helper()
	ctx := context.Background()
	tn := tally.Tender{Partner: tally.Org{ID: w.partner}, Reference: ref, Title: "Tender " + ref, Category: "services",
		EstimatedValue: 100_000_000, ContractStart: evContractStart, ContractEnd: evContractStart.AddDate(0, 19, -1), Weighting: 200,
		QuantitativeShare: 50, Method: tally.RelativeValue, Deadline: time.Now().Add(time.Hour).Truncate(time.Second)}
	var choices []postgres.MeasureChoice
	for _, code := range []string{"JOB1", "ENV1", "VOL1"} {
		choices = append(choices, postgres.MeasureChoice{MeasureID: w.measures[code]})
	}
	id, err := w.store.SaveTender(ctx, w.buyer, tn, choices)
	if err != nil {
		t.Fatalf("save tender %s: %v", ref, err)
	}
	if err := w.store.PublishTender(ctx, w.buyer, id); err != nil {
		t.Fatalf("publish %s: %v", ref, err)
	}
	if tn, err = w.store.Tender(ctx, w.buyer, id); err != nil {
		t.Fatal(err)
	}
	return tn
}

// bid submits supplier i's offer on tn: a bid in pounds and the quantities
// of JOB1, ENV1 and VOL1.
func (w *evWorld) bid(t *testing.T, i int, tn tally.Tender, pounds int64, quantities ...string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := w.store.StartOffer(ctx, w.supplier(i), tn.ID)
	if err != nil {
		t.Fatalf("start offer: %v", err)
	}
	f, _, err := w.store.Offer(ctx, w.supplier(i), id)
	if err != nil {
		t.Fatal(err)
	}
	in := postgres.OfferInput{BidPrice: tally.Pence(pounds * 100), HasBidPrice: true}
	for j, m := range tn.Measures {
		q, err := tally.ParseQuantity(quantities[j])
		if err != nil {
			t.Fatal(err)
		}
		in.Lines = append(in.Lines, tally.OfferLine{TenderMeasureID: m.ID, Quantity: q, Statement: "We will deliver " + m.Code})
	}
	if f, err = w.store.SaveOffer(ctx, w.supplier(i), id, f.Version, in); err != nil {
		t.Fatalf("save offer: %v", err)
	}
	if _, err := w.store.SubmitOffer(ctx, w.supplier(i), id, f.Version); err != nil {
		t.Fatalf("submit: %v", err)
	}
	return id
}

// close moves tn's deadline a minute into the past, as the demo does.
func (w *evWorld) close(t *testing.T, tn tally.Tender) {
	t.Helper()
	scope := tally.Scope{PartnerIDs: []int64{w.partner}, OrgIDs: []int64{w.partner}, Roles: tally.StaffRoles}
	now := time.Now()
	if err := w.owner.Backdate(context.Background(), scope, tn.ID, now.AddDate(0, 0, -14), now.Add(-time.Minute)); err != nil {
		t.Fatalf("backdate: %v", err)
	}
}

// evClosed is a closed tender with three offers:
//
//	Bidder A: £1m bid, 2 FTE (£56,000), 0 carbon, 50 volunteering hours
//	Bidder B: £800k bid, 1 FTE (£28,000), 100 t (£1,234.56), 0 hours
//	Bidder C: £1.2m bid, nothing
type evClosed struct {
	tn     tally.Tender
	offers [3]int64
	tm     map[string]int64 // tender measure id by code
}

func (w *evWorld) closedTender(t *testing.T, ref string) evClosed {
	t.Helper()
	c := evClosed{tn: w.published(t, ref), tm: map[string]int64{}}
	for _, m := range c.tn.Measures {
		c.tm[m.Code] = m.ID
	}
	c.offers[0] = w.bid(t, 0, c.tn, 1_000_000, "2", "0", "50")
	c.offers[1] = w.bid(t, 1, c.tn, 800_000, "1", "100", "0")
	c.offers[2] = w.bid(t, 2, c.tn, 1_200_000, "0", "0", "0")
	w.close(t, c.tn)
	w.markAll(t, c)
	return c
}

// markAll marks every offer 0, which scores as an unmarked offer used to:
// nothing is ranked or awarded until every offer is marked.
func (w *evWorld) markAll(t *testing.T, c evClosed) {
	t.Helper()
	var marks []postgres.Marks
	for _, id := range c.offers {
		marks = append(marks, postgres.Marks{OfferID: id, Marked: true})
	}
	if err := w.store.SaveMarks(context.Background(), w.buyer, c.tn.ID, marks); err != nil {
		t.Fatalf("marks: %v", err)
	}
}

func (w *evWorld) evaluation(t *testing.T, tenderID int64) tally.Evaluation {
	t.Helper()
	e, err := w.store.Evaluation(context.Background(), w.buyer, tenderID, tally.OpenedOnPage)
	if err != nil {
		t.Fatalf("evaluation: %v", err)
	}
	return e
}

func evOfferOf(e tally.Evaluation, offerID int64) tally.EvalOffer {
	for _, o := range e.Offers {
		if o.OfferID == offerID {
			return o
		}
	}
	return tally.EvalOffer{}
}

// nothingAwarded checks a tender has no contract, KPIs, targets or award
// audit, and is still closed.
func (w *evWorld) nothingAwarded(t *testing.T, tenderID int64) {
	t.Helper()
	if n := w.count(t, `SELECT count(*) FROM contracts WHERE tender_id = $1`, tenderID); n != 0 {
		t.Errorf("%d contracts written", n)
	}
	if n := w.count(t, `SELECT count(*) FROM kpis`); n != 0 {
		t.Errorf("%d KPIs written", n)
	}
	if n := w.count(t, `SELECT count(*) FROM kpi_targets`); n != 0 {
		t.Errorf("%d KPI targets written", n)
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'tender.award'`); n != 0 {
		t.Errorf("%d award audit entries", n)
	}
	var status string
	if err := w.admin.QueryRow(context.Background(), `SELECT status FROM tenders WHERE id = $1`, tenderID).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status == string(tally.TenderAwarded) {
		t.Errorf("tender status %q", status)
	}
}

func TestEvAwardCreatesTheContractFromTheModeratedOffer(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	c := w.closedTender(t, "EV-AWARD")
	// The catalogue changes after publication: the contract keeps the
	// tender's frozen proxy.
	w.exec(t, `UPDATE measures SET proxy = 999990000 WHERE id = $1`, w.measures["JOB1"])
	if err := w.store.Moderate(ctx, w.buyer, c.tn.ID, c.offers[0], c.tm["JOB1"], 1500, "Two FTE is unrealistic for a one-year service"); err != nil {
		t.Fatalf("moderate: %v", err)
	}
	e := w.evaluation(t, c.tn.ID)
	a := evOfferOf(e, c.offers[0])
	if a.SubmittedValue != 5_600_000 || a.Value != 4_200_000 {
		t.Fatalf("bidder A submitted %v, moderated %v; want £56,000 and £42,000", a.SubmittedValue, a.Value)
	}
	if a.TotalRank != 1 {
		t.Fatalf("bidder A ranks %d, want 1", a.TotalRank)
	}

	contractID, awarded, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", time.Now())
	if err != nil {
		t.Fatalf("award: %v", err)
	}
	if awarded.AwardedOfferID != c.offers[0] || len(awarded.Offers) != 3 {
		t.Errorf("the award's evaluation: awarded %d, %d offers", awarded.AwardedOfferID, len(awarded.Offers))
	}
	got, err := w.store.Contract(ctx, w.buyer, contractID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Value != 100_000_000 || got.Supplier.ID != w.suppliers[0] || got.Partner.ID != w.partner || got.TenderID != c.tn.ID ||
		got.Direct || got.Reference != "EV-AWARD" {
		t.Errorf("contract %+v", got)
	}
	if !got.Start.Equal(evContractStart) || got.End.Format(time.DateOnly) != evContractStart.AddDate(0, 19, -1).Format(time.DateOnly) {
		t.Errorf("contract runs %v to %v", got.Start, got.End)
	}
	// One KPI per committed line: JOB1 at the moderated 1.5 FTE and the
	// frozen £28,000, VOL1 record-only; ENV1 (0) is not committed.
	type kpi struct {
		code     string
		quantity tally.Quantity
		proxy    tally.Proxy
		hasProxy bool
	}
	var kpis []kpi
	for _, k := range got.KPIs {
		kpis = append(kpis, kpi{k.Code, k.Quantity, k.Proxy, k.HasProxy})
	}
	want := []kpi{{"JOB1", 1500, 280_000_000, true}, {"VOL1", 50_000, 0, false}}
	if fmt.Sprint(kpis) != fmt.Sprint(want) {
		t.Errorf("KPIs %v, want %v", kpis, want)
	}
	if got.Committed != 4_200_000 {
		t.Errorf("committed social value %v, want £42,000", got.Committed)
	}
	// Targets: seven quarters from the start, linear, summing exactly.
	periods := tally.ReportingPeriods(got.Start, got.End)
	if len(periods) != 7 {
		t.Fatalf("%d periods", len(periods))
	}
	for _, k := range got.KPIs {
		if len(k.Targets) != len(periods) {
			t.Errorf("%s: %d targets, want %d", k.Code, len(k.Targets), len(periods))
			continue
		}
		var sum tally.Quantity
		for i, target := range k.Targets {
			p := periods[i]
			if target.Period.Number != i+1 || target.Period.Start.Format(time.DateOnly) != p.Start.Format(time.DateOnly) ||
				target.Period.End.Format(time.DateOnly) != p.End.Format(time.DateOnly) || target.Period.Due.Format(time.DateOnly) != p.Due.Format(time.DateOnly) {
				t.Errorf("%s period %d: %+v, want %+v", k.Code, i+1, target.Period, p)
			}
			sum += target.Target
		}
		if sum != k.Quantity {
			t.Errorf("%s: targets sum to %v, want %v", k.Code, sum, k.Quantity)
		}
	}
	// 1.5 FTE over 7 periods: 0.214 each, 0.216 in the last.
	if job := got.KPIs[0].Targets; job[0].Target != 214 || job[6].Target != 216 {
		t.Errorf("JOB1 targets %v … %v, want 0.214 … 0.216", job[0].Target, job[6].Target)
	}

	tn, err := w.store.Tender(ctx, w.buyer, c.tn.ID)
	if err != nil || tn.Status != tally.TenderAwarded {
		t.Errorf("tender status %q, %v; want awarded", tn.Status, err)
	}
	if id, err := w.store.ContractForTender(ctx, w.buyer, c.tn.ID); err != nil || id != contractID {
		t.Errorf("ContractForTender = %d, %v", id, err)
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'tender.award' AND org_id = $1`, w.partner); n != 1 {
		t.Errorf("%d award audit entries", n)
	}
	// The evaluation record keeps the award and can no longer change.
	e = w.evaluation(t, c.tn.ID)
	if e.AwardedOfferID != c.offers[0] || !evOfferOf(e, c.offers[0]).Lines[0].Moderated {
		t.Errorf("evaluation after award: awarded %d", e.AwardedOfferID)
	}
	var fe tally.FormErrors
	if err := w.store.Moderate(ctx, w.buyer, c.tn.ID, c.offers[1], c.tm["JOB1"], 0, "late"); !errors.As(err, &fe) {
		t.Errorf("moderating after the award: %v", err)
	}
	if err := w.store.SaveMarks(ctx, w.buyer, c.tn.ID, []postgres.Marks{{OfferID: c.offers[1], Mark: 5, Marked: true}}); !errors.As(err, &fe) {
		t.Errorf("marking after the award: %v", err)
	}
	// The winner reads its contract; the losers and the other partner do not.
	if _, err := w.store.Contract(ctx, w.supplier(0), contractID); err != nil {
		t.Errorf("the winner cannot read its contract: %v", err)
	}
	for _, scope := range []tally.Scope{w.supplier(1), w.supplier(2), w.outsider} {
		if _, err := w.store.Contract(ctx, scope, contractID); !errors.Is(err, tally.ErrNotFound) {
			t.Errorf("scope %+v reads the contract: %v", scope, err)
		}
	}
}

func TestEvAwardNeedsAReasonForAnotherThanTheTopTotal(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	c := w.closedTender(t, "EV-REASON")
	if top := w.evaluation(t, c.tn.ID).Top(); top == nil || top.OfferID != c.offers[0] {
		t.Fatalf("top offer %+v, want bidder A's", top)
	}
	var fe tally.FormErrors
	for _, blank := range []string{"", " \t "} {
		_, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[1], blank, time.Now())
		if !errors.As(err, &fe) || fe["reason"] == "" {
			t.Fatalf("award to the second with reason %q: %v", blank, err)
		}
	}
	w.nothingAwarded(t, c.tn.ID)
	// An offer not on this tender is not awardable.
	if _, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0]+1000, "x", time.Now()); !errors.As(err, &fe) || fe["offer"] == "" {
		t.Errorf("award to an unknown offer: %v", err)
	}
	const reason = "Bidder A failed the financial standing check"
	// Half past midnight on 1 April in London is still 31 March in UTC:
	// the award counts in the financial year of its London date.
	at := time.Date(2026, time.March, 31, 23, 30, 0, 0, time.UTC)
	id, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[1], reason, at)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.store.Contract(ctx, w.buyer, id)
	if err != nil || got.AwardReason != reason || got.Supplier.ID != w.suppliers[1] || got.Value != 80_000_000 {
		t.Errorf("contract %+v, %v", got, err)
	}
	if d := got.AwardedOn.Format(time.DateOnly); d != "2026-04-01" {
		t.Errorf("awarded on %s, want 2026-04-01", d)
	}
	if e := w.evaluation(t, c.tn.ID); e.AwardReason != reason {
		t.Errorf("evaluation record's award reason %q", e.AwardReason)
	}
}

// TestEvAwardIsAtomic makes the award fail at each step after the first
// write and checks nothing of it is left.
func TestEvAwardIsAtomic(t *testing.T) {
	t.Parallel()
	failures := []struct {
		name     string
		sabotage string
	}{
		// JOB1's KPI and its targets are written, then VOL1's KPI fails.
		{"second KPI", `ALTER TABLE kpis ADD CONSTRAINT ev_sabotage CHECK (code <> 'VOL1')`},
		// Both KPIs are written, then a late target fails.
		{"a target", `ALTER TABLE kpi_targets ADD CONSTRAINT ev_sabotage CHECK (period < 7)`},
		// The contract, KPIs and targets are written, then the tender's status.
		{"tender status", `ALTER TABLE tenders ADD CONSTRAINT ev_sabotage CHECK (status <> 'awarded')`},
		// The audit entry is the last write.
		{"audit", `ALTER TABLE audit_log ADD CONSTRAINT ev_sabotage CHECK (action <> 'tender.award')`},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			w := evSetup(t)
			ctx := context.Background()
			c := w.closedTender(t, "EV-ATOMIC")
			w.exec(t, f.sabotage)
			_, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", time.Now())
			if err == nil {
				t.Fatal("the sabotaged award succeeded")
			}
			var fe tally.FormErrors
			if errors.As(err, &fe) {
				t.Fatalf("a failed write looks like a form error: %v", fe)
			}
			w.nothingAwarded(t, c.tn.ID)
			if e := w.evaluation(t, c.tn.ID); e.AwardedOfferID != 0 || e.Tender.Status != tally.TenderClosed {
				t.Errorf("after the failure: awarded %d, status %q", e.AwardedOfferID, e.Tender.Status)
			}
			// Repaired, the same award goes through.
			w.exec(t, strings.SplitN(f.sabotage, " ADD ", 2)[0]+" DROP CONSTRAINT ev_sabotage")
			if _, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", time.Now()); err != nil {
				t.Fatalf("award after repair: %v", err)
			}
			if n := w.count(t, `SELECT count(*) FROM kpis`); n != 2 {
				t.Errorf("%d KPIs after repair, want 2", n)
			}
		})
	}
}

func TestEvTenderIsAwardedOnce(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	c := w.closedTender(t, "EV-ONCE")
	if _, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, offer := range []int64{c.offers[0], c.offers[1]} {
		_, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, offer, "Second thoughts", time.Now())
		var fe tally.FormErrors
		if !errors.As(err, &fe) {
			t.Errorf("second award to offer %d: %v, want a form error", offer, err)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM contracts WHERE tender_id = $1`, c.tn.ID); n != 1 {
		t.Errorf("%d contracts, want 1", n)
	}
	if n := w.count(t, `SELECT count(*) FROM kpis`); n != 2 {
		t.Errorf("%d KPIs, want 2", n)
	}
}

func TestEvConcurrentAwardsMakeOneContract(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	c := w.closedTender(t, "EV-RACE")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, _, errs[i] = w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[i%2], "Racing", time.Now())
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		var fe tally.FormErrors
		switch {
		case err == nil:
			won++
		case !errors.As(err, &fe):
			t.Errorf("a losing award: %v, want a form error", err)
		}
	}
	if won != 1 {
		t.Errorf("%d awards succeeded, want 1", won)
	}
	if n := w.count(t, `SELECT count(*) FROM contracts WHERE tender_id = $1`, c.tn.ID); n != 1 {
		t.Errorf("%d contracts, want 1", n)
	}
}

// TestEvSealedTendersCannotBeEvaluated: before the deadline (and in
// another partner's scope) the evaluation does not exist, and nothing is
// written.
func TestEvSealedTendersCannotBeEvaluated(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	tn := w.published(t, "EV-OPEN")
	offer := w.bid(t, 0, tn, 1_000_000, "2", "0", "50")
	check := func(name string, scope tally.Scope, tenderID int64) {
		t.Helper()
		e, err := w.store.Evaluation(ctx, scope, tenderID, tally.OpenedOnPage)
		switch {
		case scope.SupplierID != 0 && err == nil:
			// A bidder's scope reaches only its own offer (the server
			// never lets it ask).
			for _, o := range e.Offers {
				if o.Supplier.ID != scope.SupplierID {
					t.Errorf("%s: Evaluation shows %s's offer", name, o.Supplier.Name)
				}
			}
		case !errors.Is(err, tally.ErrNotFound):
			t.Errorf("%s: Evaluation: %v, want not found", name, err)
		}
		if _, _, err := w.store.Award(ctx, scope, tenderID, offer, "", time.Now()); !errors.Is(err, tally.ErrNotFound) {
			t.Errorf("%s: Award: %v, want not found", name, err)
		}
		if err := w.store.Moderate(ctx, scope, tenderID, offer, tn.Measures[0].ID, 1000, "Too many"); !errors.Is(err, tally.ErrNotFound) {
			t.Errorf("%s: Moderate: %v, want not found", name, err)
		}
		if err := w.store.SaveMarks(ctx, scope, tenderID, []postgres.Marks{{OfferID: offer, Mark: 5, Marked: true}}); !errors.Is(err, tally.ErrNotFound) {
			t.Errorf("%s: SaveMarks: %v, want not found", name, err)
		}
	}
	check("before the deadline", w.buyer, tn.ID)
	w.nothingAwarded(t, tn.ID)

	w.close(t, tn)
	check("another partner", w.outsider, tn.ID)
	check("the bidder", w.supplier(0), tn.ID)
	w.nothingAwarded(t, tn.ID)
	for _, table := range []string{"line_moderations", "offer_evaluations"} {
		if n := w.count(t, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("%d rows in %s", n, table)
		}
	}
	// Closed, its buyer may evaluate it.
	if e := w.evaluation(t, tn.ID); len(e.Offers) != 1 {
		t.Errorf("%d offers after the deadline", len(e.Offers))
	}
	// A cancelled tender's offers stay sealed.
	cancelled := w.published(t, "EV-CANCEL")
	w.bid(t, 1, cancelled, 500_000, "1", "0", "0")
	if err := w.store.CancelTender(ctx, w.buyer, cancelled.ID, "No longer needed"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Evaluation(ctx, w.buyer, cancelled.ID, tally.OpenedOnPage); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("cancelled tender's evaluation: %v", err)
	}
}

func TestEvModerationOnlyReducesWithAReason(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	c := w.closedTender(t, "EV-MOD")
	job := c.tm["JOB1"]
	var fe tally.FormErrors
	for _, tt := range []struct {
		name     string
		accepted tally.Quantity
		reason   string
		field    string
	}{
		{"more than submitted", 2001, "A typo", fmt.Sprintf("accepted-%d-%d", c.offers[0], job)},
		{"no reason", 1000, "", fmt.Sprintf("reason-%d-%d", c.offers[0], job)},
		{"a blank reason", 1000, "   ", fmt.Sprintf("reason-%d-%d", c.offers[0], job)},
	} {
		err := w.store.Moderate(ctx, w.buyer, c.tn.ID, c.offers[0], job, tt.accepted, tt.reason)
		if !errors.As(err, &fe) || fe[tt.field] == "" {
			t.Errorf("%s: %v (%v), want a message for %s", tt.name, err, fe, tt.field)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM line_moderations`); n != 0 {
		t.Fatalf("%d moderations written by refused changes", n)
	}
	// A measure the tender does not have, or another tender's offer.
	if err := w.store.Moderate(ctx, w.buyer, c.tn.ID, c.offers[0], job+1000, 0, "x"); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("unknown measure: %v", err)
	}

	// Reduced with a reason: the submitted quantity and value stay.
	if err := w.store.Moderate(ctx, w.buyer, c.tn.ID, c.offers[0], job, 0, "No local recruitment plan"); err != nil {
		t.Fatal(err)
	}
	line := evOfferOf(w.evaluation(t, c.tn.ID), c.offers[0]).Lines[0]
	if line.Submitted != 2000 || line.Accepted != 0 || !line.Moderated || line.Reason != "No local recruitment plan" ||
		line.SubmittedValue != 5_600_000 || line.Value != 0 {
		t.Errorf("moderated line %+v", line)
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'evaluation.moderate' AND detail->>'reason' = 'No local recruitment plan'`); n != 1 {
		t.Errorf("%d moderation audit entries", n)
	}
	// Moderated to nothing, bidder B now leads on social value.
	e := w.evaluation(t, c.tn.ID)
	if a, b := evOfferOf(e, c.offers[0]), evOfferOf(e, c.offers[1]); a.Score.Rank != 2 || b.Score.Rank != 1 {
		t.Errorf("after moderation A ranks %d and B %d", a.Score.Rank, b.Score.Rank)
	}
	// Accepting the submitted quantity again removes the moderation.
	if err := w.store.Moderate(ctx, w.buyer, c.tn.ID, c.offers[0], job, 2000, ""); err != nil {
		t.Fatal(err)
	}
	if line := evOfferOf(w.evaluation(t, c.tn.ID), c.offers[0]).Lines[0]; line.Moderated || line.Accepted != 2000 {
		t.Errorf("undone moderation %+v", line)
	}
}

func TestEvSetKPITargetsNeedsAReasonAndIsAudited(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	c := w.closedTender(t, "EV-KPI")
	contractID, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	before, err := w.store.Contract(ctx, w.buyer, contractID)
	if err != nil {
		t.Fatal(err)
	}
	job := before.KPIs[0]
	targets := []tally.Quantity{0, 0, 500, 500, 500, 500, 1000} // 3 FTE, starting later
	var fe tally.FormErrors
	for _, reason := range []string{"", "  "} {
		if err := w.store.SetKPITargets(ctx, w.buyer, contractID, job.ID, job.Version, targets, reason); !errors.As(err, &fe) || fe["reason"] == "" {
			t.Errorf("reason %q: %v, want a message for reason", reason, err)
		}
	}
	if err := w.store.SetKPITargets(ctx, w.buyer, contractID, job.ID, job.Version, targets[:6], "Mobilisation"); !errors.As(err, &fe) || fe["targets"] == "" {
		t.Errorf("too few targets: %v", err)
	}
	// The supplier and another partner cannot change them.
	for _, scope := range []tally.Scope{w.supplier(0), w.outsider} {
		if err := w.store.SetKPITargets(ctx, scope, contractID, job.ID, job.Version, targets, "Mine now"); err == nil {
			t.Errorf("scope %+v changed the targets", scope)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'kpi.change'`); n != 0 {
		t.Fatalf("%d audit entries for refused changes", n)
	}
	same, _ := w.store.Contract(ctx, w.buyer, contractID)
	if fmt.Sprint(same.KPIs) != fmt.Sprint(before.KPIs) {
		t.Fatalf("refused changes changed the KPIs:\n%v\n%v", before.KPIs, same.KPIs)
	}

	const reason = "Mobilisation takes six months; agreed with the supplier"
	if err := w.store.SetKPITargets(ctx, w.buyer, contractID, job.ID, job.Version, targets, reason); err != nil {
		t.Fatal(err)
	}
	after, err := w.store.Contract(ctx, w.buyer, contractID)
	if err != nil {
		t.Fatal(err)
	}
	var got []tally.Quantity
	for _, target := range after.KPIs[0].Targets {
		got = append(got, target.Target)
	}
	if fmt.Sprint(got) != fmt.Sprint(targets) || after.KPIs[0].Quantity != 3000 {
		t.Errorf("targets %v, quantity %v; want %v, 3", got, after.KPIs[0].Quantity, targets)
	}
	if fmt.Sprint(after.KPIs[1]) != fmt.Sprint(before.KPIs[1]) {
		t.Errorf("another KPI changed")
	}
	var detail map[string]any
	var subject string
	if err := w.admin.QueryRow(ctx, `SELECT subject, detail FROM audit_log WHERE action = 'kpi.change' AND org_id = $1`, w.partner).
		Scan(&subject, &detail); err != nil {
		t.Fatalf("audit: %v", err)
	}
	if detail["reason"] != reason || !strings.Contains(subject, "JOB1") ||
		fmt.Sprint(detail["before"]) != "[0.285 0.285 0.285 0.285 0.285 0.285 0.29]" ||
		fmt.Sprint(detail["after"]) != "[0 0 0.5 0.5 0.5 0.5 1]" {
		t.Errorf("audit %q %v", subject, detail)
	}
}

// TestEvAwardWhenADirectContractHasTheReference: a legacy contract
// registered under the tender's reference must not make the tender
// unawardable.
func TestEvAwardWhenADirectContractHasTheReference(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	c := w.closedTender(t, "EV-DUP")
	direct := postgres.NewContract{PartnerID: w.partner, SupplierID: w.suppliers[2], Reference: "ev-dup", Title: "Legacy",
		Value: 1_000_00, Start: evContractStart, End: evContractStart.AddDate(1, 0, -1), AwardedOn: time.Now(), AwardReason: "Registered directly"}
	if _, err := w.store.CreateDirectContract(ctx, w.buyer, direct); err != nil {
		t.Fatal(err)
	}
	id, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", time.Now())
	if err != nil {
		t.Fatalf("award: %v", err)
	}
	got, err := w.store.Contract(ctx, w.buyer, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.TenderID != c.tn.ID || !strings.HasPrefix(got.Reference, "EV-DUP") || strings.EqualFold(got.Reference, "ev-dup") {
		t.Errorf("awarded contract %d reference %q", got.TenderID, got.Reference)
	}
}

// TestEvAwardWaitsForEveryMarkAndATrueDate: an unmarked offer blocks the
// award, naming the offer; an award is never dated in the future nor after
// the contract starts; an offer of another tender is not awardable.
func TestEvAwardWaitsForEveryMarkAndATrueDate(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	c := w.closedTender(t, "EV-MARKS")
	other := w.closedTender(t, "EV-OTHER")
	if err := w.store.SaveMarks(ctx, w.buyer, c.tn.ID, []postgres.Marks{{OfferID: c.offers[0], Mark: 4, Marked: true},
		{OfferID: c.offers[1]}, {OfferID: c.offers[2], Mark: 2, Marked: true}}); err != nil {
		t.Fatal(err)
	}
	e := w.evaluation(t, c.tn.ID)
	if e.Ranked() || len(e.Unmarked()) != 1 || e.Unmarked()[0].OfferID != c.offers[1] {
		t.Fatalf("unmarked: %+v", e.Unmarked())
	}
	var fe tally.FormErrors
	_, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", time.Now())
	if !errors.As(err, &fe) || !strings.Contains(fe[fmt.Sprintf("mark-%d", c.offers[1])], "Mark the delivery statements") {
		t.Fatalf("award with an unmarked offer: %v %v", err, fe)
	}
	w.nothingAwarded(t, c.tn.ID)
	if err := w.store.SaveMarks(ctx, w.buyer, c.tn.ID, []postgres.Marks{{OfferID: c.offers[0], Mark: 4, Marked: true},
		{OfferID: c.offers[1], Mark: 1, Marked: true}, {OfferID: c.offers[2], Mark: 2, Marked: true}}); err != nil {
		t.Fatal(err)
	}
	for name, at := range map[string]time.Time{
		"tomorrow":                time.Now().AddDate(0, 0, 2),
		"the day after the start": evContractStart.AddDate(0, 0, 1),
	} {
		_, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", at)
		if !errors.As(err, &fe) || fe["awarded"] == "" {
			t.Errorf("award dated %s: %v", name, err)
		}
	}
	if _, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, other.offers[0], "Cheaper", time.Now()); !errors.As(err, &fe) || fe["offer"] == "" {
		t.Errorf("award to another tender's offer: %v", err)
	}
	w.nothingAwarded(t, c.tn.ID)
	if _, _, err := w.store.Award(ctx, w.buyer, c.tn.ID, c.offers[0], "", time.Now()); err != nil {
		t.Fatalf("award once marked: %v", err)
	}
}
