package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

const tendersPageSize = 50

// handleTenders lists the organisation's tenders by status, partner and
// text, a page at a time, each with its count of submitted offers.
func (s *Server) handleTenders(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	q := r.URL.Query()
	page := max(1, atoiOr(q.Get("page"), 1))
	f := postgres.TenderFilter{Query: clip(q.Get("q"), 200), Status: tally.TenderStatus(clip(q.Get("status"), 20)),
		Limit: tendersPageSize, Offset: (page - 1) * tendersPageSize}
	for _, c := range tally.Categories {
		if q.Get("category") == c {
			f.Category = c
		}
	}
	switch so := q.Get("sort"); so {
	case "deadline", "value", "reference":
		f.Sort = so
	}
	partnerSlug := clip(q.Get("partner"), 50)
	if p, ok := a.Partner(partnerSlug); ok {
		f.PartnerID = p.ID
	}
	list, total, err := s.store.Tenders(r.Context(), a.Scope, f)
	if err != nil {
		return err
	}
	p := pages.TendersPage{Page: s.page(r, "Tenders"), New: route.Path("/o/{org}/tenders/new", a.Org.Slug), CanCreate: a.Can(tally.RoleBuyer),
		Query: f.Query, Status: string(f.Status), Partner: partnerSlug, Category: f.Category, Sort: f.Sort,
		Caption: total.Text("tender", "tenders"), PageNum: page,
		Pages: total.Pages(tendersPageSize), PageLinks: components.PageLinks(r.URL.Path, q, "page")}
	p.Statuses = []components.Option{{Value: "", Text: "Any status"}}
	for _, st := range []tally.TenderStatus{tally.TenderDraft, tally.TenderPublished, tally.TenderClosed, tally.TenderAwarded, tally.TenderCancelled} {
		p.Statuses = append(p.Statuses, components.Option{Value: string(st), Text: st.Label()})
	}
	p.Categories = []components.Option{{Value: "", Text: "Any category"}}
	for _, c := range tally.Categories {
		p.Categories = append(p.Categories, components.Option{Value: c, Text: format.Capitalise(c)})
	}
	p.Sorts = []components.Option{{Value: "", Text: "Latest deadline first"}, {Value: "deadline", Text: "Soonest deadline first"},
		{Value: "value", Text: "Highest value first"}, {Value: "reference", Text: "Reference, A to Z"}}
	p.Partners = []components.Option{{Value: "", Text: "All partners"}}
	for _, partner := range a.Partners {
		p.Partners = append(p.Partners, components.Option{Value: partner.Slug, Text: partner.Name})
	}
	p.Rows = make([]pages.TenderRow, 0, len(list))
	for _, t := range list {
		p.Rows = append(p.Rows, tenderRow(t, route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, t.ID)))
	}
	return s.render(w, r, http.StatusOK, pages.Tenders(p))
}

func tenderRow(t tally.Tender, href string) pages.TenderRow {
	return pages.TenderRow{Href: href, Reference: t.Reference, Title: t.Title, Partner: t.Partner.Name,
		Value: format.Money(t.EstimatedValue), Deadline: format.DateTime(t.Deadline), Status: t.Status.Label(), Colour: t.Status.Colour(),
		Offers: strconv.Itoa(t.SubmittedOffers), Weighting: t.Weighting.String() + "%", Measures: strconv.Itoa(len(t.Measures))}
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n > 1_000_000 {
		return def
	}
	return n
}

// tenderInScope loads the tender in the URL.
func (s *Server) tenderInScope(r *http.Request, a tally.Access) (tally.Tender, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "tender"), 10, 64)
	if err != nil {
		return tally.Tender{}, errNotFound
	}
	return s.store.Tender(r.Context(), a.Scope, id)
}

// handleTender shows a tender; before the deadline its offers are only
// counted, never shown.
func (s *Server) handleTender(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	return s.renderTender(w, r, a, t, http.StatusOK, nil)
}

func (s *Server) renderTender(w http.ResponseWriter, r *http.Request, a tally.Access, t tally.Tender, status int, errs map[string]string) error {
	buyer := a.Can(tally.RoleBuyer)
	p := pages.TenderPage{Page: s.page(r, t.Title), Back: route.Path("/o/{org}/tenders", a.Org.Slug), Title: t.Title, Reference: t.Reference,
		Edit:    route.Path("/o/{org}/tenders/{tender}/edit", a.Org.Slug, t.ID),
		Publish: route.Path("/o/{org}/tenders/{tender}/publish", a.Org.Slug, t.ID),
		Extend:  route.Path("/o/{org}/tenders/{tender}/extend", a.Org.Slug, t.ID),
		Copy:    route.Path("/o/{org}/tenders/{tender}/copy", a.Org.Slug, t.ID),
		Cancel:  route.Path("/o/{org}/tenders/{tender}/cancel", a.Org.Slug, t.ID),
		Status:  t.Status.Label(), Colour: t.Status.Colour(), Errors: errs,
		CanEdit: buyer && t.Editable(), CanPublish: buyer && t.Editable(), CanExtend: buyer && t.Status == tally.TenderPublished,
		CanCancel: buyer && t.Status != tally.TenderCancelled && t.Status != tally.TenderAwarded, CanCopy: buyer,
		// A cancelled tender's offers are never opened, as the cancel page
		// promises, even once its deadline has passed.
		Sealed:    t.Status == tally.TenderDraft || t.Status == tally.TenderPublished || t.Status == tally.TenderCancelled,
		Cancelled: t.Status == tally.TenderCancelled, Count: t.SubmittedOffers}
	p.Summary = tenderSummary(t)
	for _, m := range t.Measures {
		row := pages.MeasureRow{Code: m.Code, Title: m.Title, Unit: m.Unit, Local: m.Local, Plugin: m.Plugin}
		if m.HasProxy {
			row.Proxy = format.Proxy(m.Proxy)
		}
		if m.HasTarget {
			row.Description = "Target: " + format.Quantity(m.Target, m.Unit)
		}
		p.Measures = append(p.Measures, row)
	}
	if (t.Status == tally.TenderClosed || t.Status == tally.TenderAwarded) && a.Can(evaluators...) {
		p.Evaluation = route.Path("/o/{org}/tenders/{tender}/evaluation", a.Org.Slug, t.ID)
	}
	if t.Status == tally.TenderAwarded {
		if id, err := s.store.ContractForTender(r.Context(), a.Scope, t.ID); err == nil {
			p.Contract = route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, id)
		}
	}
	if !p.Sealed {
		offers, err := s.store.TenderSubmissions(r.Context(), a.Scope, t.ID)
		if err != nil {
			return err
		}
		for _, o := range offers {
			p.Offers = append(p.Offers, []string{o.Supplier.Name, o.Reference, format.DateTime(o.SubmittedAt), format.Money(o.BidPrice),
				format.Money(o.SocialValue), format.Percent(tally.SocialValuePercent(o.SocialValue, o.BidPrice))})
		}
	}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	return s.render(w, r, status, pages.TenderShow(p))
}

func tenderSummary(t tally.Tender) []components.SummaryRow {
	rows := tenderTerms(t, "Partner")
	if t.WeightingReason != "" {
		rows = append(rows, components.SummaryRow{Key: "Reason for the weighting", Value: t.WeightingReason})
	}
	if t.Description != "" {
		rows = append(rows, components.SummaryRow{Key: "Description", Value: t.Description})
	}
	if t.Status == tally.TenderCancelled {
		rows = append(rows, components.SummaryRow{Key: "Cancelled because", Value: t.CancelReason})
	}
	return rows
}

// handleCopyTender makes a new draft from a tender.
func (s *Server) handleCopyTender(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	id, err := s.store.CopyTender(r.Context(), a.Scope, t.ID)
	if errors.Is(err, tally.ErrInvalid) {
		return s.renderTender(w, r, a, t, http.StatusUnprocessableEntity, map[string]string{"copy": "This tender asks for a measure " +
			"that is no longer available to its partner, so it cannot be copied. Register a new tender instead."})
	}
	if err != nil {
		return err
	}
	s.flash(r, "A new draft was made from "+t.Reference+". Check the dates before you publish it.")
	http.Redirect(w, r, route.Path("/o/{org}/tenders/{tender}/edit", a.Org.Slug, id), http.StatusSeeOther)
	return nil
}

func (s *Server) reasonPage(r *http.Request, a tally.Access, t tally.Tender, extend bool) pages.ReasonPage {
	base := route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, t.ID)
	if extend {
		d := t.Deadline.In(tally.London())
		return pages.ReasonPage{Page: s.page(r, "Extend the deadline"), Back: base, Action: route.Path("/o/{org}/tenders/{tender}/extend", a.Org.Slug, t.ID),
			Heading: "Extend the deadline for " + t.Reference, AskDeadline: true, Button: "Extend the deadline",
			Intro:    "The current deadline is " + format.DateTime(t.Deadline) + ". Suppliers who have started an offer are told.",
			Deadline: londonParts(d.AddDate(0, 0, 7))}
	}
	return pages.ReasonPage{Page: s.page(r, "Cancel this tender"), Back: base, Action: route.Path("/o/{org}/tenders/{tender}/cancel", a.Org.Slug, t.ID),
		Heading: "Cancel " + t.Reference, Intro: "Cancelling cannot be undone. Offers already submitted stay sealed and are not evaluated. " +
			"Every supplier who has started an offer is told, with your reason, in Tally and by email.",
		Button: "Cancel this tender", Warning: true}
}

func (s *Server) handleExtendForm(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	if t.Status != tally.TenderPublished {
		return errConflict
	}
	return s.render(w, r, http.StatusOK, pages.Reason(s.reasonPage(r, a, t, true)))
}

// handleExtend moves an open tender's deadline later, with a reason, and
// tells the suppliers who have started offers.
func (s *Server) handleExtend(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	p := s.reasonPage(r, a, t, true)
	p.DateBoxes = map[string][]string{}
	var deadline time.Time
	p.Deadline, deadline = f.deadline("deadline", "New deadline", p.DateBoxes)
	p.Reason = f.text("reason", "a reason for the extension", 2000, true)
	if len(f.Errs) == 0 {
		_, _, err = s.store.ExtendDeadline(r.Context(), a.Scope, t.ID, deadline, p.Reason)
		if f.Errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		p.Errors, p.Title = f.Errs, "Error: "+p.Title
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Reason(p))
	}
	s.flash(r, "The deadline for "+t.Reference+" is now "+format.DateTime(deadline)+".")
	http.Redirect(w, r, route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, t.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) handleCancelForm(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.Reason(s.reasonPage(r, a, t, false)))
}

// handleCancel cancels a tender with a reason.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	p := s.reasonPage(r, a, t, false)
	p.Reason = f.text("reason", "a reason for cancelling", 2000, true)
	if len(f.Errs) > 0 {
		p.Errors, p.Title = f.Errs, "Error: "+p.Title
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Reason(p))
	}
	suppliers, err := s.store.CancelTenderBidders(r.Context(), a.Scope, t.ID, p.Reason)
	if err != nil {
		return err
	}
	msg := t.Reference + " has been cancelled."
	if len(suppliers) > 0 {
		msg += " " + format.Count(len(suppliers), "supplier with an offer has", "suppliers with offers have") + " a message in Tally saying so, and emails are being sent to their people."
	}
	s.flash(r, msg)
	http.Redirect(w, r, route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, t.ID), http.StatusSeeOther)
	return nil
}

// tenderTerms are the facts of a tender everyone reads the same way, the
// council named under partnerKey ("Partner" for its staff, "Council" for
// suppliers).
func tenderTerms(t tally.Tender, partnerKey string) []components.SummaryRow {
	return []components.SummaryRow{
		{Key: partnerKey, Value: t.Partner.Name},
		{Key: "Category", Value: format.Capitalise(t.Category)},
		{Key: "Estimated value", Value: format.Money(t.EstimatedValue)},
		{Key: "Contract", Value: format.Date(t.ContractStart) + " to " + format.Date(t.ContractEnd)},
		{Key: "Deadline for offers", Value: format.DateTime(t.Deadline)},
		{Key: "Social value weighting", Value: t.Weighting.String() + "%"},
		{Key: "Quantitative share", Value: strconv.Itoa(t.QuantitativeShare) + "% (" + t.Method.Label() + ")"},
	}
}
