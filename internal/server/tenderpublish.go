package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// publishPreview is a draft as publishing it now would freeze it (the
// catalogue's current values on its measures) and what, by the partner's
// rules today, stops it being published.
func (s *Server) publishPreview(r *http.Request, a tally.Access, t tally.Tender) (tally.Tender, tally.FormErrors, error) {
	partner, ok := a.Partner(t.Partner.Slug)
	if !ok {
		return t, nil, errNotFound
	}
	preview, err := s.store.PublishPreview(r.Context(), partnerScope(a, partner), t.ID)
	if err != nil {
		return t, nil, err
	}
	settings, err := s.partnerSettings(r, a, partner.ID)
	if err != nil {
		return t, nil, err
	}
	errs := tally.FormErrors{}
	tally.CheckTender(preview, settings, time.Now(), errs)
	return preview, errs, nil
}

// publishFingerprint digests everything the check page shows, so that
// publishing what changed since it was checked asks for a second look.
func publishFingerprint(t tally.Tender) string {
	h := sha256.New()
	fmt.Fprintln(h, t.Reference, t.Title, t.Description, t.Category, int64(t.EstimatedValue), t.ContractStart.Format(time.DateOnly),
		t.ContractEnd.Format(time.DateOnly), t.Deadline.Unix(), int64(t.Weighting), t.WeightingReason, t.QuantitativeShare, t.Method)
	for _, m := range t.Measures {
		fmt.Fprintln(h, m.Edition, m.Code, m.Title, m.Unit, m.HasProxy, int64(m.Proxy), m.HasTarget, int64(m.Target), m.Local, m.Plugin)
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// handlePublishCheck shows everything that publishing a draft sends to
// suppliers and freezes, each answer with a link to change it (GOV.UK
// "Check answers"), then the Publish button.
func (s *Server) handlePublishCheck(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	if !t.Editable() {
		return errConflict
	}
	preview, errs, err := s.publishPreview(r, a, t)
	if err != nil {
		return err
	}
	return s.renderPublishCheck(w, r, a, preview, http.StatusOK, errs)
}

// handlePublishTender freezes the measures' proxy values and opens the
// tender for offers, once the buyer has checked the answers. When the
// draft or a measure's value changed after the check, or the partner's
// rules now refuse it, it shows the check page again with what is wrong.
func (s *Server) handlePublishTender(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	if !t.Editable() {
		return errConflict
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	preview, errs, err := s.publishPreview(r, a, t)
	if err != nil {
		return err
	}
	if checked := f.raw("checked"); len(errs) == 0 && checked != "" && checked != publishFingerprint(preview) {
		errs.Add("changed", "Something changed since you checked these answers (the draft, or a measure's value in the catalogue): check them again, then publish")
	}
	if len(errs) == 0 {
		err = s.store.PublishTender(r.Context(), a.Scope, t.ID)
		if errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return s.renderPublishCheck(w, r, a, preview, http.StatusUnprocessableEntity, errs)
	}
	s.flash(r, t.Reference+" is published: suppliers can now submit offers until "+format.DateTime(t.Deadline)+".")
	http.Redirect(w, r, route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, t.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) renderPublishCheck(w http.ResponseWriter, r *http.Request, a tally.Access, t tally.Tender, status int, errs tally.FormErrors) error {
	base := route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, t.ID)
	change := func(field, what string) []components.SummaryAction {
		return []components.SummaryAction{{Text: "Change", Href: route.Path("/o/{org}/tenders/{tender}/edit", a.Org.Slug, t.ID) + "?from=check#" + field, Hidden: what}}
	}
	row := func(key, value, field string) components.SummaryRow {
		return components.SummaryRow{Key: key, Value: value, Actions: change(field, lowerFirst(key))}
	}
	p := pages.TenderCheckPage{Page: s.page(r, "Check your answers before publishing "+t.Reference), Back: base, Action: route.Path("/o/{org}/tenders/{tender}/publish", a.Org.Slug, t.ID),
		Reference: t.Reference, Checked: publishFingerprint(t), Blocked: len(errs) > 0 && errs["changed"] == "" || len(errs) > 1}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	description := t.Description
	if description == "" {
		description = "None"
	}
	p.Tender = []components.SummaryRow{
		{Key: "Partner council", Value: t.Partner.Name},
		row("Reference", t.Reference, "reference"),
		row("Title", t.Title, "title"),
		row("Description", description, "description"),
		row("Category", format.Capitalise(t.Category), "category"),
		row("Estimated contract value", format.Money(t.EstimatedValue), "estimated_value"),
		row("Contract start date", format.Date(t.ContractStart), "contract_start"),
		row("Contract end date", format.Date(t.ContractEnd), "contract_end"),
		row("Deadline for offers", format.DateTime(t.Deadline), "deadline"),
	}
	reason := t.WeightingReason
	if reason == "" {
		reason = "None given"
	}
	p.Evaluation = []components.SummaryRow{
		row("Social value weighting", t.Weighting.String()+"%", "weighting"),
		row("Reason for the weighting", reason, "weighting_reason"),
		row("Quantitative share of the social value score", strconv.Itoa(t.QuantitativeShare)+"%", "quantitative_share"),
		row("Quantitative scoring method", t.Method.Label(), "scoring_method"),
	}
	for _, m := range t.Measures {
		value := "Record only: no £ value"
		if m.HasProxy {
			value = format.Per(m.Proxy, m.Unit)
		}
		if m.HasTarget {
			value += ". Target: " + format.Quantity(m.Target, m.Unit)
		} else {
			value += ". No target"
		}
		if m.Local {
			value += ". Counts as local"
		}
		if m.Plugin != "" {
			value += ". " + m.Plugin
		}
		p.Measures = append(p.Measures, components.SummaryRow{Key: m.Code + " " + m.Title, Value: value,
			Actions: change("measures", "measure "+m.Code)})
	}
	for _, it := range checkProblems(errs) {
		href := route.Path("/o/{org}/tenders/{tender}/edit", a.Org.Slug, t.ID) + "?from=check#" + it
		if it == "publish" || it == "changed" {
			href = "#publish"
		}
		p.Problems = append(p.Problems, pages.CheckProblem{Message: errs[it], Href: href})
	}
	return s.render(w, r, status, pages.TenderCheck(p))
}

// checkProblems orders the fields with problems as the form does.
func checkProblems(errs tally.FormErrors) []string {
	order := []string{"changed", "publish", "reference", "title", "description", "category", "estimated_value", "contract_start", "contract_end",
		"deadline", "weighting", "weighting_reason", "quantitative_share", "scoring_method", "measures"}
	var out []string
	seen := map[string]bool{}
	for _, k := range order {
		if errs[k] != "" {
			out, seen[k] = append(out, k), true
		}
	}
	for k, v := range errs {
		if !seen[k] && v != "" {
			out = append(out, k)
		}
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
