package offerfile

import (
	"io"
	"regexp"
	"strings"

	"github.com/tally-sv/tally/internal/export"
)

// WriteCSV writes t as a CSV template: a UTF-8 byte order mark (so that
// Excel shows "£" correctly), the header row, the tender row (when t has a
// reference), one row per measure in order,
// then the BID_PRICE row, with any prefilled values. The writer,
// export.CSV, neutralises every cell that a spreadsheet would read as a
// formula with a leading "'", which Parse removes again (export.Unquote),
// because titles and statements come from users.
func WriteCSV(w io.Writer, t Template) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := export.NewCSV(w)
	for _, rec := range records(t) {
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// records returns the template's rows, header first, with cells in the
// order of columns.
func records(t Template) [][]string {
	recs := [][]string{append([]string(nil), columns...)}
	if t.TenderRef != "" {
		recs = append(recs, []string{TenderCode + ":" + t.TenderRef, "This file is for tender " + t.TenderRef + " only: do not change this row", "", "", "", "", ""})
	}
	for _, m := range t.Measures {
		var proxy string
		if m.HasProxy {
			proxy = m.Proxy.String()
		}
		l := t.Lines[m.ID]
		recs = append(recs, []string{m.Code, m.Title, m.Unit, proxy, m.Target, l.Quantity, l.Statement})
	}
	return append(recs, []string{
		BidPriceCode, "Bid price: the contract value you tender, in pounds (enter it in the quantity column)",
		"£", "", "", t.BidPrice, "",
	})
}

// plainNumberRE matches a decimal written the way a spreadsheet writes a
// number back: no sign, commas, leading zeros or trailing fractional zeros.
var plainNumberRE = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$`)

// plainNumber reports whether s can be stored as a number in a workbook and
// read back as the same text. A double holds any 15 significant digits
// exactly enough for its shortest form to be s again.
func plainNumber(s string) bool {
	if !plainNumberRE.MatchString(s) {
		return false
	}
	digits := strings.TrimLeft(strings.Replace(s, ".", "", 1), "0")
	return len(digits) <= 15
}
