// Package measurecsv reads and writes framework editions (themes, outcomes
// and measures) in the CSV format of shared/data/measures-format.md.
// Parse is all-or-nothing: it returns a whole valid edition or every problem
// it found, each naming the row and column. Write produces the same format,
// so an export re-imports unchanged.
package measurecsv

import "github.com/tally-sv/tally/internal/tally"

// Limits on an imported file.
const (
	MaxFileSize = 5 << 20 // bytes; a whole edition is far smaller
	MaxErrors   = 50      // Parse reports at most this many problems
	MaxTitleLen = 200     // characters in a measure's title
)

// Edition is one framework edition: a named set of measures.
type Edition struct {
	Name     string
	Measures []Measure // in file order
}

// Measure is one row of an edition file.
type Measure = tally.Measure

// Column names, in the canonical order Write uses.
const (
	colEdition       = "edition"
	colTheme         = "theme"
	colOutcome       = "outcome"
	colCode          = "code"
	colTitle         = "title"
	colUnit          = "unit"
	colProxy         = "proxy_gbp"
	colLocal         = "local"
	colPlugin        = "plugin"
	colMaxPerMillion = "max_per_million"
	colDescription   = "description"
)

var columns = []string{
	colEdition, colTheme, colOutcome, colCode, colTitle, colUnit,
	colProxy, colLocal, colPlugin, colMaxPerMillion, colDescription,
}

// required maps each required column to what the user must enter in it.
var required = map[string]string{
	colEdition: "an edition name",
	colTheme:   "a theme",
	colOutcome: "an outcome",
	colCode:    "a code",
	colTitle:   "a title",
	colUnit:    "a unit",
}

// bom is the UTF-8 byte order mark that Excel writes at the start of a
// "CSV UTF-8" file.
const bom = "\uFEFF"
