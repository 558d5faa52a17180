package server

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tally-sv/tally/internal/tally"
)

// table is a table of text for export: CSV or XLSX.
type table struct {
	Name string // sheet name and file name stem
	Head []string
	Rows [][]string
}

// writeCSV sends t as a CSV download, every cell protected against formula
// injection.
func writeCSV(w http.ResponseWriter, t table) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(t.Head)
	for _, row := range t.Rows {
		safe := make([]string, len(row))
		for i, c := range row {
			safe[i] = csvSafe(c)
		}
		cw.Write(safe)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(t.Name+".csv"))
	_, err := buf.WriteTo(w)
	return err
}

// writeXLSX sends t as an Excel download, streamed row by row. Cells are
// written as text (numbers as numbers), never as formulas.
func writeXLSX(w http.ResponseWriter, t table) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := sheetName(t.Name)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := make([]any, len(t.Head))
	for i, h := range t.Head {
		head[i] = h
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for r, row := range t.Rows {
		cells := make([]any, len(row))
		for i, c := range row {
			cells[i] = c
			if n, ok := number(strings.TrimPrefix(c, "-")); ok {
				if c[0] == '-' {
					n = -n
				}
				cells[i] = n
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment(t.Name+".xlsx"))
	return f.Write(w)
}

// sheetName makes a valid sheet name of s, which may hold a tender's
// free-text reference: none of : \ / ? * [ ], no apostrophe at either end,
// at most 31 characters.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s = strings.Trim(s, "'"); s == "" {
		return "Sheet1"
	}
	return s
}

// evaluationRecord is the evaluation for audit and challenge: one row per
// offer line, with the offer's scores beside it. Machine values: pounds with
// pence, plain numbers; a ratio with nothing to divide and a score not yet
// known are empty.
func evaluationRecord(e tally.Evaluation) table {
	t := table{Name: "evaluation-" + e.Tender.Reference, Head: []string{
		"tender", "supplier", "receipt", "bid_price", "measure", "title", "unit", "proxy_gbp", "submitted_quantity", "accepted_quantity",
		"moderation_reason", "submitted_value", "accepted_value", "offer_social_value", "offer_social_value_percent", "check_flags",
		"mark", "quantitative_score", "qualitative_score", "social_value_score", "weighted_points", "price_points", "quality_points",
		"total", "rank", "awarded", "award_reason"}}
	for _, o := range e.Offers {
		flags := append([]string(nil), o.Flags.Offer...)
		for _, l := range o.Flags.Lines {
			flags = append(flags, l...)
		}
		mark := ""
		if o.Marked {
			mark = strconv.Itoa(o.Mark)
		}
		// An unmarked offer's scores that depend on its mark are unknown,
		// and nothing is ranked until every offer is marked: empty cells,
		// never 0.
		qualitative, social, weighted, total, rank := "", "", "", "", ""
		if o.Marked {
			qualitative, social = o.Score.Qualitative.String(), o.Score.SocialValue.String()
			weighted, total = o.Score.Weighted.String(), o.Total.String()
		}
		if e.Ranked() {
			rank = strconv.Itoa(o.TotalRank)
		}
		price, quality := "", ""
		if o.PriceRecorded {
			price = o.PricePoints.String()
		}
		if o.QualityRecorded {
			quality = o.QualityPoints.String()
		}
		percent := ""
		if o.Percent().Defined() {
			percent = o.Percent().Percent1()
		}
		awarded, reason := "no", ""
		if o.OfferID == e.AwardedOfferID {
			awarded, reason = "yes", e.AwardReason
		}
		for _, l := range o.Lines {
			proxy := ""
			if l.Measure.HasProxy {
				proxy = l.Measure.Proxy.String()
			}
			t.Rows = append(t.Rows, []string{e.Tender.Reference, o.Supplier.Name, o.Reference, o.BidPrice.Pounds(), l.Measure.Code,
				l.Measure.Title, l.Measure.Unit, proxy, l.Submitted.String(), l.Accepted.String(), l.Reason, l.SubmittedValue.Pounds(),
				l.Value.Pounds(), o.Value.Pounds(), percent, strings.Join(flags, " "), mark,
				o.Score.Quantitative.String(), qualitative, social, weighted,
				price, quality, total, rank, awarded, reason})
		}
	}
	return t
}

// handleEvaluationExport downloads the evaluation record as CSV or XLSX.
func (s *Server) handleEvaluationExport(format string) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, a tally.Access) error {
		e, err := s.evaluationOf(r, a)
		if err != nil {
			return err
		}
		if format == "xlsx" {
			return writeXLSX(w, evaluationRecord(e))
		}
		return writeCSV(w, evaluationRecord(e))
	}
}

// number reads a plain unsigned decimal like 12 or 1234.56: digits and at
// most one point. Not a code with a leading zero such as 01234567, nor 1e5,
// nor what else strconv.ParseFloat reads ("Inf", "NaN", "0x1p4"), which
// would be a formula in a CSV file or a broken cell in an Excel one.
func number(s string) (float64, bool) {
	digits, points := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return 0, false
		}
	}
	if digits == 0 || points > 1 || (len(s) > 1 && s[0] == '0' && s[1] != '.') {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}

// csvSafe neutralises a cell a spreadsheet would run as a formula. Plain
// numbers, negative ones included, are left as they are.
func csvSafe(s string) string {
	if _, ok := number(strings.TrimPrefix(s, "-")); ok {
		return s
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
