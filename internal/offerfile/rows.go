package offerfile

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tally-sv/tally/internal/export"
	"github.com/tally-sv/tally/internal/sheet"
	"github.com/tally-sv/tally/internal/tally"
)

// parser holds the state of one Parse.
type parser struct {
	measures []Measure
	ref      string         // the tender's reference, "" to accept any
	name     string         // the uploaded file's name, for hints
	csv      bool           // a CSV file: cells may carry export.Neutralise's "'", and rows must fill the header
	header   []string       // lower-cased column name at each position
	index    map[string]int // known column name → position
	errs     sheet.Errors
	full     bool // an error was dropped because errs reached MaxErrors
}

// parse reads the header and the rows after it. stop, if not nil, is a
// problem after the last record that ended reading early.
func (p *parser) parse(recs []record, stop *sheet.RowError) Offer {
	recs = slices.DeleteFunc(recs, func(r record) bool { return isBlank(r.fields) })
	if len(recs) == 0 {
		if stop != nil {
			p.errs = append(p.errs, stop)
		} else {
			p.errorf(0, "", "The file is empty: download the template, fill it in and upload it")
		}
		return Offer{}
	}
	if !p.readHeader(recs[0]) {
		return Offer{}
	}
	byCode := make(map[string]Measure, len(p.measures))
	for _, m := range p.measures {
		byCode[strings.ToLower(m.Code)] = m
	}
	bidKey, tenderKey := strings.ToLower(BidPriceCode), strings.ToLower(TenderCode)+":"
	offer := Offer{Lines: make(map[int64]Line, len(p.measures))}
	seen := map[string]int{} // lower-cased code → row it is on
	unread := false          // a row could not be read, so its code is unknown
	for _, rec := range recs[1:] {
		if p.full {
			return Offer{}
		}
		get, ok := p.fields(rec)
		if !ok {
			unread = true
			continue
		}
		code := get(colCode)
		key := strings.ToLower(code)
		m, known := byCode[key]
		first, dup := seen[key]
		switch {
		case code == "":
			p.errorf(rec.row, colCode, "Enter the measure code from the template, or delete the row")
		case dup:
			p.errorf(rec.row, colCode, "%s is also on row %d: keep one row for each measure, and delete the other", code, first)
		case strings.HasPrefix(key, tenderKey):
			seen[tenderKey] = rec.row
			offer.TenderRef = strings.TrimSpace(code[len(tenderKey):])
			if offer.TenderRef == "" {
				p.errorf(rec.row, colCode, "Put back the tender reference after %s: in the code column, or download the template again", TenderCode+":")
			} else if p.ref != "" && !strings.EqualFold(offer.TenderRef, p.ref) {
				// The wrong tender's file: nothing else in it matters.
				p.errs = sheet.Errors{{Row: rec.row, Column: colCode, Message: fmt.Sprintf(
					"This file is the offer template for tender %s, but this offer is for tender %s: download the template for %s from this page, or upload this file to your offer on %s",
					offer.TenderRef, p.ref, p.ref, offer.TenderRef)}}
				return Offer{}
			}
		case key == bidKey:
			seen[key] = rec.row
			offer.BidPrice = p.bidPrice(rec.row, get(colQuantity))
		case !known:
			p.errorf(rec.row, colCode, "This tender does not ask for a measure with code %q: use the codes in the template, or delete the row", code)
		default:
			seen[key] = rec.row
			offer.Lines[m.ID] = p.line(rec.row, m, get(colQuantity), get(colStatement))
		}
	}
	if stop != nil {
		p.errorf(stop.Row, stop.Column, "%s", stop.Message)
		unread = true
	}
	if unread {
		// A row that was not read may hold what would be reported missing.
		return Offer{}
	}
	for _, m := range p.measures {
		if _, ok := seen[strings.ToLower(m.Code)]; !ok {
			p.errorf(0, "", "There is no row for %s (%s): add a row with %s in the code column", m.Code, m.Title, m.Code)
		}
	}
	if _, ok := seen[bidKey]; !ok {
		p.errorf(0, "", "There is no %s row: add a row with %s in the code column and your bid price in pounds in the quantity column", BidPriceCode, BidPriceCode)
	}
	return offer
}

// line checks one measure's quantity and statement.
func (p *parser) line(row int, m Measure, quantity, statement string) Line {
	var q tally.Quantity
	if quantity != "" {
		var err error
		if q, err = tally.ParseQuantity(quantity); err != nil {
			p.errorf(row, colQuantity, "%s", err)
		}
	}
	if tally.HasFormatChar(statement) {
		p.errorf(row, colStatement, "The delivery statement for %s %s", m.Code, tally.HiddenFormatting)
	} else if n := utf8.RuneCountInString(statement); n > MaxStatementLen {
		p.errorf(row, colStatement, "Shorten the delivery statement for %s to %d characters or fewer (it has %d)", m.Code, MaxStatementLen, n)
	} else if q > 0 && statement == "" {
		p.errorf(row, colStatement, "Enter a delivery statement for %s: say how you will deliver it", m.Code)
	}
	return Line{Quantity: quantity, Statement: statement}
}

// bidPrice checks the bid price on the BID_PRICE row.
func (p *parser) bidPrice(row int, s string) string {
	if s == "" {
		p.errorf(row, colQuantity, "Enter your bid price in pounds, like 1,250,000")
		return s
	}
	switch v, err := tally.ParsePounds(s); {
	case err != nil:
		p.errorf(row, colQuantity, "%s", err)
	case v == 0:
		p.errorf(row, colQuantity, "Enter a bid price of more than £0")
	}
	return s
}

// readHeader learns the column positions. It returns false if the header has
// problems, since the rows cannot be read reliably without it.
func (p *parser) readHeader(rec record) bool {
	p.header = make([]string, len(rec.fields))
	p.index = make(map[string]int, len(columns))
	for i, f := range rec.fields {
		p.header[i] = strings.ToLower(strings.TrimSpace(f))
	}
	// Every template has a code column, and a data row never has "code" in
	// it, so this tells a header from a file that lacks one.
	if !slices.Contains(p.header, colCode) {
		msg := "The first row must be a header naming the columns: " + columnList
		switch ext := strings.ToLower(filepath.Ext(p.name)); {
		case len(rec.fields) == 1 && strings.ContainsAny(rec.fields[0], ";\t"):
			msg = "Values are separated by semicolons or tabs: save the file as CSV with commas between values"
		case ext == ".xlsx" || ext == ".xls" || ext == ".xlsm":
			msg += fmt.Sprintf(". The file's name ends in %s, but it is not an Excel workbook: download the template again", ext)
		}
		p.errorf(rec.row, "", "%s", msg)
		return false
	}
	for i, name := range p.header {
		orig := strings.TrimSpace(rec.fields[i])
		switch j, dup := p.index[name]; {
		case name == "":
			// A column with no name is fine while it stays empty.
		case !slices.Contains(columns, name):
			p.errorf(rec.row, orig, "Unknown column %q: delete it, or correct its name; the columns are %s", orig, columnList)
		case dup:
			p.errorf(rec.row, name, "Column %q appears twice (columns %s and %s): delete one of them", name, letter(j), letter(i))
		default:
			p.index[name] = i
		}
	}
	for _, c := range required {
		if _, ok := p.index[c]; !ok {
			p.errorf(rec.row, c, "Missing column %q: add it to the header row, or download the template again", c)
		}
	}
	return len(p.errs) == 0
}

// fields returns a getter for the cells of a data row by column name,
// cleaned of spaces and of export.Neutralise's "'". It returns false after
// recording a problem if the row does not fit the header.
func (p *parser) fields(rec record) (get func(string) string, ok bool) {
	if p.csv && len(rec.fields) < len(p.header) {
		p.errorf(rec.row, "", "This row has %d values but the header has %d columns: check for missing commas", len(rec.fields), len(p.header))
		return nil, false
	}
	for i, f := range rec.fields {
		if (i >= len(p.header) || p.header[i] == "") && strings.TrimSpace(f) != "" {
			hint := ""
			if p.csv {
				hint = ", and put double quotes around any statement that contains commas"
			}
			p.errorf(rec.row, "", "Column %s has a value but no name in the header row: delete the value%s", letter(i), hint)
			return nil, false
		}
	}
	return func(col string) string {
		i, ok := p.index[col]
		if !ok || i >= len(rec.fields) {
			return ""
		}
		v := strings.TrimSpace(rec.fields[i])
		if p.csv {
			v = strings.TrimSpace(export.Unquote(v))
		}
		return v
	}, true
}

// errorf records a problem, or notes that there are too many to record.
func (p *parser) errorf(row int, column, format string, args ...any) {
	if len(p.errs) >= MaxErrors {
		p.full = true
		return
	}
	p.errs = append(p.errs, &sheet.RowError{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
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

// letter names a column position as a spreadsheet does: A, B, … Z, AA, AB, …
func letter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
