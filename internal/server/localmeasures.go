package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// handleLocalMeasures lists the local measures in reach: the
// organisation's own and its shared service's.
func (s *Server) handleLocalMeasures(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	ms, err := s.store.LocalMeasures(r.Context(), a.Scope)
	if err != nil {
		return err
	}
	p := pages.LocalMeasuresPage{Page: s.page(r, "Local measures"), Back: route.Path("/o/{org}/measures", a.Org.Slug), New: route.Path("/o/{org}/measures/local/new", a.Org.Slug), CanAdmin: a.Can(tally.RoleAdmin)}
	for _, m := range ms {
		row := pages.LocalMeasureRow{MeasureRow: measureRow(m.Measure), Owner: m.OrgName}
		if p.CanAdmin && m.OrgID == a.Org.ID {
			row.Edit = route.Path("/o/{org}/measures/local/{measure}", a.Org.Slug, m.ID)
		}
		p.Rows = append(p.Rows, row)
	}
	return s.render(w, r, http.StatusOK, pages.LocalMeasures(p))
}

// localMeasure is the organisation's own local measure in the URL.
func (s *Server) localMeasure(r *http.Request, a tally.Access) (postgres.LocalMeasure, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "measure"), 10, 64)
	if err != nil {
		return postgres.LocalMeasure{}, errNotFound
	}
	m, err := s.store.LocalMeasureByID(r.Context(), a.Scope, id)
	if err != nil {
		return m, err
	}
	if m.OrgID != a.Org.ID {
		return m, errNotFound // a shared service's measure is read-only to its partners
	}
	return m, nil
}

func (s *Server) localMeasurePage(r *http.Request, a tally.Access, id int64, retired bool, in pages.LocalMeasureForm, errs map[string]string) pages.LocalMeasurePage {
	base := route.Path("/o/{org}/measures/local", a.Org.Slug)
	p := pages.LocalMeasurePage{Page: s.page(r, "Add a local measure"), Back: base, Action: route.Path("/o/{org}/measures/local/new", a.Org.Slug), Heading: "Add a local measure",
		Form: in, Errors: errs}
	if id != 0 {
		p.Title, p.Heading = "Change local measure "+in.Code, "Change local measure"
		p.Action = route.Path("/o/{org}/measures/local/{measure}", a.Org.Slug, id)
		if !retired {
			p.Retire = route.Path("/o/{org}/measures/local/{measure}/retire", a.Org.Slug, id)
		}
	}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	return p
}

func (s *Server) handleNewLocalMeasure(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	return s.render(w, r, http.StatusOK, pages.LocalMeasureEdit(s.localMeasurePage(r, a, 0, false, pages.LocalMeasureForm{}, nil)))
}

func (s *Server) handleLocalMeasure(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	m, err := s.localMeasure(r, a)
	if err != nil {
		return err
	}
	p := s.localMeasurePage(r, a, m.ID, m.Retired, localMeasureFormOf(m), nil)
	p.Version = m.Version
	return s.render(w, r, http.StatusOK, pages.LocalMeasureEdit(p))
}

// localMeasureFormOf is a saved local measure as its form shows it.
func localMeasureFormOf(m postgres.LocalMeasure) pages.LocalMeasureForm {
	in := pages.LocalMeasureForm{Theme: m.Theme, Outcome: m.Outcome, Code: m.Code, Title: m.Title, Unit: m.Unit,
		Local: m.Local, Description: m.Description}
	if m.HasProxy {
		in.Proxy = m.Proxy.String()
	}
	if m.HasMax {
		in.Max = m.MaxPerMillion.String()
	}
	return in
}

// handleSaveLocalMeasure creates (no {measure} in the URL) or updates one.
func (s *Server) handleSaveLocalMeasure(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	var existing postgres.LocalMeasure
	if chi.URLParam(r, "measure") != "" {
		var err error
		if existing, err = s.localMeasure(r, a); err != nil {
			return err
		}
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	in := pages.LocalMeasureForm{
		Theme:       f.text("theme", "a theme", 200, true),
		Outcome:     f.text("outcome", "an outcome", 300, true),
		Code:        f.text("code", "a code", 50, true),
		Title:       f.text("title", "a title", 200, true),
		Unit:        f.text("unit", "a unit", 50, true),
		Proxy:       f.text("proxy", "a proxy value", 30, false),
		Max:         f.text("max_per_million", "a sanity bound", 30, false),
		Description: f.text("description", "guidance", 2000, false),
		Local:       f.checked("local"),
	}
	m := tally.Measure{ID: existing.ID, Theme: in.Theme, Outcome: in.Outcome, Code: in.Code, Title: in.Title, Unit: in.Unit,
		Local: in.Local, Description: in.Description}
	if in.Proxy != "" && f.Errs["proxy"] == "" {
		if m.Proxy, err = tally.ParseProxy(in.Proxy); err != nil {
			f.Errs.Add("proxy", err.Error())
		}
		m.HasProxy = true
	}
	if in.Max != "" && f.Errs["max_per_million"] == "" {
		if m.MaxPerMillion, err = tally.ParseQuantity(in.Max); err != nil {
			f.Errs.Add("max_per_million", err.Error())
		}
		m.HasMax = true
	}
	version := atoiOr(f.raw("version"), -1)
	if len(f.Errs) == 0 {
		_, err = s.store.SaveLocalMeasure(r.Context(), a.Scope, a.Org.ID, m, version)
		if errors.Is(err, tally.ErrConflict) && existing.ID != 0 {
			return s.localMeasureConflict(w, r, a, m, in)
		}
		if f.Errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		p := s.localMeasurePage(r, a, existing.ID, existing.Retired, in, f.Errs)
		p.Version = version
		return s.render(w, r, http.StatusUnprocessableEntity, pages.LocalMeasureEdit(p))
	}
	s.flash(r, "Local measure "+m.Code+" has been saved.")
	http.Redirect(w, r, route.Path("/o/{org}/measures/local", a.Org.Slug), http.StatusSeeOther)
	return nil
}

// localMeasureConflict answers a local measure saved from a version
// someone else has replaced: 409, the form as typed carrying the current
// version, and how the saved measure now differs from it.
func (s *Server) localMeasureConflict(w http.ResponseWriter, r *http.Request, a tally.Access, typed tally.Measure, in pages.LocalMeasureForm) error {
	cur, err := s.store.LocalMeasureByID(r.Context(), a.Scope, typed.ID)
	if err != nil {
		return err
	}
	proxy := func(m tally.Measure) string {
		if !m.HasProxy {
			return "Record only"
		}
		return format.Proxy(m.Proxy)
	}
	bound := func(m tally.Measure) string {
		if !m.HasMax {
			return ""
		}
		return m.MaxPerMillion.String()
	}
	c := &components.Conflict{Thing: "this local measure"}
	c.Compare("Theme", cur.Theme, typed.Theme)
	c.Compare("Outcome", cur.Outcome, typed.Outcome)
	c.Compare("Code", cur.Code, typed.Code)
	c.Compare("Title", cur.Title, typed.Title)
	c.Compare("Unit", cur.Unit, typed.Unit)
	c.Compare("Proxy value", proxy(cur.Measure), proxy(typed))
	c.Compare("Sanity bound per £1 million", bound(cur.Measure), bound(typed))
	c.Compare("Local economic value", yesNo(cur.Local), yesNo(typed.Local))
	c.Compare("Guidance", cur.Description, typed.Description)
	if cur.Retired {
		// Not a field of the form, but the change that moved the version on.
		c.Compare("Offered for new tenders", "No: it has been retired", "Not part of this form")
	}
	p := s.localMeasurePage(r, a, cur.ID, cur.Retired, in, map[string]string{components.ConflictID: c.Message()})
	p.Version, p.Conflict = cur.Version, c
	return s.render(w, r, http.StatusConflict, pages.LocalMeasureEdit(p))
}

// handleRetireLocalMeasure stops a local measure being offered.
func (s *Server) handleRetireLocalMeasure(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	m, err := s.localMeasure(r, a)
	if err != nil {
		return err
	}
	if err := s.store.RetireLocalMeasure(r.Context(), a.Scope, a.Org.ID, m.ID); err != nil {
		return err
	}
	s.flash(r, "Local measure "+m.Code+" has been retired.")
	http.Redirect(w, r, route.Path("/o/{org}/measures/local", a.Org.Slug), http.StatusSeeOther)
	return nil
}
