package server

import (
	"net/http"
	"strconv"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// returnConflict answers a return saved from a version someone (or another
// tab) has replaced: 409, the form as typed (view.typed) carrying the
// current version, and how the saved return now differs from it. saved
// says the draft itself was saved before a file change met the conflict.
func (s *Server) returnConflict(w http.ResponseWriter, r *http.Request, a tally.Access, id int64, view returnView, saved bool) error {
	rt, err := s.store.Return(r.Context(), a.Scope, id)
	if err != nil {
		return err
	}
	c := &components.Conflict{Thing: "this return"}
	typed := view.typed
	c.Compare("What you delivered this period", rt.Narrative, typed["narrative"])
	for _, l := range rt.Lines {
		id := strconv.FormatInt(l.KPI.ID, 10)
		q, ok := typed["quantity-"+id]
		// Only the lines the form lets the supplier answer: on a queried
		// return the others are decided and not in it.
		if !ok || (rt.Status != tally.ReturnDraft && l.Decision != tally.DecisionQueried) {
			continue
		}
		if v, err := tally.ParseQuantity(q); err == nil && q != "" {
			q = format.Quantity(v, l.KPI.Unit)
		}
		c.Compare("Quantity delivered for "+l.KPI.Code, format.Quantity(l.Quantity, l.KPI.Unit), q)
		if l.Decision == tally.DecisionQueried {
			c.Compare("Your answer about "+l.KPI.Code, l.Answer, typed["answer-"+id])
		}
	}
	c.Compare("The figures relate only to this contract", yesNo(rt.AttestContract), yesNo(typed["attest_contract"] != ""))
	c.Compare("The figures relate only to this period", yesNo(rt.AttestPeriod), yesNo(typed["attest_period"] != ""))
	view.errs, view.saved = map[string]string{components.ConflictID: c.Message()}, saved
	p := s.returnPage(r, a, rt, view)
	p.Conflict = c
	return s.render(w, r, http.StatusConflict, pages.Return(p))
}
