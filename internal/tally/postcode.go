package tally

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// The letters allowed in each position of a UK postcode (Royal Mail's rules):
// the outward code is A9, A99, AA9, AA99, A9A or AA9A and the inward code 9AA.
const (
	pcFirst  = `[A-PR-UWYZ]`              // not Q, V, X
	pcSecond = `[A-HK-Y]`                 // not I, J, Z
	pcThird  = `[A-HJKPSTUW]`             // letter after the digit in A9A
	pcFourth = `[ABEHMNPRVWXY]`           // letter after the digit in AA9A
	pcInward = `[0-9][ABD-HJLNP-UW-Z]{2}` // not C, I, K, M, O, V
)

var (
	districtPattern = pcFirst + `(?:[0-9]{1,2}|` + pcSecond + `[0-9]{1,2}|[0-9]` + pcThird + `|` + pcSecond + `[0-9]` + pcFourth + `)`
	districtRE      = regexp.MustCompile(`^` + districtPattern + `$`)
	areaRE          = regexp.MustCompile(`^` + pcFirst + pcSecond + `?$`)
	postcodeRE      = regexp.MustCompile(`^(` + districtPattern + `)(` + pcInward + `)$`)
)

// Postcode is a valid UK postcode in its standard form, such as "SK1 3XE". The
// zero Postcode is empty.
type Postcode struct {
	outward, inward string
}

var errPostcode = errors.New("Enter a real postcode, like SK1 3XE")

// ParsePostcode checks that s is a UK postcode, ignoring case and spaces, and
// returns it in standard form: "sk13xe" gives "SK1 3XE". It accepts GIR 0AA. It
// checks the format only, not that the postcode is in use. It returns an
// error, worded for a form field, when s is empty or not a postcode.
func ParsePostcode(s string) (Postcode, error) {
	compact := strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
	if compact == "" {
		return Postcode{}, errors.New("Enter a postcode, like SK1 3XE")
	}
	if compact == "GIR0AA" {
		return Postcode{outward: "GIR", inward: "0AA"}, nil
	}
	m := postcodeRE.FindStringSubmatch(compact)
	if m == nil {
		return Postcode{}, errPostcode
	}
	return Postcode{outward: m[1], inward: m[2]}, nil
}

// String returns the postcode in standard form, "SK1 3XE", or "" when zero.
func (p Postcode) String() string {
	if p.outward == "" {
		return ""
	}
	return p.outward + " " + p.inward
}

// IsZero reports whether p is the empty Postcode.
func (p Postcode) IsZero() bool {
	return p.outward == ""
}

// Area returns the postcode area, the leading letters: "SK" for SK1 3XE, "M"
// for M1 1AE, "GIR" for GIR 0AA.
func (p Postcode) Area() string {
	if i := strings.IndexAny(p.outward, "0123456789"); i >= 0 {
		return p.outward[:i]
	}
	return p.outward
}

// District returns the postcode district, the outward code: "SK1" for SK1 3XE.
func (p Postcode) District() string {
	return p.outward
}

// LocalArea is a partner's local area: a set of postcode areas ("M", "BL") and
// districts ("WA3"). Whether a postcode is in it is decided in one place,
// the SQL function tally_is_local (migration 000014): its area is listed, or
// its exact district is. The zero LocalArea contains no postcode.
type LocalArea struct {
	codes []string // upper case, sorted, no duplicates
}

// ParseLocalArea reads a local area from areas and districts separated by
// commas, spaces or new lines, such as "BL, M, OL\nWA3". It upper-cases them
// and removes duplicates. Blank text gives the empty LocalArea, which contains
// no postcode; a form that needs one checks IsZero. It returns an error, worded
// for the settings form, when a code is neither an area nor a district.
func ParseLocalArea(s string) (LocalArea, error) {
	tokens := strings.FieldsFunc(strings.ToUpper(s), func(r rune) bool {
		return r == ',' || r == ';' || unicode.IsSpace(r)
	})
	if len(tokens) == 0 {
		return LocalArea{}, nil
	}
	for _, t := range tokens {
		if !areaRE.MatchString(t) && !districtRE.MatchString(t) {
			return LocalArea{}, fmt.Errorf("%q is not a postcode area or district. Enter areas like M and districts like WA3, separated by commas", t)
		}
	}
	slices.Sort(tokens)
	return LocalArea{codes: slices.Compact(tokens)}, nil
}

// IsZero reports whether the local area has no areas or districts.
func (a LocalArea) IsZero() bool {
	return len(a.codes) == 0
}

// Codes returns the areas and districts, sorted.
func (a LocalArea) Codes() []string {
	return slices.Clone(a.codes)
}

// String returns the areas and districts separated by ", ", as ParseLocalArea
// reads them.
func (a LocalArea) String() string {
	return strings.Join(a.codes, ", ")
}

// GreaterManchester returns the demo local area: the postcode areas BL, M, OL,
// SK and WN and the Greater Manchester districts of the WA area (WA3, WA13,
// WA14, WA15). Postcode areas do not follow council boundaries, so this is a
// simplification: SK also covers parts of Cheshire and Derbyshire (SK9–SK12,
// SK13, SK17, SK22, SK23), OL and BL reach into Lancashire and West Yorkshire,
// WN into Lancashire, and WA3 and WA13 are shared with Warrington.
func GreaterManchester() LocalArea {
	a, err := ParseLocalArea("BL, M, OL, SK, WN, WA3, WA13, WA14, WA15")
	if err != nil {
		panic(err) // a constant list
	}
	return a
}
