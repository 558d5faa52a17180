package server

import (
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
)

// dateBoxes reads a components.DateInput's boxes as typed. A client that
// posts one ISO date in name itself ("2027-04-01", as the date fields did
// before they had three boxes) has it split into the boxes.
func (f *form) dateBoxes(name string) components.DateParts {
	d := f.boxes(name)
	if d.Day == "" && d.Month == "" && d.Year == "" {
		if iso, err := time.Parse(time.DateOnly, f.raw(name)); err == nil {
			p := components.DatePartsOf(iso)
			d.Day, d.Month, d.Year = p.Day, p.Month, p.Year
		}
	}
	return d
}

// boxes reads a DateInput's boxes as typed, and nothing else.
func (f *form) boxes(name string) components.DateParts {
	return components.DateParts{Day: clip(f.raw(name+"-day"), boxLimit), Month: clip(f.raw(name+"-month"), boxLimit),
		Year: clip(f.raw(name+"-year"), boxLimit), Time: clip(f.raw(name+"-time"), boxLimit)}
}

// date reads a date from a DateInput named name. label names it in
// messages ("Contract start date must include a month"); the boxes at
// fault go in boxes[name] so the page marks them.
func (f *form) date(name, label string, required bool, boxes map[string][]string) (components.DateParts, time.Time) {
	d := f.dateBoxes(name)
	t, p := components.ParseDate(d, label, required)
	if p.Message != "" {
		f.Errs.Add(name, p.Message)
		boxes[name] = p.In
	}
	return d, t
}

// deadline reads a date and a time of day from a DateInput with a Time box,
// as a moment in UK time. The old pair of fields (name_date, name_time)
// is read too.
func (f *form) deadline(name, label string, boxes map[string][]string) (components.DateParts, time.Time) {
	d := f.boxes(name)
	if d.Day == "" && d.Month == "" && d.Year == "" && d.Time == "" {
		if iso, err := time.Parse(time.DateOnly, f.raw(name+"_date")); err == nil {
			p := components.DatePartsOf(iso)
			d.Day, d.Month, d.Year = p.Day, p.Month, p.Year
		}
		d.Time = clip(f.raw(name+"_time"), boxLimit)
	}
	day, p := components.ParseDate(d, label, true)
	if p.Message != "" {
		f.Errs.Add(name, p.Message)
		boxes[name] = p.In
		return d, time.Time{}
	}
	if strings.TrimSpace(d.Time) == "" {
		f.Errs.Add(name, label+" must include a time")
		boxes[name] = []string{"time"}
		return d, time.Time{}
	}
	h, m, ok := components.ParseClock(d.Time)
	if !ok {
		f.Errs.Add(name, label+" must include a real time, like 17:00 or 5pm")
		boxes[name] = []string{"time"}
		return d, time.Time{}
	}
	return d, time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, tally.London())
}

// clockOf is a time of day as the Time box shows it: "17:00".
func clockOf(t time.Time) string { return t.In(tally.London()).Format("15:04") }

// londonParts fills a DateInput with a Time box from a moment.
func londonParts(t time.Time) components.DateParts {
	l := t.In(tally.London())
	d := components.DatePartsOf(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC))
	d.Time = clockOf(t)
	return d
}

// boxLimit is the most of what was typed in a small box (a day, a time)
// that is shown again: enough for any mistake a person makes, not a paste
// of a whole document.
const boxLimit = 40
