package offerfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tally-sv/tally/internal/export"
	"github.com/tally-sv/tally/internal/sheet"
)

// Sheet names in the XLSX template.
const (
	sheetOffer = "Offer"
	sheetHelp  = "How to fill this in"
)

// Uncompressed size limit for an uploaded workbook: far more than any
// template, and small enough that a zip bomb cannot exhaust memory. Both
// excelize limits are set to it so that nothing is unpacked to disk.
const maxUnzipped = 32 << 20

// colWidths gives each column's width in characters, in the order of columns.
var colWidths = []float64{12, 50, 12, 12, 10, 12, 60}

// WriteXLSX writes t as an Excel workbook: the sheet "Offer" laid out like
// the CSV template, with the cells to fill in shaded, and a sheet "How to fill
// this in". Text is stored as text cells, which a spreadsheet never runs as
// a formula, so unlike WriteCSV it needs no leading "'". Numbers that a
// workbook can hold exactly are stored as numbers.
func WriteXLSX(w io.Writer, t Template) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := writeOfferSheet(f, t); err != nil {
		return fmt.Errorf("write offer sheet: %w", err)
	}
	if err := writeHelpSheet(f, t); err != nil {
		return fmt.Errorf("write help sheet: %w", err)
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func writeOfferSheet(f *excelize.File, t Template) error {
	if err := f.SetSheetName("Sheet1", sheetOffer); err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	// Text format ("@") keeps a typed code or statement as text: Excel then
	// neither runs "=…" as a formula nor turns "1-2" into a date.
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	// Cells to fill in are shaded and boxed.
	input := &excelize.Style{
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}},
		Alignment: &excelize.Alignment{Vertical: "top"},
	}
	for _, side := range []string{"left", "right", "top", "bottom"} {
		input.Border = append(input.Border, excelize.Border{Type: side, Style: 1, Color: "BFBFBF"})
	}
	number, err := f.NewStyle(input)
	if err != nil {
		return err
	}
	input.NumFmt, input.Alignment.WrapText = 49, true
	statement, err := f.NewStyle(input)
	if err != nil {
		return err
	}
	recs := records(t)
	for i, rec := range recs {
		row := i + 1
		for j, v := range rec {
			cell, _ := excelize.CoordinatesToCellName(j+1, row)
			style := text
			switch {
			case i == 0:
				style = header
			case strings.HasPrefix(rec[0], TenderCode+":"):
				// Not to be filled in: plain text.
			case columns[j] == colQuantity:
				style = number
			case columns[j] == colStatement && rec[0] != BidPriceCode:
				style = statement
			}
			if err := f.SetCellStyle(sheetOffer, cell, cell, style); err != nil {
				return err
			}
			if err := setCell(f, cell, columns[j], v); err != nil {
				return err
			}
		}
	}
	for j, width := range colWidths {
		col, _ := excelize.ColumnNumberToName(j + 1)
		if err := f.SetColWidth(sheetOffer, col, col, width); err != nil {
			return err
		}
	}
	return f.SetPanes(sheetOffer, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// setCell stores v as a number when it is one that reads back unchanged,
// and otherwise as text; export.SetCell never stores a formula.
func setCell(f *excelize.File, cell, col, v string) error {
	return export.SetCell(f, sheetOffer, cell, v, col != colCode && col != colStatement && plainNumber(v))
}

func writeHelpSheet(f *excelize.File, t Template) error {
	if _, err := f.NewSheet(sheetHelp); err != nil {
		return err
	}
	lines := []string{
		strings.TrimSpace("Social value offer for " + t.TenderRef + " " + t.TenderTitle),
		"Supplier: " + t.SupplierName,
		"Measures from: " + editions(t.Measures),
		"",
		"How to fill this in",
		`Fill in the shaded cells on the "Offer" sheet: a quantity and a delivery statement for each measure, and your bid price.`,
		"quantity: what you commit to deliver, in the measure's unit, as a number of 0 or more with up to 3 decimal places, like 12.5. Leave it empty or enter 0 for a measure you are not offering.",
		fmt.Sprintf("statement: how you will deliver the measure, in up to %d characters. You must write one when the quantity is above 0.", MaxStatementLen),
		"BID_PRICE row: enter the contract value you tender, in pounds, in the quantity column, like 1250000 or 1,250,000.00.",
		"proxy_gbp is the value in pounds of one unit, which the buyer uses to value your offer. It is empty for a measure that is recorded but not valued.",
		"The measure, unit, proxy_gbp and target columns are for your information: changes to them are ignored.",
		"Do not change the codes, the header row or the TENDER row (it says which tender the file is for: a file for another tender is refused), and keep one row for each measure.",
		`Save the file as an Excel Workbook (.xlsx) or as "CSV UTF-8", then upload it on the offer page.`,
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetCellStr(sheetHelp, cell, l); err != nil {
			return err
		}
		if i == 0 || i == 4 {
			if err := f.SetCellStyle(sheetHelp, cell, cell, bold); err != nil {
				return err
			}
		}
	}
	return f.SetColWidth(sheetHelp, "A", "A", 120)
}

func notWorkbook() sheet.Errors {
	return sheet.Errors{{Message: "The file is not a readable Excel workbook: open it in Excel and save it again as an Excel Workbook (.xlsx), or upload the CSV template instead"}}
}

func tooManyRows(name string) sheet.Errors {
	return sheet.Errors{{Message: fmt.Sprintf("The %q sheet has more than %d rows: keep one row per measure and delete the rest", name, MaxRows)}}
}

// editions lists the editions of ms, each once, in order.
func editions(ms []Measure) string {
	var names []string
	for _, m := range ms {
		if m.Edition != "" && !slices.Contains(names, m.Edition) {
			names = append(names, m.Edition)
		}
	}
	return strings.Join(names, "; ")
}

// readXLSX reads the rows of the "Offer" sheet (or of the first sheet, if
// none is named so) as displayed text, so that a number reads as typed:
// "12.5", not "12.499999999999998". It returns the rows numbered from 1, or
// a sheet.Errors saying why it could not.
func readXLSX(data []byte) (recs []record, errs sheet.Errors) {
	// The workbook comes from a user and excelize is large: a malformed file
	// that panics inside it is still just an unreadable workbook.
	defer func() {
		if recover() != nil {
			recs, errs = nil, notWorkbook()
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzipped,
	})
	if err != nil {
		return nil, notWorkbook()
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, sheet.Errors{{Message: "The workbook has no sheets: download the template again and fill it in"}}
	}
	name := sheets[0]
	for _, s := range sheets {
		if strings.EqualFold(s, sheetOffer) {
			name = s
		}
	}
	rows, err := f.Rows(name)
	if err != nil {
		return nil, notWorkbook()
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		if n > MaxRows {
			return nil, tooManyRows(name)
		}
		cells, err := rows.Columns()
		if err != nil {
			return nil, notWorkbook()
		}
		recs = append(recs, record{row: n, fields: cells})
	}
	if err := rows.Error(); err != nil {
		if errors.Is(err, excelize.ErrMaxRows) {
			return nil, tooManyRows(name)
		}
		return nil, notWorkbook()
	}
	return recs, nil
}
