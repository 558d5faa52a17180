package offerfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-sv/tally/internal/sheet"
	"github.com/tally-sv/tally/internal/tally"
)

// testMeasures is a tender asking for a valued measure, a record-only one
// and one with a target.
var testMeasures = []Measure{
	{ID: 11, Code: "JOB1", Edition: "Demo 2026", Title: "Local people employed", Unit: "FTE", Proxy: 280_005_000, HasProxy: true},
	{ID: 12, Code: "JOB2", Edition: "Demo 2026", Title: "Apprenticeship weeks", Unit: "weeks"},
	{ID: 13, Code: "ENV1", Edition: "Demo 2026", Title: "Carbon saved", Unit: "tCO2e", Proxy: 2_450_000, HasProxy: true, Target: "12.5"},
}

const header = "code,measure,unit,proxy_gbp,target,quantity,statement\n"

// row is a CSV data row for code with quantity and statement.
func row(code, quantity, statement string) string {
	return code + ",Title,unit,1,," + quantity + "," + statement + "\n"
}

// valid is a complete, valid offer file body after the header.
var valid = map[string]string{
	"JOB1": row("JOB1", "2", "Hire locally"),
	"JOB2": row("JOB2", "", ""),
	"ENV1": row("ENV1", "1.5", "Solar panels"),
	"BID":  row("BID_PRICE", "1000000", ""),
}

// file builds a CSV file: the header, then the rows given, where a key of
// valid stands for that row.
func file(rows ...string) string {
	var b strings.Builder
	b.WriteString(header)
	for _, r := range rows {
		if v, ok := valid[r]; ok {
			r = v
		}
		b.WriteString(r)
	}
	return b.String()
}

func TestParseErrors(t *testing.T) {
	const headerMsg = "The first row must be a header naming the columns: code, measure, unit, proxy_gbp, target, quantity, statement"
	html := "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body class=\"x\">Sign in</body></html>\n"
	tests := []struct {
		name, file, in string
		want           sheet.Errors
	}{
		{"empty file", "offer.csv", "", sheet.Errors{
			rowErr(0, "", "The file is empty: download the template, fill it in and upload it")}},
		{"only blank lines", "offer.csv", bom + "\n\n,,,\n", sheet.Errors{
			rowErr(0, "", "The file is empty: download the template, fill it in and upload it")}},
		{"no header", "offer.csv", valid["JOB1"], sheet.Errors{rowErr(1, "", headerMsg)}},
		{"header without code", "offer.csv", "measure,quantity,statement\n", sheet.Errors{rowErr(1, "", headerMsg)}},
		{"HTML named .xlsx is read as CSV", "offer.XLSX", html, sheet.Errors{
			rowErr(1, "", headerMsg+". The file's name ends in .xlsx, but it is not an Excel workbook: download the template again")}},
		{"semicolons", "offer.csv", "code;quantity;statement\n", sheet.Errors{
			rowErr(1, "", "Values are separated by semicolons or tabs: save the file as CSV with commas between values")}},
		{"header problems", "offer.csv", "Code,qty,statement,CODE\n", sheet.Errors{
			rowErr(1, "qty", `Unknown column "qty": delete it, or correct its name; the columns are code, measure, unit, proxy_gbp, target, quantity, statement`),
			rowErr(1, "code", `Column "code" appears twice (columns A and D): delete one of them`),
			rowErr(1, "quantity", `Missing column "quantity": add it to the header row, or download the template again`)}},
		{"invalid UTF-8", "offer.csv", file("JOB1", row("JOB2", "1", "Caf\xe9"), "ENV1", "BID"), sheet.Errors{
			rowErr(0, "", `The file is not text in UTF-8: in Excel, save it as "CSV UTF-8 (Comma delimited)" or as an Excel Workbook (.xlsx), and upload it again`)}},
		{"hidden formatting in a statement", "offer.csv", file("JOB1", row("JOB2", "1", "Two\u202e apprentices"), "ENV1", "BID"), sheet.Errors{
			rowErr(3, "statement", "The delivery statement for JOB2 must not contain hidden formatting characters (such as right-to-left marks or zero-width spaces): type it again, or paste it as plain text")}},
		{"UTF-16", "offer.csv", "\xff\xfec\x00o\x00d\x00e\x00", sheet.Errors{
			rowErr(0, "", `The file is not text in UTF-8: in Excel, save it as "CSV UTF-8 (Comma delimited)" or as an Excel Workbook (.xlsx), and upload it again`)}},
		{"old Excel workbook", "offer.xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", sheet.Errors{
			rowErr(0, "", "The file is an old-style (.xls) or password-protected workbook: remove any password and save it as an Excel Workbook (.xlsx), or upload the CSV template instead")}},
		{"missing measure and bid price", "offer.csv", file("JOB1", "ENV1"), sheet.Errors{
			rowErr(0, "", "There is no row for JOB2 (Apprenticeship weeks): add a row with JOB2 in the code column"),
			rowErr(0, "", "There is no BID_PRICE row: add a row with BID_PRICE in the code column and your bid price in pounds in the quantity column")}},
		{"unknown and empty codes", "offer.csv", file("JOB1", "JOB2", row("JOB9", "1", "x"), "ENV1", row("", "1", "x"), "BID"), sheet.Errors{
			rowErr(4, "code", `This tender does not ask for a measure with code "JOB9": use the codes in the template, or delete the row`),
			rowErr(6, "code", "Enter the measure code from the template, or delete the row")}},
		{"duplicates", "offer.csv", file("JOB1", "JOB2", "ENV1", row(" job1 ", "3", "y"), "BID", row("bid_price", "5", "")), sheet.Errors{
			rowErr(5, "code", "job1 is also on row 2: keep one row for each measure, and delete the other"),
			rowErr(7, "code", "bid_price is also on row 6: keep one row for each measure, and delete the other")}},
		{"bad quantities", "offer.csv", file(row("JOB1", "-1", "x"), row("JOB2", "1.2345", "x"), row("ENV1", `"12,5"`, "x"), "BID"), sheet.Errors{
			rowErr(2, "quantity", "Enter a quantity of 0 or more"),
			rowErr(3, "quantity", "Enter a number with no more than 3 decimal places, like 12.5"),
			rowErr(4, "quantity", "Use commas only to separate thousands, like 1,234.5")}},
		{"statements", "offer.csv", file(row("JOB1", "0.001", " "), row("JOB2", "0", strings.Repeat("é", 2001)), "ENV1", "BID"), sheet.Errors{
			rowErr(2, "statement", "Enter a delivery statement for JOB1: say how you will deliver it"),
			rowErr(3, "statement", "Shorten the delivery statement for JOB2 to 2000 characters or fewer (it has 2001)")}},
		{"bid price empty", "offer.csv", file("JOB1", "JOB2", "ENV1", row("BID_PRICE", "", "")), sheet.Errors{
			rowErr(5, "quantity", "Enter your bid price in pounds, like 1,250,000")}},
		{"bid price zero", "offer.csv", file("JOB1", "JOB2", "ENV1", row("BID_PRICE", "£0.00", "")), sheet.Errors{
			rowErr(5, "quantity", "Enter a bid price of more than £0")}},
		{"bid price in pence", "offer.csv", file("JOB1", "JOB2", "ENV1", row("BID_PRICE", "10.005", "")), sheet.Errors{
			rowErr(5, "quantity", "Enter an amount in pounds and pence, with no more than 2 decimal places, like £1,234.56")}},
		{"unquoted comma and short row", "offer.csv", file(row("JOB1", "2", "Hire, and train"), "JOB2\n", "ENV1", "BID"), sheet.Errors{
			rowErr(2, "", "Column H has a value but no name in the header row: delete the value, and put double quotes around any statement that contains commas"),
			rowErr(3, "", "This row has 1 values but the header has 7 columns: check for missing commas")}},
		{"bad quote after a row error", "offer.csv", file(row("JOB1", "x", "y"), row("JOB2", "1", `The "best"`), "ENV1"), sheet.Errors{
			rowErr(2, "quantity", "Enter a number using only digits, commas and a decimal point, like 1,234.5"),
			rowErr(3, "", `A double quote (") is out of place: put double quotes around a value that contains commas, quotes or line breaks, and double each quote inside it ("")`)}},
		{"rows as a spreadsheet counts them", "offer.csv", "\n" + file("\n", row("JOB1", "1", "\"two\r\nlines\""), "\r\n", row("JOB2", "1", ""), "ENV1", "BID"), sheet.Errors{
			rowErr(6, "statement", "Enter a delivery statement for JOB2: say how you will deliver it")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offer, err := Parse(strings.NewReader(tt.in), tt.file, testMeasures)
			if !errors.Is(err, tally.ErrInvalid) {
				t.Fatalf("err = %v, want sheet.Errors", err)
			}
			if diff := cmp.Diff(tt.want, err); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if offer.Lines != nil || offer.BidPrice != "" {
				t.Errorf("offer = %+v, want zero on error", offer)
			}
		})
	}
}

func TestParseStopsAtMaxErrors(t *testing.T) {
	in := file(strings.Repeat(row("NOPE", "1", "x"), MaxErrors+5))
	_, err := Parse(strings.NewReader(in), "offer.csv", testMeasures)
	errs, _ := err.(sheet.Errors)
	if len(errs) != MaxErrors+1 {
		t.Fatalf("got %d errors, want %d", len(errs), MaxErrors+1)
	}
	want := sheet.RowError{Message: "Stopped after 50 problems: fix these and upload the file again"}
	if *errs[MaxErrors] != want {
		t.Errorf("last = %+v", errs[MaxErrors])
	}
}

func TestParseTooLarge(t *testing.T) {
	in := file(strings.Repeat(valid["JOB2"], MaxFileSize/len(valid["JOB2"])+1))
	_, err := Parse(strings.NewReader(in), "offer.csv", testMeasures)
	want := sheet.Errors{rowErr(0, "", "The file is larger than 2 MiB: upload the offer template, with one row per measure")}
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestParseAccepts covers what Parse forgives: a byte order mark, CRLF line
// endings, blank rows, columns in any order and case, missing informational
// columns, codes in any case, spaces around values, and the "'" that
// WriteCSV puts before a cell that looks like a formula.
func TestParseAccepts(t *testing.T) {
	in := bom + "Statement, QUANTITY ,Code\r\n" +
		"Hire locally, 2 ,job1\r\n" +
		",,\r\n\r\n" +
		"'=cheap trick,,BID_PRICE\r\n" +
		"\"'- solar panels\n- heat pumps\",\"1,000.5\",Env1\r\n" +
		"'@ ,,JOB2\r\n" +
		",\"£1,500,000\",BID_PRICE\r\n"
	_, err := Parse(strings.NewReader(in), "", testMeasures)
	if diff := cmp.Diff(sheet.Errors{
		rowErr(5, "quantity", "Enter your bid price in pounds, like 1,250,000"),
		rowErr(8, "code", "BID_PRICE is also on row 5: keep one row for each measure, and delete the other"),
	}, err); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	in = strings.Replace(in, "'=cheap trick,,BID_PRICE\r\n", "", 1)
	got, err := Parse(strings.NewReader(in), "", testMeasures)
	if err != nil {
		t.Fatal(err)
	}
	want := Offer{BidPrice: "£1,500,000", Lines: map[int64]Line{
		11: {Quantity: "2", Statement: "Hire locally"},
		12: {Quantity: "", Statement: "@"},
		13: {Quantity: "1,000.5", Statement: "- solar panels\n- heat pumps"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// rowErr is a problem on a row, for the tables of expected errors.
func rowErr(row int, column, message string) *sheet.RowError {
	return &sheet.RowError{Row: row, Column: column, Message: message}
}
