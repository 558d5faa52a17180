package tally

import (
	"errors"
	"strings"
)

// Money, quantities and proxy values are exact fixed-point integers. Tally never
// stores or computes them as floating point.

// Scales and limits of the fixed-point types.
const (
	PenceScale    = 100    // pence in £1
	QuantityScale = 1000   // Quantity units in one unit of measure
	ProxyScale    = 10_000 // Proxy units in £1 per unit

	MaxPence    Pence    = 100_000_000_000 * PenceScale      // £100bn
	MaxQuantity Quantity = 1_000_000_000_000 * QuantityScale // 1e12 units
	MaxProxy    Proxy    = 10_000_000 * ProxyScale           // £10m per unit
)

// Pence is an amount of money in whole pence.
type Pence int64

// Quantity is an amount of a measure's unit (FTE, hours, tCO2e, …) in thousandths.
type Quantity int64

// Proxy is a proxy value in ten-thousandths of a pound per unit.
type Proxy int64

// decimalKind describes one fixed-point type for parsing, and holds the
// user-facing messages for its errors.
type decimalKind struct {
	places  int   // decimal places kept
	max     int64 // largest value accepted, scaled
	pound   bool  // a leading "£" is allowed
	percent bool  // a trailing "%" is allowed

	empty, negative, tooPrecise, tooLarge string
}

var (
	poundsKind = decimalKind{
		places: 2, max: int64(MaxPence), pound: true,
		empty:      "Enter an amount in pounds, like £1,234.56",
		negative:   "Enter an amount of £0 or more",
		tooPrecise: "Enter an amount in pounds and pence, with no more than 2 decimal places, like £1,234.56",
		tooLarge:   "Enter an amount no larger than £100,000,000,000",
	}
	quantityKind = decimalKind{
		places: 3, max: int64(MaxQuantity),
		empty:      "Enter a quantity, like 12.5",
		negative:   "Enter a quantity of 0 or more",
		tooPrecise: "Enter a number with no more than 3 decimal places, like 12.5",
		tooLarge:   "Enter a quantity no larger than 1,000,000,000,000",
	}
	proxyKind = decimalKind{
		places: 4, max: int64(MaxProxy), pound: true,
		empty:      "Enter a value in pounds per unit, like 12.3456",
		negative:   "Enter a value of £0 or more",
		tooPrecise: "Enter a value with no more than 4 decimal places, like 12.3456",
		tooLarge:   "Enter a value no larger than £10,000,000",
	}
)

// Messages shared by every kind of number.
var (
	errDigits = errors.New("Enter a number using only digits, commas and a decimal point, like 1,234.5")
	errCommas = errors.New("Use commas only to separate thousands, like 1,234.5")
)

// ParsePounds parses an amount of money such as "1234", "1,234.56" or "£1,234.5",
// ignoring surrounding spaces. It returns an error, worded to show beside a form
// field, when the text is empty, negative, has more than 2 decimal places (other
// than trailing zeros), is not a number, or is more than £100bn.
func ParsePounds(s string) (Pence, error) {
	v, err := poundsKind.parse(s)
	return Pence(v), err
}

// ParseQuantity parses a quantity such as "12", "12.5" or "1,000.125": a decimal
// of 0 or more with at most 3 decimal places (other than trailing zeros) and no
// more than 1e12 units. Errors are worded to show beside a form field.
func ParseQuantity(s string) (Quantity, error) {
	v, err := quantityKind.parse(s)
	return Quantity(v), err
}

// ParseProxy parses a proxy value in pounds per unit such as "25000", "£12.3456":
// 0 or more, at most 4 decimal places (other than trailing zeros), no more than
// £10m. Errors are worded to show beside a form field.
func ParseProxy(s string) (Proxy, error) {
	v, err := proxyKind.parse(s)
	return Proxy(v), err
}

// String formats p as "£1,234.56", or "-£1,234.56" when negative.
func (p Pence) String() string {
	sign, digits := splitSign(int64(p))
	return sign + "£" + formatScaled(digits, 2, false, true)
}

// Pounds formats p for CSV files and form values: "1234.56", with no symbol or
// commas, and a leading "-" when negative.
func (p Pence) Pounds() string {
	sign, digits := splitSign(int64(p))
	return sign + formatScaled(digits, 2, false, false)
}

// String formats q in its shortest exact form: "12", "12.5", "0.125".
func (q Quantity) String() string {
	sign, digits := splitSign(int64(q))
	return sign + formatScaled(digits, 3, true, false)
}

// String formats p in pounds per unit in its shortest exact form: "25000",
// "12.3456". It has no "£" so that it suits forms and CSV files.
func (p Proxy) String() string {
	sign, digits := splitSign(int64(p))
	return sign + formatScaled(digits, 4, true, false)
}

// parse reads s as a non-negative decimal and returns it scaled by 10^k.places.
func (k decimalKind) parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	negative := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		negative, s = true, strings.TrimSpace(rest)
	}
	if rest, ok := strings.CutPrefix(s, "£"); ok && k.pound {
		s = strings.TrimSpace(rest)
	}
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		negative, s = true, strings.TrimSpace(rest)
	}
	if rest, ok := strings.CutSuffix(s, "%"); ok && k.percent {
		s = strings.TrimSpace(rest)
	}
	if s == "" {
		if negative {
			return 0, errDigits
		}
		return 0, errors.New(k.empty)
	}
	whole, frac, _ := strings.Cut(s, ".")
	whole, err := stripCommas(whole)
	if err != nil {
		return 0, err
	}
	if whole+frac == "" || !allDigits(whole) || !allDigits(frac) {
		return 0, errDigits
	}
	if negative {
		return 0, errors.New(k.negative)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > k.places {
		return 0, errors.New(k.tooPrecise)
	}
	whole = strings.TrimLeft(whole, "0")
	// The largest limit (1e15) has 16 digits, so anything longer is too large
	// and the accumulation below cannot overflow.
	if len(whole)+k.places > 17 {
		return 0, errors.New(k.tooLarge)
	}
	digits := whole + frac + strings.Repeat("0", k.places-len(frac))
	var v int64
	for _, c := range digits {
		v = v*10 + int64(c-'0')
	}
	if v > k.max {
		return 0, errors.New(k.tooLarge)
	}
	return v, nil
}

// stripCommas removes thousands separators, insisting on groups of three digits
// so that a decimal comma such as "12,5" is refused rather than read as 125.
func stripCommas(s string) (string, error) {
	if !strings.Contains(s, ",") {
		return s, nil
	}
	groups := strings.Split(s, ",")
	for i, g := range groups {
		if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) || !allDigits(g) {
			return "", errCommas
		}
	}
	return strings.Join(groups, ""), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// splitSign returns the sign prefix and the magnitude of v, including for the
// most negative int64.
func splitSign(v int64) (string, uint64) {
	if v < 0 {
		return "-", uint64(-(v + 1)) + 1 // #nosec G115 -- -(v+1) is not negative for v < 0, even the most negative
	}
	return "", uint64(v) // #nosec G115 -- v >= 0 here
}

// formatScaled renders v/10^places. trim drops trailing fractional zeros (and
// the point if none remain); commas groups the whole part in thousands.
func formatScaled(v uint64, places int, trim, commas bool) string {
	var scale uint64 = 1
	for range places {
		scale *= 10
	}
	whole := uintString(v / scale)
	if commas {
		whole = groupThousands(whole)
	}
	frac := uintString(v % scale)
	frac = strings.Repeat("0", places-len(frac)) + frac
	if trim {
		frac = strings.TrimRight(frac, "0")
	}
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

func uintString(v uint64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(buf[i:])
		}
	}
}

func groupThousands(digits string) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
