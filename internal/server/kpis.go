package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

func kpiOf(c tally.Contract, r *http.Request) (tally.KPI, bool) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "kpi"), 10, 64)
	for _, k := range c.KPIs {
		if k.ID == id {
			return k, true
		}
	}
	return tally.KPI{}, false
}

func (s *Server) kpiChangePage(r *http.Request, a tally.Access, c tally.Contract, k tally.KPI, values map[string]string, reason string, errs map[string]string) pages.KPIChangePage {
	base := route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, c.ID)
	p := pages.KPIChangePage{Page: s.page(r, "Change targets for "+k.Code), Back: base, Action: route.Path("/o/{org}/contracts/{contract}/kpis/{kpi}", a.Org.Slug, c.ID, k.ID),
		Heading: "Change targets for " + k.Code + " " + k.Title, Reason: reason, Errors: errs, Version: k.Version,
		Committed: format.Quantity(k.Quantity, k.Unit), Supplier: c.Supplier.Name}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	today := londonDay(time.Now())
	for _, t := range k.Targets {
		name := "target-" + strconv.Itoa(t.Period.Number)
		v, ok := values[name]
		if !ok {
			v = t.Target.String()
		}
		in := pages.KPIPeriodInput{Name: name, Value: v, Locked: t.Locked(today), Target: format.Quantity(t.Target, k.Unit),
			Label: "Period " + strconv.Itoa(t.Period.Number) + " (" + format.ShortDate(t.Period.Start) + " to " + format.ShortDate(t.Period.LastDay()) + "), in " + k.Unit}
		if in.Locked {
			p.Locked++
		}
		p.Periods = append(p.Periods, in)
	}
	return p
}

func (s *Server) handleKPIForm(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	c, err := s.contractInScope(r, a)
	if err != nil {
		return err
	}
	k, ok := kpiOf(c, r)
	if !ok {
		return errNotFound
	}
	return s.render(w, r, http.StatusOK, pages.KPIChange(s.kpiChangePage(r, a, c, k, nil, "", nil)))
}

// handleKPIChange re-baselines a KPI: new targets for the periods to come
// (those ended or with a return in keep theirs, whatever is posted), with
// a required reason. The supplier is told.
func (s *Server) handleKPIChange(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	c, err := s.contractInScope(r, a)
	if err != nil {
		return err
	}
	k, ok := kpiOf(c, r)
	if !ok {
		return errNotFound
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	values := map[string]string{}
	var targets []tally.Quantity
	today := londonDay(time.Now())
	for _, t := range k.Targets {
		if t.Locked(today) {
			targets = append(targets, t.Target)
			continue
		}
		name := "target-" + strconv.Itoa(t.Period.Number)
		values[name] = f.text(name, "a target", 30, true)
		q, err := tally.ParseQuantity(values[name])
		if err != nil && f.Errs[name] == "" {
			f.Errs.Add(name, fieldMessage("Period "+strconv.Itoa(t.Period.Number)+"'s target", "12 or 2.5", err))
		}
		targets = append(targets, q)
	}
	reason := f.text("reason", "a reason for the change", 2000, true)
	version := atoiOr(f.raw("version"), -1)
	if len(f.Errs) == 0 {
		err := s.store.SetKPITargets(r.Context(), a.Scope, c.ID, k.ID, version, targets, reason)
		if errors.Is(err, tally.ErrConflict) {
			return s.kpiConflict(w, r, a, c.ID, k.ID, values, reason)
		}
		if f.Errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		// Still the version the form was drawn from: a fix of the typing
		// must not pass over someone else's change.
		k.Version = version
		return s.render(w, r, http.StatusUnprocessableEntity, pages.KPIChange(s.kpiChangePage(r, a, c, k, values, reason, f.Errs)))
	}
	s.flash(r, "The targets for "+k.Code+" are changed. "+c.Supplier.Name+" has a message in Tally saying so, and emails are being sent to its people.")
	http.Redirect(w, r, route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, c.ID), http.StatusSeeOther)
	return nil
}

// kpiConflict answers targets saved from a version of the KPI someone else
// has replaced: 409, the form as typed carrying the current version, and
// how the saved targets now differ from it.
func (s *Server) kpiConflict(w http.ResponseWriter, r *http.Request, a tally.Access, contractID, kpiID int64, values map[string]string, reason string) error {
	c, err := s.store.Contract(r.Context(), a.Scope, contractID)
	if err != nil {
		return err
	}
	var k tally.KPI
	for _, x := range c.KPIs {
		if x.ID == kpiID {
			k = x
		}
	}
	if k.ID == 0 {
		return errNotFound
	}
	conflict := &components.Conflict{Thing: "these targets"}
	for _, t := range k.Targets {
		name := "target-" + strconv.Itoa(t.Period.Number)
		typed, ok := values[name]
		if !ok {
			continue // a fixed period: not on the form
		}
		if q, err := tally.ParseQuantity(typed); err == nil {
			typed = format.Quantity(q, k.Unit)
		}
		conflict.Compare("Period "+strconv.Itoa(t.Period.Number)+"'s target", format.Quantity(t.Target, k.Unit), typed)
	}
	p := s.kpiChangePage(r, a, c, k, values, reason, map[string]string{components.ConflictID: conflict.Message()})
	p.Conflict = conflict
	return s.render(w, r, http.StatusConflict, pages.KPIChange(p))
}
