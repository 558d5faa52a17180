package server

import (
	"testing"

	"github.com/tally-sv/tally/internal/export"
	"github.com/tally-sv/tally/internal/tally"
)

// TestEvalOfferViewSaysWhatIsNotKnown: an unmarked offer's scores that
// depend on its mark say "not marked", never 0; points not recorded say so;
// a ratio with nothing to divide says "no data"; nothing is ranked until
// every offer is marked. The record leaves the same cells empty.
func TestEvalOfferViewSaysWhatIsNotKnown(t *testing.T) {
	o := tally.EvalOffer{OfferID: 7, Supplier: tally.Org{Name: "Acme"}, BidPrice: 0, Value: 0, TotalRank: 1,
		Lines: []tally.EvalLine{{Measure: tally.TenderMeasure{ID: 1, Code: "GRO1", Unit: "£ spent"}, Submitted: 52_500_500, Accepted: 52_500_500}}}
	v := evalOfferView(o, false)
	for name, got := range map[string]string{"mark": v.MarkText, "qualitative": v.Qualitative, "social value": v.SocialValue,
		"weighted": v.Weighted, "total": v.Total} {
		if got != "not marked" {
			t.Errorf("unmarked %s = %q, want not marked", name, got)
		}
	}
	if v.Rank != "not ranked" || v.Top {
		t.Errorf("rank %q, top %v before every offer is marked", v.Rank, v.Top)
	}
	if v.Percent != "no data" {
		t.Errorf("social value %% of a £0 bid = %q, want no data", v.Percent)
	}
	if v.PriceText != "not recorded" || v.PricePoints != "" || v.QualityText != "not recorded" {
		t.Errorf("points not recorded: %q %q %q", v.PriceText, v.PricePoints, v.QualityText)
	}
	if l := v.Lines[0]; l.Submitted != "£52,500.50" || l.AcceptedInput != "52500.5" {
		t.Errorf("a line in pounds: %q, typed as %q", l.Submitted, l.AcceptedInput)
	}

	o.Marked, o.Mark, o.PriceRecorded, o.PricePoints = true, 0, true, 0
	o.Score = tally.Score{Qualitative: 0, Weighted: 0}
	v = evalOfferView(o, true)
	if v.MarkText != "0 of 5" || v.Qualitative != "0.00" || v.PriceText != "0.00" || v.PricePoints != "0.00" || v.Rank != "1" || !v.Top {
		t.Errorf("marked 0 with 0 price points: %+v", v)
	}

	e := tally.Evaluation{Tender: tally.Tender{Reference: "T-1"}, Offers: []tally.EvalOffer{o, {OfferID: 8, Supplier: tally.Org{Name: "Beta"},
		BidPrice: 100, Lines: o.Lines}}}
	rec := export.EvaluationRecord(e)
	col := map[string]int{}
	for i, h := range rec.Head {
		col[h] = i
	}
	for _, row := range rec.Rows {
		marked := row[col["supplier"]] == "Acme"
		if row[col["rank"]] != "" || row[col["offer_social_value_percent"]] != "" && marked {
			t.Errorf("%s: rank %q, percent %q", row[col["supplier"]], row[col["rank"]], row[col["offer_social_value_percent"]])
		}
		if !marked && (row[col["mark"]] != "" || row[col["total"]] != "" || row[col["price_points"]] != "") {
			t.Errorf("unmarked Beta: mark %q, total %q, price %q", row[col["mark"]], row[col["total"]], row[col["price_points"]])
		}
		if marked && (row[col["total"]] != "0.00" || row[col["price_points"]] != "0.00" || row[col["quality_points"]] != "") {
			t.Errorf("marked Acme: total %q, price %q, quality %q", row[col["total"]], row[col["price_points"]], row[col["quality_points"]])
		}
	}
}
