package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"

	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
)

// render writes a page through a buffer, so a failure half-way never sends
// half a page with a 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // keep list-sized buffers, not the rare huge page
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// renderBuffers are written for speed: BenchmarkRender measures render
// with them against renderPlain, a fresh buffer per page, and
// TestRenderMatchesPlain checks both send the same.
//
// They are reused between pages: a list page is some 40 KB, and growing a
// fresh buffer to that size each time was a visible share of the server's
// allocation under load.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// page is the layout information for the current request: who is signed
// in, the organisation, its navigation and any flash message.
func (s *Server) page(r *http.Request, title string) components.Page {
	p := components.Page{Title: title}
	if u := userFrom(r.Context()); u != nil {
		p.UserName = u.Name
		p.Flash = s.sessions.PopString(r.Context(), sessFlash)
	}
	a := accessFrom(r.Context())
	if a.Org.ID != 0 {
		p.OrgName, p.OrgSlug = a.Org.Name, a.Org.Slug
		p.Nav = s.navFor(a, r.URL.Path)
	}
	return p
}

// navFor is the service navigation for what the user may do in a.Org:
// each link is a route pattern, shown to those its guard lets in, so the
// navigation cannot offer a page the route refuses.
func (s *Server) navFor(a tally.Access, path string) []components.NavItem {
	var items []components.NavItem
	add := func(label, pattern string) {
		if !a.Can(s.roles[http.MethodGet+" "+pattern]...) {
			return
		}
		href := route.Path(pattern, a.Org.Slug)
		current := path == href || (pattern != "/o/{org}" && strings.HasPrefix(path, href+"/"))
		items = append(items, components.NavItem{Label: label, Href: href, Current: current})
	}
	add("Home", "/o/{org}")
	if a.Org.Kind != tally.Supplier {
		add("Dashboard", "/o/{org}/dashboard")
	}
	if a.Org.Kind != tally.Supplier {
		add("Tenders", "/o/{org}/tenders")
	}
	add("Opportunities", "/o/{org}/opportunities")
	add("Offers", "/o/{org}/offers")
	add("Contracts", "/o/{org}/contracts")
	add("Returns", "/o/{org}/returns")
	if a.Org.Kind == tally.Supplier {
		add("Your record", "/o/{org}/record")
	} else {
		add("Suppliers", "/o/{org}/suppliers")
		add("Reports", "/o/{org}/reports/measures")
	}
	add("Measures", "/o/{org}/measures")
	add("People", "/o/{org}/users")
	if a.Org.Kind != tally.Supplier {
		add("Settings", "/o/{org}/settings")
	}
	add("Messages", "/o/{org}/notifications")
	add("Audit trail", "/o/{org}/audit")
	return items
}
