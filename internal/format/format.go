// Package format says money, quantities, units, percentages, dates and
// times in plain English, the same way on pages, in exports and in emails.
//
// Pages use Money, Quantity, Proxy, Percent, Date and Time. Spreadsheets and
// CSV files keep machine-readable values (tally.Pence.Pounds and friends):
// this package is for people.
package format

import (
	"strconv"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/tally"
)

// Minus is the one minus sign Tally shows people (U+2212). CSV files use the
// ASCII hyphen so that spreadsheets read them as numbers.
const Minus = "−"

// NoData is what a ratio with nothing to divide says (SPEC §8).
const NoData = "no data"

// Money says an amount with pence: "£0.70", "£27,500.50", "−£5.00".
func Money(p tally.Pence) string {
	return minus(p.String())
}

// Number says a quantity with thousands separated and no trailing zeros:
// "1,234.5", "74", "0.125".
func Number(q tally.Quantity) string {
	s := q.String()
	sign := ""
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sign, s = Minus, rest
	}
	whole, frac, _ := strings.Cut(s, ".")
	out := sign + group(whole)
	if frac != "" {
		out += "." + frac
	}
	return out
}

// Quantity says an amount of a measure's unit in plain English: "74 devices",
// "1 device", "12.5 FTE", "3.2 tCO2e", "15%". A quantity in pounds is money,
// with pence: "£52,500.50".
func Quantity(q tally.Quantity, unit string) string {
	switch u := strings.TrimSpace(unit); {
	case isPounds(u):
		return Money(poundsOf(q))
	case u == "%":
		return Number(q) + "%"
	case u == "":
		return Number(q)
	default:
		return Number(q) + " " + Unit(q, u)
	}
}

// Unit is unit in the number q needs: "device" for 1, "devices" otherwise.
// Abbreviations (FTE, tCO2e) and units Tally does not know are unchanged.
func Unit(q tally.Quantity, unit string) string {
	if q == tally.QuantityScale {
		if one, ok := singular[strings.ToLower(unit)]; ok {
			return one
		}
	}
	return unit
}

// singular is the one-of form of the plural units in common use.
var singular = map[string]string{
	"hours": "hour", "weeks": "week", "days": "day", "months": "month", "years": "year",
	"people": "person", "devices": "device", "trees": "tree", "tonnes": "tonne",
	"miles": "mile", "organisations": "organisation", "apprentices": "apprentice",
	"volunteers": "volunteer", "jobs": "job", "places": "place", "sessions": "session",
	"kilometres": "kilometre", "litres": "litre", "meals": "meal", "visits": "visit",
}

// Per says a proxy value against its unit: "£240 per week", "£28,000 per FTE",
// "£0.70 per £1", "£12.3456 per hour". Whole pounds are shown without pence;
// otherwise pence, and up to 4 decimal places where the proxy has them.
func Per(p tally.Proxy, unit string) string {
	u := strings.TrimSpace(unit)
	switch {
	case isPounds(u):
		u = "£1"
	case u == "%":
		u = "percentage point"
	case u != "":
		if one, ok := singular[strings.ToLower(u)]; ok {
			u = one
		}
	}
	if u == "" {
		return Proxy(p)
	}
	return Proxy(p) + " per " + u
}

// Proxy says a proxy value in pounds: "£240", "£0.70", "£12.3456".
func Proxy(p tally.Proxy) string {
	s := p.String() // shortest exact form, e.g. "240", "0.7", "12.3456"
	sign := ""
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sign, s = Minus, rest
	}
	whole, frac, _ := strings.Cut(s, ".")
	if frac != "" && len(frac) < 2 {
		frac += strings.Repeat("0", 2-len(frac))
	}
	out := sign + "£" + group(whole)
	if frac != "" {
		out += "." + frac
	}
	return out
}

// Percent says a ratio to 1 decimal place, "26.8%", or NoData when there was
// nothing to divide.
func Percent(r tally.Ratio) string {
	if !r.Defined() {
		return NoData
	}
	return minus(r.Percent1()) + "%"
}

// Date says a day as GOV.UK does: "3 December 2026".
func Date(t time.Time) string {
	return t.In(tally.London()).Format("2 January 2006")
}

// ShortDate says a day in tables: "3 Dec 2026".
func ShortDate(t time.Time) string {
	return t.In(tally.London()).Format("2 Jan 2006")
}

// Time says a time of day as GOV.UK does, in London: "5pm", "5:30pm",
// "midday", "midnight", "9:05am".
func Time(t time.Time) string {
	t = t.In(tally.London())
	h, m := t.Hour(), t.Minute()
	switch {
	case h == 0 && m == 0:
		return "midnight"
	case h == 12 && m == 0:
		return "midday"
	}
	suffix := "am"
	if h >= 12 {
		suffix = "pm"
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	if m == 0 {
		return strconv.Itoa(h12) + suffix
	}
	return strconv.Itoa(h12) + ":" + twoDigits(m) + suffix
}

// DateTime says a moment as GOV.UK does, in London: "5pm on 3 December 2026".
func DateTime(t time.Time) string {
	return Time(t) + " on " + Date(t)
}

// Count says how many of something: "1 offer", "2 offers", "1,204 offers".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	s := strconv.Itoa(n)
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return Minus + group(rest) + " " + many
	}
	return group(s) + " " + many
}

// Integer says a whole number with thousands separated: "1,204", "−3".
func Integer(n int) string {
	s := strconv.Itoa(n)
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return Minus + group(rest)
	}
	return group(s)
}

// isPounds reports whether a unit is money: "£", "£ spent", "GBP".
func isPounds(u string) bool {
	return strings.HasPrefix(u, "£") || strings.EqualFold(u, "GBP")
}

// poundsOf reads a quantity of pounds (thousandths of £1) as pence, rounded
// half up as every value in Tally is.
func poundsOf(q tally.Quantity) tally.Pence {
	v := int64(q)
	neg := v < 0
	if neg {
		v = -v
	}
	p := (v + 5) / 10
	if neg {
		p = -p
	}
	return tally.Pence(p)
}

// minus replaces a leading ASCII hyphen with the minus sign.
func minus(s string) string {
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return Minus + rest
	}
	return s
}

// group separates thousands in a string of digits: "1234567" → "1,234,567".
func group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Points says an evaluation score with 2 decimal places: "87.50", "0.00".
func Points(p tally.Points) string {
	return minus(p.String())
}

// Roles names roles in lower case, in the order given, separated by
// commas: "contract manager, evaluator".
func Roles(roles []tally.Role) string {
	labels := make([]string, len(roles))
	for i, r := range roles {
		labels[i] = strings.ToLower(r.Label())
	}
	return strings.Join(labels, ", ")
}
