package offerfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/tally-sv/tally/internal/sheet"
)

// record is one row of an uploaded sheet, numbered as a spreadsheet shows it.
type record struct {
	row    int
	fields []string
}

// Parse reads a filled-in template for a tender that asks for measures. It
// tells an Excel workbook from a CSV file by the content, not by name, which
// is used only to word a hint. It is all-or-nothing: it returns either an
// Offer with a line for every measure, or a sheet.Errors (errors.Is
// tally.ErrInvalid) listing up to MaxErrors problems, each naming its row and
// column. Any other error comes from reading r.
//
// Columns are matched by name, ignoring case and order; measure codes ignore
// case; blank rows are ignored; values are trimmed. A quantity may be empty.
// Quantities and the bid price are checked with the domain parsers, and a
// statement is required when the quantity is above 0, so that these problems
// name their row and column. The caller still validates the Offer as it
// would a web form, which may apply rules this package does not know.
func Parse(r io.Reader, name string, measures []Measure) (Offer, error) {
	return ParseFor(r, name, "", measures)
}

// ParseFor is Parse for the tender with reference ref: a file whose TENDER
// row names another tender is refused with that one problem, naming both
// references. A file with no TENDER row (an older template) is read as
// Parse reads it, with Offer.TenderRef "". With ref "" any reference is
// accepted.
func ParseFor(r io.Reader, name, ref string, measures []Measure) (Offer, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return Offer{}, fmt.Errorf("read offer file: %w", err)
	}
	if len(data) > MaxFileSize {
		return Offer{}, sheet.Errors{{Message: fmt.Sprintf(
			"The file is larger than %d MiB: upload the offer template, with one row per measure", MaxFileSize>>20)}}
	}
	p := parser{measures: measures, name: name, ref: ref}
	var recs []record
	var stop *sheet.RowError
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		var errs sheet.Errors
		if recs, errs = readXLSX(data); errs != nil {
			return Offer{}, errs
		}
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")):
		// An OLE container: an Excel 97-2003 workbook, or an encrypted one.
		return Offer{}, sheet.Errors{{Message: "The file is an old-style (.xls) or password-protected workbook: remove any password and save it as an Excel Workbook (.xlsx), or upload the CSV template instead"}}
	case !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0:
		return Offer{}, sheet.Errors{{Message: `The file is not text in UTF-8: in Excel, save it as "CSV UTF-8 (Comma delimited)" or as an Excel Workbook (.xlsx), and upload it again`}}
	default:
		p.csv = true
		recs, stop = readCSV(bytes.TrimPrefix(data, []byte(bom)))
	}
	offer := p.parse(recs, stop)
	if p.full {
		p.errs = append(p.errs, &sheet.RowError{Message: fmt.Sprintf(
			"Stopped after %d problems: fix these and upload the file again", MaxErrors)})
	}
	if len(p.errs) > 0 {
		return Offer{}, p.errs
	}
	return offer, nil
}

// readCSV splits valid UTF-8 data into records. Spreadsheets show blank lines
// as rows but a quoted line break as part of its row, so rows count records
// and blank lines, not lines. If the quoting is broken it returns the
// records before the problem and the problem, which stops the upload.
func readCSV(data []byte) ([]record, *sheet.RowError) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // checked against the header, with a better message
	var (
		recs    []record
		row     int // spreadsheet row of the last record read
		endLine int // file line the last record ended on
	)
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			// Only *csv.ParseError is possible when reading from memory.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				row += pe.StartLine - endLine
			}
			return recs, &sheet.RowError{Row: row, Message: `A double quote (") is out of place: put double quotes around a value that contains commas, quotes or line breaks, and double each quote inside it ("")`}
		}
		start, _ := cr.FieldPos(0)
		last, _ := cr.FieldPos(len(fields) - 1)
		row += start - endLine
		endLine = last + strings.Count(fields[len(fields)-1], "\n")
		recs = append(recs, record{row: row, fields: fields})
	}
}
