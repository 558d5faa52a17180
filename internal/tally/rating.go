package tally

import (
	"errors"
	"math/big"
)

// Bands are the lowest percentages of delivered ÷ expected for each rating. They
// are a partner setting, in whole percent.
type Bands struct {
	Good                int // at or above: Good
	Approaching         int // at or above: Approaching target
	RequiresImprovement int // at or above: Requires improvement; below: Inadequate
}

// DefaultBands returns the Procurement Act 2023 bands: 95%, 90% and 85%.
func DefaultBands() Bands {
	return Bands{Good: 95, Approaching: 90, RequiresImprovement: 85}
}

// Validate returns an error, worded for the settings form, unless every band is
// a whole percentage from 1 to 100 and each is lower than the one before.
func (b Bands) Validate() error {
	for _, v := range []int{b.Good, b.Approaching, b.RequiresImprovement} {
		if v < 1 || v > 100 {
			return errors.New("Enter each band as a whole percentage from 1 to 100, like 95")
		}
	}
	if b.Good <= b.Approaching || b.Approaching <= b.RequiresImprovement {
		return errors.New("Enter bands that go down: Good above Approaching target, and Approaching target above Requires improvement, like 95, 90 and 85")
	}
	return nil
}

// Rating is the status of a KPI or contract: delivered-to-date against
// expected-to-date. The zero Rating is RatingNotYetDue.
type Rating int

// Ratings, best first after RatingNotYetDue.
const (
	RatingNotYetDue Rating = iota // nothing expected yet
	RatingGood
	RatingApproaching
	RatingRequiresImprovement
	RatingInadequate
)

// Rate rates delivered against expected, both Pence or both Quantity: Good when
// delivered ÷ expected is at least b.Good%, Approaching target at least
// b.Approaching%, Requires improvement at least b.RequiresImprovement%, and
// Inadequate below that. When nothing is expected yet (expected ≤ 0) it returns
// RatingNotYetDue. The comparison is exact. Validate b first: Rate does not.
func Rate[T ~int64](delivered, expected T, b Bands) Rating {
	if expected <= 0 {
		return RatingNotYetDue
	}
	// delivered ÷ expected ≥ band% ⇔ delivered × 100 ≥ band × expected; big.Int
	// because delivered × 100 may not fit in an int64.
	d := new(big.Int).Mul(big.NewInt(int64(delivered)), big.NewInt(100))
	atLeast := func(band int) bool {
		return d.Cmp(new(big.Int).Mul(big.NewInt(int64(band)), big.NewInt(int64(expected)))) >= 0
	}
	switch {
	case atLeast(b.Good):
		return RatingGood
	case atLeast(b.Approaching):
		return RatingApproaching
	case atLeast(b.RequiresImprovement):
		return RatingRequiresImprovement
	}
	return RatingInadequate
}

// Label names the rating for people: "Good", "Approaching target",
// "Requires improvement", "Inadequate" or "Not yet due".
func (r Rating) Label() string {
	switch r {
	case RatingGood:
		return "Good"
	case RatingApproaching:
		return "Approaching target"
	case RatingRequiresImprovement:
		return "Requires improvement"
	case RatingInadequate:
		return "Inadequate"
	}
	return "Not yet due"
}

// RAG returns the rating's colour name: "green" for Good, "amber" for
// Approaching target and Requires improvement, "red" for Inadequate and "grey"
// for Not yet due.
func (r Rating) RAG() string {
	switch r {
	case RatingGood:
		return "green"
	case RatingApproaching, RatingRequiresImprovement:
		return "amber"
	case RatingInadequate:
		return "red"
	}
	return "grey"
}

// String returns Label, so ratings print readably.
func (r Rating) String() string {
	return r.Label()
}
