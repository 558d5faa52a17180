package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/a-h/templ"

	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// renderPlain is render without the pool of buffers: the plain version
// that BenchmarkRender times it against and TestRenderMatchesPlain checks
// it with.
func renderPlain(w http.ResponseWriter, status int, c templ.Component) error {
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// listPage is a tender list of 50 rows, the size the pool is for.
func listPage() templ.Component {
	p := pages.TendersPage{Page: components.Page{Title: "Tenders", UserName: "Dana Director", OrgName: "STAR Procurement", OrgSlug: "star"},
		New: "/o/star/tenders/new", Caption: "More than 500 tenders", PageNum: 1, Pages: 11,
		PageLinks: func(n int) string { return "/o/star/tenders?page=" + strconv.Itoa(n) }}
	for i := range 50 {
		p.Rows = append(p.Rows, pages.TenderRow{Href: "/o/star/tenders/" + strconv.Itoa(9800+i), Reference: "SC-STO-2026-00736",
			Title: "Employment support programme", Partner: "Stockport Council", Value: "£720,000.00", Deadline: "26 October 2026, 11:00pm",
			Status: "Awarded", Offers: "7"})
	}
	return pages.Tenders(p)
}

// BenchmarkRender justifies render's pool of buffers: a list page through
// render ("pooled") and through a fresh buffer each time ("plain").
func BenchmarkRender(b *testing.B) {
	page, s := listPage(), &Server{}
	r := httptest.NewRequest(http.MethodGet, "/o/star/tenders", nil)
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.render(httptest.NewRecorder(), r, http.StatusOK, page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := renderPlain(httptest.NewRecorder(), http.StatusOK, page); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestRenderMatchesPlain: a reused buffer sends exactly what a fresh one
// would, page after page, whatever the page before it held.
func TestRenderMatchesPlain(t *testing.T) {
	s := &Server{}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for i, c := range []templ.Component{listPage(), templ.Raw("<p>short</p>"), listPage(), templ.Raw("")} {
		got, want := httptest.NewRecorder(), httptest.NewRecorder()
		if err := s.render(got, r, http.StatusTeapot, c); err != nil {
			t.Fatal(err)
		}
		if err := renderPlain(want, http.StatusTeapot, c); err != nil {
			t.Fatal(err)
		}
		if got.Code != want.Code || got.Body.String() != want.Body.String() ||
			got.Header().Get("Content-Length") != want.Header().Get("Content-Length") {
			t.Errorf("page %d: %d %q, want %d %q", i, got.Code, got.Body.String(), want.Code, want.Body.String())
		}
	}
}
