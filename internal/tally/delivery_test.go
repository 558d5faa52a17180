package tally

import "testing"

// TestRateAtTheBandEdges walks each band's edge, with the default bands and
// a partner's own, in both Pence and Quantity: at the edge is the better
// rating, a thousandth below it the worse.
func TestRateAtTheBandEdges(t *testing.T) {
	t.Parallel()
	custom := Bands{Good: 80, Approaching: 60, RequiresImprovement: 40}
	strict := Bands{Good: 100, Approaching: 99, RequiresImprovement: 98}
	tests := []struct {
		name                string
		delivered, expected int64
		bands               Bands
		want                Rating
	}{
		{"exactly 95%", 95_000, 100_000, DefaultBands(), RatingGood},
		{"94.999%", 94_999, 100_000, DefaultBands(), RatingApproaching},
		{"exactly 90%", 90_000, 100_000, DefaultBands(), RatingApproaching},
		{"89.999%", 89_999, 100_000, DefaultBands(), RatingRequiresImprovement},
		{"exactly 85%", 85_000, 100_000, DefaultBands(), RatingRequiresImprovement},
		{"84.999%", 84_999, 100_000, DefaultBands(), RatingInadequate},
		{"a third is not 95%", 1, 3, DefaultBands(), RatingInadequate},
		{"just under 95% of 3,000", 2_849_999, 3_000_000, DefaultBands(), RatingApproaching},
		{"zero expected, nothing delivered", 0, 0, DefaultBands(), RatingNotYetDue},
		{"zero expected, some delivered", 1_000, 0, DefaultBands(), RatingNotYetDue},
		{"negative expected", 1_000, -5, DefaultBands(), RatingNotYetDue},
		{"one thousandth expected, none delivered", 0, 1, DefaultBands(), RatingInadequate},
		{"custom: exactly 80%", 80, 100, custom, RatingGood},
		{"custom: 79.999%", 79_999, 100_000, custom, RatingApproaching},
		{"custom: exactly 60%", 60, 100, custom, RatingApproaching},
		{"custom: 59.999%", 59_999, 100_000, custom, RatingRequiresImprovement},
		{"custom: exactly 40%", 40, 100, custom, RatingRequiresImprovement},
		{"custom: 39.999%", 39_999, 100_000, custom, RatingInadequate},
		{"custom: 94% is Good there", 94, 100, custom, RatingGood},
		{"strict: all of it", 100, 100, strict, RatingGood},
		{"strict: 99.999%", 99_999, 100_000, strict, RatingApproaching},
		{"strict: 97.999%", 97_999, 100_000, strict, RatingInadequate},
	}
	for _, tt := range tests {
		if got := Rate(Quantity(tt.delivered), Quantity(tt.expected), tt.bands); got != tt.want {
			t.Errorf("%s: Rate(Quantity %d, %d, %+v) = %v, want %v", tt.name, tt.delivered, tt.expected, tt.bands, got, tt.want)
		}
		if got := Rate(Pence(tt.delivered), Pence(tt.expected), tt.bands); got != tt.want {
			t.Errorf("%s: Rate(Pence %d, %d, %+v) = %v, want %v", tt.name, tt.delivered, tt.expected, tt.bands, got, tt.want)
		}
	}
}

func TestContractStatusAtRisk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		delivered, expected, want Pence
	}{
		{0, 0, 0},
		{0, 1000_00, 1000_00},
		{950_00, 1000_00, 50_00},
		{1000_00, 1000_00, 0},
		{1200_00, 1000_00, 0}, // over-delivery is not negative risk
	}
	for _, tt := range tests {
		if got := (ContractStatus{Delivered: tt.delivered, Expected: tt.expected}).AtRisk(); got != tt.want {
			t.Errorf("AtRisk(delivered %v, expected %v) = %v, want %v", tt.delivered, tt.expected, got, tt.want)
		}
	}
}

func TestReturnStatusLabels(t *testing.T) {
	t.Parallel()
	tests := map[ReturnStatus]string{
		ReturnDraft:     "Draft",
		ReturnSubmitted: "Awaiting verification",
		ReturnQueried:   "Queried",
		ReturnComplete:  "Checked",
		"":              "Draft",
	}
	for s, want := range tests {
		if got := s.Label(); got != want {
			t.Errorf("ReturnStatus(%q).Label() = %q, want %q", s, got, want)
		}
	}
}
