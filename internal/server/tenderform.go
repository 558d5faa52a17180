package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// measureKey names a choosable measure in the form: m12 (edition), l3 (local).
func measureKey(m tally.TenderMeasure) string {
	if m.LocalMeasureID != 0 {
		return "l" + strconv.FormatInt(m.LocalMeasureID, 10)
	}
	return "m" + strconv.FormatInt(m.MeasureID, 10)
}

// tenderPartner is the partner a tender form is for: the buyer's own
// partner, or the one a shared-service buyer picked (or the first).
func tenderPartner(a tally.Access, slug string) (tally.Org, bool) {
	if a.Org.Kind == tally.Partner {
		return a.Partners[0], true
	}
	if slug == "" && len(a.Partners) > 0 {
		return a.Partners[0], true
	}
	return a.Partner(slug)
}

// partnerScope narrows a scope to one partner's measure choices: its own
// and its shared service's.
func partnerScope(a tally.Access, p tally.Org) tally.Scope {
	scope := a.Scope
	scope.MeasureOrgIDs = []int64{p.ID}
	if p.SharedServiceID != 0 {
		scope.MeasureOrgIDs = append(scope.MeasureOrgIDs, p.SharedServiceID)
	}
	return scope
}

func (s *Server) tenderEditPage(r *http.Request, a tally.Access, id int64, in pages.TenderForm, errs map[string]string, boxes map[string][]string) (pages.TenderEditPage, error) {
	partner, ok := tenderPartner(a, in.Partner)
	if !ok {
		partner = a.Partners[0]
	}
	settings, err := s.partnerSettings(r, a, partner.ID)
	if err != nil {
		return pages.TenderEditPage{}, err
	}
	available, err := s.store.AvailableMeasures(r.Context(), partnerScope(a, partner))
	if err != nil {
		return pages.TenderEditPage{}, err
	}
	p := pages.TenderEditPage{Page: s.page(r, "Register a tender"), Back: route.Path("/o/{org}/tenders", a.Org.Slug), Action: route.Path("/o/{org}/tenders/new", a.Org.Slug),
		Heading: "Register a tender", Form: in, MaxMeasures: settings.MaxMeasures, Threshold: format.Money(settings.Threshold), Errors: errs, DateBoxes: boxes}
	if id != 0 {
		p.Title, p.Heading = "Edit "+in.Reference, "Edit draft tender"
		p.Back = route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, id)
		p.Action = route.Path("/o/{org}/tenders/{tender}/edit", a.Org.Slug, id)
	}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	if a.Org.Kind == tally.SharedService {
		for _, pa := range a.Partners {
			p.Partners = append(p.Partners, components.Option{Value: pa.Slug, Text: pa.Name})
		}
	}
	for _, m := range available {
		row := pages.MeasureChoiceRow{Key: measureKey(m), Group: m.Edition + " · " + m.Theme, Code: m.Code, Title: m.Title, Unit: m.Unit, Plugin: m.Plugin, Proxy: "Record only"}
		if m.HasProxy {
			row.Proxy = format.Proxy(m.Proxy)
		}
		p.Measures = append(p.Measures, row)
	}
	return p, nil
}

// handleNewTender shows an empty tender form with the partner's defaults.
func (s *Server) handleNewTender(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	partner, ok := tenderPartner(a, clip(r.URL.Query().Get("partner"), 50))
	if !ok {
		return errNotFound
	}
	settings, err := s.partnerSettings(r, a, partner.ID)
	if err != nil {
		return err
	}
	deadline := time.Now().In(tally.London()).AddDate(0, 0, 28)
	deadline = time.Date(deadline.Year(), deadline.Month(), deadline.Day(), 12, 0, 0, 0, tally.London())
	day := time.Date(deadline.Year(), deadline.Month(), deadline.Day(), 0, 0, 0, 0, time.UTC)
	in := pages.TenderForm{Partner: partner.Slug, Weighting: settings.DefaultWeighting.String(), QuantitativeShare: "50",
		Method: string(tally.RelativeValue), Deadline: londonParts(deadline),
		ContractStart: components.DatePartsOf(day.AddDate(0, 1, 0)), ContractEnd: components.DatePartsOf(day.AddDate(2, 1, -1))}
	p, err := s.tenderEditPage(r, a, 0, in, nil, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.TenderEdit(p))
}

// handleEditTender shows a draft's form.
func (s *Server) handleEditTender(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	if !t.Editable() {
		return errConflict
	}
	in := tenderFormOf(t)
	in.FromCheck = r.URL.Query().Get("from") == "check"
	p, err := s.tenderEditPage(r, a, t.ID, in, nil, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.TenderEdit(p))
}

// tenderFormOf is a saved draft as its form shows it.
func tenderFormOf(t tally.Tender) pages.TenderForm {
	in := pages.TenderForm{Partner: t.Partner.Slug, Reference: t.Reference, Title: t.Title, Description: t.Description,
		Category: t.Category, EstimatedValue: t.EstimatedValue.Pounds(), ContractStart: components.DatePartsOf(t.ContractStart),
		ContractEnd: components.DatePartsOf(t.ContractEnd), Weighting: t.Weighting.String(), WeightingReason: t.WeightingReason,
		QuantitativeShare: strconv.Itoa(t.QuantitativeShare), Method: string(t.Method), Deadline: londonParts(t.Deadline),
		Chosen: map[string]bool{}, Targets: map[string]string{}, Version: t.Version}
	for _, m := range t.Measures {
		in.Chosen[measureKey(m)] = true
		if m.HasTarget {
			in.Targets[measureKey(m)] = m.Target.String()
		}
	}
	return in
}

// handleSaveTender validates and saves a draft (new, or an edit). An edit
// of a draft someone else has saved since the form was drawn answers 409
// with the form as typed and what is saved now.
func (s *Server) handleSaveTender(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	var existing tally.Tender
	if r.URL.Path != route.Path("/o/{org}/tenders/new", a.Org.Slug) {
		var err error
		if existing, err = s.tenderInScope(r, a); err != nil {
			return err
		}
		if !existing.Editable() {
			return errConflict
		}
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	boxes := map[string][]string{}
	in, t, choices := readTenderForm(f, a, boxes)
	if existing.ID != 0 {
		// A draft stays with its partner: the one in the caller's access,
		// which knows its shared service (whose measures it may use).
		partner, ok := a.Partner(existing.Partner.Slug)
		if !ok {
			return errNotFound
		}
		t.ID, t.Partner, in.Partner = existing.ID, partner, partner.Slug
		t.Version = atoiOr(f.raw("version"), -1)
		in.Version = t.Version
	}
	if t.Partner.ID != 0 {
		settings, err := s.partnerSettings(r, a, t.Partner.ID)
		if err != nil {
			return err
		}
		tally.CheckTender(t, settings, time.Now(), f.Errs)
	}
	var id int64
	if len(f.Errs) == 0 {
		id, err = s.store.SaveTender(r.Context(), partnerScope(a, t.Partner), t, choices)
		if errors.Is(err, tally.ErrConflict) && existing.ID != 0 {
			return s.tenderConflict(w, r, a, t, in, boxes)
		}
		if f.Errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		p, err := s.tenderEditPage(r, a, existing.ID, in, f.Errs, boxes)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.TenderEdit(p))
	}
	if in.FromCheck {
		// Back to the answers they were checking before publishing.
		s.flash(r, "Draft "+t.Reference+" is saved. Check your answers again, then publish.")
		http.Redirect(w, r, route.Path("/o/{org}/tenders/{tender}/publish", a.Org.Slug, id), http.StatusSeeOther) // #nosec G710 -- a local path: route.Path escapes each part
		return nil
	}
	s.flash(r, "Draft "+t.Reference+" is saved. Publish it when it is ready.")
	http.Redirect(w, r, route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, id), http.StatusSeeOther) // #nosec G710 -- a local path: route.Path escapes each part
	return nil
}

// readTenderForm reads and checks the tender form's fields.
func readTenderForm(f *form, a tally.Access, boxes map[string][]string) (pages.TenderForm, tally.Tender, []postgres.MeasureChoice) {
	in := pages.TenderForm{
		Partner:           f.raw("partner"),
		Reference:         f.text("reference", "a reference", 50, true),
		Title:             f.text("title", "a title", 200, true),
		Description:       f.text("description", "a description", 5000, false),
		EstimatedValue:    f.text("estimated_value", "the estimated contract value", 30, true),
		Weighting:         f.text("weighting", "a weighting", 10, true),
		WeightingReason:   f.text("weighting_reason", "a reason", 2000, false),
		QuantitativeShare: f.text("quantitative_share", "a quantitative share", 20, true),
		FromCheck:         f.raw("from") == "check",
		Chosen:            map[string]bool{},
		Targets:           map[string]string{},
	}
	in.Category = f.choice("category", "Select the category", tally.Categories...)
	in.Method = f.choice("scoring_method", "Select a scoring method", string(tally.RelativeValue), string(tally.RelativePercentage))
	t := tally.Tender{Reference: in.Reference, Title: in.Title, Description: in.Description, Category: in.Category,
		WeightingReason: in.WeightingReason, Method: tally.ScoringMethod(in.Method)}
	partner, ok := tenderPartner(a, in.Partner)
	if !ok {
		f.Errs.Add("partner", "Select the partner council")
	}
	t.Partner = partner
	var err error
	if f.Errs["estimated_value"] == "" {
		t.EstimatedValue, err = tally.ParsePounds(in.EstimatedValue)
		if err != nil {
			f.Errs.Add("estimated_value", fieldMessage("Estimated contract value", "120,000", err))
		}
	}
	if f.Errs["weighting"] == "" {
		t.Weighting, err = tally.ParseWeighting(in.Weighting)
		if err != nil {
			f.Errs.Add("weighting", fieldMessage("Social value weighting", "20 or 12.5", err))
		}
	}
	if f.Errs["quantitative_share"] == "" {
		t.QuantitativeShare, err = strconv.Atoi(in.QuantitativeShare)
		if err != nil || t.QuantitativeShare < 0 || t.QuantitativeShare > 100 {
			f.Errs.Add("quantitative_share", "Quantitative share must be a whole number from 0 to 100, like 50")
		}
	}
	in.ContractStart, t.ContractStart = f.date("contract_start", "Contract start date", true, boxes)
	in.ContractEnd, t.ContractEnd = f.date("contract_end", "Contract end date", true, boxes)
	in.Deadline, t.Deadline = f.deadline("deadline", "Deadline for offers", boxes)
	var choices []postgres.MeasureChoice
	for _, key := range f.r.PostForm["measure"] {
		id, err := strconv.ParseInt(key[min(1, len(key)):], 10, 64)
		if len(key) < 2 || err != nil || (key[0] != 'm' && key[0] != 'l') || in.Chosen[key] {
			continue
		}
		in.Chosen[key] = true
		c := postgres.MeasureChoice{}
		if key[0] == 'm' {
			c.MeasureID = id
		} else {
			c.LocalMeasureID = id
		}
		if target := f.text("target-"+key, "a target", 30, false); target != "" {
			in.Targets[key] = target
			if c.Target, err = tally.ParseQuantity(target); err != nil {
				f.Errs.Add("target-"+key, fieldMessage("Target", "12 or 2.5", err))
			}
			c.HasTarget = true
		}
		choices = append(choices, c)
		t.Measures = append(t.Measures, tally.TenderMeasure{MeasureID: c.MeasureID, LocalMeasureID: c.LocalMeasureID})
	}
	// A target typed beside a measure not ticked is not used, but it is
	// shown again as typed: the buyer may tick the box next.
	for name, vs := range f.r.PostForm {
		if key, ok := strings.CutPrefix(name, "target-"); ok && !in.Chosen[key] && len(vs) > 0 && vs[0] != "" {
			in.Targets[key] = clip(vs[0], 30)
		}
	}
	return in, t, choices
}

// fieldMessage names the field in a parse error whose words do not: letters
// typed in a number get "Social value weighting must be a number, like 20".
func fieldMessage(label, example string, err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "Enter a number using only digits") || strings.HasPrefix(msg, "Use commas only") {
		return label + " must be a number, like " + example
	}
	return msg
}
