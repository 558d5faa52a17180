package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/tally-sv/tally/internal/evidence"
	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// handleOpportunities lists open tenders from every partner for suppliers,
// filterable by council, category and words.
func (s *Server) handleOpportunities(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	q := r.URL.Query()
	page := max(1, atoiOr(q.Get("page"), 1))
	f := postgres.TenderFilter{Query: clip(q.Get("q"), 200), Category: clip(q.Get("category"), 20), Status: tally.TenderPublished,
		PartnerSlug: clip(q.Get("partner"), 50), Codes: true, Limit: tendersPageSize, Offset: (page - 1) * tendersPageSize}
	list, total, partners, err := s.store.Opportunities(r.Context(), a.Scope, f)
	if err != nil {
		return err
	}
	p := pages.OpportunitiesPage{Page: s.page(r, "Opportunities"), Query: f.Query, Category: f.Category, Partner: f.PartnerSlug,
		Partners: []components.Option{{Value: "", Text: "Any council"}}}
	for _, pa := range partners {
		p.Partners = append(p.Partners, components.Option{Value: pa.Slug, Text: pa.Name})
	}
	p.Caption, p.PageNum, p.Pages = total.Text("open opportunity", "open opportunities"), page, total.Pages(tendersPageSize)
	p.PageLinks = components.PageLinks(r.URL.Path, q, "page")
	p.Rows = make([]pages.TenderRow, 0, len(list))
	for _, t := range list {
		p.Rows = append(p.Rows, pages.TenderRow{Href: route.Path("/o/{org}/opportunities/{tender}", a.Org.Slug, t.ID), Reference: t.Reference,
			Title: t.Title, Partner: t.Partner.Name, Value: format.Money(t.EstimatedValue), Deadline: format.DateTime(t.Deadline),
			Status: t.Status.Label(), Colour: t.Status.Colour(), Offers: strconv.Itoa(t.SubmittedOffers),
			Weighting: t.Weighting.String() + "%", Measures: t.MeasureCodes})
	}
	return s.render(w, r, http.StatusOK, pages.Opportunities(p))
}

// handleOpportunity shows a published tender to a supplier, with a way to
// start or continue its offer.
func (s *Server) handleOpportunity(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	return s.renderOpportunity(w, r, a, t, http.StatusOK, nil)
}

func (s *Server) renderOpportunity(w http.ResponseWriter, r *http.Request, a tally.Access, t tally.Tender, status int, errs map[string]string) error {
	p := pages.OpportunityPage{Page: s.page(r, t.Title), Back: route.Path("/o/{org}/opportunities", a.Org.Slug), Title: t.Title, Ref: t.Reference,
		Status: t.Status.Label(), Colour: t.Status.Colour(), Summary: opportunitySummary(t), Errors: errs, Glossary: glossaryPath}
	descriptions, err := s.store.MeasureDescriptions(r.Context(), a.Scope, t.ID)
	if err != nil {
		return err
	}
	for _, m := range t.Measures {
		p.Measures = append(p.Measures, opportunityMeasure(m, descriptions[m.ID]))
	}
	offerID, err := s.store.SupplierOfferOn(r.Context(), a.Scope, t.ID)
	if err != nil && !errors.Is(err, tally.ErrNotFound) {
		return err
	}
	if offerID != 0 {
		p.Offer = route.Path("/o/{org}/offers/{offer}", a.Org.Slug, offerID)
	} else if t.Status == tally.TenderPublished {
		p.Start = route.Path("/o/{org}/opportunities/{tender}/offer", a.Org.Slug, t.ID)
	}
	return s.render(w, r, status, pages.Opportunity(p))
}

// handleStartOffer starts (or finds) the supplier's offer on a tender.
func (s *Server) handleStartOffer(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	id, err := s.store.StartOffer(r.Context(), a.Scope, t.ID)
	fe, err := formErrors(err, nil)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return s.renderOpportunity(w, r, a, t, http.StatusUnprocessableEntity, fe)
	}
	http.Redirect(w, r, route.Path("/o/{org}/offers/{offer}", a.Org.Slug, id), http.StatusSeeOther)
	return nil
}

// opportunityMeasure is a measure as a supplier reads it before offering.
func opportunityMeasure(m tally.TenderMeasure, description string) pages.OpportunityMeasure {
	row := pages.OpportunityMeasure{Code: m.Code, Title: m.Title, Local: m.Local, Plugin: m.Plugin,
		Description: description, Evidence: evidence.Expected(m.Unit), Proxy: "Record only: no £ value", Unit: format.UnitWords(m.Unit)}
	if m.HasProxy {
		row.Proxy = format.Per(m.Proxy, m.Unit)
	}
	if m.HasTarget {
		row.Target = format.Quantity(m.Target, m.Unit)
	}
	return row
}

// opportunitySummary is what a supplier reads about a tender before
// offering, in words (format).
func opportunitySummary(t tally.Tender) []components.SummaryRow {
	rows := tenderTerms(t, "Council")
	if t.Description != "" {
		rows = append(rows, components.SummaryRow{Key: "Description", Value: t.Description})
	}
	if t.Status == tally.TenderCancelled {
		rows = append(rows, components.SummaryRow{Key: "Cancelled because", Value: t.CancelReason})
	}
	return rows
}
