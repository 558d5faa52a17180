package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/measurecsv"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/sheet"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// handleMeasures lists the editions available to the organisation; admins
// choose which their buyers may use.
func (s *Server) handleMeasures(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	eds, err := s.store.Editions(r.Context(), a.Scope, a.Org.ID)
	if err != nil {
		return err
	}
	p := pages.MeasuresPage{Page: s.page(r, "Measures"), Import: route.Path("/o/{org}/measures/import", a.Org.Slug),
		Local: route.Path("/o/{org}/measures/local", a.Org.Slug), CanAdmin: a.Can(tally.RoleAdmin), HasLocal: a.Org.Kind != tally.Supplier}
	for _, e := range eds {
		p.Editions = append(p.Editions, pages.EditionRow{ID: e.ID, Name: e.Name, Illustrative: e.Illustrative, Measures: e.Measures,
			Plugins: e.Plugins, Chosen: e.Chosen, ChosenHere: e.ChosenHere, ChosenPlugins: e.ChosenPlugins,
			Href:   route.Path("/o/{org}/measures/{edition}", a.Org.Slug, e.ID),
			Choice: route.Path("/o/{org}/measures/{edition}/choice", a.Org.Slug, e.ID)})
	}
	return s.render(w, r, http.StatusOK, pages.Measures(p))
}

// edition is the edition in the URL, if the organisation can see it.
func (s *Server) edition(r *http.Request, a tally.Access) (tally.Edition, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "edition"), 10, 64)
	if err != nil {
		return tally.Edition{}, errNotFound
	}
	return s.store.Edition(r.Context(), a.Scope, a.Org.ID, id)
}

// handleEdition browses an edition's themes, outcomes and measures, with
// search by code or words and filters by theme and plug-in.
func (s *Server) handleEdition(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.edition(r, a)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := postgres.MeasureFilter{Query: clip(q.Get("q"), 200), Theme: clip(q.Get("theme"), 200), Plugin: clip(q.Get("plugin"), 200)}
	ms, err := s.store.Measures(r.Context(), e.ID, f)
	if err != nil {
		return err
	}
	themes, err := s.store.Themes(r.Context(), e.ID)
	if err != nil {
		return err
	}
	p := pages.EditionPage{Page: s.page(r, e.Name), Back: route.Path("/o/{org}/measures", a.Org.Slug), Name: e.Name, Illustrative: e.Illustrative,
		Export: route.Path("/o/{org}/measures/{edition}/export.csv", a.Org.Slug, e.ID),
		Query:  f.Query, Theme: f.Theme, Plugin: f.Plugin, Count: len(ms)}
	p.Themes = append(p.Themes, components.Option{Value: "", Text: "All themes"})
	for _, t := range themes {
		p.Themes = append(p.Themes, components.Option{Value: t, Text: t})
	}
	p.Plugins = []components.Option{{Value: "", Text: "All measures"}, {Value: "core", Text: "Core measures only"}}
	for _, pl := range e.Plugins {
		p.Plugins = append(p.Plugins, components.Option{Value: pl, Text: pl})
	}
	p.Groups = groupMeasures(ms)
	return s.render(w, r, http.StatusOK, pages.Edition(p))
}

// groupMeasures nests measures by theme and outcome, keeping their order.
func groupMeasures(ms []tally.Measure) []pages.ThemeGroup {
	var groups []pages.ThemeGroup
	for _, m := range ms {
		if len(groups) == 0 || groups[len(groups)-1].Theme != m.Theme {
			groups = append(groups, pages.ThemeGroup{Theme: m.Theme})
		}
		g := &groups[len(groups)-1]
		if len(g.Outcomes) == 0 || g.Outcomes[len(g.Outcomes)-1].Outcome != m.Outcome {
			g.Outcomes = append(g.Outcomes, pages.OutcomeGroup{Outcome: m.Outcome})
		}
		o := &g.Outcomes[len(g.Outcomes)-1]
		o.Measures = append(o.Measures, measureRow(m))
	}
	return groups
}

func measureRow(m tally.Measure) pages.MeasureRow {
	row := pages.MeasureRow{Code: m.Code, Title: m.Title, Description: m.Description, Unit: m.Unit, Local: m.Local,
		Plugin: m.Plugin, Retired: m.Retired}
	if m.HasProxy {
		row.Proxy = format.Proxy(m.Proxy)
	}
	if m.HasMax {
		row.Max = m.MaxPerMillion.String()
	}
	return row
}

// handleEditionExport downloads an edition in the import format; it
// re-imports identically.
func (s *Server) handleEditionExport(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.edition(r, a)
	if err != nil {
		return err
	}
	ed, err := s.store.ExportEdition(r.Context(), a.Scope, a.Org.ID, e.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := measurecsv.Write(&buf, ed); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(ed.Name+".csv"))
	_, err = buf.WriteTo(w)
	return err
}

// handleChooseEdition sets whether the organisation's buyers may use an
// edition, and which plug-ins.
func (s *Server) handleChooseEdition(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.edition(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	chosen := f.checked("chosen")
	var plugins []string
	for _, p := range f.r.PostForm["plugins"] {
		if slices.Contains(e.Plugins, p) && !slices.Contains(plugins, p) {
			plugins = append(plugins, p)
		}
	}
	if !chosen {
		plugins = nil
	}
	if f.raw("confirmed") != "yes" {
		// Switching off what drafts use says which first (settings.go).
		if answered, err := s.checkEditionChoice(w, r, a, e, chosen, plugins); answered || err != nil {
			return err
		}
	}
	if err := s.store.ChooseEdition(r.Context(), a.Scope, a.Org.ID, e.ID, chosen, plugins); err != nil {
		return err
	}
	if chosen {
		s.flash(r, "Your buyers may now use "+e.Name+".")
	} else {
		s.flash(r, "Your buyers may no longer use "+e.Name+".")
	}
	http.Redirect(w, r, route.Path("/o/{org}/measures", a.Org.Slug), http.StatusSeeOther)
	return nil
}

func (s *Server) importPage(r *http.Request, a tally.Access, errs map[string]string, rows [][]string) pages.ImportPage {
	title := "Import a measure edition"
	if len(errs) > 0 {
		title = "Error: " + title
	}
	return pages.ImportPage{Page: s.page(r, title), Back: route.Path("/o/{org}/measures", a.Org.Slug), Action: route.Path("/o/{org}/measures/import", a.Org.Slug), Errors: errs, RowErrors: rows}
}

func (s *Server) handleImportForm(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	return s.render(w, r, http.StatusOK, pages.Import(s.importPage(r, a, nil, nil)))
}

// handleImport imports an uploaded CSV edition: all of it or nothing, with
// every problem named by row and column.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	fail := func(msg string, rows [][]string) error {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Import(s.importPage(r, a, map[string]string{"file": msg}, rows)))
	}
	r.Body = http.MaxBytesReader(w, r.Body, measurecsv.MaxFileSize+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil { // #nosec G120 -- the body is bounded by MaxBytesReader above
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(fmt.Sprintf("The file must be smaller than %d MB", measurecsv.MaxFileSize>>20), nil)
		}
		return fail("Select a CSV file to import", nil)
	}
	defer r.MultipartForm.RemoveAll()
	file, _, err := r.FormFile("file")
	if err != nil {
		return fail("Select a CSV file to import", nil)
	}
	defer file.Close()
	ed, err := measurecsv.Parse(file)
	var rowErrs sheet.Errors
	if errors.As(err, &rowErrs) {
		var rows [][]string
		for _, e := range rowErrs {
			row := "Whole file"
			if e.Row > 0 {
				row = strconv.Itoa(e.Row)
			}
			rows = append(rows, []string{row, e.Column, e.Message})
		}
		msg := "The file has a problem, so nothing was imported: see the table below"
		if len(rowErrs) > 1 {
			msg = fmt.Sprintf("The file has %d problems, so nothing was imported: see the table below", len(rowErrs))
		}
		return fail(msg, rows)
	}
	if err != nil {
		return fail("The file could not be read: select it again", nil)
	}
	id, err := s.store.ImportEdition(r.Context(), a.Scope, a.Org.ID, ed, false)
	fe, err := formErrors(err, nil)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return fail(fe["file"], nil)
	}
	s.flash(r, fmt.Sprintf("Imported %s: %d measures. Choose it below to let your buyers use it.", ed.Name, len(ed.Measures)))
	http.Redirect(w, r, route.Path("/o/{org}/measures/{edition}", a.Org.Slug, id), http.StatusSeeOther)
	return nil
}

// clip makes a query parameter safe to pass to the database: valid UTF-8,
// no NUL bytes, at most n characters.
func clip(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	if r := []rune(s); len(r) > n {
		s = string(r[:n])
	}
	return strings.TrimSpace(s)
}
