package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// handleVerifyReturn records a contract manager's decisions; queries and
// rejections need a note. The supplier is told.
func (s *Server) handleVerifyReturn(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rt, err := s.returnInScope(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if !returnVerifiable(a, rt) {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(s.returnPage(r, a, rt,
			returnView{errs: map[string]string{"return": "There is nothing on this return to check now"}})))
	}
	typed := map[string]string{}
	var verdicts []postgres.Verdict
	stale := false
	for _, l := range rt.Lines {
		id := strconv.FormatInt(l.KPI.ID, 10)
		if l.Decision != tally.DecisionPending {
			// A decision posted for a line decided since the form was
			// drawn: someone else checked it first.
			if d := f.raw("decision-" + id); d != "" {
				typed["decision-"+id], typed["note-"+id], stale = d, clip(f.raw("note-"+id), 2000), true
			}
			continue
		}
		d := tally.Decision(f.raw("decision-" + id))
		note := f.text("note-"+id, "the question or reason for "+l.KPI.Code, 2000, false)
		typed["decision-"+id], typed["note-"+id] = string(d), note
		switch d {
		case "":
			continue
		case tally.DecisionVerified:
		case tally.DecisionQueried, tally.DecisionRejected:
			if note == "" {
				f.Errs.Add("note-"+id, "Give the question or the reason for "+l.KPI.Code)
			}
		default:
			f.Errs.Add("decision-"+id, "Select a decision for "+l.KPI.Code)
		}
		verdicts = append(verdicts, postgres.Verdict{KPIID: l.KPI.ID, Decision: d, Note: note})
	}
	if stale {
		return s.decisionsConflict(w, r, a, rt.ID, typed)
	}
	if len(verdicts) == 0 && len(f.Errs) == 0 {
		f.Errs.Add("return", "Select a decision for at least one line")
	}
	if len(f.Errs) == 0 {
		decided, err := s.store.VerifyReturn(r.Context(), a.Scope, rt.ID, atoiOr(f.raw("version"), -1), verdicts)
		if errors.Is(err, tally.ErrConflict) {
			return s.decisionsConflict(w, r, a, rt.ID, typed)
		}
		if err == nil {
			rt = decided
		}
		if f.Errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(s.returnPage(r, a, rt, returnView{typed: typed, errs: f.Errs})))
	}
	s.flash(r, "Your decisions are saved.")
	http.Redirect(w, r, route.Path("/o/{org}/returns/{return}", a.Org.Slug, rt.ID), http.StatusSeeOther)
	return nil
}

// decisionsConflict answers a contract manager's decisions made on a
// version of the return's decisions someone else has replaced: 409, the
// decisions as typed (for lines still to decide) and, line by line, what
// is decided now beside what was chosen.
func (s *Server) decisionsConflict(w http.ResponseWriter, r *http.Request, a tally.Access, id int64, typed map[string]string) error {
	rt, err := s.store.Return(r.Context(), a.Scope, id)
	if err != nil {
		return err
	}
	c := &components.Conflict{Thing: "this return", Doing: "checking"}
	for _, l := range rt.Lines {
		id := strconv.FormatInt(l.KPI.ID, 10)
		chose, ok := typed["decision-"+id]
		if !ok || l.Decision == tally.DecisionPending {
			// Not on the form (decided before it was drawn), or still to
			// check: the form below keeps the choice.
			continue
		}
		now := decisionLabel(l.Decision)
		if l.Note != "" {
			now += ": " + l.Note
		}
		mine := "No decision"
		if chose != "" {
			mine = decisionLabel(tally.Decision(chose))
		}
		if note := typed["note-"+id]; note != "" {
			mine += ": " + note
		}
		c.Compare("Decision on "+l.KPI.Code, now, mine)
	}
	p := s.returnPage(r, a, rt, returnView{typed: typed, errs: map[string]string{components.ConflictID: c.Message()}})
	p.Conflict = c
	return s.render(w, r, http.StatusConflict, pages.Return(p))
}
