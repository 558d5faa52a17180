package offerfile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
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
			want := Offer{BidPrice: prefilled.BidPrice, Lines: prefilled.Lines}
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
		{"D2", "28000.5", excelize.CellTypeUnset}, // a number
		{"F2", "12.5", excelize.CellTypeUnset},
		{"G2", "=SUM(A1:A9) people, \"quoted\"\nsecond line £", excelize.CellTypeSharedString},
		{"F4", "1,000.125", excelize.CellTypeSharedString}, // not a plain number, so kept as typed
		{"B5", "=HYPERLINK(\"http://x\")", excelize.CellTypeSharedString},
		{"A6", "BID_PRICE", excelize.CellTypeSharedString},
		{"F6", "1250000.5", excelize.CellTypeUnset},
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

func TestNeutralise(t *testing.T) {
	for _, s := range []string{"", "=1+2", "+1", "-", "@x", "\tx", "'", "'=x", "''+x", "'x", "plain", "=", "''"} {
		n := neutralise(s)
		if risky(n) && !strings.HasPrefix(n, "'") {
			t.Errorf("neutralise(%q) = %q, still a formula", s, n)
		}
		if got := unquote(n); got != s {
			t.Errorf("unquote(neutralise(%q)) = %q", s, got)
		}
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
