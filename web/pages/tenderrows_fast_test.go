package pages

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

// benchRows are a tender list page's 50 rows.
func benchRows() []TenderRow {
	var rows []TenderRow
	for i := range 50 {
		rows = append(rows, TenderRow{Href: "/o/star/tenders/" + strconv.Itoa(9800+i), Reference: "SC-STO-2026-00736",
			Title: "Employment support programme", Partner: "Stockport Council", Value: "£720,000.00", Deadline: "26 October 2026, 11:00pm",
			Status: "Awarded", Colour: "green", Offers: "7", Weighting: "10%", Measures: "12"})
	}
	return rows
}

// BenchmarkTenderRows justifies tenderRows: a list page's rows written
// directly ("fast") against the plain templ version ("templ").
func BenchmarkTenderRows(b *testing.B) {
	rows := benchRows()
	for _, c := range []struct {
		name string
		rows func([]TenderRow, bool) templ.Component
	}{{"fast", tenderRows}, {"templ", tenderRowsPlain}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.rows(rows, false).Render(context.Background(), io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestTenderRowsMatchTempl checks the fast path against the plain one:
// the same rows give the same HTML, hostile text and unknown colours
// included, for buyers and for suppliers.
func TestTenderRowsMatchTempl(t *testing.T) {
	hostile := `<script>alert("x")</script>&'`
	cases := map[string][]TenderRow{
		"none":  nil,
		"page":  benchRows(),
		"empty": {{}},
		"hostile": {{Href: `/o/x/tenders/1"onmouseover="alert(1)`, Reference: hostile, Title: hostile, Partner: hostile, Value: hostile,
			Deadline: hostile, Status: hostile, Colour: `red" onclick="x`, Offers: hostile, Weighting: hostile, Measures: hostile}},
		"colours": {{Status: "Open", Colour: "red"}, {Status: "Draft", Colour: "grey"}, {Status: "Awarded", Colour: "blue"}, {Status: "x", Colour: "pink"}},
	}
	for name, rows := range cases {
		for _, forSuppliers := range []bool{false, true} {
			var fast, plain strings.Builder
			if err := tenderRows(rows, forSuppliers).Render(context.Background(), &fast); err != nil {
				t.Fatal(err)
			}
			if err := tenderRowsPlain(rows, forSuppliers).Render(context.Background(), &plain); err != nil {
				t.Fatal(err)
			}
			if fast.String() != plain.String() {
				t.Errorf("%s, forSuppliers=%t:\nfast  %s\ntempl %s", name, forSuppliers, fast.String(), plain.String())
			}
		}
	}
}
