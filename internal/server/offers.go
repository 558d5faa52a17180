package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/evidence"
	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// offersPageSize is how many offers a page of the supplier's list shows.
const offersPageSize = 50

// offerSortOptions are the orders the list offers, first the default.
var offerSortOptions = []components.Option{
	{Value: "updated", Text: "Most recently changed"}, {Value: "deadline", Text: "Deadline, soonest first"},
	{Value: "council", Text: "Council, A to Z"}, {Value: "tender", Text: "Tender, A to Z"},
	{Value: "value", Text: "Social value, highest first"},
}

// handleOffers lists the supplier's offers, a page at a time, filtered by
// outcome and words and sorted as asked.
func (s *Server) handleOffers(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	q := r.URL.Query()
	page := max(1, atoiOr(q.Get("page"), 1))
	f := postgres.OfferFilter{Query: clip(q.Get("q"), 200), Sort: clip(q.Get("sort"), 20), Limit: offersPageSize, Offset: (page - 1) * offersPageSize}
	if _, ok := postgres.OfferSorts[f.Sort]; !ok {
		f.Sort = "updated"
	}
	statuses := []components.Option{{Value: "", Text: "Any status"}}
	for _, o := range tally.OfferOutcomes {
		statuses = append(statuses, components.Option{Value: string(o), Text: o.Label()})
		if string(o) == q.Get("status") {
			f.Outcome = o
		}
	}
	list, total, err := s.store.SupplierOffers(r.Context(), a.Scope, f)
	if err != nil {
		return err
	}
	p := pages.OffersPage{Page: s.page(r, "Your offers"), Opportunities: route.Path("/o/{org}/opportunities", a.Org.Slug), Query: f.Query,
		Status: string(f.Outcome), Sort: f.Sort, Statuses: statuses, Sorts: offerSortOptions, Caption: total.Text("offer", "offers"),
		PageNum: page, Pages: total.Pages(offersPageSize), PageLinks: components.PageLinks(r.URL.Path, q, "page"),
		Filtered: f.Query != "" || f.Outcome != ""}
	for _, o := range list {
		p.Rows = append(p.Rows, pages.OfferRow{Href: route.Path("/o/{org}/offers/{offer}", a.Org.Slug, o.Offer.ID), Reference: o.Tender.Reference, Title: o.Tender.Title,
			Council: o.Tender.Partner.Name, Deadline: format.DateTime(o.Tender.Deadline), Status: o.Offer.Outcome.Label(),
			Colour: o.Offer.Outcome.Colour(), SocialValue: format.Money(o.Offer.SocialValue)})
	}
	return s.render(w, r, http.StatusOK, pages.Offers(p))
}

// offerInScope loads the offer in the URL: only the supplier's own.
func (s *Server) offerInScope(r *http.Request, a tally.Access) (tally.Offer, tally.Tender, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "offer"), 10, 64)
	if err != nil {
		return tally.Offer{}, tally.Tender{}, errNotFound
	}
	f, t, err := s.store.Offer(r.Context(), a.Scope, id)
	if err == nil && f.Supplier.ID != a.Org.ID {
		err = errNotFound
	}
	return f, t, err
}

// offerForm is what the supplier typed, by tender measure id.
type offerForm struct {
	BidPrice   string
	Quantities map[int64]string
	Statements map[int64]string
}

func formFromOffer(f tally.Offer) offerForm {
	in := offerForm{Quantities: map[int64]string{}, Statements: map[int64]string{}}
	if f.HasBidPrice {
		in.BidPrice = f.BidPrice.Pounds()
	}
	for _, l := range f.Lines {
		if !l.NoQuantity {
			in.Quantities[l.TenderMeasureID] = l.Quantity.String()
		}
		in.Statements[l.TenderMeasureID] = l.Statement
	}
	return in
}

// offerPage is the offer form (or, once the tender has closed, the offer)
// showing in: what was typed, or what is saved.
func (s *Server) offerPage(r *http.Request, a tally.Access, f tally.Offer, t tally.Tender, in offerForm, errs map[string]string) pages.OfferPage {
	p := pages.OfferPage{Page: s.page(r, "Your offer: "+t.Title), Back: route.Path("/o/{org}/offers", a.Org.Slug),
		Action:       route.Path("/o/{org}/offers/{offer}", a.Org.Slug, f.ID),
		TemplateCSV:  route.Path("/o/{org}/offers/{offer}/template.{format}", a.Org.Slug, f.ID, "csv"),
		TemplateXLSX: route.Path("/o/{org}/offers/{offer}/template.{format}", a.Org.Slug, f.ID, "xlsx"),
		Upload:       route.Path("/o/{org}/offers/{offer}/upload", a.Org.Slug, f.ID), TenderTitle: t.Title, TenderRef: t.Reference, Partner: t.Partner.Name, Deadline: format.DateTime(t.Deadline),
		Status: f.Outcome.Label(), Colour: f.Outcome.Colour(), Editable: t.Status == tally.TenderPublished, Version: f.Version,
		BidPrice: in.BidPrice, Errors: errs, Glossary: glossaryPath, Opportunity: route.Path("/o/{org}/opportunities/{tender}", a.Org.Slug, t.ID),
		MaxQuantity: strconv.FormatInt(int64(tally.MaxQuantity/tally.QuantityScale), 10), MaxPence: strconv.FormatInt(int64(tally.MaxPence), 10)}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	if f.Revision > 0 {
		p.Receipt = route.Path("/o/{org}/offers/{offer}/receipt", a.Org.Slug, f.ID)
	}
	if f.Status == tally.OfferSubmitted || (f.Revision > 0 && f.Status == tally.OfferDraft) {
		p.Withdraw = route.Path("/o/{org}/offers/{offer}/withdraw", a.Org.Slug, f.ID)
	}
	if !p.Editable {
		p.BidPrice = "Not entered"
		if f.HasBidPrice {
			p.BidPrice = format.Money(f.BidPrice)
		}
	}
	descriptions, err := s.store.MeasureDescriptions(r.Context(), a.Scope, t.ID)
	if err != nil {
		s.logger(r).Warn("measure descriptions", "tender", t.ID, "err", err)
	}
	// Totals from what was typed, so an invalid form still shows them.
	values := map[int64]tally.Pence{}
	quantities := map[int64]tally.Quantity{}
	var total tally.Pence
	for _, m := range t.Measures {
		if q, err := tally.ParseQuantity(in.Quantities[m.ID]); err == nil {
			quantities[m.ID] = q
			if v, err := tally.LineValue(q, m.ValueProxy()); err == nil {
				values[m.ID] = v
				total += v
			}
		}
	}
	p.SocialValue, p.Percent = format.Money(total), "Enter a bid price"
	if bid, err := tally.ParsePounds(in.BidPrice); err == nil && bid > 0 {
		p.Percent = format.Percent(tally.SocialValuePercent(total, bid))
	}
	for _, m := range t.Measures {
		row := pages.OfferLineRow{ID: m.ID, Code: m.Code, Title: m.Title, Unit: format.UnitWords(m.Unit), Quantity: in.Quantities[m.ID],
			Statement: in.Statements[m.ID], Value: format.Money(values[m.ID]), ProxyRaw: "0",
			Description: descriptions[m.ID], Evidence: evidence.Expected(m.Unit)}
		if _, ok := quantities[m.ID]; ok {
			row.Shown = format.Quantity(quantities[m.ID], m.Unit)
		} else {
			row.Shown = "Not entered"
		}
		if m.HasProxy {
			row.Proxy, row.ProxyRaw = format.Per(m.Proxy, m.Unit), m.Proxy.String()
		}
		if m.HasTarget {
			row.Target = format.Quantity(m.Target, m.Unit)
		}
		p.Lines = append(p.Lines, row)
	}
	return p
}

// handleOffer shows the supplier's offer form (or, once closed, the offer).
func (s *Server) handleOffer(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.Offer(s.offerPage(r, a, f, t, formFromOffer(f), nil)))
}

// handleSaveOffer saves a draft, or saves and goes on to check the
// answers. Without JavaScript, saving is how the totals refresh.
func (s *Server) handleSaveOffer(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	fm, err := parseForm(w, r)
	if err != nil {
		return err
	}
	in, input := readOffer(fm, t, f)
	return s.saveOffer(w, r, a, f, t, atoiOr(fm.raw("version"), -1), in, input, fm.Errs, fm.raw("action") == "review",
		"Your draft is saved. It is not submitted yet.")
}

// saveOffer stores the draft: everything that can be stored, whatever is
// missing. It re-renders the form (422) with what was typed when a value
// could not be stored, when the draft could not be saved at all (the
// deadline passed, another tab changed it), or when the supplier asked to
// review an offer that is not complete; otherwise it redirects, to check
// the answers or back to the form with the flash message saved.
func (s *Server) saveOffer(w http.ResponseWriter, r *http.Request, a tally.Access, f tally.Offer, t tally.Tender, version int,
	in offerForm, input postgres.OfferInput, errs tally.FormErrors, review bool, saved string) error {
	_, err := s.store.SaveOffer(r.Context(), a.Scope, f.ID, version, input)
	if errors.Is(err, tally.ErrConflict) {
		// Saved from a version someone (or another tab) has replaced:
		// nothing was saved; the form keeps what was typed, carries the
		// current version and says how the saved offer differs.
		if f, t, err = s.store.Offer(r.Context(), a.Scope, f.ID); err != nil {
			return err
		}
		c := offerConflict(f, t, in)
		p := s.offerPage(r, a, f, t, in, tally.FormErrors{components.ConflictID: c.Message()})
		p.Conflict = c
		return s.render(w, r, http.StatusConflict, pages.Offer(p))
	}
	fe, err := formErrors(err, nil)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		for k, v := range errs {
			fe.Add(k, v)
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Offer(s.offerPage(r, a, f, t, in, fe)))
	}
	if f, t, err = s.store.Offer(r.Context(), a.Scope, f.ID); err != nil {
		return err
	}
	if len(errs) == 0 && review {
		errs = tally.OfferProblems(f, t)
	}
	if len(errs) > 0 {
		p := s.offerPage(r, a, f, t, in, errs)
		p.Saved = true
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Offer(p))
	}
	if review {
		http.Redirect(w, r, route.Path("/o/{org}/offers/{offer}/submit", a.Org.Slug, f.ID), http.StatusSeeOther)
		return nil
	}
	s.flash(r, saved)
	http.Redirect(w, r, route.Path("/o/{org}/offers/{offer}", a.Org.Slug, f.ID), http.StatusSeeOther)
	return nil
}
