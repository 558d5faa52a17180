package tally

import (
	"slices"
	"testing"
)

const million = 1_000_000 * PenceScale

// percentOffers returns offers on £1m bids with the given social value %.
func percentOffers(percents ...int64) []FlagOffer {
	offers := make([]FlagOffer, len(percents))
	for i, p := range percents {
		offers[i] = FlagOffer{Value: Pence(p * million / 100), BidPrice: million}
	}
	return offers
}

func TestCheckFlagsMedian(t *testing.T) {
	tests := []struct {
		name    string
		offers  []FlagOffer
		flagged []bool
	}{
		{name: "no offers", offers: nil, flagged: []bool{}},
		{name: "one offer", offers: percentOffers(50), flagged: []bool{false}},
		{name: "odd count", offers: percentOffers(5, 10, 40), flagged: []bool{false, false, true}},
		{name: "exactly 3 times is not more", offers: percentOffers(5, 10, 30), flagged: []bool{false, false, false}},
		// Median of 2, 4, 6, 13 is 5, not the lower middle 4: 13 ≤ 15.
		{name: "even count uses mean of middle two", offers: percentOffers(2, 4, 6, 13), flagged: []bool{false, false, false, false}},
		// … and not the upper middle 6: 16 > 15.
		{name: "even count flags above 3 times the mean", offers: percentOffers(2, 4, 6, 16), flagged: []bool{false, false, false, true}},
		{name: "median of 0 flags any value", offers: percentOffers(0, 0, 1), flagged: []bool{false, false, true}},
		{name: "all zero", offers: percentOffers(0, 0), flagged: []bool{false, false}},
		{
			name: "offer without a bid price is left out",
			offers: append(percentOffers(5, 10, 40),
				FlagOffer{Value: 1, BidPrice: 0}, FlagOffer{Value: 1, BidPrice: 0}),
			flagged: []bool{false, false, true, false, false},
		},
	}
	for _, tt := range tests {
		got := CheckFlags(tt.offers)
		flagged := make([]bool, len(got))
		for i, f := range got {
			flagged[i] = f.Any()
		}
		if !slices.Equal(flagged, tt.flagged) {
			t.Errorf("%s: flagged = %v, want %v", tt.name, flagged, tt.flagged)
		}
	}
}

func TestCheckFlagsOfferReason(t *testing.T) {
	got := CheckFlags(percentOffers(5, 10, 40))
	want := "Social value is 40.0% of the bid price, more than 3 times the median of 10.0% for this tender. Check the commitments are realistic."
	if len(got[2].Offer) != 1 || got[2].Offer[0] != want {
		t.Errorf("reason = %q, want %q", got[2].Offer, want)
	}
}

func TestCheckFlagsLines(t *testing.T) {
	line := func(q Quantity, hasMax bool) FlagLine {
		return FlagLine{Measure: "JOB1", Quantity: q, MaxPerMillion: 10_000, HasMax: hasMax}
	}
	tests := []struct {
		name string
		line FlagLine
		want string
	}{
		{name: "under the bound", line: line(10_000, true)},
		{name: "exactly at the bound", line: line(20_000, true)},
		{name: "no bound", line: line(1_000_000, false)},
		{
			name: "over the bound",
			line: line(25_000, true),
			want: "JOB1: 12.5 per £1m of the bid price is more than the plausible maximum of 10 per £1m. Check the quantity is realistic.",
		},
		{
			name: "just over shows as over",
			line: line(20_001, true), // 10.0005 per £1m
			want: "JOB1: 10.001 per £1m of the bid price is more than the plausible maximum of 10 per £1m. Check the quantity is realistic.",
		},
	}
	for _, tt := range tests {
		offers := []FlagOffer{{Value: 0, BidPrice: 2 * million, Lines: []FlagLine{{Measure: "ENV1"}, tt.line}}}
		got := CheckFlags(offers)[0]
		if len(got.Lines) != 2 || got.Lines[0] != nil {
			t.Errorf("%s: lines = %q, want 2 with the first unflagged", tt.name, got.Lines)
			continue
		}
		var reason string
		if len(got.Lines[1]) > 0 {
			reason = got.Lines[1][0]
		}
		if reason != tt.want {
			t.Errorf("%s: reason = %q, want %q", tt.name, reason, tt.want)
		}
	}
}
