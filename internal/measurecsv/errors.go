package measurecsv

import (
	"fmt"

	"github.com/tally-sv/tally/internal/tally"
)

// RowError is one problem in an imported file. Row counts rows as a
// spreadsheet shows them: the header is row 1 and blank lines count. Row is 0
// for a problem with the whole file. Column is the column's name, or "" when
// the problem is with the whole row. Message says how to fix it.
type RowError struct {
	Row     int
	Column  string
	Message string
}

func (e *RowError) Error() string {
	switch {
	case e.Row == 0:
		return e.Message
	case e.Column == "":
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	default:
		return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Message)
	}
}

// Errors is every problem Parse found, in file order. It holds at most
// MaxErrors problems, followed by a note when reading stopped early.
type Errors []*RowError

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
