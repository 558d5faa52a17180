package export

import (
	"strconv"
	"strings"
)

// formulaStart holds the characters that make a spreadsheet read a CSV cell
// as a formula (OWASP's list for CSV injection).
const formulaStart = "=+-@\t\r"

// Neutralise is what a CSV file holds for the cell s: s itself, or s behind
// a "'" when a spreadsheet would read it as a formula, that is when it
// starts with one of = + - @ tab or carriage return. Plain numbers,
// negative ones included, are left as they are. A cell that already starts
// with quotes before such a character gets one more, so that Unquote gives
// back exactly s. Every CSV this package writes passes through it.
func Neutralise(s string) string {
	if !risky(s) {
		return s // most cells: only a risky one needs the number check
	}
	if _, ok := number(strings.TrimPrefix(s, "-")); ok {
		return s
	}
	return "'" + s
}

// Unquote reads back a cell that Neutralise wrote: it removes the "'" that
// Neutralise added, and returns any other cell unchanged. Readers of the
// CSV files Tally hands out (offer templates, measure editions) use it.
func Unquote(s string) string {
	if strings.HasPrefix(s, "'") && risky(s) {
		return s[1:]
	}
	return s
}

// risky reports whether s, after any leading quotes, starts like a formula.
func risky(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.IndexByte(formulaStart, s[0]) >= 0
}

// number reads a plain unsigned decimal like 12 or 1234.56: digits and at
// most one point. Not a code with a leading zero such as 01234567, nor 1e5,
// nor what else strconv.ParseFloat reads ("Inf", "NaN", "0x1p4"), which
// would be a formula in a CSV file or a broken cell in an Excel one.
func number(s string) (float64, bool) {
	digits, points := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return 0, false
		}
	}
	if digits == 0 || points > 1 || (len(s) > 1 && s[0] == '0' && s[1] != '.') {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}
