package measurecsv

import (
	"io"
	"strconv"

	"github.com/tally-sv/tally/internal/export"
)

// Write writes e in the measures CSV format, with the columns in the order
// of the format's documentation. It starts with a UTF-8 byte order mark so
// that Excel shows "£" correctly; Parse skips it. The writer, export.CSV,
// gives a cell a spreadsheet would run as a formula a leading "'", which
// Parse removes again. Write does not check e: an edition returned by Parse
// writes out so that Parse reads it back unchanged.
func Write(w io.Writer, e Edition) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := export.NewCSV(w)
	if err := cw.Write(columns); err != nil {
		return err
	}
	for _, m := range e.Measures {
		var proxy, max string
		if m.HasProxy {
			proxy = m.Proxy.String()
		}
		if m.HasMax {
			max = m.MaxPerMillion.String()
		}
		// Same order as columns.
		err := cw.Write([]string{
			e.Name, m.Theme, m.Outcome, m.Code, m.Title, m.Unit,
			proxy, strconv.FormatBool(m.Local), m.Plugin, max, m.Description,
		})
		if err != nil {
			return err
		}
	}
	return cw.Flush()
}
