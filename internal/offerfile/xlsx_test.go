package offerfile

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/tally-sv/tally/internal/sheet"
)

// workbook builds an XLSX file the way a supplier's spreadsheet might save
// it: the offer on a sheet that is not the first, columns reordered, numbers
// stored as numbers, and a blank row. fill, if given, changes it further.
func workbook(t *testing.T, fill func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Notes"))
	_, err := f.NewSheet("offer")
	must(err)
	must(f.SetSheetRow("offer", "A1", &[]any{"Quantity", "Code", "Statement"}))
	must(f.SetSheetRow("offer", "A2", &[]any{12.5, "JOB1", "Hire locally"}))
	must(f.SetSheetRow("offer", "A3", &[]any{3, "job2", "Train apprentices"}))
	// Row 4 is left blank; a computed 0.1+0.2 is stored as 0.30000000000000004.
	must(f.SetCellFloat("offer", "A5", 0.1+0.2, -1, 64))
	must(f.SetSheetRow("offer", "B5", &[]any{"ENV1", "Solar"}))
	must(f.SetSheetRow("offer", "A6", &[]any{1250000.5, "BID_PRICE"}))
	if fill != nil {
		fill(f)
	}
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

func TestParseXLSX(t *testing.T) {
	got, err := Parse(bytes.NewReader(workbook(t, nil)), "upload", testMeasures)
	if err != nil {
		t.Fatal(err)
	}
	want := Offer{BidPrice: "1250000.5", Lines: map[int64]Line{
		11: {Quantity: "12.5", Statement: "Hire locally"},
		12: {Quantity: "3", Statement: "Train apprentices"},
		13: {Quantity: "0.3", Statement: "Solar"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseXLSXErrors(t *testing.T) {
	var template bytes.Buffer
	if err := WriteXLSX(&template, Template{Measures: testMeasures}); err != nil {
		t.Fatal(err)
	}
	notWorkbook := sheet.Errors{rowErr(0, "", "The file is not a readable Excel workbook: open it in Excel and save it again as an Excel Workbook (.xlsx), or upload the CSV template instead")}
	tests := []struct {
		name string
		in   []byte
		want sheet.Errors
	}{
		{"row numbers count blank rows", workbook(t, func(f *excelize.File) {
			f.SetCellFloat("offer", "A5", -2, -1, 64)
			f.SetCellStr("offer", "D6", "note")
		}), sheet.Errors{
			rowErr(5, "quantity", "Enter a quantity of 0 or more"),
			rowErr(6, "", "Column D has a value but no name in the header row: delete the value")}},
		{"empty template", template.Bytes(), sheet.Errors{
			rowErr(5, "quantity", "Enter your bid price in pounds, like 1,250,000")}},
		{"too many rows", workbook(t, func(f *excelize.File) {
			f.SetCellStr("offer", "A10001", "x")
		}), sheet.Errors{rowErr(0, "", `The "offer" sheet has more than 10000 rows: keep one row per measure and delete the rest`)}},
		{"corrupt zip", []byte("PK\x03\x04\x14\x00\x00\x00garbage that is not a zip"), notWorkbook},
		{"truncated workbook", template.Bytes()[:template.Len()/2], notWorkbook},
		{"zip bomb", bomb(t, template.Bytes()), notWorkbook},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(tt.in), "offer.xlsx", testMeasures)
			if diff := cmp.Diff(tt.want, err); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// bomb returns the workbook xlsx with an extra part that is small zipped but
// larger than maxUnzipped unzipped.
func bomb(t *testing.T, xlsx []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create("xl/padding.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(w, spaces{}, maxUnzipped+1); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > MaxFileSize {
		t.Fatalf("bomb is %d bytes, over MaxFileSize", buf.Len())
	}
	return buf.Bytes()
}

// spaces reads as an endless run of spaces.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}
