package measurecsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tally-sv/tally/internal/sheet"
	"github.com/tally-sv/tally/internal/tally"
)

// Parse reads an edition file in the measures CSV format. It is
// all-or-nothing: it returns either a valid edition with at least one
// measure, or a sheet.Errors listing the problems it found (up to MaxErrors).
// Any other error comes from reading r.
//
// A UTF-8 byte order mark is skipped, blank lines are ignored, column names
// are matched case-insensitively, and every value is trimmed of surrounding
// spaces.
func Parse(r io.Reader) (Edition, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return Edition{}, fmt.Errorf("read measures file: %w", err)
	}
	if len(data) > MaxFileSize {
		return Edition{}, sheet.Errors{{Message: fmt.Sprintf(
			"The file is larger than %d MiB: check that it is a measures file, and split a very large edition into several files",
			MaxFileSize>>20)}}
	}
	p := parser{cr: csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(bom))))}
	p.cr.FieldsPerRecord = -1 // checked against the header, with a better message
	ed := p.parse()
	if p.full {
		p.errs = append(p.errs, &sheet.RowError{Message: fmt.Sprintf(
			"Stopped after %d problems: fix these and import the file again", MaxErrors)})
	}
	if len(p.errs) > 0 {
		return Edition{}, p.errs
	}
	return ed, nil
}

// parser holds the state of one Parse.
type parser struct {
	cr      *csv.Reader
	row     int            // spreadsheet row of the last record read
	endLine int            // file line the last record ended on
	header  []string       // lower-cased column name at each position
	index   map[string]int // known column name → position
	errs    sheet.Errors
	full    bool // an error was dropped because errs reached MaxErrors
}

func (p *parser) parse() Edition {
	row, fields, ok := p.next()
	if !ok {
		if len(p.errs) == 0 {
			p.errorf(0, "", "The file is empty: start with a header row naming the columns, then one row per measure")
		}
		return Edition{}
	}
	if !p.readHeader(row, fields) {
		return Edition{}
	}
	var (
		ed       Edition
		nameRow  int
		codeRows = map[string]int{} // lower-cased code → row that first used it
	)
	for !p.full {
		row, fields, ok := p.next()
		if !ok {
			break
		}
		m, name, ok := p.readMeasure(row, fields)
		if !ok {
			continue
		}
		switch {
		case name == "":
		case nameRow == 0:
			ed.Name, nameRow = name, row
		case name != ed.Name:
			p.errorf(row, colEdition, "Edition %q differs from %q on row %d: every row of a file must name the same edition", name, ed.Name, nameRow)
		}
		if m.Code != "" {
			key := strings.ToLower(m.Code)
			if first, dup := codeRows[key]; dup {
				p.errorf(row, colCode, "Code %q is already used on row %d: give each measure its own code", m.Code, first)
			} else {
				codeRows[key] = row
			}
		}
		ed.Measures = append(ed.Measures, m)
	}
	if len(p.errs) == 0 && len(ed.Measures) == 0 {
		p.errorf(0, "", "The file has no measures: add one row per measure below the header row")
	}
	return ed
}

// errorf records a problem, or notes that there are too many to record.
func (p *parser) errorf(row int, column, format string, args ...any) {
	if len(p.errs) >= MaxErrors {
		p.full = true
		return
	}
	p.errs = append(p.errs, &sheet.RowError{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
}

// next returns the next record that is not blank, with its spreadsheet row.
// It returns false at the end of the file, or after recording a problem that
// stops the import (bad quoting, wrong encoding).
func (p *parser) next() (row int, fields []string, ok bool) {
	for {
		rec, err := p.cr.Read()
		if err == io.EOF {
			return 0, nil, false
		}
		if err != nil {
			// Only *csv.ParseError is possible when reading from memory.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				row = p.row + pe.StartLine - p.endLine
			}
			p.errorf(row, "", `A double quote (") is out of place: wrap a value that contains commas, quotes or line breaks in double quotes, and double each quote inside it ("")`)
			return 0, nil, false
		}
		// Spreadsheets show blank lines as rows but a quoted line break
		// inside a value as part of its row, so count records, not lines.
		start, _ := p.cr.FieldPos(0)
		last, _ := p.cr.FieldPos(len(rec) - 1)
		p.row += start - p.endLine
		p.endLine = last + strings.Count(rec[len(rec)-1], "\n")
		if i, msg := badText(rec); msg != "" {
			// Everything after a wrong encoding is noise: report only this.
			p.errs = sheet.Errors{{Row: p.row, Column: p.columnAt(i), Message: msg}}
			p.full = false
			return 0, nil, false
		}
		if !isBlank(rec) {
			return p.row, rec, true
		}
	}
}

// badText returns the position of the first field that is not UTF-8 text,
// and a message saying how to fix the file.
func badText(fields []string) (int, string) {
	for i, f := range fields {
		if !utf8.ValidString(f) {
			return i, `Wrong encoding: save the file as UTF-8 (in Excel, choose "CSV UTF-8" when saving)`
		}
		if strings.IndexByte(f, 0) >= 0 {
			return i, `The file contains NUL characters, so it is not a plain CSV file: save it as "CSV UTF-8" and try again`
		}
		if tally.HasFormatChar(f) {
			return i, "This cell " + tally.HiddenFormatting
		}
	}
	return 0, ""
}

// isBlank reports whether every field is empty or spaces; spreadsheets save
// emptied rows as a line of commas.
func isBlank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// columnAt names the column at position i once the header is known.
func (p *parser) columnAt(i int) string {
	if i < len(p.header) && slices.Contains(columns, p.header[i]) {
		return p.header[i]
	}
	return ""
}

// readHeader learns the column positions. It returns false if the header has
// problems, since data rows cannot be read reliably without it.
func (p *parser) readHeader(row int, fields []string) bool {
	p.header = make([]string, len(fields))
	p.index = make(map[string]int, len(fields))
	for i, f := range fields {
		p.header[i] = strings.ToLower(strings.TrimSpace(f))
	}
	if !slices.ContainsFunc(p.header, func(h string) bool { return slices.Contains(columns, h) }) {
		if len(fields) == 1 && strings.ContainsAny(fields[0], ";\t") {
			p.errorf(row, "", "Values are separated by semicolons or tabs: save the file as CSV with commas between values")
		} else {
			p.errorf(row, "", "The first row must be a header naming the columns: %s", strings.Join(columns, ", "))
		}
		return false
	}
	for i, name := range p.header {
		orig := strings.TrimSpace(fields[i])
		switch j, dup := p.index[name]; {
		case name == "":
			p.errorf(row, "", "Column %s has no name: name it or delete the column", letter(i))
		case !slices.Contains(columns, name):
			p.errorf(row, orig, "Unknown column %q: check the spelling; the columns are %s", orig, strings.Join(columns, ", "))
		case dup:
			p.errorf(row, name, "Column %q appears twice (columns %s and %s): delete one of them", name, letter(j), letter(i))
		default:
			p.index[name] = i
		}
	}
	for _, c := range columns {
		if _, ok := p.index[c]; !ok && required[c] != "" {
			p.errorf(row, c, "Missing column %q: add it to the header row", c)
		}
	}
	return len(p.errs) == 0
}

// letter names a column position as a spreadsheet does: A, B, … Z, AA, AB, …
func letter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
