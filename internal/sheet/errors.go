// Package sheet holds what the readers of uploaded spreadsheets and CSV
// files (internal/offerfile, internal/measurecsv) share: the one type for a
// problem on a row. Writing spreadsheets is internal/export's.
package sheet

import (
	"fmt"

	"github.com/tally-sv/tally/internal/tally"
)

// RowError is one problem in an uploaded or imported file. Row counts rows
// as a spreadsheet shows them: the header is row 1 and blank rows count. Row is 0
// for a problem with the whole file. Column is the column's name, or "" when
// the problem is with the whole row. Message says how to fix it.
type RowError struct {
	Row     int
	Column  string
	Message string
}

// Error gives the message with its place, such as
// "Row 4, column quantity: Enter a quantity of 0 or more".
func (e *RowError) Error() string {
	switch {
	case e.Row == 0:
		return e.Message
	case e.Column == "":
		return fmt.Sprintf("Row %d: %s", e.Row, e.Message)
	default:
		return fmt.Sprintf("Row %d, column %s: %s", e.Row, e.Column, e.Message)
	}
}

// Errors is every problem a reader found, in file order, then problems with
// the whole file (such as a missing measure). A reader caps how many it
// holds, and adds a note when it stopped early.
type Errors []*RowError

// Error gives the first problem, and how many more there are.
func (e Errors) Error() string {
	switch len(e) {
	case 0:
		return "no errors"
	case 1:
		return e[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", e[0].Error(), len(e)-1)
}

// Is lets errors.Is(err, tally.ErrInvalid) match any Errors.
func (e Errors) Is(target error) bool { return target == tally.ErrInvalid }
