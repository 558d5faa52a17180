package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"

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
		p.Nav = navFor(a, r.URL.Path)
	}
	return p
}

// navFor is the service navigation for what the user may do in a.Org. The
// links mirror the permission table.
func navFor(a tally.Access, path string) []components.NavItem {
	base := "/o/" + a.Org.Slug
	var items []components.NavItem
	add := func(label, href string, roles []tally.Role) {
		if !a.Can(roles...) {
			return
		}
		current := path == href || (href != base && strings.HasPrefix(path, href+"/"))
		items = append(items, components.NavItem{Label: label, Href: href, Current: current})
	}
	add("Home", base, members)
	if a.Org.Kind != tally.Supplier {
		add("Dashboard", base+"/dashboard", dashboardReaders)
	}
	if a.Org.Kind != tally.Supplier {
		add("Tenders", base+"/tenders", tenderReaders)
	}
	add("Opportunities", base+"/opportunities", suppliers)
	add("Offers", base+"/offers", suppliers)
	add("Contracts", base+"/contracts", contractReaders)
	add("Returns", base+"/returns", returnReaders)
	if a.Org.Kind == tally.Supplier {
		add("Your record", base+"/record", suppliers)
	} else {
		add("Suppliers", base+"/suppliers", recordReaders)
		add("Reports", base+"/reports/measures", dashboardReaders)
	}
	add("Measures", base+"/measures", members)
	add("People", base+"/users", peopleAdmins)
	if a.Org.Kind != tally.Supplier {
		add("Settings", base+"/settings", admins)
	}
	add("Messages", base+"/notifications", members)
	add("Audit trail", base+"/audit", auditReaders)
	return items
}
