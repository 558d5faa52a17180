package pages

import (
	"context"
	"io"
	"strconv"
	"testing"

	"github.com/tally-sv/tally/web/components"
)

// BenchmarkTenders renders a full tender list page of 50 rows, as the
// tender list serves it (issue 10: list pages at 64 connections).
func BenchmarkTenders(b *testing.B) {
	p := TendersPage{Page: components.Page{Title: "Tenders", UserName: "Dana Director", OrgName: "STAR Procurement", OrgSlug: "star"},
		New: "/o/star/tenders/new", Caption: "More than 500 tenders", PageNum: 1, Pages: 11,
		PageLinks: func(n int) string { return "/o/star/tenders?page=" + strconv.Itoa(n) }}
	for i := range 50 {
		p.Rows = append(p.Rows, TenderRow{Href: "/o/star/tenders/" + strconv.Itoa(9800+i), Reference: "SC-STO-2026-00736",
			Title: "Employment support programme", Partner: "Stockport Council", Value: "£720,000.00", Deadline: "26 October 2026, 11:00pm",
			Status: "Awarded", Colour: "", Offers: "7"})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Tenders(p).Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
