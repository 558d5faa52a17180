package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// tenderConflict answers a draft saved from a version someone else has
// replaced: 409, the form as typed (typed, in) carrying the current
// version, and how the saved draft now differs from it. A draft that is
// no longer a draft (published or cancelled meanwhile) cannot be saved at
// all, so it gets the plain conflict page.
func (s *Server) tenderConflict(w http.ResponseWriter, r *http.Request, a tally.Access, typed tally.Tender, in pages.TenderForm, boxes map[string][]string) error {
	cur, err := s.store.Tender(r.Context(), a.Scope, typed.ID)
	if err != nil {
		return err
	}
	if !cur.Editable() {
		return errConflict
	}
	in.Version = cur.Version
	c := &components.Conflict{Thing: "this tender"}
	p, err := s.tenderEditPage(r, a, cur.ID, in, tally.FormErrors{components.ConflictID: c.Message()}, boxes)
	if err != nil {
		return err
	}
	codes := map[string]string{}
	for _, m := range p.Measures {
		codes[m.Key] = m.Code
	}
	var typedMeasures []string
	for _, m := range typed.Measures {
		key := measureKey(m)
		target := in.Targets[key]
		if q, err := tally.ParseQuantity(target); err == nil && target != "" {
			target = q.String()
		}
		typedMeasures = append(typedMeasures, measureWords(codes[key], target))
	}
	var savedMeasures []string
	for _, m := range cur.Measures {
		target := ""
		if m.HasTarget {
			target = m.Target.String()
		}
		savedMeasures = append(savedMeasures, measureWords(m.Code, target))
	}
	c.Compare("Reference", cur.Reference, typed.Reference)
	c.Compare("Title", cur.Title, typed.Title)
	c.Compare("Description", cur.Description, typed.Description)
	c.Compare("Category", format.Capitalise(cur.Category), format.Capitalise(typed.Category))
	c.Compare("Estimated contract value", format.Money(cur.EstimatedValue), format.Money(typed.EstimatedValue))
	c.Compare("Contract start date", format.Date(cur.ContractStart), format.Date(typed.ContractStart))
	c.Compare("Contract end date", format.Date(cur.ContractEnd), format.Date(typed.ContractEnd))
	c.Compare("Social value weighting", cur.Weighting.String()+"%", typed.Weighting.String()+"%")
	c.Compare("Reason for a weighting below 10%", cur.WeightingReason, typed.WeightingReason)
	c.Compare("Quantitative share", strconv.Itoa(cur.QuantitativeShare)+"%", strconv.Itoa(typed.QuantitativeShare)+"%")
	c.Compare("Quantitative scoring method", cur.Method.Label(), typed.Method.Label())
	c.Compare("Deadline for offers", format.DateTime(cur.Deadline), format.DateTime(typed.Deadline))
	c.Compare("Measures", strings.Join(savedMeasures, ", "), strings.Join(typedMeasures, ", "))
	p.Conflict = c
	return s.render(w, r, http.StatusConflict, pages.TenderEdit(p))
}

// measureWords is a measure asked for, in a list: "JOB1" or "JOB1 (target 12)".
func measureWords(code, target string) string {
	if target == "" {
		return code
	}
	return code + " (target " + target + ")"
}
