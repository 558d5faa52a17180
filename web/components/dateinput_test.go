package components

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		d        DateParts
		required bool
		want     string // a date, or the message
		in       []string
	}{
		{DateParts{Day: "1", Month: "4", Year: "2027"}, true, "2027-04-01", nil},
		{DateParts{Day: " 01 ", Month: "04", Year: "2027"}, true, "2027-04-01", nil},
		{DateParts{Day: "29", Month: "Feb", Year: "2028"}, true, "2028-02-29", nil},
		{DateParts{Day: "3", Month: "september", Year: "2027"}, true, "2027-09-03", nil},
		{DateParts{Day: "3", Month: "Sept", Year: "2027"}, true, "2027-09-03", nil},
		{DateParts{}, false, "0001-01-01", nil},
		{DateParts{}, true, "Enter the contract start date", nil},
		{DateParts{Day: "1", Year: "2027"}, true, "Contract start date must include a month", []string{"month"}},
		{DateParts{Month: "4"}, true, "Contract start date must include a day and year", []string{"day", "year"}},
		{DateParts{Day: "31", Month: "2", Year: "2027"}, true, "Contract start date must be a real date", nil},
		{DateParts{Day: "29", Month: "2", Year: "2027"}, true, "Contract start date must be a real date", nil},
		{DateParts{Day: "1", Month: "13", Year: "2027"}, true, "Contract start date must be a real date", []string{"month"}},
		{DateParts{Day: "x", Month: "4", Year: "2027"}, true, "Contract start date must be a real date", []string{"day"}},
		{DateParts{Day: "1", Month: "4", Year: "27"}, true, "Contract start date must include a year with 4 numbers, like 2027", []string{"year"}},
		{DateParts{Day: "1", Month: "4", Year: "١٢٣٤"}, true, "Contract start date must be a real date", []string{"year"}},
		{DateParts{Day: "-1", Month: "4", Year: "2027"}, true, "Contract start date must be a real date", []string{"day"}},
	}
	for _, tt := range tests {
		got, p := ParseDate(tt.d, "Contract start date", tt.required)
		if p.Message != "" {
			if p.Message != tt.want || strings.Join(p.In, ",") != strings.Join(tt.in, ",") {
				t.Errorf("ParseDate(%+v) = %q in %v, want %q in %v", tt.d, p.Message, p.In, tt.want, tt.in)
			}
			continue
		}
		if s := got.Format(time.DateOnly); s != tt.want {
			t.Errorf("ParseDate(%+v) = %s, want %s", tt.d, s, tt.want)
		}
	}
}

func TestParseClock(t *testing.T) {
	for in, want := range map[string]string{"17:00": "17:00", "9:30": "09:30", "5pm": "17:00", "5:30 pm": "17:30", "12am": "00:00",
		"12pm": "12:00", "midday": "12:00", "Noon": "12:00", "midnight": "00:00", "17.45": "17:45", "00:00": "00:00"} {
		h, m, ok := ParseClock(in)
		if got := time.Date(2000, 1, 1, h, m, 0, 0, time.UTC).Format("15:04"); !ok || got != want {
			t.Errorf("ParseClock(%q) = %s %v, want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "5", "25:00", "13pm", "0am", "12:60", "noonish", "1:5", "five"} {
		if _, _, ok := ParseClock(in); ok {
			t.Errorf("ParseClock(%q) read a time", in)
		}
	}
}

func TestDateInputMarksTheBoxesAtFault(t *testing.T) {
	var b strings.Builder
	f := DateField{Name: "start", Label: "Start date", Value: DateParts{Day: "1", Year: "2027"}, Error: "Start date must include a month",
		ErrorIn: []string{"month"}}
	if err := DateInput(f).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{`id="start" name="start-day" type="text" inputmode="numeric" value="1"`, `name="start-year" type="text" inputmode="numeric" value="2027"`,
		`id="start-error" class="govuk-error-message"`, `aria-describedby="start-error"`, `govuk-form-group--error`} {
		if !strings.Contains(html, want) {
			t.Errorf("no %s in\n%s", want, html)
		}
	}
	if n := strings.Count(html, "govuk-input--error"); n != 1 {
		t.Errorf("%d boxes in red, want only the month", n)
	}
}
