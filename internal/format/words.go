package format

import (
	"strings"

	"github.com/tally-sv/tally/internal/tally"
)

// ProxyExact shows a proxy value as people read money, keeping every
// decimal place it has and adding none: £28,000, £0.65, £0.7. (Proxy pads
// pence to two places.)
func ProxyExact(p tally.Proxy) string {
	whole, frac, _ := strings.Cut(p.String(), ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		return "£" + b.String() + "." + frac
	}
	return "£" + b.String()
}

// UnitWords names a measure's unit in a sentence: "FTE", "weeks", or
// "pounds (£)" for money.
func UnitWords(unit string) string {
	if u := strings.TrimSpace(unit); strings.HasPrefix(u, "£") || strings.EqualFold(u, "GBP") {
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
