package tally

import (
	"reflect"
	"sort"
	"testing"
)

func TestOfferProblems(t *testing.T) {
	tn := Tender{Measures: []TenderMeasure{{ID: 1, Code: "JOB1"}, {ID: 2, Code: "ENV1"}, {ID: 3, Code: "VOL1"}}}
	for _, tt := range []struct {
		name  string
		offer Offer
		want  []string // fields with a message
	}{
		{"complete", Offer{HasBidPrice: true, BidPrice: 1, Lines: []OfferLine{
			{TenderMeasureID: 1, Quantity: 2000, Statement: "x"}, {TenderMeasureID: 2}, {TenderMeasureID: 3, Quantity: 1, Statement: "y"}}}, nil},
		{"nothing", Offer{}, []string{"bid_price", "quantity-1", "quantity-2", "quantity-3"}},
		{"a bid of £0", Offer{HasBidPrice: true, Lines: []OfferLine{{TenderMeasureID: 1}, {TenderMeasureID: 2}, {TenderMeasureID: 3}}},
			[]string{"bid_price"}},
		{"a statement waiting for its quantity", Offer{HasBidPrice: true, BidPrice: 100, Lines: []OfferLine{
			{TenderMeasureID: 1, NoQuantity: true, Statement: "x"}, {TenderMeasureID: 2}, {TenderMeasureID: 3}}}, []string{"quantity-1"}},
		{"a quantity without a statement", Offer{HasBidPrice: true, BidPrice: 100, Lines: []OfferLine{
			{TenderMeasureID: 1}, {TenderMeasureID: 2, Quantity: 1}, {TenderMeasureID: 3}}}, []string{"statement-2"}},
	} {
		var got []string
		for field := range OfferProblems(tt.offer, tn) {
			got = append(got, field)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: problems with %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestOfferOutcomesSayWhereAnOfferStands(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range OfferOutcomes {
		if o.Label() == "" || seen[o.Label()] || o.Colour() == "" {
			t.Errorf("%s: label %q colour %q (each label once)", o, o.Label(), o.Colour())
		}
		seen[o.Label()] = true
	}
	if OutcomeNotWon.Label() != "Not won" || OutcomeCancelled.Label() != "Cancelled" || OutcomeWon.Label() != "Won" {
		t.Error("the outcomes the issue names are worded differently")
	}
}
