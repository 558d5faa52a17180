package format

import (
	"strings"

	"github.com/tally-sv/tally/internal/tally"
)

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
