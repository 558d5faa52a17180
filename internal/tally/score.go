package tally

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// ScoringMethod says how a tender turns offers' social value into a
// quantitative score (SPEC §6).
type ScoringMethod string

// Scoring methods.
const (
	// RelativeValue scores each offer's moderated social value ÷ the best one × 100.
	RelativeValue ScoringMethod = "relative_value"
	// RelativePercentage does the same on social value ÷ bid price.
	RelativePercentage ScoringMethod = "relative_percentage"
)

// DefaultQuantitativeShare is the default quantitative share of the social
// value score, in whole percent.
const DefaultQuantitativeShare = 50

// MaxMark is the highest qualitative mark; a mark is worth 20 points each.
const MaxMark = 5

// ParseScoringMethod returns the method named s ("relative_value" or
// "relative_percentage"), or an error worded for a form field.
func ParseScoringMethod(s string) (ScoringMethod, error) {
	switch m := ScoringMethod(s); m {
	case RelativeValue, RelativePercentage:
		return m, nil
	}
	return "", errors.New("Select a scoring method")
}

// Label names the method for people: "Relative value", "Relative percentage".
func (m ScoringMethod) Label() string {
	switch m {
	case RelativeValue:
		return "Relative value"
	case RelativePercentage:
		return "Relative percentage"
	}
	return string(m)
}

// Scheme is how a tender scores social value.
type Scheme struct {
	Method ScoringMethod
	// QuantitativeShare is the share of the social value score given to the
	// quantitative score, in whole percent from 0 to 100. The rest goes to the
	// qualitative score.
	QuantitativeShare int
	// Weighting is social value's share of the whole evaluation.
	Weighting Weighting
}

// Validate returns an error, worded for the tender form, when the method is
// unknown, the share is outside 0–100 or the weighting outside 0–100%.
func (s Scheme) Validate() error {
	if _, err := ParseScoringMethod(string(s.Method)); err != nil {
		return err
	}
	if s.QuantitativeShare < 0 || s.QuantitativeShare > 100 {
		return errors.New("Enter a quantitative share between 0% and 100%")
	}
	if s.Weighting < 0 || s.Weighting > MaxWeighting {
		return errors.New("Enter a weighting between 0% and 100%")
	}
	return nil
}

// ScoreInput is what scoring needs to know about one offer.
type ScoreInput struct {
	Value    Pence // moderated offer social value, ≥ 0
	BidPrice Pence // must be positive for RelativePercentage
	Mark     int   // qualitative mark 0–5; ignored unless Marked
	Marked   bool  // an unmarked offer scores 0 for quality
}

// Score is one offer's evaluation, each figure rounded half up to the hundredth
// from the exact calculation.
type Score struct {
	Quantitative Points // 0–100
	Qualitative  Points // 0–100: mark × 20
	SocialValue  Points // 0–100: share × quantitative + (1 − share) × qualitative
	Weighted     Points // 0–weighting: social value score × weighting ÷ 100
	Rank         int    // by Weighted: 1 is best, and equal points share a rank
}

// ScoreOffers scores a tender's offers by SPEC §6, returning one Score per
// offer in the same order. The quantitative score compares each offer with the
// best one; if no offer has any value, all score 0. It returns an error when
// the scheme is invalid, a value is negative, a mark is outside 0–5, or a bid
// price is not positive under RelativePercentage.
func ScoreOffers(s Scheme, offers []ScoreInput) ([]Score, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("tally: scoring scheme: %w", err)
	}
	bases := make([]*big.Rat, len(offers))
	best := new(big.Rat)
	for i, o := range offers {
		basis, err := scoreBasis(s.Method, o)
		if err != nil {
			return nil, fmt.Errorf("tally: offer %d: %w", i+1, err)
		}
		bases[i] = basis
		if basis.Cmp(best) > 0 {
			best = basis
		}
	}
	share := big.NewRat(int64(s.QuantitativeShare), 100)
	rest := new(big.Rat).Sub(big.NewRat(1, 1), share)
	weight := big.NewRat(int64(s.Weighting), 1000)

	scores := make([]Score, len(offers))
	weighted := make([]Points, len(offers))
	for i, o := range offers {
		quant := new(big.Rat)
		if best.Sign() > 0 {
			quant.Quo(bases[i], best).Mul(quant, big.NewRat(100, 1))
		}
		qual := new(big.Rat)
		if o.Marked {
			qual.SetInt64(int64(o.Mark) * 20)
		}
		sv := new(big.Rat).Mul(share, quant)
		sv.Add(sv, new(big.Rat).Mul(rest, qual))
		w := new(big.Rat).Mul(sv, weight)
		scores[i] = Score{
			Quantitative: pointsOf(quant),
			Qualitative:  pointsOf(qual),
			SocialValue:  pointsOf(sv),
			Weighted:     pointsOf(w),
		}
		weighted[i] = scores[i].Weighted
	}
	for i, r := range Rank(weighted) {
		scores[i].Rank = r
	}
	return scores, nil
}

// scoreBasis is the figure an offer is compared on: its value, or its value ÷
// bid price.
func scoreBasis(m ScoringMethod, o ScoreInput) (*big.Rat, error) {
	if o.Value < 0 {
		return nil, errors.New("negative social value")
	}
	if o.Marked && (o.Mark < 0 || o.Mark > MaxMark) {
		return nil, fmt.Errorf("mark %d is outside 0–%d", o.Mark, MaxMark)
	}
	if m == RelativePercentage {
		if o.BidPrice <= 0 {
			return nil, errors.New("bid price must be positive")
		}
		return big.NewRat(int64(o.Value), int64(o.BidPrice)), nil
	}
	return new(big.Rat).SetInt64(int64(o.Value)), nil
}

// Rank returns each score's rank, highest first, in the same order as points.
// Equal points share a rank and the next rank is skipped (1, 2, 2, 4), so the
// result depends only on the points, never on the order of offers. Ranking uses
// the rounded points that people see, so two offers shown with the same points
// always share a rank.
func Rank(points []Points) []int {
	sorted := slices.Clone(points)
	slices.Sort(sorted)
	slices.Reverse(sorted)
	ranks := make([]int, len(points))
	for i, p := range points {
		// The rank is 1 + the number of strictly higher scores.
		ranks[i] = 1 + slices.Index(sorted, p)
	}
	return ranks
}
