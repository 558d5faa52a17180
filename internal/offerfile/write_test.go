package offerfile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/tally-sv/tally/internal/sheet"
)

// prefilled is a template whose draft holds text that a careless writer
// would mangle: formulas, quotes, commas, line breaks, "£", thousands
// separators and an empty quantity.
var prefilled = Template{
	TenderRef: "SPS-2026-014", TenderTitle: "Highways maintenance", SupplierName: "Acme Roads Ltd",
	Measures: append(append([]Measure(nil), testMeasures...),
		Measure{ID: 14, Code: "-SKL", Title: "=HYPERLINK(\"http://x\")", Unit: "@hours", Target: "1,000"}),
	BidPrice: "1250000.5",
	Lines: map[int64]Line{
		11: {Quantity: "12.5", Statement: "=SUM(A1:A9) people, \"quoted\"\nsecond line £"},
		12: {Quantity: "", Statement: "'=already quoted"},
		13: {Quantity: "1,000.125", Statement: "- solar panels\n- heat pumps"},
		14: {Quantity: "0", Statement: "+44 1234 567890"},
	},
}

func TestRoundTrip(t *testing.T) {
	writers := map[string]func(*bytes.Buffer, Template) error{
		"offer.csv":  func(b *bytes.Buffer, t Template) error { return WriteCSV(b, t) },
		"offer.xlsx": func(b *bytes.Buffer, t Template) error { return WriteXLSX(b, t) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := write(&buf, prefilled); err != nil {
				t.Fatal(err)
			}
			// The name is wrong on purpose: Parse goes by the content.
			got, err := Parse(&buf, "offer.txt", prefilled.Measures)
			if err != nil {
				t.Fatal(err)
			}
			want := Offer{TenderRef: prefilled.TenderRef, BidPrice: prefilled.BidPrice, Lines: prefilled.Lines}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, prefilled); err != nil {
		t.Fatal(err)
	}
	want := bom + header +
		"TENDER:SPS-2026-014,This file is for tender SPS-2026-014 only: do not change this row,,,,,\n" +
		"JOB1,Local people employed,FTE,28000.5,,12.5,\"'=SUM(A1:A9) people, \"\"quoted\"\"\nsecond line £\"\n" +
		"JOB2,Apprenticeship weeks,weeks,,,,'=already quoted\n" +
		"ENV1,Carbon saved,tCO2e,245,12.5,\"1,000.125\",\"'- solar panels\n- heat pumps\"\n" +
		"'-SKL,\"'=HYPERLINK(\"\"http://x\"\")\",'@hours,,\"1,000\",0,'+44 1234 567890\n" +
		"BID_PRICE,Bid price: the contract value you tender, in pounds (enter it in the quantity column),£,,,1250000.5,\n"
	// The JOB2 statement starts with "'" before "=", so it gains a second one.
	want = strings.Replace(want, ",'=already quoted", ",''=already quoted", 1)
	want = strings.Replace(want, "Bid price: the contract value you tender, in pounds (enter it in the quantity column)",
		`"Bid price: the contract value you tender, in pounds (enter it in the quantity column)"`, 1)
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestWriteXLSX checks that the workbook has the two sheets, that numbers
// are stored as numbers, and that text that looks like a formula is stored
// as text rather than as a formula.
func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, prefilled); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if diff := cmp.Diff([]string{"Offer", "How to fill this in"}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	cells := []struct {
		cell, value string
		typ         excelize.CellType
	}{
		{"A1", "code", excelize.CellTypeSharedString},
		{"A2", "TENDER:SPS-2026-014", excelize.CellTypeSharedString},
		{"D3", "28000.5", excelize.CellTypeUnset}, // a number
		{"F3", "12.5", excelize.CellTypeUnset},
		{"G3", "=SUM(A1:A9) people, \"quoted\"\nsecond line £", excelize.CellTypeSharedString},
		{"F5", "1,000.125", excelize.CellTypeSharedString}, // not a plain number, so kept as typed
		{"B6", "=HYPERLINK(\"http://x\")", excelize.CellTypeSharedString},
		{"A7", "BID_PRICE", excelize.CellTypeSharedString},
		{"F7", "1250000.5", excelize.CellTypeUnset},
	}
	for _, c := range cells {
		v, _ := f.GetCellValue("Offer", c.cell)
		typ, _ := f.GetCellType("Offer", c.cell)
		formula, _ := f.GetCellFormula("Offer", c.cell)
		if v != c.value || typ != c.typ || formula != "" {
			t.Errorf("%s = %q (type %v, formula %q), want %q (type %v)", c.cell, v, typ, formula, c.value, c.typ)
		}
	}
	help, _ := f.GetCellValue("How to fill this in", "A1")
	if help != "Social value offer for SPS-2026-014 Highways maintenance" {
		t.Errorf("help A1 = %q", help)
	}
}

func TestPlainNumber(t *testing.T) {
	yes := []string{"0", "12", "12.5", "0.001", "999999999999.999", "100000000000"}
	no := []string{"", "01", "12.50", "1,000", "-1", "1e5", ".5", "5.", "1234567890123.456", "£5"}
	for _, s := range yes {
		if !plainNumber(s) {
			t.Errorf("plainNumber(%q) = false", s)
		}
	}
	for _, s := range no {
		if plainNumber(s) {
			t.Errorf("plainNumber(%q) = true", s)
		}
	}
}

// TestTenderReference checks that a file is tied to its tender: another
// tender's file is refused with one problem naming both references, and
// an older template without the TENDER row is still read.
func TestTenderReference(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, prefilled); err != nil {
		t.Fatal(err)
	}
	file := buf.String()
	got, err := ParseFor(strings.NewReader(file), "offer.csv", "sps-2026-014", prefilled.Measures)
	if err != nil || got.TenderRef != "SPS-2026-014" {
		t.Errorf("its own tender (any case): %+v, %v", got, err)
	}
	_, err = ParseFor(strings.NewReader(file), "offer.csv", "STK-2026-001", prefilled.Measures)
	want := sheet.Errors{{Row: 2, Column: colCode, Message: "This file is the offer template for tender SPS-2026-014, but this offer is for tender STK-2026-001: " +
		"download the template for STK-2026-001 from this page, or upload this file to your offer on SPS-2026-014"}}
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("another tender's file (-want +got):\n%s", diff)
	}
	// The other tender's file is refused even when its measures differ.
	_, err = ParseFor(strings.NewReader(file), "offer.csv", "STK-2026-001", testMeasures[:1])
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("another tender's file with other measures (-want +got):\n%s", diff)
	}
	// An older template, with no TENDER row, is read for any tender.
	lines := strings.Split(file, "\n")
	old := strings.Join(append(lines[:1:1], lines[2:]...), "\n")
	got, err = ParseFor(strings.NewReader(old), "offer.csv", "STK-2026-001", prefilled.Measures)
	if err != nil || got.TenderRef != "" || got.BidPrice != prefilled.BidPrice {
		t.Errorf("older template: %+v, %v", got, err)
	}
	// Whatever is typed in the tender row's other cells is ignored.
	typed := strings.Replace(file, "do not change this row,,,,,", "do not change this row,,,,10,Typed here by mistake", 1)
	if got, err := ParseFor(strings.NewReader(typed), "offer.csv", "SPS-2026-014", prefilled.Measures); err != nil || got.TenderRef != "SPS-2026-014" {
		t.Errorf("typing in the tender row: %+v, %v", got, err)
	}
	// A tender row with its reference deleted is a problem to fix.
	blank := strings.Replace(file, "TENDER:SPS-2026-014,", "TENDER:,", 1)
	if _, err := ParseFor(strings.NewReader(blank), "offer.csv", "STK-2026-001", prefilled.Measures); err == nil ||
		!strings.Contains(err.Error(), "Row 2, column code: Put back the tender reference") {
		t.Errorf("blank reference: %v", err)
	}
}
