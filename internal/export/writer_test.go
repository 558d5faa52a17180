package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// hostile holds cells a spreadsheet would run, beside numbers and text.
var hostile = Table{Name: "evaluation-T/1", Head: []string{"name", "note", "value"}, Rows: [][]string{
	{"=HYPERLINK(\"http://x\",\"click\")", "+1+1", "12.5"},
	{"@SUM(A1:A2)", "-1+1", "-3"},
	{"\t=1", "\r=1", "0123"},
	{"plain", "'=already", ""},
}}

// TestWriteCSVNeutralises: the writer, not its caller, makes every cell
// safe; numbers stay numbers.
func TestWriteCSVNeutralises(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, hostile); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"name", "note", "value"},
		{"'=HYPERLINK(\"http://x\",\"click\")", "'+1+1", "12.5"},
		{"'@SUM(A1:A2)", "'-1+1", "-3"},
		{"'\t=1", "'\r=1", "0123"},
		{"plain", "''=already", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("record %d cell %d = %q, want %q", i, j, got[i][j], want[i][j])
			}
		}
	}
}

// TestCSVWriterNeutralises: records written one at a time are neutralised
// too, and the caller's slice is left as it was.
func TestCSVWriterNeutralises(t *testing.T) {
	var buf bytes.Buffer
	c := NewCSV(&buf)
	rec := []string{"=1+2", "ok"}
	if err := c.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "'=1+2,ok\n" || rec[0] != "=1+2" {
		t.Errorf("wrote %q, record now %q", buf.String(), rec)
	}
}

// TestWriteXLSXStoresNoFormulas: text that looks like a formula is a text
// cell holding exactly that text; plain numbers are numbers.
func TestWriteXLSXStoresNoFormulas(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, hostile); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 1 || sheets[0] != "evaluation-T-1" {
		t.Fatalf("sheets %q", sheets)
	}
	for r, row := range append([][]string{hostile.Head}, hostile.Rows...) {
		for c, want := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			got, _ := f.GetCellValue(sheets[0], cell)
			formula, _ := f.GetCellFormula(sheets[0], cell)
			typ, _ := f.GetCellType(sheets[0], cell)
			if formula != "" {
				t.Errorf("%s is the formula %q", cell, formula)
			}
			if got != want {
				t.Errorf("%s = %q, want %q", cell, got, want)
			}
			if _, num := number(strings.TrimPrefix(want, "-")); num && typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("%s (%q) is of type %v, not a number", cell, want, typ)
			}
		}
	}
}

// TestSetCellStoresNoFormulas: a cell set one at a time is text or a
// number, never a formula.
func TestSetCellStoresNoFormulas(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	for cell, v := range map[string]string{"A1": "=1+2", "A2": "@x", "A3": "12.5"} {
		if err := SetCell(f, "Sheet1", cell, v, cell == "A3"); err != nil {
			t.Fatal(err)
		}
	}
	for cell, want := range map[string]excelize.CellType{"A1": excelize.CellTypeSharedString, "A2": excelize.CellTypeSharedString, "A3": excelize.CellTypeUnset} {
		v, _ := f.GetCellValue("Sheet1", cell)
		formula, _ := f.GetCellFormula("Sheet1", cell)
		typ, _ := f.GetCellType("Sheet1", cell)
		if formula != "" || typ != want {
			t.Errorf("%s = %q: type %v, formula %q", cell, v, typ, formula)
		}
	}
}
