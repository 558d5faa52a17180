package export

import (
	"encoding/csv"
	"io"
)

// CSV writes CSV records, every cell passed through Neutralise: a caller
// cannot write a cell a spreadsheet would run as a formula.
type CSV struct{ w *csv.Writer }

// NewCSV writes CSV records to w.
func NewCSV(w io.Writer) *CSV { return &CSV{csv.NewWriter(w)} }

// Write writes one record, neutralised; rec itself is not changed. An
// error is the underlying writer's.
func (c *CSV) Write(rec []string) error {
	safe := make([]string, len(rec))
	for i, s := range rec {
		safe[i] = Neutralise(s)
	}
	return c.w.Write(safe)
}

// Flush writes out anything buffered and reports any error of this or an
// earlier Write.
func (c *CSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// WriteCSV writes t as CSV: the head, then the rows, every cell
// neutralised. It writes no byte order mark.
func WriteCSV(w io.Writer, t Table) error {
	c := NewCSV(w)
	c.Write(t.Head)
	for _, row := range t.Rows {
		c.Write(row)
	}
	return c.Flush()
}
