package measurecsv

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/sheet"
	"github.com/tally-sv/tally/internal/tally"
)

const header = "edition,theme,outcome,code,title,unit,proxy_gbp,local,plugin,max_per_million,description\n"

// row is a valid data row for edition "Demo" whose fields can be replaced.
func row(code string, replace ...string) string {
	f := map[string]string{
		"edition": "Demo", "theme": "Jobs", "outcome": "Work", "code": code,
		"title": "Local jobs", "unit": "FTE", "proxy_gbp": "25000", "local": "true",
		"plugin": "", "max_per_million": "10", "description": "",
	}
	for i := 0; i+1 < len(replace); i += 2 {
		f[replace[i]] = replace[i+1]
	}
	vals := make([]string, len(columns))
	for i, c := range columns {
		vals[i] = f[c]
	}
	return strings.Join(vals, ",") + "\n"
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("x", 201)
	tests := []struct {
		name string
		in   string
		want sheet.Errors
	}{
		{"wrong encoding", header + row("JOB1") + row("JOB2", "title", "Caf\xe9"), sheet.Errors{
			rowErr(3, "title", `Wrong encoding: save the file as UTF-8 (in Excel, choose "CSV UTF-8" when saving)`)}},
		{"UTF-16", "\xff\xfee\x00d\x00", sheet.Errors{
			rowErr(1, "", `Wrong encoding: save the file as UTF-8 (in Excel, choose "CSV UTF-8" when saving)`)}},
		{"NUL byte", header + row("JOB1", "description", "a\x00b"), sheet.Errors{
			rowErr(2, "description", `The file contains NUL characters, so it is not a plain CSV file: save it as "CSV UTF-8" and try again`)}},
		{"hidden formatting", header + row("JOB1", "title", "Local\u200bjobs"), sheet.Errors{
			rowErr(2, "title", "This cell must not contain hidden formatting characters (such as right-to-left marks or zero-width spaces): type it again, or paste it as plain text")}},
		{"empty file", "", sheet.Errors{
			rowErr(0, "", "The file is empty: start with a header row naming the columns, then one row per measure")}},
		{"no data rows", header + "\n,,,\n", sheet.Errors{
			rowErr(0, "", "The file has no measures: add one row per measure below the header row")}},
		{"no header", row("JOB1"), sheet.Errors{
			rowErr(1, "", "The first row must be a header naming the columns: edition, theme, outcome, code, title, unit, proxy_gbp, local, plugin, max_per_million, description")}},
		{"semicolons", "edition;theme;outcome\n", sheet.Errors{
			rowErr(1, "", "Values are separated by semicolons or tabs: save the file as CSV with commas between values")}},
		{"header problems", "edition,theme,outcome,Code,titel,unit,,CODE\n" + "Demo,Jobs,Work,JOB1,Jobs,FTE,,\n", sheet.Errors{
			rowErr(1, "titel", `Unknown column "titel": check the spelling; the columns are edition, theme, outcome, code, title, unit, proxy_gbp, local, plugin, max_per_million, description`),
			rowErr(1, "", "Column G has no name: name it or delete the column"),
			rowErr(1, "code", `Column "code" appears twice (columns D and H): delete one of them`),
			rowErr(1, "title", `Missing column "title": add it to the header row`)}},
		{"missing values", header + row("JOB1", "theme", " ", "unit", "") + row(""), sheet.Errors{
			rowErr(2, "theme", "Enter a theme: every measure needs one"),
			rowErr(2, "unit", "Enter a unit: every measure needs one"),
			rowErr(3, "code", "Enter a code: every measure needs one")}},
		{"duplicate code", header + row("JOB1") + row("JOB2") + row("job1 "), sheet.Errors{
			rowErr(4, "code", `Code "job1" is already used on row 2: give each measure its own code`)}},
		{"different editions", header + row("JOB1") + row("JOB2", "edition", "Other"), sheet.Errors{
			rowErr(3, "edition", `Edition "Other" differs from "Demo" on row 2: every row of a file must name the same edition`)}},
		{"bad numbers", header +
			row("A1", "proxy_gbp", "abc") +
			row("A2", "proxy_gbp", "-5") +
			row("A3", "proxy_gbp", "0.12345") +
			row("A4", "proxy_gbp", `"12,5"`) +
			row("A5", "max_per_million", "-1") +
			row("A6", "max_per_million", "1.2345"), sheet.Errors{
			rowErr(2, "proxy_gbp", `Enter a number using only digits, commas and a decimal point, like 1,234.5, or leave it empty for a record-only measure (found "abc")`),
			rowErr(3, "proxy_gbp", `Enter a value of £0 or more, or leave it empty for a record-only measure (found "-5")`),
			rowErr(4, "proxy_gbp", `Enter a value with no more than 4 decimal places, like 12.3456, or leave it empty for a record-only measure (found "0.12345")`),
			rowErr(5, "proxy_gbp", `Use commas only to separate thousands, like 1,234.5, or leave it empty for a record-only measure (found "12,5")`),
			rowErr(6, "max_per_million", `Enter a quantity of 0 or more, or leave it empty for no limit (found "-1")`),
			rowErr(7, "max_per_million", `Enter a number with no more than 3 decimal places, like 12.5, or leave it empty for no limit (found "1.2345")`)}},
		{"bad boolean", header + row("JOB1", "local", "maybe"), sheet.Errors{
			rowErr(2, "local", `Enter true or false (or yes or no), or leave it empty for false (found "maybe")`)}},
		{"long title", header + row("JOB1", "title", long), sheet.Errors{
			rowErr(2, "title", "The title is 201 characters long: shorten it to 200 or fewer and move the detail to the description")}},
		{"field count", header + row("JOB1") + "Demo,Jobs,Work,JOB2,Local, jobs,FTE,1,true,,10,\n" + "Demo,Jobs\n", sheet.Errors{
			rowErr(3, "", "This row has 12 values but the header has 11 columns: check for missing or extra commas, and put double quotes around values that contain commas"),
			rowErr(4, "", "This row has 2 values but the header has 11 columns: check for missing or extra commas, and put double quotes around values that contain commas")}},
		{"bad quotes", header + row("JOB1") + row("JOB2", "title", `The "best" jobs`), sheet.Errors{
			rowErr(3, "", `A double quote (") is out of place: wrap a value that contains commas, quotes or line breaks in double quotes, and double each quote inside it ("")`)}},
		{"rows as a spreadsheet counts them", "\n" + header + "\n" +
			row("JOB1", "description", "\"two\r\nlines\"") + "\r\n" + row("JOB2", "local", "x"), sheet.Errors{
			rowErr(6, "local", `Enter true or false (or yes or no), or leave it empty for false (found "x")`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			got, ok := err.(sheet.Errors)
			if !ok {
				t.Fatalf("err = %#v, want sheet.Errors", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				for _, e := range got {
					t.Logf("got  {%d, %q, %q}", e.Row, e.Column, e.Message)
				}
				t.Errorf("errors differ: got %v", got)
			}
		})
	}
}

func TestParseStopsAtMaxErrors(t *testing.T) {
	in := header + strings.Repeat(row("JOB1", "local", "x"), MaxErrors+5)
	_, err := Parse(strings.NewReader(in))
	errs, _ := err.(sheet.Errors)
	if len(errs) != MaxErrors+1 {
		t.Fatalf("got %d errors, want %d", len(errs), MaxErrors+1)
	}
	last := errs[len(errs)-1]
	if *last != (sheet.RowError{Message: "Stopped after 50 problems: fix these and import the file again"}) {
		t.Errorf("last = %+v", last)
	}
}

func TestParseTooLarge(t *testing.T) {
	in := header + strings.Repeat(row("JOB1"), MaxFileSize/len(row("JOB1"))+1)
	_, err := Parse(strings.NewReader(in))
	want := sheet.Errors{rowErr(0, "", "The file is larger than 5 MiB: check that it is a measures file, and split a very large edition into several files")}
	if !reflect.DeepEqual(err, want) {
		t.Errorf("err = %v", err)
	}
}

// TestParseAccepts covers what Parse forgives: a byte order mark, CRLF line
// endings, blank lines and rows of empty cells, column names in any order and
// case, missing optional columns, spaces around values, other spellings of
// booleans, and "£" and thousands separators in numbers.
func TestParseAccepts(t *testing.T) {
	in := bom + " Code ,EDITION,Theme,outcome,title,Unit,Proxy_GBP,local,max_per_million\r\n" +
		"JOB1, Demo ,Jobs,Work,Local jobs,FTE,\"£25,000.50\",Yes, 10.5 \r\n" +
		"\r\n,,,,,,,,\r\n" +
		"ENV1,Demo,Environment,Carbon,Carbon saved,tCO2e,,0,\r\n"
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := Edition{Name: "Demo", Measures: []Measure{
		{Theme: "Jobs", Outcome: "Work", Code: "JOB1", Title: "Local jobs", Unit: "FTE",
			Proxy: 250_005_000, HasProxy: true, Local: true, MaxPerMillion: 10_500, HasMax: true},
		{Theme: "Environment", Outcome: "Carbon", Code: "ENV1", Title: "Carbon saved", Unit: "tCO2e"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	var buf bytes.Buffer
	if err := Write(&buf, got); err != nil {
		t.Fatal(err)
	}
	wantCSV := bom + header +
		"Demo,Jobs,Work,JOB1,Local jobs,FTE,25000.5,true,,10.5,\n" +
		"Demo,Environment,Carbon,ENV1,Carbon saved,tCO2e,,false,,,\n"
	if buf.String() != wantCSV {
		t.Errorf("Write:\n%s\nwant\n%s", buf.String(), wantCSV)
	}
}

func TestParseStopsAtMaxErrorsInHeader(t *testing.T) {
	in := "edition" + strings.Repeat(",", MaxErrors+5) + "\n"
	_, err := Parse(strings.NewReader(in))
	errs, _ := err.(sheet.Errors)
	if len(errs) != MaxErrors+1 || errs[MaxErrors].Row != 0 {
		t.Fatalf("got %d errors: %v", len(errs), errs)
	}
}

func TestErrorsIsInvalid(t *testing.T) {
	_, err := Parse(strings.NewReader(""))
	if !errors.Is(err, tally.ErrInvalid) {
		t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
	}
	if got := err.Error(); got != "The file is empty: start with a header row naming the columns, then one row per measure" {
		t.Errorf("Error() = %q", got)
	}
}

// rowErr is a problem on a row, for the tables of expected errors.
func rowErr(row int, column, message string) *sheet.RowError {
	return &sheet.RowError{Row: row, Column: column, Message: message}
}
