// Package offerfile is the offline route for a supplier's social value offer:
// it writes a tender's offer template as CSV or XLSX, and reads a filled-in
// template back as raw text per field, so that the caller runs the same
// validation as the web form.
//
// Both formats have the same columns on one sheet: a header row, a tender
// row whose code is "TENDER:" and the tender's reference, one row per
// measure the tender asks for, and a final BID_PRICE row whose quantity
// column holds the bid price. Parse checks every value with the domain
// parsers and reports each problem with its spreadsheet row and column.
//
// The tender row ties a file to its tender: ParseFor refuses a file made
// for another tender, naming both references, before reading anything
// else. The reference is in the code column because that column must stay
// (the others may be deleted) and is not filled in; anything typed in the
// row's other cells is ignored. Templates downloaded before the row
// existed have no tender row.
// They are still read (Offer.TenderRef is then ""), because their measure
// rows must match the tender's measures exactly anyway, and refusing them
// would throw away a supplier's offline work; the caller tells the
// supplier to check the figures it saved.
package offerfile

import (
	"strings"

	"github.com/tally-sv/tally/internal/tally"
)

// Limits on an uploaded file.
const (
	MaxFileSize     = 2 << 20 // bytes; a filled-in template is a few KiB
	MaxErrors       = 50      // Parse reports at most this many problems
	MaxStatementLen = 2000    // characters in a delivery statement
	MaxRows         = 10_000  // rows read from a workbook's sheet
)

// Measure is one measure a tender asks for, as frozen on the tender.
type Measure struct {
	ID       int64  // the tender measure's id
	Code     string // e.g. "JOB1", unique within the tender (compared ignoring case)
	Edition  string // edition name, e.g. "Open Demo Measures 2026"
	Title    string
	Unit     string
	Proxy    tally.Proxy
	HasProxy bool   // false: a record-only measure, with no proxy value
	Target   string // the buyer's target quantity as text, "" if none
}

// Template is what a downloaded template shows: the tender, the measures it
// asks for in order, and any values already saved in the supplier's draft.
type Template struct {
	TenderRef, TenderTitle, SupplierName string
	Measures                             []Measure
	BidPrice                             string         // prefilled bid price in pounds, "" if none
	Lines                                map[int64]Line // prefilled lines by measure ID; may be nil
}

// Line is a supplier's commitment to one measure, as the text typed.
type Line struct {
	Quantity  string
	Statement string
}

// Offer is what an uploaded file contains: the text of each field, trimmed,
// for the caller to validate and save exactly as it would a web form. Lines
// has an entry for every requested measure; a Quantity may be "".
type Offer struct {
	TenderRef string // the reference on the tender row; "" for an older template without one
	BidPrice  string
	Lines     map[int64]Line // by Measure.ID
}

// Column names, in the order the templates use.
const (
	colCode      = "code"
	colMeasure   = "measure"
	colUnit      = "unit"
	colProxy     = "proxy_gbp"
	colTarget    = "target"
	colQuantity  = "quantity"
	colStatement = "statement"
)

var columns = []string{colCode, colMeasure, colUnit, colProxy, colTarget, colQuantity, colStatement}

// columnList names the columns for messages.
var columnList = strings.Join(columns, ", ")

// required lists the columns Parse reads; the others are for the reader's
// information and may be deleted.
var required = []string{colCode, colQuantity, colStatement}

// BidPriceCode is the code of the row that holds the bid price in its
// quantity column.
const BidPriceCode = "BID_PRICE"

// TenderCode starts the code of the row that names the tender: the code
// is TenderCode, a colon, and the tender's reference ("TENDER:STK-2026-014").
const TenderCode = "TENDER"

// bom is the UTF-8 byte order mark that Excel writes at the start of a
// "CSV UTF-8" file, and needs to read "£" correctly.
const bom = "\uFEFF"
