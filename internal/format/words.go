package format

import (
	"strings"

	"github.com/tally-sv/tally/internal/tally"
)

// ProxyExact shows a proxy value as people read money, keeping every
// decimal place it has and adding none: £28,000, £0.65, £0.7. (Proxy pads
// pence to two places.)
func ProxyExact(p tally.Proxy) string {
	s, sign := p.String(), ""
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sign, s = Minus, rest
	}
	whole, frac, _ := strings.Cut(s, ".")
	if frac != "" {
		return sign + "£" + group(whole) + "." + frac
	}
	return sign + "£" + group(whole)
}

// UnitWords names a measure's unit in a sentence: "FTE", "weeks", or
// "pounds (£)" for money.
func UnitWords(unit string) string {
	if isPounds(strings.TrimSpace(unit)) {
		return "pounds (£)"
	}
	return unit
}

// Capitalise puts the first letter of s (a category, such as
// "construction") in upper case; s is ASCII at its start.
func Capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Size names a supplier size (tally.SizeMicro and so on) for people:
// "Micro", "Small", "Medium", "Large"; anything else as it is.
func Size(size string) string {
	switch size {
	case tally.SizeMicro:
		return "Micro"
	case tally.SizeSmall:
		return "Small"
	case tally.SizeMedium:
		return "Medium"
	case tally.SizeLarge:
		return "Large"
	}
	return size
}
