package measurecsv

import (
	"strings"
	"unicode/utf8"

	"github.com/tally-sv/tally/internal/export"
	"github.com/tally-sv/tally/internal/tally"
)

// readMeasure reads one data row and the edition name it gives. It records
// each problem and returns false if the row could not be read at all.
func (p *parser) readMeasure(row int, fields []string) (m Measure, edition string, ok bool) {
	if len(fields) != len(p.header) {
		p.errorf(row, "", "This row has %d values but the header has %d columns: check for missing or extra commas, and put double quotes around values that contain commas",
			len(fields), len(p.header))
		return Measure{}, "", false
	}
	get := func(col string) string {
		if i, ok := p.index[col]; ok {
			// Without the "'" that Write (export.Neutralise) puts before
			// a value a spreadsheet would run as a formula.
			return strings.TrimSpace(export.Unquote(strings.TrimSpace(fields[i])))
		}
		return ""
	}
	for _, c := range columns {
		if what := required[c]; what != "" && get(c) == "" {
			p.errorf(row, c, "Enter %s: every measure needs one", what)
		}
	}
	m = Measure{
		Theme:       get(colTheme),
		Outcome:     get(colOutcome),
		Code:        get(colCode),
		Title:       get(colTitle),
		Unit:        get(colUnit),
		Plugin:      get(colPlugin),
		Description: get(colDescription),
	}
	if n := utf8.RuneCountInString(m.Title); n > MaxTitleLen {
		p.errorf(row, colTitle, "The title is %d characters long: shorten it to %d or fewer and move the detail to the description", n, MaxTitleLen)
	}
	if s := get(colProxy); s != "" {
		v, err := tally.ParseProxy(s)
		if err != nil {
			p.errorf(row, colProxy, "%s, or leave it empty for a record-only measure (found %q)", err, s)
		}
		m.Proxy, m.HasProxy = v, err == nil
	}
	if s := get(colMaxPerMillion); s != "" {
		v, err := tally.ParseQuantity(s)
		if err != nil {
			p.errorf(row, colMaxPerMillion, "%s, or leave it empty for no limit (found %q)", err, s)
		}
		m.MaxPerMillion, m.HasMax = v, err == nil
	}
	local, ok := parseBool(get(colLocal))
	if !ok {
		p.errorf(row, colLocal, "Enter true or false (or yes or no), or leave it empty for false (found %q)", get(colLocal))
	}
	m.Local = local
	return m, get(colEdition), true
}

// parseBool reads a yes/no value case-insensitively; empty means false.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "1":
		return true, true
	case "false", "no", "0", "":
		return false, true
	}
	return false, false
}
