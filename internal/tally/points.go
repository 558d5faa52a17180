package tally

import "math/big"

// Points is an evaluation score in hundredths of a point: 8750 is 87.50 points.
// Scores are computed exactly and rounded half up to Points only at the end.
type Points int64

// MaxPoints is the most points a score can have: 100.00.
const MaxPoints Points = 100_00

var pointsKind = decimalKind{
	places: 2, max: int64(MaxPoints),
	empty:      "Enter a score, like 87.5",
	negative:   "Enter a score of 0 or more",
	tooPrecise: "Enter a score with no more than 2 decimal places, like 87.25",
	tooLarge:   "Enter a score no larger than 100",
}

// ParsePoints parses a score from 0 to 100 with at most 2 decimal places, such
// as price or quality points from the wider evaluation. Errors are worded to
// show beside a form field.
func ParsePoints(s string) (Points, error) {
	v, err := pointsKind.parse(s)
	return Points(v), err
}

// String formats p with exactly 2 decimal places: "87.50".
func (p Points) String() string {
	sign, digits := splitSign(int64(p))
	return sign + formatScaled(digits, 2, false, false)
}

// pointsOf rounds an exact score half up to the hundredth.
func pointsOf(x *big.Rat) Points {
	return Points(roundHalfUp(new(big.Rat).Mul(x, big.NewRat(100, 1))).Int64())
}

// Weighting is the share of the whole evaluation given to social value, in
// tenths of a percent: 200 is 20%, 125 is 12.5%. One decimal place is enough
// for every weighting seen in practice and keeps averages exact.
type Weighting int

// Limits of a Weighting.
const (
	MaxWeighting Weighting = 1000 // 100%
	// MinWeighting is central government's Social Value Model minimum of 10%.
	// A lower weighting is allowed but needs a recorded reason.
	MinWeighting Weighting = 100
)

var weightingKind = decimalKind{
	places: 1, max: int64(MaxWeighting), percent: true,
	empty:      "Enter a weighting, like 20%",
	negative:   "Enter a weighting of 0% or more",
	tooPrecise: "Enter a weighting with no more than 1 decimal place, like 12.5%",
	tooLarge:   "Enter a weighting no larger than 100%",
}

// ParseWeighting parses a weighting percentage from 0 to 100 with at most 1
// decimal place, such as "20", "12.5" or "20%". Errors are worded to show
// beside a form field. A weighting below MinWeighting parses; NeedsReason says
// whether the buyer must explain it.
func ParseWeighting(s string) (Weighting, error) {
	v, err := weightingKind.parse(s)
	return Weighting(v), err
}

// String formats w as a percentage in its shortest form without "%": "20",
// "12.5".
func (w Weighting) String() string {
	sign, digits := splitSign(int64(w))
	return sign + formatScaled(digits, 1, true, false)
}

// NeedsReason reports whether w is below the 10% minimum of central
// government's Social Value Model, so that the buyer must record a reason.
func (w Weighting) NeedsReason() bool {
	return w < MinWeighting
}
