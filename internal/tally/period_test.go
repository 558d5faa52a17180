package tally

import (
	"slices"
	"testing"
	"time"
)

// day returns midnight UTC on a date, as PostgreSQL date columns scan.
func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func ymd(t time.Time) string {
	return t.In(London()).Format("2006-01-02")
}

func TestFinancialYearOf(t *testing.T) {
	tests := []struct {
		t    time.Time
		want int
	}{
		{day(2026, time.March, 31), 2025},
		{day(2026, time.April, 1), 2026},
		{day(2026, time.January, 1), 2025},
		{day(2025, time.December, 31), 2025},
		// 23:30 UTC on 31 March is 00:30 on 1 April in London (BST).
		{time.Date(2026, time.March, 31, 23, 30, 0, 0, time.UTC), 2026},
		{time.Date(2026, time.March, 31, 22, 59, 0, 0, time.UTC), 2025},
		{time.Date(2026, time.April, 1, 0, 0, 0, 0, London()), 2026},
	}
	for _, tt := range tests {
		if got := FinancialYearOf(tt.t); got != tt.want {
			t.Errorf("FinancialYearOf(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

func TestFinancialYear(t *testing.T) {
	y := FinancialYear(2025)
	if got := y.Label(); got != "2025/26" {
		t.Errorf("Label() = %q", got)
	}
	if got := FinancialYear(2099).Label(); got != "2099/00" {
		t.Errorf("Label() = %q", got)
	}
	if got := y.Start(); !got.Equal(time.Date(2025, time.March, 31, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("Start() = %v, want midnight 1 April 2025 BST", got)
	}
	if got := y.End(); !got.Equal(FinancialYear(2026).Start()) || ymd(got) != "2026-04-01" {
		t.Errorf("End() = %v", got)
	}
	if y.Previous() != 2024 {
		t.Errorf("Previous() = %d", y.Previous())
	}
	if !y.Contains(day(2026, time.March, 31)) || y.Contains(day(2026, time.April, 1)) || y.Contains(day(2025, time.March, 31)) {
		t.Error("Contains is wrong at the year's edges")
	}
}

func TestParseFinancialYear(t *testing.T) {
	if y, err := ParseFinancialYear("2025"); err != nil || y != 2025 {
		t.Errorf("ParseFinancialYear(2025) = %d, %v", y, err)
	}
	for _, s := range []string{"", "25", "2025/26", "1999", "2100", "x"} {
		if _, err := ParseFinancialYear(s); err == nil {
			t.Errorf("ParseFinancialYear(%q) returned no error", s)
		}
	}
}

func TestReportingPeriods(t *testing.T) {
	type p struct{ start, last, due string }
	tests := []struct {
		name        string
		start, last time.Time
		want        []p
	}{
		{
			name: "one financial year", start: day(2025, time.April, 1), last: day(2026, time.March, 31),
			want: []p{
				{"2025-04-01", "2025-06-30", "2025-07-30"},
				{"2025-07-01", "2025-09-30", "2025-10-30"},
				{"2025-10-01", "2025-12-31", "2026-01-30"},
				{"2026-01-01", "2026-03-31", "2026-04-30"},
			},
		},
		{
			name: "month-end start", start: day(2025, time.January, 31), last: day(2025, time.December, 31),
			want: []p{
				{"2025-01-31", "2025-04-29", "2025-05-29"},
				{"2025-04-30", "2025-07-30", "2025-08-29"},
				{"2025-07-31", "2025-10-30", "2025-11-29"},
				{"2025-10-31", "2025-12-31", "2026-01-30"}, // cut short
			},
		},
		{
			name: "leap day start", start: day(2024, time.February, 29), last: day(2025, time.March, 15),
			want: []p{
				{"2024-02-29", "2024-05-28", "2024-06-27"},
				{"2024-05-29", "2024-08-28", "2024-09-27"},
				{"2024-08-29", "2024-11-28", "2024-12-28"},
				{"2024-11-29", "2025-02-27", "2025-03-29"},
				{"2025-02-28", "2025-03-15", "2025-04-14"},
			},
		},
		{
			name: "due date crosses a leap day", start: day(2023, time.November, 1), last: day(2024, time.January, 31),
			want: []p{{"2023-11-01", "2024-01-31", "2024-03-01"}},
		},
		{
			name: "single day", start: day(2025, time.May, 5), last: day(2025, time.May, 5),
			want: []p{{"2025-05-05", "2025-05-05", "2025-06-04"}},
		},
		{name: "ends before it starts", start: day(2025, time.May, 5), last: day(2025, time.May, 4), want: nil},
	}
	for _, tt := range tests {
		var got []p
		for i, period := range ReportingPeriods(tt.start, tt.last) {
			if period.Number != i+1 {
				t.Errorf("%s: period %d has Number %d", tt.name, i+1, period.Number)
			}
			got = append(got, p{ymd(period.Start), ymd(period.LastDay()), ymd(period.Due)})
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %v\nwant %v", tt.name, got, tt.want)
		}
	}
}

func TestPhaseTargetAndExpected(t *testing.T) {
	periods := ReportingPeriods(day(2025, time.April, 1), day(2026, time.January, 15)) // 4 periods, the last short
	tests := []struct {
		name  string
		total Quantity
		want  []Quantity
	}{
		{"divides evenly", 12_000, []Quantity{3000, 3000, 3000, 3000}},
		{"remainder to the last", 10_002, []Quantity{2500, 2500, 2500, 2502}},
		{"thousandths left over", 1_001, []Quantity{250, 250, 250, 251}},
		{"less than a thousandth each", 3, []Quantity{0, 0, 0, 3}},
		{"zero", 0, []Quantity{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		got := PhaseTarget(tt.total, periods)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: PhaseTarget(%v) = %v, want %v", tt.name, tt.total, got, tt.want)
		}
	}
	if got := PhaseTarget(1000, nil); got != nil {
		t.Errorf("PhaseTarget with no periods = %v, want nil", got)
	}

	phased := PhaseTarget(1_001, periods)
	expected := []struct {
		asOf time.Time
		want Quantity
	}{
		{day(2025, time.April, 1), 0},
		{day(2025, time.June, 30), 0},                                 // the first quarter's last day
		{day(2025, time.July, 1), 250},                                // … has ended
		{day(2025, time.December, 31), 500},                           //
		{day(2026, time.January, 16), 1_001},                          // after the short last period
		{time.Date(2025, time.June, 30, 23, 30, 0, 0, time.UTC), 250}, // 00:30 BST on 1 July
	}
	for _, tt := range expected {
		if got := ExpectedToDate(phased, periods, tt.asOf); got != tt.want {
			t.Errorf("ExpectedToDate(%v) = %v, want %v", tt.asOf, got, tt.want)
		}
	}
	if got := ExpectedToDate(phased[:2], periods, day(2030, time.January, 1)); got != 500 {
		t.Errorf("ExpectedToDate with fewer targets = %v, want 500", got)
	}
}
