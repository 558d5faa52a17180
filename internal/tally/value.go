package tally

import (
	"errors"
	"math/big"
)

// ErrValueTooLarge is returned when a social value would be more than MaxPence
// (£100bn). Such a value always means a mistyped quantity, and the text is
// worded to show to the user.
var ErrValueTooLarge = errors.New("The social value is more than £100,000,000,000. Check the quantities entered")

// errNegativeValue reports a negative quantity or proxy, which parsing never
// produces, so it is a programming error rather than a user's.
var errNegativeValue = errors.New("tally: negative quantity or proxy value")

// LineValue returns the social value of a commitment: quantity × proxy value,
// rounded half up to the penny. The product is computed exactly, whatever the
// sizes. A record-only measure has no proxy value: callers keep that as a
// separate flag and pass a zero Proxy, which gives zero. It returns
// ErrValueTooLarge when the value is more than MaxPence, and an error when q or
// p is negative.
func LineValue(q Quantity, p Proxy) (Pence, error) {
	if q < 0 || p < 0 {
		return 0, errNegativeValue
	}
	// q is in thousandths and p in ten-thousandths of a pound, so q×p is in
	// 1e-7 pounds, that is 1e-5 pence.
	const unitsPerPenny = QuantityScale * ProxyScale / PenceScale
	v := new(big.Int).Mul(big.NewInt(int64(q)), big.NewInt(int64(p)))
	v.Add(v, big.NewInt(unitsPerPenny/2))
	v.Quo(v, big.NewInt(unitsPerPenny))
	if v.Cmp(big.NewInt(int64(MaxPence))) > 0 {
		return 0, ErrValueTooLarge
	}
	return Pence(v.Int64()), nil
}

// ValueLine is one line of an offer, contract or return for valuing: a quantity
// and the frozen proxy value of its measure (zero for a record-only measure).
type ValueLine struct {
	Quantity Quantity
	Proxy    Proxy
}

// OfferValue returns the social value of an offer: the sum of LineValue over
// its lines, each rounded to the penny before adding. Every screen, export and
// report uses it, so the figures agree. It returns ErrValueTooLarge when a line
// or the total is more than MaxPence.
func OfferValue(lines []ValueLine) (Pence, error) {
	var total Pence
	for _, l := range lines {
		v, err := LineValue(l.Quantity, l.Proxy)
		if err != nil {
			return 0, err
		}
		// Both are at most MaxPence, so the sum cannot overflow.
		total += v
		if total > MaxPence {
			return 0, ErrValueTooLarge
		}
	}
	return total, nil
}

// Ratio is an exact fraction such as a social value percentage, a local share or
// delivered ÷ expected. A Ratio with a zero denominator is undefined (for
// example a share of nothing). Compare Ratios with Cmp, not ==.
type Ratio struct {
	num, den int64
}

// NewRatio returns num ÷ den. A zero den gives an undefined Ratio.
func NewRatio(num, den int64) Ratio {
	return Ratio{num: num, den: den}
}

// SocialValuePercent returns an offer's social value ÷ its bid price (render it
// with Percent1). It is undefined when the bid price is zero.
func SocialValuePercent(sv, bid Pence) Ratio {
	return NewRatio(int64(sv), int64(bid))
}

// Defined reports whether the denominator is not zero.
func (r Ratio) Defined() bool {
	return r.den != 0
}

// Rat returns the exact value as a new big.Rat; an undefined Ratio gives 0.
func (r Ratio) Rat() *big.Rat {
	if r.den == 0 {
		return new(big.Rat)
	}
	return new(big.Rat).SetFrac(big.NewInt(r.num), big.NewInt(r.den))
}

// Cmp compares r and o exactly, returning -1, 0 or +1. An undefined Ratio
// compares as 0.
func (r Ratio) Cmp(o Ratio) int {
	return r.Rat().Cmp(o.Rat())
}

// Percent1 formats r as a percentage to 1 decimal place, rounded half up (half
// away from zero when negative), without the "%" sign: 1/4 gives "25.0". An
// undefined Ratio gives "0.0"; use Defined to show something else.
func (r Ratio) Percent1() string {
	return formatRat1(new(big.Rat).Mul(r.Rat(), big.NewRat(100, 1)))
}

// formatRat1 formats x to 1 decimal place, rounding half away from zero.
func formatRat1(x *big.Rat) string {
	tenths := roundHalfUp(new(big.Rat).Mul(x, big.NewRat(10, 1)))
	sign := ""
	if tenths.Sign() < 0 {
		sign = "-"
		tenths.Neg(tenths)
	}
	whole, frac := new(big.Int).QuoRem(tenths, big.NewInt(10), new(big.Int))
	return sign + whole.String() + "." + frac.String()
}

// roundHalfUp rounds x to the nearest integer, halves away from zero.
func roundHalfUp(x *big.Rat) *big.Int {
	num := new(big.Int).Abs(x.Num())
	den := x.Denom()
	// floor((2·|num| + den) ÷ 2·den) rounds |x| half up.
	n := new(big.Int).Lsh(num, 1)
	n.Add(n, den)
	n.Quo(n, new(big.Int).Lsh(den, 1))
	if x.Sign() < 0 {
		n.Neg(n)
	}
	return n
}

// PointsChange formats the change from prev to r in percentage points to 1
// decimal place, with a sign: "+2.5", "-0.3", "0.0".
func (r Ratio) PointsChange(prev Ratio) string {
	diff := new(big.Rat).Sub(r.Rat(), prev.Rat())
	s := formatRat1(diff.Mul(diff, big.NewRat(100, 1)))
	if diff.Sign() > 0 && s != "0.0" {
		return "+" + s
	}
	return s
}
