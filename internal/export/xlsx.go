package export

import (
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// WriteXLSX writes t as an Excel workbook of one sheet named for t.Name,
// streamed row by row: the head, then the rows. A cell that is a plain
// number (negative ones included) is stored as a number, any other as text;
// none is ever a formula, so nothing needs a "'".
func WriteXLSX(w io.Writer, t Table) error {
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
	return f.Write(w)
}

// SetCell stores v in a cell of a workbook being built: as a number when
// asNumber (the caller has checked that v reads back unchanged as one),
// otherwise as text, and nothing for "". It never stores a formula, so text
// starting with "=" stays text. Workbooks laid out cell by cell, such as
// the offer template, write their values through it.
func SetCell(f *excelize.File, sheet, cell, v string, asNumber bool) error {
	switch {
	case v == "":
		return nil
	case asNumber:
		return f.SetCellDefault(sheet, cell, v)
	default:
		return f.SetCellStr(sheet, cell, v)
	}
}

// sheetName makes a valid sheet name of s, which may hold a tender's
// free-text reference: none of : \ / ? * [ ], no apostrophe at either end,
// at most 31 characters, and "Sheet1" when nothing is left.
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
