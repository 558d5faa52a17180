package components

import (
	"context"
	"io"
	"net/url"
	"strconv"

	"github.com/a-h/templ"
)

// SummaryRow is one key and value in a SummaryList.
type SummaryRow struct {
	Key     string
	Value   string
	Content templ.Component // shown instead of Value when set, e.g. a Tag
	Actions []SummaryAction
}

// SummaryAction is a link at the end of a SummaryList row, e.g. "Change".
type SummaryAction struct {
	Text   string // visible link text, e.g. "Change"
	Href   string
	Hidden string // visually hidden rest of the text, e.g. "contract value"
}

// hidden is the visually hidden end of the link text, with its leading
// space, or "".
func (a SummaryAction) hidden() string {
	if a.Hidden == "" {
		return ""
	}
	return " " + a.Hidden
}

// TableSpec describes a table for TableOf.
type TableSpec struct {
	Caption      string
	CaptionClass string // e.g. "govuk-table__caption--m"; "govuk-visually-hidden" hides it
	Head         []string
	Numeric      []bool // per column: right-aligned with tabular figures, for money and counts
	RowHeaders   bool   // the first cell of each row is a <th scope="row">
	Rows         [][]Cell
}

// Cell is one table cell: text, a link, or any component.
type Cell struct {
	Text    string
	Href    string          // when set, Text is a link to Href
	Content templ.Component // when set, shown instead of Text
}

func (t TableSpec) regionLabel() string {
	if t.Caption == "" {
		return "Table"
	}
	return t.Caption
}

func (t TableSpec) numeric(col int) bool {
	return col < len(t.Numeric) && t.Numeric[col]
}

// tagColours are GOV.UK Frontend v6's tag modifiers; blue is the default.
var tagColours = map[string]bool{
	"grey": true, "green": true, "teal": true, "purple": true, "magenta": true,
	"red": true, "orange": true, "yellow": true,
}

// Tag is written for speed: BenchmarkTag measures it against the plain
// templ version, tagPlain, and TestTagMatchesTempl checks both write the
// same HTML.
//
// Tag is a short status label (GOV.UK "Tag"). colour is one of grey, green,
// teal, purple, magenta, red, orange or yellow; anything else (including ""
// and "blue") gives the default blue. RAG ratings use green, yellow and red.
// It is written directly rather than as a templ component: a list has one
// on every row, and templ's class-list handling allocated 5 KB a row.
func Tag(text, colour string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, TagHTML(text, colour))
		return err
	})
}

// TagHTML is Tag's markup, for rows written in Go.
func TagHTML(text, colour string) string {
	class := "govuk-tag"
	if tagColours[colour] { // a fixed set of names: nothing to escape
		class = tagClasses[colour]
	}
	return `<strong class="` + class + `">` + templ.EscapeString(text) + `</strong>`
}

// tagClasses are the class attributes of the coloured tags.
var tagClasses = func() map[string]string {
	m := map[string]string{}
	for c := range tagColours {
		m[c] = "govuk-tag govuk-tag--" + c
	}
	return m
}()

// pageItem is one entry in the pagination list: a page number, or a gap.
type pageItem struct {
	Number   int
	Ellipsis bool
}

// pageItems lists the first and last pages, the current page and its
// neighbours, with ellipses for the gaps, as GOV.UK's pagination guidance
// shows: 1 … 4 [5] 6 … 10.
func pageItems(current, total int) []pageItem {
	var items []pageItem
	last := 0
	for n := 1; n <= total; n++ {
		if n != 1 && n != total && (n < current-1 || n > current+1) {
			continue
		}
		if last != 0 && n-last > 1 {
			if n-last == 2 { // a gap of one page: show it rather than "…"
				items = append(items, pageItem{Number: last + 1})
			} else {
				items = append(items, pageItem{Ellipsis: true})
			}
		}
		items = append(items, pageItem{Number: n})
		last = n
	}
	return items
}

// PageLinks returns an href function for Pagination that keeps the query q
// (filters, sort order) and sets param to the page number, e.g.
// PageLinks("/o/stockport/tenders", r.URL.Query(), "page").
func PageLinks(path string, q url.Values, param string) func(page int) string {
	return func(page int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = append([]string(nil), vs...)
		}
		v.Set(param, strconv.Itoa(page))
		return path + "?" + v.Encode()
	}
}
