package tally

import (
	"math"
	"testing"
)

func TestRate(t *testing.T) {
	b := DefaultBands()
	tests := []struct {
		name                string
		delivered, expected Quantity
		want                Rating
	}{
		{"nothing expected", 0, 0, RatingNotYetDue},
		{"delivered early, nothing expected", 5000, 0, RatingNotYetDue},
		{"all delivered", 10_000, 10_000, RatingGood},
		{"more than expected", 20_000, 10_000, RatingGood},
		{"exactly 95%", 95_000, 100_000, RatingGood},
		{"94.999%", 94_999, 100_000, RatingApproaching},
		{"exactly 90%", 90_000, 100_000, RatingApproaching},
		{"89.999%", 89_999, 100_000, RatingRequiresImprovement},
		{"exactly 85%", 85_000, 100_000, RatingRequiresImprovement},
		{"84.999%", 84_999, 100_000, RatingInadequate},
		{"nothing delivered", 0, 100_000, RatingInadequate},
		{"19 of 20 is 95%", 19, 20, RatingGood},
		{"94.99999%", 9_499_999, 10_000_000, RatingApproaching},
		{"large values", math.MaxInt64 / 100 * 95, math.MaxInt64 / 100 * 100, RatingGood},
		{"large values just under", math.MaxInt64/100*95 - 1, math.MaxInt64 / 100 * 100, RatingApproaching},
	}
	for _, tt := range tests {
		if got := Rate(tt.delivered, tt.expected, b); got != tt.want {
			t.Errorf("%s: Rate(%v, %v) = %v, want %v", tt.name, tt.delivered, tt.expected, got, tt.want)
		}
	}
}

func TestRatePence(t *testing.T) {
	// £9,499.99 of £10,000 is 94.9999%.
	if got := Rate(Pence(949_999), Pence(1_000_000), DefaultBands()); got != RatingApproaching {
		t.Errorf("Rate = %v, want Approaching target", got)
	}
	custom := Bands{Good: 80, Approaching: 60, RequiresImprovement: 40}
	if got := Rate(Pence(600), Pence(1000), custom); got != RatingApproaching {
		t.Errorf("Rate with custom bands = %v, want Approaching target", got)
	}
}

func TestRatingLabels(t *testing.T) {
	tests := []struct {
		r          Rating
		label, rag string
	}{
		{RatingGood, "Good", "green"},
		{RatingApproaching, "Approaching target", "amber"},
		{RatingRequiresImprovement, "Requires improvement", "amber"},
		{RatingInadequate, "Inadequate", "red"},
		{RatingNotYetDue, "Not yet due", "grey"},
		{Rating(0), "Not yet due", "grey"},
	}
	for _, tt := range tests {
		if tt.r.Label() != tt.label || tt.r.RAG() != tt.rag {
			t.Errorf("Rating(%d) = %q, %q; want %q, %q", tt.r, tt.r.Label(), tt.r.RAG(), tt.label, tt.rag)
		}
	}
}

func TestBandsValidate(t *testing.T) {
	tests := []struct {
		b  Bands
		ok bool
	}{
		{DefaultBands(), true},
		{Bands{100, 50, 1}, true},
		{Bands{95, 95, 85}, false},
		{Bands{95, 90, 90}, false},
		{Bands{85, 90, 95}, false},
		{Bands{101, 90, 85}, false},
		{Bands{95, 90, 0}, false},
		{Bands{}, false},
	}
	for _, tt := range tests {
		if err := tt.b.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v.Validate() = %v, want ok %v", tt.b, err, tt.ok)
		}
	}
}
