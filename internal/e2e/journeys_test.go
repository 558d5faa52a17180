package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// TestJourneys follows a tender from registration to the dashboard as its
// people do (issue 9): a buyer publishes it, two suppliers bid and one
// revises, the evaluator moderates and awards, the winner reports delivery
// with evidence and the contract manager checks it, and the director sees
// the result. It runs twice, with JavaScript on and off, each on its own
// copy of the demo, and axe checks every kind of page on the way.
func TestJourneys(t *testing.T) {
	bothWays(t, func(t *testing.T, v *visit) {
		w := &world{v: v, label: v.name()}
		steps := []struct {
			name string
			f    func(*testing.T)
		}{
			{"0 the director's dashboard before", w.dashboardBefore},
			{"1 a buyer registers and publishes a tender", w.publishTender},
			{"2 two suppliers bid and one revises", w.submitOffers},
			{"3 the evaluator moderates, marks and awards", w.evaluateAndAward},
			{"4 the winner reports delivery and the contract manager checks it", w.reportAndVerify},
			{"5 the director's dashboard shows the contract", w.dashboardAfter},
		}
		for _, s := range steps {
			if !t.Run(s.name, s.f) {
				return // later journeys build on this one
			}
		}
		t.Logf("axe checked %d kinds of page: %v", len(w.v.axed), slices.Sorted(maps.Keys(w.v.axed)))
	})
}

// world is what one run of the journeys has done so far.
type world struct {
	v     *visit
	label string

	tenderID  int64
	reference string
	title     string
	measures  []measure
	bidders   []*bidder

	contractID int64
	start      time.Time // the contract's, in the past so its first quarter has ended
	firstEnd   time.Time // the last day of its first quarter
	committed  *big.Rat  // what the award commits, in pounds
	delivered  *big.Rat  // what the contract manager verified, in pounds
	bid        *big.Rat  // the winner's bid price

	before map[int]map[string]string // dashboard figures by financial year, before
}

// measure is one measure asked for on the tender.
type measure struct {
	Key, Code, Unit, Proxy string
	Plugin                 bool
}

func (m measure) proxy() *big.Rat { return pounds(m.Proxy) }

// bidder is a supplier and what it offers.
type bidder struct {
	email, org, name string
	bid              string
	quantities       []string
	receipts         []receipt
}

type receipt struct{ reference, sha string }

func (w *world) bidder(org string) *bidder {
	for _, b := range w.bidders {
		if b.org == org {
			return b
		}
	}
	panic("no bidder " + org)
}

// financialYears are the years the dashboard checks: the award's (today)
// and the first quarter's end, which may be the year before.
func (w *world) financialYears() []int {
	now := tally.FinancialYearOf(time.Now())
	if q := tally.FinancialYearOf(w.firstEnd); q != now {
		return []int{now, q}
	}
	return []int{now}
}

func (w *world) dashboardBefore(t *testing.T) {
	// The contract starts on the first of the month three months back, so
	// its first quarter ended last month at the latest.
	today := time.Now().In(tally.London())
	w.start = time.Date(today.Year(), today.Month()-3, 1, 0, 0, 0, 0, tally.London())
	w.firstEnd = w.start.AddDate(0, 3, -1)
	d := w.v.signIn(t, "director@star.example")
	w.before = map[int]map[string]string{}
	for _, fy := range w.financialYears() {
		w.before[fy] = dashboardFigures(t, d, fy)
	}
}

func (w *world) publishTender(t *testing.T) {
	s := w.v.signIn(t, "buyer@stockport.example")
	s.open(t, "/o/stockport/tenders")
	s.follow(t, "Register a tender")
	w.reference = "E2E-" + strings.ToUpper(strings.ReplaceAll(w.label, " ", "-"))
	w.title = "Library refurbishment (" + w.label + ")"
	s.fill(t, "#reference", w.reference)
	s.fill(t, "#title", w.title)
	s.fill(t, "#description", "Refurbishing the central library: roof, heating and a new community room.")
	s.choose(t, "Category", "Works")
	// A first try below the threshold is refused, naming the threshold.
	s.fill(t, "#estimated_value", "45000")
	// The dates, weighting, quantitative share and method keep their defaults.
	var rows []measure
	if err := json.Unmarshal([]byte(s.eval(t, `Array.from(document.querySelectorAll('#measure-table tbody tr')).map(tr => ({
		Key: tr.querySelector('input[type=checkbox]').value,
		Code: tr.cells[1].querySelector('strong').textContent.trim(),
		Unit: tr.cells[2].textContent.trim(),
		Proxy: tr.cells[3].textContent.trim(),
		Plugin: !!tr.cells[1].querySelector('.govuk-tag')}))`)), &rows); err != nil {
		t.Fatal(err)
	}
	// Local jobs, apprenticeship weeks and local SME spend: three units.
	for _, code := range []string{"JOB1", "JOB7", "GRO1"} {
		i := slices.IndexFunc(rows, func(m measure) bool { return m.Code == code })
		if i < 0 || rows[i].Proxy == "" {
			t.Fatalf("the form does not offer %s with a value: %+v", code, rows)
		}
		w.measures = append(w.measures, rows[i])
	}
	for _, m := range w.measures {
		s.click(t, "#measure-"+m.Key)
	}
	s.fill(t, "#target-"+w.measures[0].Key, "2")
	s.clickTo(t, "//button[normalize-space()='Save draft']", 422)
	s.wantText(t, "There is a problem", "£50,000")
	s.fill(t, "#estimated_value", "250000")
	s.press(t, "Save draft")
	s.wantText(t, w.reference, w.title, "Draft")
	id, err := strconv.ParseInt(strings.TrimPrefix(s.path(t), "/o/stockport/tenders/"), 10, 64)
	if err != nil {
		t.Fatalf("saving did not lead to the tender's page: %s", s.path(t))
	}
	w.tenderID = id
	s.follow(t, "Publish")
	s.wantText(t, "Check your answers before publishing")
	s.press(t, "Publish")
	s.wantText(t, "Open", "Extend the deadline")
}

func (w *world) submitOffers(t *testing.T) {
	w.bidders = []*bidder{
		{email: "bids@northernbuild.example", org: "northernbuild", bid: "238500", quantities: []string{"1.5", "100", "52500.5"}},
		{email: "bids@communitycare.example", org: "communitycare", bid: "244000.50", quantities: []string{"1", "80", "60000"}},
	}
	for _, b := range w.bidders {
		b.name = orgName(t, w.v.app, b.org)
		s := w.v.signIn(t, b.email)
		s.open(t, "/o/"+b.org+"/opportunities")
		s.fill(t, "#q", w.reference)
		s.press(t, "Filter")
		s.follow(t, w.title)
		s.press(t, "Start an offer")
		w.fillOffer(t, s, b)
		b.receipts = append(b.receipts, w.review(t, s, b))
	}

	// Northern Build revises once: a higher bid and more local jobs.
	b := w.bidder("northernbuild")
	s := w.v.signIn(t, b.email)
	s.open(t, "/o/northernbuild/offers")
	s.follow(t, w.title)
	b.bid, b.quantities[0] = "241000", "2"
	w.fillOffer(t, s, b)
	b.receipts = append(b.receipts, w.review(t, s, b))
	if r := b.receipts; r[0].sha == r[1].sha {
		t.Errorf("the revised offer's receipt has the first one's digest %s", r[0].sha)
	}
}

// lineField is the field for one measure's line of the offer form.
func lineField(code, field string) string {
	return "//fieldset[legend/strong[normalize-space()=" + xq(code) + "]]//*[starts-with(@name," + xq(field+"-") + ")]"
}

func (w *world) fillOffer(t *testing.T, s *session, b *bidder) {
	t.Helper()
	s.fill(t, "#bid_price", b.bid)
	for i, m := range w.measures {
		s.fill(t, lineField(m.Code, "quantity"), b.quantities[i])
		s.fill(t, lineField(m.Code, "statement"), fmt.Sprintf("%s %s through our local supply chain, reported quarterly.", b.quantities[i], m.Unit))
	}
	if w.v.js { // the live totals follow the typing
		want := money(w.offerValue(b.quantities))
		if got := s.text(t, "[data-offer-total]"); got != want {
			t.Errorf("live social value total %q, want %q", got, want)
		}
	}
}

// offerValue is the social value of quantities at the tender's proxies:
// each line rounded half up to the penny, then added.
func (w *world) offerValue(quantities []string) *big.Rat {
	sum := new(big.Rat)
	for i, m := range w.measures {
		sum.Add(sum, lineValue(quantities[i], m.proxy()))
	}
	return sum
}

// review goes from the offer form to the receipt.
func (w *world) review(t *testing.T, s *session, b *bidder) receipt {
	t.Helper()
	s.press(t, "Review and submit")
	s.wantText(t, "Check your offer before you submit it", money(pounds(b.bid)), money(w.offerValue(b.quantities)))
	s.press(t, "Submit offer")
	s.wantText(t, "Offer submitted")
	r := receipt{
		reference: s.text(t, "//div[contains(@class,'govuk-panel__body')]/strong"),
		sha:       s.text(t, "//div[dt[normalize-space()='SHA-256 of what you submitted']]/dd"),
	}
	if len(r.sha) != 64 {
		t.Errorf("receipt digest %q is not a SHA-256", r.sha)
	}
	s.follow(t, "Back to your offer")
	return r
}

func (w *world) evaluateAndAward(t *testing.T) {
	a := w.v.app
	partner := orgID(t, a, "stockport")
	now := time.Now()
	store := postgres.New(a.db.Owner)
	scope := tally.Scope{PartnerIDs: []int64{partner}, OrgIDs: []int64{partner}, Roles: tally.StaffRoles}
	if err := store.Backdate(t.Context(), scope, w.tenderID, now.AddDate(0, 0, -30), now.Add(-time.Hour)); err != nil {
		t.Fatalf("move the deadline into the past: %v", err)
	}
	// The contract runs from w.start for a year, so its first quarter has
	// ended by the time the supplier reports.
	adminExec(t, a, `UPDATE tenders SET contract_start = $2, contract_end = $3 WHERE id = $1`,
		w.tenderID, w.start.Format(time.DateOnly), w.start.AddDate(1, 0, -1).Format(time.DateOnly))

	s := w.v.signIn(t, "buyer@stockport.example")
	s.open(t, "/o/stockport/tenders/"+strconv.FormatInt(w.tenderID, 10))
	s.follow(t, "Open the evaluation")
	nb, cc := w.bidder("northernbuild"), w.bidder("communitycare")
	s.wantText(t, nb.name, cc.name)

	// Moderate the winner's second line down, with a reason.
	m := w.measures[1]
	summary := "//details[summary[normalize-space()=" + xq("Moderate "+m.Code+" for "+nb.name) + "]]"
	s.click(t, summary+"/summary")
	s.fill(t, summary+"//input[@name='accepted']", "80")
	s.fill(t, summary+"//textarea[@name='reason']", "The site can take two apprentices at a time, not more.")
	s.clickTo(t, summary+"//button[normalize-space()='Save moderation']", 200)
	s.wantText(t, "Moderated", "Reason: The site can take two apprentices at a time")
	accepted := append([]string(nil), nb.quantities...)
	accepted[1] = "80"

	// Marks and points from the wider evaluation.
	for _, p := range []struct {
		b                    *bidder
		mark, price, quality string
	}{{nb, "4", "60", "20"}, {cc, "3", "45", "18"}} {
		fs := "//fieldset[legend[normalize-space()=" + xq(p.b.name) + "]]"
		s.choose(t, "Qualitative mark for "+p.b.name, p.mark)
		s.fill(t, fs+"//input[starts-with(@name,'price-')]", p.price)
		s.fill(t, fs+"//input[starts-with(@name,'quality-')]", p.quality)
	}
	s.press(t, "Save marks and points")
	s.wantText(t, "Marks and points are saved")

	// Award to Northern Build, with a reason if it is not the top total.
	s.choose(t, "Award the contract to", nb.name)
	hint := s.text(t, "//div[contains(@class,'govuk-radios__item')][label[normalize-space()="+xq(nb.name)+"]]/div[contains(@class,'govuk-radios__hint')]")
	if !strings.Contains(hint, "top total") {
		s.fill(t, "#reason", "Their delivery statements are the most credible for this site.")
	}
	// The award is dated on the contract start, which is in the past here.
	s.fill(t, "#awarded", strconv.Itoa(w.start.Day()))
	s.fill(t, "#awarded-month", strconv.Itoa(int(w.start.Month())))
	s.fill(t, "#awarded-year", strconv.Itoa(w.start.Year()))
	s.press(t, "Continue")
	s.wantText(t, "Check your answers", nb.name)
	s.press(t, "Award the contract")
	id, err := strconv.ParseInt(strings.TrimPrefix(s.path(t), "/o/stockport/contracts/"), 10, 64)
	if err != nil {
		t.Fatalf("the award did not lead to the contract: %s\n%s", s.path(t), s.mainText(t))
	}
	w.contractID = id
	w.bid = pounds(nb.bid)
	w.committed = w.offerValue(accepted)
	s.wantText(t, w.title, nb.name, "Contract value "+money(w.bid), "Social value committed "+money(w.committed))
	for i, m := range w.measures {
		// Quantities in plain English: money for a measure in £ (issue 14).
		committed := accepted[i] + " " + m.Unit
		if strings.HasPrefix(m.Unit, "£") {
			committed = money(pounds(accepted[i]))
		}
		s.wantText(t, "Committed "+committed+" at "+m.Proxy+" per ", money(lineValue(accepted[i], m.proxy())))
	}
}

func (w *world) reportAndVerify(t *testing.T) {
	nb := w.bidder("northernbuild")
	s := w.v.signIn(t, nb.email)
	s.open(t, "/o/northernbuild/returns?status=not_started")
	s.clickTo(t, "//tr[td[contains(normalize-space(),"+xq("("+w.reference+")")+")]]//button[normalize-space()='Start the return for quarter 1']", 200)
	s.wantText(t, "Delivery return: ")

	pdf := filepath.Join(t.TempDir(), "timesheets-quarter-1.pdf")
	if err := os.WriteFile(pdf, minimalPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	s.upload(t, "#file", pdf)
	s.press(t, "Upload file")
	s.wantText(t, "timesheets-quarter-1.pdf")

	delivered := []string{"0.5", "20", "9000.25"}
	for i, m := range w.measures {
		s.fill(t, "//fieldset[starts-with(normalize-space(legend),"+xq(m.Code+" ")+")]//input[starts-with(@name,'quantity-')]", delivered[i])
	}
	s.fill(t, "#narrative", "One apprentice started in July; local spend and volunteering as in the attached timesheets.")
	// Submitting without the attestations is refused, keeping the figures.
	s.clickTo(t, "//button[normalize-space()='Continue']", 422)
	s.wantText(t, "There is a problem")
	if got := s.value(t, "#narrative"); !strings.HasPrefix(got, "One apprentice") {
		t.Errorf("the refused return lost its narrative: %q", got)
	}
	s.choose(t, "Confirm", "The figures relate only to this contract")
	s.choose(t, "Confirm", "The figures relate only to this period")
	s.press(t, "Continue")
	s.wantText(t, "Check your return before submitting it", "timesheets-quarter-1.pdf")
	s.press(t, "Submit return")
	s.wantText(t, "Your return is submitted", "Status: Awaiting verification")

	// The contract manager queries the first line and verifies the rest.
	m := w.v.signIn(t, "contracts@star.example")
	m.open(t, "/o/star/returns?status=submitted")
	m.follow(t, w.title+" ("+w.reference+")")
	m.wantText(t, "timesheets-quarter-1.pdf")
	w.delivered = new(big.Rat)
	for i, ms := range w.measures {
		legend := "Decision on " + ms.Code
		if i == 0 {
			m.choose(t, legend, "Queried")
			name := m.attr(t, "//fieldset[legend[normalize-space()="+xq(legend)+"]]//input[@value='queried']", "name")
			m.fill(t, "#note-"+strings.TrimPrefix(name, "decision-"), "Which apprenticeship standard, and when did it start?")
			continue
		}
		m.choose(t, legend, "Verified")
		w.delivered.Add(w.delivered, lineValue(delivered[i], ms.proxy()))
	}
	m.press(t, "Save decisions")
	m.wantText(t, "Queried", "Which apprenticeship standard", "Delivered 20 weeks against a target of 20 weeks. Verified")
}

func (w *world) dashboardAfter(t *testing.T) {
	d := w.v.signIn(t, "director@star.example")
	award := tally.FinancialYearOf(w.start) // the award is dated on the contract start
	quarter := tally.FinancialYearOf(w.firstEnd)
	for _, fy := range w.financialYears() {
		after := dashboardFigures(t, d, fy)
		want := map[string]*big.Rat{}
		if fy == award {
			want["Contract value awarded"] = w.bid
			want["Social value committed"] = w.committed
		}
		if fy == quarter {
			want["Social value delivered (verified)"] = w.delivered
		}
		for label, delta := range want {
			before, now := w.before[fy][label], after[label]
			if before == "" || now == "" {
				t.Errorf("%d/%d dashboard has no %q figure: %v", fy, fy+1, label, after)
				continue
			}
			if got := new(big.Rat).Sub(pounds(now), pounds(before)); got.Cmp(delta) != 0 {
				t.Errorf("%d/%d %s went from %s to %s, a rise of %s; want a rise of %s", fy, fy+1, label, before, now, money(got), money(delta))
			}
		}
	}
}

// dashboardFigures opens the director's dashboard for a financial year
// and reads its headline figures by label.
func dashboardFigures(t *testing.T, s *session, fy int) map[string]string {
	t.Helper()
	s.open(t, "/o/star/dashboard?fy="+strconv.Itoa(fy))
	s.wantText(t, fmt.Sprintf("Social value %d/%02d", fy, (fy+1)%100))
	figures := map[string]string{}
	raw := s.eval(t, `Object.fromEntries(Array.from(document.querySelectorAll('.tally-figure')).map(f =>
		[f.querySelector('h2').textContent.trim(), f.querySelector('.tally-figure__value').textContent.trim()]))`)
	if err := json.Unmarshal([]byte(raw), &figures); err != nil {
		t.Fatal(err)
	}
	return figures
}
