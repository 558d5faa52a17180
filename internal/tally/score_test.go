package tally

import (
	"slices"
	"testing"
)

func TestScoreOffers(t *testing.T) {
	standard := Scheme{Method: RelativeValue, QuantitativeShare: 50, Weighting: 200}
	tests := []struct {
		name   string
		scheme Scheme
		offers []ScoreInput
		want   []Score
	}{
		{name: "no offers", scheme: standard, offers: nil, want: []Score{}},
		{
			name:   "spec example",
			scheme: standard,
			offers: []ScoreInput{
				{Value: 100_000, Mark: 3, Marked: true},
				{Value: 50_000, Mark: 5, Marked: true},
				{Value: 0},
			},
			want: []Score{
				{Quantitative: 100_00, Qualitative: 60_00, SocialValue: 80_00, Weighted: 16_00, Rank: 1},
				{Quantitative: 50_00, Qualitative: 100_00, SocialValue: 75_00, Weighted: 15_00, Rank: 2},
				{Rank: 3},
			},
		},
		{
			name:   "all zero offers score 0 for quantity but keep their marks",
			scheme: standard,
			offers: []ScoreInput{{Mark: 4, Marked: true}, {Mark: 0, Marked: true}, {}},
			want: []Score{
				{Qualitative: 80_00, SocialValue: 40_00, Weighted: 8_00, Rank: 1},
				{Rank: 2},
				{Rank: 2},
			},
		},
		{
			name:   "ties share a rank",
			scheme: standard,
			offers: []ScoreInput{{Value: 10}, {Value: 20}, {Value: 20}},
			want: []Score{
				{Quantitative: 50_00, SocialValue: 25_00, Weighted: 5_00, Rank: 3},
				{Quantitative: 100_00, SocialValue: 50_00, Weighted: 10_00, Rank: 1},
				{Quantitative: 100_00, SocialValue: 50_00, Weighted: 10_00, Rank: 1},
			},
		},
		{
			name:   "100% quantitative ignores marks; thirds round",
			scheme: Scheme{Method: RelativeValue, QuantitativeShare: 100, Weighting: 200},
			offers: []ScoreInput{{Value: 3, Mark: 0, Marked: true}, {Value: 1, Mark: 5, Marked: true}, {Value: 2}},
			want: []Score{
				{Quantitative: 100_00, SocialValue: 100_00, Weighted: 20_00, Rank: 1},
				{Quantitative: 33_33, Qualitative: 100_00, SocialValue: 33_33, Weighted: 6_67, Rank: 3},
				{Quantitative: 66_67, SocialValue: 66_67, Weighted: 13_33, Rank: 2},
			},
		},
		{
			name:   "0% quantitative uses marks only",
			scheme: Scheme{Method: RelativeValue, QuantitativeShare: 0, Weighting: 100},
			offers: []ScoreInput{{Value: 900, Mark: 2, Marked: true}, {Value: 1, Mark: 3, Marked: true}},
			want: []Score{
				{Quantitative: 100_00, Qualitative: 40_00, SocialValue: 40_00, Weighted: 4_00, Rank: 2},
				{Quantitative: 11, Qualitative: 60_00, SocialValue: 60_00, Weighted: 6_00, Rank: 1},
			},
		},
		{
			name:   "half a hundredth rounds up at the end",
			scheme: Scheme{Method: RelativeValue, QuantitativeShare: 50, Weighting: 100},
			offers: []ScoreInput{{Value: 8}, {Value: 1}},
			want: []Score{
				{Quantitative: 100_00, SocialValue: 50_00, Weighted: 5_00, Rank: 1},
				{Quantitative: 12_50, SocialValue: 6_25, Weighted: 63, Rank: 2}, // 0.625
			},
		},
		{
			name:   "relative percentage compares value ÷ bid price",
			scheme: Scheme{Method: RelativePercentage, QuantitativeShare: 100, Weighting: 125},
			offers: []ScoreInput{{Value: 100, BidPrice: 1000}, {Value: 150, BidPrice: 3000}},
			want: []Score{
				{Quantitative: 100_00, SocialValue: 100_00, Weighted: 12_50, Rank: 1},
				{Quantitative: 50_00, SocialValue: 50_00, Weighted: 6_25, Rank: 2},
			},
		},
	}
	for _, tt := range tests {
		got, err := ScoreOffers(tt.scheme, tt.offers)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestScoreOffersModerationChangesRanking(t *testing.T) {
	s := Scheme{Method: RelativeValue, QuantitativeShare: 60, Weighting: 200}
	offers := []ScoreInput{
		{Value: 300_000_00, Mark: 2, Marked: true},
		{Value: 200_000_00, Mark: 4, Marked: true},
	}
	before, err := ScoreOffers(s, offers)
	if err != nil {
		t.Fatal(err)
	}
	offers[0].Value = 150_000_00 // an evaluator halves an unrealistic line
	after, err := ScoreOffers(s, offers)
	if err != nil {
		t.Fatal(err)
	}
	if before[0].Rank != 1 || before[1].Rank != 2 {
		t.Errorf("before moderation ranks = %d, %d; want 1, 2", before[0].Rank, before[1].Rank)
	}
	if after[0].Rank != 2 || after[1].Rank != 1 {
		t.Errorf("after moderation ranks = %d, %d; want 2, 1", after[0].Rank, after[1].Rank)
	}
	// 60% × 75 + 40% × 40 = 61 → 12.20 points; 60% × 100 + 40% × 80 = 92 → 18.40.
	if after[0].Weighted != 12_20 || after[1].Weighted != 18_40 {
		t.Errorf("after moderation weighted = %v, %v; want 12.20, 18.40", after[0].Weighted, after[1].Weighted)
	}
}

func TestScoreOffersErrors(t *testing.T) {
	ok := Scheme{Method: RelativeValue, QuantitativeShare: 50, Weighting: 200}
	tests := []struct {
		name   string
		scheme Scheme
		offers []ScoreInput
	}{
		{name: "unknown method", scheme: Scheme{Method: "best_guess", QuantitativeShare: 50}},
		{name: "share over 100", scheme: Scheme{Method: RelativeValue, QuantitativeShare: 101}},
		{name: "negative share", scheme: Scheme{Method: RelativeValue, QuantitativeShare: -1}},
		{name: "weighting over 100%", scheme: Scheme{Method: RelativeValue, Weighting: 1001}},
		{name: "negative value", scheme: ok, offers: []ScoreInput{{Value: -1}}},
		{name: "mark over 5", scheme: ok, offers: []ScoreInput{{Mark: 6, Marked: true}}},
		{name: "negative mark", scheme: ok, offers: []ScoreInput{{Mark: -1, Marked: true}}},
		{
			name:   "zero bid price by percentage",
			scheme: Scheme{Method: RelativePercentage, QuantitativeShare: 50},
			offers: []ScoreInput{{Value: 1, BidPrice: 0}},
		},
	}
	for _, tt := range tests {
		if _, err := ScoreOffers(tt.scheme, tt.offers); err == nil {
			t.Errorf("%s: ScoreOffers returned no error", tt.name)
		}
	}
}

func TestRank(t *testing.T) {
	tests := []struct {
		points []Points
		want   []int
	}{
		{nil, []int{}},
		{[]Points{5}, []int{1}},
		{[]Points{10, 30, 20, 30}, []int{4, 1, 3, 1}},
		{[]Points{0, 0, 0}, []int{1, 1, 1}},
		{[]Points{1, 2, 2, 2, 3}, []int{5, 2, 2, 2, 1}},
	}
	for _, tt := range tests {
		if got := Rank(tt.points); !slices.Equal(got, tt.want) {
			t.Errorf("Rank(%v) = %v, want %v", tt.points, got, tt.want)
		}
	}
}

func TestParseScoringMethod(t *testing.T) {
	for _, s := range []string{"relative_value", "relative_percentage"} {
		if m, err := ParseScoringMethod(s); err != nil || string(m) != s {
			t.Errorf("ParseScoringMethod(%q) = %q, %v", s, m, err)
		}
	}
	for _, s := range []string{"", "Relative_Value", "other"} {
		if _, err := ParseScoringMethod(s); err == nil {
			t.Errorf("ParseScoringMethod(%q) returned no error", s)
		}
	}
}
