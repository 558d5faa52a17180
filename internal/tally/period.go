package tally

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
	// The rules here depend on Europe/London calendar dates, so the zone data is
	// embedded rather than trusted to the host (a scratch container has none).
	_ "time/tzdata"
)

// Dates in this file are calendar days. A function taking a date uses the day
// that t falls on in Europe/London, so a PostgreSQL date scanned as midnight UTC
// and a London midnight both mean the day they name. Dates returned are
// midnight Europe/London.

var london = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("tally: Europe/London zone data missing: " + err.Error()) // embedded above
	}
	return loc
})

// London returns the Europe/London time zone, in which Tally shows deadlines
// and counts calendar dates.
func London() *time.Location {
	return london()
}

// dateOf returns midnight Europe/London at the start of t's day in London.
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(London()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, London())
}

// FinancialYearOf returns the UK financial year (1 April to 31 March) that t's
// Europe/London date falls in, named by the year it starts: 31 March 2026 is in
// 2025, 1 April 2026 in 2026.
func FinancialYearOf(t time.Time) int {
	d := dateOf(t)
	if d.Month() < time.April {
		return d.Year() - 1
	}
	return d.Year()
}

// FinancialYear is the UK financial year starting on 1 April of the year.
type FinancialYear int

// ParseFinancialYear parses a financial year given by the year it starts, such
// as "2025" in "?fy=2025". It returns an error, worded for people, unless s is
// a year from 2000 to 2099.
func ParseFinancialYear(s string) (FinancialYear, error) {
	y, err := strconv.Atoi(s)
	if err != nil || y < 2000 || y > 2099 {
		return 0, errors.New("Enter a financial year by the year it starts, like 2025 for 2025/26")
	}
	return FinancialYear(y), nil
}

// Start returns 1 April of the year, midnight Europe/London.
func (y FinancialYear) Start() time.Time {
	return time.Date(int(y), time.April, 1, 0, 0, 0, 0, London())
}

// End returns 1 April of the next year, midnight Europe/London: the range is
// [Start, End), so it ends after 31 March.
func (y FinancialYear) End() time.Time {
	return (y + 1).Start()
}

// Contains reports whether t falls in the year, by its Europe/London date.
func (y FinancialYear) Contains(t time.Time) bool {
	return FinancialYearOf(t) == int(y)
}

// Previous returns the financial year before y, for comparisons.
func (y FinancialYear) Previous() FinancialYear {
	return y - 1
}

// Label names the year as people write it: "2025/26".
func (y FinancialYear) Label() string {
	return fmt.Sprintf("%d/%02d", int(y), (int(y)+1)%100)
}

// ReturnDueDays is how many days after a reporting period's last day its
// delivery return is due.
const ReturnDueDays = 30

// Period is one reporting period of a contract.
type Period struct {
	Number int       // 1 for the first period
	Start  time.Time // first day
	End    time.Time // the day after the last day: the period is [Start, End)
	Due    time.Time // the day the delivery return is due: 30 days after the last day
}

// LastDay returns the period's last day.
func (p Period) LastDay() time.Time {
	return p.End.AddDate(0, 0, -1)
}

// ReportingPeriods splits a contract running from start to lastDay (both
// included) into quarters of 3 calendar months from the start date. A quarter
// starting on a day its month lacks starts on that month's last day instead
// (31 January, 30 April, 31 July …). The last quarter is cut short at lastDay.
// It returns nil when lastDay is before start.
func ReportingPeriods(start, lastDay time.Time) []Period {
	first := dateOf(start)
	end := dateOf(lastDay).AddDate(0, 0, 1)
	var periods []Period
	for i := 0; ; i++ {
		// Each boundary is counted from the first day, so short months do not
		// drift later boundaries.
		ps := addMonths(first, 3*i)
		if !ps.Before(end) {
			return periods
		}
		pe := addMonths(first, 3*(i+1))
		if pe.After(end) {
			pe = end
		}
		p := Period{Number: i + 1, Start: ps, End: pe}
		p.Due = p.LastDay().AddDate(0, 0, ReturnDueDays)
		periods = append(periods, p)
	}
}

// addMonths returns the date n months after d, on the same day of the month or
// the month's last day when it is shorter.
func addMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	firstOfMonth := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, London())
	lastOfMonth := firstOfMonth.AddDate(0, 1, -1).Day()
	return firstOfMonth.AddDate(0, 0, min(day, lastOfMonth)-1)
}

// PhaseTarget splits a KPI's total target linearly across its reporting periods:
// an equal share each, whatever the period's length, with the thousandths left
// over going to the last period so the shares add up to total exactly. It
// returns nil when there are no periods.
func PhaseTarget(total Quantity, periods []Period) []Quantity {
	n := len(periods)
	if n == 0 {
		return nil
	}
	share := total / Quantity(n)
	phased := make([]Quantity, n)
	for i := range phased {
		phased[i] = share
	}
	phased[n-1] = total - share*Quantity(n-1)
	return phased
}

// ExpectedToDate returns the phased target so far: the sum of phased[i] for
// every period that has ended by asOf's Europe/London date (its End is on or
// before that date). phased and periods pair up by index; any extra entries in
// the longer one are ignored.
func ExpectedToDate(phased []Quantity, periods []Period, asOf time.Time) Quantity {
	today := dateOf(asOf)
	var sum Quantity
	for i := range min(len(phased), len(periods)) {
		if !periods[i].End.After(today) {
			sum += phased[i]
		}
	}
	return sum
}
