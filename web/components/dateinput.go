package components

import (
	"strconv"
	"strings"
	"time"
)

// DateParts is a date as typed into the three boxes of a DateInput, kept
// as text so a form re-renders exactly what was typed.
type DateParts struct {
	Day, Month, Year string
	// Time is the optional time box ("17:00", "5pm", "midday"), for a
	// DateInput with WithTime.
	Time string
}

// DatePartsOf fills the boxes from a date: day and month without leading
// zeros, as people type them.
func DatePartsOf(t time.Time) DateParts {
	if t.IsZero() {
		return DateParts{}
	}
	return DateParts{Day: strconv.Itoa(t.Day()), Month: strconv.Itoa(int(t.Month())), Year: strconv.Itoa(t.Year())}
}

// DateField describes a GOV.UK "Date input": a fieldset with Day, Month and
// Year boxes named Name+"-day", Name+"-month" and Name+"-year" (and, with
// WithTime, a Time box named Name+"-time"). The Day box has the id Name, so
// an ErrorSummary link to "#"+Name lands on it.
type DateField struct {
	Name       string
	Label      string // the legend
	LabelClass string // e.g. "govuk-fieldset__legend--s"
	Hint       string // e.g. "For example, 27 3 2027"
	Value      DateParts
	Error      string
	// ErrorIn names the boxes to mark in red ("day", "month", "year",
	// "time"); all of them when Error is set and ErrorIn is empty.
	ErrorIn  []string
	WithTime bool
	TimeHint string // the Time box's label suffix, e.g. "(24-hour clock, or 5pm)"
}

func (f DateField) hintID() string  { return f.Name + "-hint" }
func (f DateField) errorID() string { return f.Name + "-error" }

func (f DateField) describedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.hintID())
	}
	if f.Error != "" {
		ids = append(ids, f.errorID())
	}
	return strings.Join(ids, " ")
}

// boxError reports whether the box part is at fault.
func (f DateField) boxError(part string) bool {
	if f.Error == "" {
		return false
	}
	if len(f.ErrorIn) == 0 {
		return true
	}
	for _, p := range f.ErrorIn {
		if p == part {
			return true
		}
	}
	return false
}

func (f DateField) boxID(part string) string {
	if part == "day" {
		return f.Name
	}
	return f.Name + "-" + part
}

// DateProblem is what is wrong with a typed date: a message that names
// the field, and the boxes at fault. A zero DateProblem means none.
type DateProblem struct {
	Message string
	In      []string
}

// ParseDate reads the boxes as a day (midnight UTC, as PostgreSQL dates
// scan). label names the field in messages, as GOV.UK's pattern asks:
// "Contract start date must include a month", "… must be a real date".
// The month may be a number or a name ("3", "Mar", "March"). An empty
// date is a problem only when required; otherwise it is the zero time.
func ParseDate(d DateParts, label string, required bool) (time.Time, DateProblem) {
	day, month, year := strings.TrimSpace(d.Day), strings.TrimSpace(d.Month), strings.TrimSpace(d.Year)
	if day == "" && month == "" && year == "" {
		if required {
			return time.Time{}, DateProblem{Message: "Enter the " + lowerFirst(label)}
		}
		return time.Time{}, DateProblem{}
	}
	var missing []string
	for _, p := range []struct{ name, v string }{{"day", day}, {"month", month}, {"year", year}} {
		if p.v == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return time.Time{}, DateProblem{Message: label + " must include a " + strings.Join(missing, " and "), In: missing}
	}
	dn, derr := strconv.Atoi(day)
	mn, merr := monthNumber(month)
	yn, yerr := strconv.Atoi(year)
	var bad []string
	if derr != nil || dn < 1 || dn > 31 {
		bad = append(bad, "day")
	}
	if merr != nil || mn < 1 || mn > 12 {
		bad = append(bad, "month")
	}
	if yerr != nil || len(year) != 4 {
		bad = append(bad, "year")
	}
	if len(bad) == 1 && bad[0] == "year" && yerr == nil {
		return time.Time{}, DateProblem{Message: label + " must include a year with 4 numbers, like 2027", In: bad}
	}
	if len(bad) > 0 {
		return time.Time{}, DateProblem{Message: label + " must be a real date", In: bad}
	}
	t := time.Date(yn, time.Month(mn), dn, 0, 0, 0, 0, time.UTC)
	if t.Day() != dn { // 31 February rolls over into March
		return time.Time{}, DateProblem{Message: label + " must be a real date"}
	}
	return t, DateProblem{}
}

// ParseClock reads a time of day: "17:00", "9:30", "5pm", "5:30pm", "midday",
// "noon" or "midnight". It returns hours and minutes, or ok false.
func ParseClock(s string) (h, m int, ok bool) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	s = strings.ReplaceAll(s, ".", ":")
	switch s {
	case "midday", "noon", "12noon":
		return 12, 0, true
	case "midnight", "12midnight":
		return 0, 0, true
	}
	suffix := ""
	if strings.HasSuffix(s, "am") || strings.HasSuffix(s, "pm") {
		s, suffix = s[:len(s)-2], s[len(s)-2:]
	}
	hs, ms, hasMin := strings.Cut(s, ":")
	if hs == "" || len(hs) > 2 || (hasMin && len(ms) != 2) {
		return 0, 0, false
	}
	h, err := strconv.Atoi(hs)
	if err != nil {
		return 0, 0, false
	}
	if hasMin {
		if m, err = strconv.Atoi(ms); err != nil || m < 0 || m > 59 {
			return 0, 0, false
		}
	}
	switch {
	case suffix == "" && !hasMin:
		return 0, 0, false // "5" could be morning or evening
	case suffix == "" && h >= 0 && h <= 23:
		return h, m, true
	case suffix != "" && h >= 1 && h <= 12:
		h %= 12
		if suffix == "pm" {
			h += 12
		}
		return h, m, true
	}
	return 0, 0, false
}

var monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func monthNumber(s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	l := strings.ToLower(s)
	if l == "sept" {
		return 9, nil
	}
	for i, name := range monthNames {
		full := strings.ToLower(time.Month(i + 1).String())
		if l == name || l == full {
			return i + 1, nil
		}
	}
	return 0, strconv.ErrSyntax
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
