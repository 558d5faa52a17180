package tally

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The evaluation tests' measures, frozen as a tender would have them: a
// job at £25,000 per FTE with a sanity bound of 10 FTE per £1m, carbon at
// £10 a tonne, and record-only volunteering.
var (
	evJob = TenderMeasure{ID: 1, Code: "JOB1", Title: "Local people employed", Unit: "FTE",
		Proxy: 25_000 * ProxyScale, HasProxy: true, MaxPerMillion: 10 * QuantityScale, HasMax: true}
	evCarbon    = TenderMeasure{ID: 2, Code: "ENV1", Title: "Carbon saved", Unit: "tCO2e", Proxy: 10 * ProxyScale, HasProxy: true}
	evVolunteer = TenderMeasure{ID: 3, Code: "VOL1", Title: "Volunteering hours", Unit: "hours"}
)

// evQ parses a quantity typed as a supplier would, or panics.
func evQ(s string) Quantity {
	q, err := ParseQuantity(s)
	if err != nil {
		panic(err)
	}
	return q
}

// evOffer is an offer bidding pounds with one line per measure in order
// JOB1, ENV1, VOL1, each submitted and accepted at the same quantity.
func evOffer(id int64, pounds int64, job, carbon, volunteer string) EvalOffer {
	o := EvalOffer{OfferID: id, Supplier: Org{ID: id, Name: "Supplier " + string(rune('A'-1+id))}, BidPrice: Pence(pounds * PenceScale)}
	for i, m := range []TenderMeasure{evJob, evCarbon, evVolunteer} {
		q := evQ([]string{job, carbon, volunteer}[i])
		o.Lines = append(o.Lines, EvalLine{Measure: m, Submitted: q, Accepted: q})
	}
	return o
}

func (o EvalOffer) evMarked(mark int, price, quality Points) EvalOffer {
	o.Mark, o.Marked = mark, true
	return o.evPoints(price, quality)
}

// evPoints records the wider evaluation's price and quality points.
func (o EvalOffer) evPoints(price, quality Points) EvalOffer {
	o.PricePoints, o.QualityPoints = price, quality
	return o
}

// evModerate accepts less of line i of o, as an evaluator would.
func (o EvalOffer) evModerate(i int, accepted string) EvalOffer {
	o.Lines = slices.Clone(o.Lines)
	o.Lines[i].Accepted, o.Lines[i].Moderated, o.Lines[i].Reason = evQ(accepted), true, "Unrealistic for the contract's size"
	return o
}

func evTender(m ScoringMethod, share int, w Weighting) Tender {
	return Tender{Method: m, QuantitativeShare: share, Weighting: w}
}

// evThree are three offers whose values and percentages rank differently:
//
//	A: £1m bid, 2 FTE (£50,000) and 100 volunteering hours (no £): £50,000, 5%
//	B: £400k bid, 1 FTE (£25,000) and 500 t carbon (£5,000): £30,000, 7.5%
//	C: £2m bid, only 10 volunteering hours: £0, 0%
//
// with marks 3, 4 and none, and price + quality points 70, 75 and 90.
func evThree() []EvalOffer {
	return []EvalOffer{
		evOffer(1, 1_000_000, "2", "0", "100").evMarked(3, 50_00, 20_00),
		evOffer(2, 400_000, "1", "500", "0").evMarked(4, 55_00, 20_00),
		evOffer(3, 2_000_000, "0", "0", "10").evPoints(60_00, 30_00), // unmarked: 0 for quality
	}
}

type evWant struct {
	value, submitted Pence
	percent          string
	score            Score
	total            Points
	rank             int
}

func TestEvaluate(t *testing.T) {
	three := evThree
	tests := []struct {
		name   string
		tender Tender
		offers []EvalOffer
		want   []evWant
		top    int64 // offer id with the top total; 0 for none
	}{
		{name: "no offers", tender: evTender(RelativeValue, 50, 200), offers: nil, want: nil},
		{
			// Quantitative A 100, B 60, C 0; qualitative 60, 80, 0.
			// Social value score 80, 70, 0; 20% weighting → 16, 14, 0.
			// Totals 86, 89, 90: the best social value is not the top total.
			name: "relative value", tender: evTender(RelativeValue, 50, 200), offers: three(), top: 3,
			want: []evWant{
				{5_000_000, 5_000_000, "5.0", Score{100_00, 60_00, 80_00, 16_00, 1}, 86_00, 3},
				{3_000_000, 3_000_000, "7.5", Score{60_00, 80_00, 70_00, 14_00, 2}, 89_00, 2},
				{0, 0, "0.0", Score{0, 0, 0, 0, 3}, 90_00, 1},
			},
		},
		{
			// By percentage B is best: A 5 ÷ 7.5 = 66.67, B 100, C 0.
			// A: (66.666… + 60) ÷ 2 = 63.333… → 63.33, × 20% = 12.666… → 12.67.
			// B: (100 + 80) ÷ 2 = 90 → 18.00. Totals 82.67, 93, 90.
			name: "relative percentage", tender: evTender(RelativePercentage, 50, 200), offers: three(), top: 2,
			want: []evWant{
				{5_000_000, 5_000_000, "5.0", Score{66_67, 60_00, 63_33, 12_67, 2}, 82_67, 3},
				{3_000_000, 3_000_000, "7.5", Score{100_00, 80_00, 90_00, 18_00, 1}, 93_00, 1},
				{0, 0, "0.0", Score{0, 0, 0, 0, 3}, 90_00, 2},
			},
		},
		{
			// Marks count for nothing; 12.5% weighting: 12.5, 7.5, 0.
			name: "100% quantitative share", tender: evTender(RelativeValue, 100, 125), offers: three(), top: 3,
			want: []evWant{
				{5_000_000, 5_000_000, "5.0", Score{100_00, 60_00, 100_00, 12_50, 1}, 82_50, 2},
				{3_000_000, 3_000_000, "7.5", Score{60_00, 80_00, 60_00, 7_50, 2}, 82_50, 2},
				{0, 0, "0.0", Score{0, 0, 0, 0, 3}, 90_00, 1},
			},
		},
		{
			// Marks only: 60, 80, 0 at 10%.
			name: "0% quantitative share", tender: evTender(RelativePercentage, 0, 100), offers: three(), top: 3,
			want: []evWant{
				{5_000_000, 5_000_000, "5.0", Score{66_67, 60_00, 60_00, 6_00, 2}, 76_00, 3},
				{3_000_000, 3_000_000, "7.5", Score{100_00, 80_00, 80_00, 8_00, 1}, 83_00, 2},
				{0, 0, "0.0", Score{0, 0, 0, 0, 3}, 90_00, 1},
			},
		},
		{
			// Nobody offers any £ value: everyone scores 0 for quantity, by
			// either method, and keeps their mark.
			name: "all-zero offers by value", tender: evTender(RelativeValue, 50, 200), top: 1,
			offers: []EvalOffer{
				evOffer(1, 1_000_000, "0", "0", "40").evMarked(5, 0, 0),
				evOffer(2, 500_000, "0", "0", "0"),
			},
			want: []evWant{
				{0, 0, "0.0", Score{0, 100_00, 50_00, 10_00, 1}, 10_00, 1},
				{0, 0, "0.0", Score{0, 0, 0, 0, 2}, 0, 2},
			},
		},
		{
			name: "all-zero offers by percentage", tender: evTender(RelativePercentage, 50, 200), top: 1,
			offers: []EvalOffer{
				evOffer(1, 1_000_000, "0", "0", "0"),
				evOffer(2, 500_000, "0", "0", "0"),
			},
			want: []evWant{
				{0, 0, "0.0", Score{Rank: 1}, 0, 1},
				{0, 0, "0.0", Score{Rank: 1}, 0, 1},
			},
		},
		{
			// The same value on different bids ties by value but not by
			// percentage; equal totals share the top rank.
			name: "ties by value", tender: evTender(RelativeValue, 100, 200), top: 1,
			offers: []EvalOffer{
				evOffer(1, 1_000_000, "1", "0", "0"),
				evOffer(2, 2_000_000, "1", "0", "0"),
				evOffer(3, 1_000_000, "0", "1000", "0"), // £10,000
			},
			want: []evWant{
				{2_500_000, 2_500_000, "2.5", Score{100_00, 0, 100_00, 20_00, 1}, 20_00, 1},
				{2_500_000, 2_500_000, "1.3", Score{100_00, 0, 100_00, 20_00, 1}, 20_00, 1},
				{1_000_000, 1_000_000, "1.0", Score{40_00, 0, 40_00, 8_00, 3}, 8_00, 3},
			},
		},
		{
			name: "ties by percentage", tender: evTender(RelativePercentage, 100, 200), top: 1,
			offers: []EvalOffer{
				evOffer(1, 1_000_000, "1", "0", "0"), // 2.5%
				evOffer(2, 2_000_000, "2", "0", "0"), // 2.5%
				evOffer(3, 1_000_000, "0", "1000", "0"),
			},
			want: []evWant{
				{2_500_000, 2_500_000, "2.5", Score{100_00, 0, 100_00, 20_00, 1}, 20_00, 1},
				{5_000_000, 5_000_000, "2.5", Score{100_00, 0, 100_00, 20_00, 1}, 20_00, 1},
				{1_000_000, 1_000_000, "1.0", Score{40_00, 0, 40_00, 8_00, 3}, 8_00, 3},
			},
		},
		{
			// The submitted value stays; the moderated one is scored.
			name: "moderation values the accepted quantity", tender: evTender(RelativeValue, 100, 100), top: 2,
			offers: []EvalOffer{
				evOffer(1, 1_000_000, "4", "0", "0").evModerate(0, "2"),
				evOffer(2, 1_000_000, "3", "0", "0"),
			},
			want: []evWant{
				{5_000_000, 10_000_000, "5.0", Score{66_67, 0, 66_67, 6_67, 2}, 6_67, 2},
				{7_500_000, 7_500_000, "7.5", Score{100_00, 0, 100_00, 10_00, 1}, 10_00, 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Evaluation{Tender: tt.tender, Offers: tt.offers}
			if err := Evaluate(&e); err != nil {
				t.Fatal(err)
			}
			if len(e.Offers) != len(tt.want) {
				t.Fatalf("%d offers, want %d", len(e.Offers), len(tt.want))
			}
			for i, o := range e.Offers {
				w := tt.want[i]
				got := evWant{o.Value, o.SubmittedValue, o.Percent().Percent1(), o.Score, o.Total, o.TotalRank}
				if got != w {
					t.Errorf("offer %d:\n got %+v\nwant %+v", o.OfferID, got, w)
				}
			}
			var top int64
			if o := e.Top(); o != nil {
				top = o.OfferID
			}
			if top != tt.top {
				t.Errorf("Top() = offer %d, want %d", top, tt.top)
			}
		})
	}
}

func TestEvaluateLineValues(t *testing.T) {
	o := evOffer(1, 1_000_000, "1.5", "12.345", "7").evModerate(0, "0.5")
	e := Evaluation{Tender: evTender(RelativeValue, 50, 200), Offers: []EvalOffer{o}}
	if err := Evaluate(&e); err != nil {
		t.Fatal(err)
	}
	got := e.Offers[0]
	// JOB1: 1.5 × £25,000 submitted, 0.5 accepted; ENV1 12.345 × £10 =
	// £123.45; volunteering is record-only and worth nothing in £.
	want := []struct{ submitted, value Pence }{{3_750_000, 1_250_000}, {12_345, 12_345}, {0, 0}}
	for i, l := range got.Lines {
		if l.SubmittedValue != want[i].submitted || l.Value != want[i].value {
			t.Errorf("line %s: submitted %v, accepted %v; want %v, %v", l.Measure.Code, l.SubmittedValue, l.Value, want[i].submitted, want[i].value)
		}
	}
	if got.SubmittedValue != 3_762_345 || got.Value != 1_262_345 {
		t.Errorf("offer value submitted %v, moderated %v; want £37,623.45, £12,623.45", got.SubmittedValue, got.Value)
	}
	if got.Lines[0].Submitted != evQ("1.5") {
		t.Errorf("the submitted quantity changed to %v", got.Lines[0].Submitted)
	}
}

// TestEvaluateModerationChangesRanking moderates the leading offer's
// unrealistic line down until another offer wins, through Evaluate as the
// evaluation page does.
func TestEvaluateModerationChangesRanking(t *testing.T) {
	offers := []EvalOffer{
		evOffer(1, 1_000_000, "6", "0", "0").evMarked(2, 40_00, 20_00), // £150,000
		evOffer(2, 1_000_000, "4", "0", "0").evMarked(4, 40_00, 20_00), // £100,000
	}
	tender := evTender(RelativeValue, 60, 200)
	before := Evaluation{Tender: tender, Offers: slices.Clone(offers)}
	if err := Evaluate(&before); err != nil {
		t.Fatal(err)
	}
	// 60% × 100 + 40% × 40 = 76 → 15.20; 60% × 66.67 + 40% × 80 = 72 → 14.40.
	if before.Offers[0].Score.Weighted != 15_20 || before.Offers[1].Score.Weighted != 14_40 || before.Top().OfferID != 1 {
		t.Fatalf("before moderation: %v and %v, top %d", before.Offers[0].Score, before.Offers[1].Score, before.Top().OfferID)
	}
	offers[0] = offers[0].evModerate(0, "3") // £75,000
	after := Evaluation{Tender: tender, Offers: offers}
	if err := Evaluate(&after); err != nil {
		t.Fatal(err)
	}
	// 60% × 75 + 40% × 40 = 61 → 12.20; 60% × 100 + 40% × 80 = 92 → 18.40.
	a, b := after.Offers[0], after.Offers[1]
	if a.Score.Weighted != 12_20 || b.Score.Weighted != 18_40 {
		t.Errorf("after moderation weighted = %v, %v; want 12.20, 18.40", a.Score.Weighted, b.Score.Weighted)
	}
	if a.Score.Rank != 2 || b.Score.Rank != 1 || a.TotalRank != 2 || b.TotalRank != 1 || after.Top().OfferID != 2 {
		t.Errorf("after moderation ranks = %d/%d, %d/%d, top %d; want offer 2 first", a.Score.Rank, a.TotalRank, b.Score.Rank, b.TotalRank, after.Top().OfferID)
	}
	if a.SubmittedValue != 15_000_000 || a.Value != 7_500_000 {
		t.Errorf("offer 1 submitted %v, moderated %v", a.SubmittedValue, a.Value)
	}
}

func TestEvaluateFlags(t *testing.T) {
	tests := []struct {
		name   string
		offers []EvalOffer
		offer  []bool   // flagged as a whole
		lines  []string // "offer/line" flagged for the sanity bound
		reason string   // a reason that must appear, if any
	}{
		{
			// 1%, 2% and 10% of £1m bids: the median is 2%, and 10% > 6%.
			name: "more than 3 times the median",
			offers: []EvalOffer{
				evOffer(1, 1_000_000, "0.4", "0", "0"),
				evOffer(2, 1_000_000, "0.8", "0", "0"),
				evOffer(3, 1_000_000, "4", "0", "0"),
			},
			offer:  []bool{false, false, true},
			reason: "Social value is 10.0% of the bid price, more than 3 times the median of 2.0% for this tender.",
		},
		{
			name: "exactly 3 times the median is not flagged",
			offers: []EvalOffer{
				evOffer(1, 1_000_000, "0.4", "0", "0"),
				evOffer(2, 1_000_000, "0.8", "0", "0"),
				evOffer(3, 1_000_000, "2.4", "0", "0"), // 6%
			},
			offer: []bool{false, false, false},
		},
		{
			// Moderating the outlier to 6% clears its flag: flags follow
			// the moderated value.
			name: "moderation clears the median flag",
			offers: []EvalOffer{
				evOffer(1, 1_000_000, "0.4", "0", "0"),
				evOffer(2, 1_000_000, "0.8", "0", "0"),
				evOffer(3, 1_000_000, "4", "0", "0").evModerate(0, "2.4"),
			},
			offer: []bool{false, false, false},
		},
		{
			// An even number: the median is the mean of the middle two
			// (2% and 4% → 3%), so 9% is not flagged and 9.2% is.
			name: "even count",
			offers: []EvalOffer{
				evOffer(1, 1_000_000, "0.4", "0", "0"),  // 1%
				evOffer(2, 1_000_000, "0.8", "0", "0"),  // 2%
				evOffer(3, 1_000_000, "1.6", "0", "0"),  // 4%
				evOffer(4, 1_000_000, "3.68", "0", "0"), // 9.2%
			},
			offer: []bool{false, false, false, true},
		},
		{
			// JOB1's bound is 10 FTE per £1m. 3 FTE on a £200,000 bid is
			// 15 per £1m; 2 FTE on £200,000 is exactly 10.
			name: "sanity bound per £1m of bid price",
			offers: []EvalOffer{
				evOffer(1, 200_000, "3", "0", "0"),
				evOffer(2, 200_000, "2", "0", "0"),
				evOffer(3, 2_000_000, "20", "100000", "1000000"), // 10 per £1m; carbon and hours have no bound
			},
			offer:  []bool{false, false, false},
			lines:  []string{"1/JOB1"},
			reason: "JOB1 Local people employed: 15 FTE per £1m of the bid price is more than the plausible maximum of 10 FTE per £1m.",
		},
		{
			name: "moderation below the bound clears the line flag",
			offers: []EvalOffer{
				evOffer(1, 200_000, "3", "0", "0").evModerate(0, "2"),
				evOffer(2, 200_000, "2", "0", "0"),
			},
			offer: []bool{false, false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Evaluation{Tender: evTender(RelativeValue, 50, 200), Offers: tt.offers}
			if err := Evaluate(&e); err != nil {
				t.Fatal(err)
			}
			var lines, reasons []string
			for i, o := range e.Offers {
				lineFlagged := false
				if got := len(o.Flags.Offer) > 0; got != tt.offer[i] {
					t.Errorf("offer %d flagged = %v, want %v (%q)", o.OfferID, got, tt.offer[i], o.Flags.Offer)
				}
				reasons = append(reasons, o.Flags.Offer...)
				if len(o.Flags.Lines) != len(o.Lines) {
					t.Fatalf("offer %d: %d line flags for %d lines", o.OfferID, len(o.Flags.Lines), len(o.Lines))
				}
				for j, f := range o.Flags.Lines {
					if len(f) > 0 {
						lines = append(lines, fmt.Sprintf("%d/%s", o.OfferID, o.Lines[j].Measure.Code))
						reasons = append(reasons, f...)
						lineFlagged = true
					}
				}
				if o.Flags.Any() != (tt.offer[i] || lineFlagged) {
					t.Errorf("offer %d: Any() = %v", o.OfferID, o.Flags.Any())
				}
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("flagged lines %q, want %q", lines, tt.lines)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(reasons, "\n"), tt.reason) {
				t.Errorf("reasons %q lack %q", reasons, tt.reason)
			}
		})
	}
}

func TestEvaluateRefusesAPercentageWithoutABidPrice(t *testing.T) {
	o := evOffer(1, 0, "1", "0", "0")
	e := Evaluation{Tender: evTender(RelativePercentage, 50, 200), Offers: []EvalOffer{o}}
	if err := Evaluate(&e); err == nil {
		t.Error("Evaluate scored a percentage of no bid price")
	}
}

func TestCheckAwardDate(t *testing.T) {
	now := time.Date(2026, time.December, 3, 10, 0, 0, 0, time.UTC)
	start := time.Date(2026, time.December, 10, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		on      time.Time
		start   time.Time
		problem string
	}{
		{"today, before the start", now, start, ""},
		{"on the start day", now, now.Truncate(24 * time.Hour), ""},
		{"yesterday", now.AddDate(0, 0, -1), start, ""},
		{"late tonight in London is still today", time.Date(2026, time.December, 3, 23, 30, 0, 0, time.UTC), start, ""},
		{"tomorrow", now.AddDate(0, 0, 1), start, "future"},
		{"after the start", now, time.Date(2026, time.December, 2, 0, 0, 0, 0, time.UTC), "2 December 2026"},
	}
	for _, c := range cases {
		err := CheckAwardDate(c.on, c.start, now)
		switch {
		case c.problem == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.problem != "" && (err == nil || !strings.Contains(err.Error(), c.problem)):
			t.Errorf("%s: %v, want one about %q", c.name, err, c.problem)
		}
	}
}

func TestAwardChecks(t *testing.T) {
	now := time.Date(2026, time.December, 3, 10, 0, 0, 0, time.UTC)
	e := Evaluation{Tender: Tender{ContractStart: now.AddDate(0, 1, 0)}, Offers: []EvalOffer{
		{OfferID: 1, Supplier: Org{Name: "Alpha"}, Marked: true, TotalRank: 1},
		{OfferID: 2, Supplier: Org{Name: "Beta"}, Marked: true, TotalRank: 2},
	}}
	if errs := e.AwardChecks(1, "", now, now); errs != nil {
		t.Errorf("the top total, marked: %v", errs)
	}
	if errs := e.AwardChecks(2, " ", now, now); errs["reason"] == "" {
		t.Errorf("another than the top without a reason: %v", errs)
	}
	if errs := e.AwardChecks(2, "Failed the financial check", now, now); errs != nil {
		t.Errorf("another than the top with a reason: %v", errs)
	}
	if errs := e.AwardChecks(3, "x", now, now); errs["offer"] == "" {
		t.Errorf("an offer not on the tender: %v", errs)
	}
	e.Offers[1].Marked = false
	if errs := e.AwardChecks(1, "", now, now); !strings.Contains(errs["mark-2"], "Beta") || len(errs) != 1 {
		t.Errorf("an unmarked offer: %v", errs)
	}
	if e.Ranked() || len(e.Unmarked()) != 1 {
		t.Errorf("Ranked %v, unmarked %v", e.Ranked(), e.Unmarked())
	}
}
