package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// handleConfirmOffer is the "Check your answers" step: everything the
// submission will send, with links back to change each answer. An offer
// that is not complete goes back to its form with the messages.
func (s *Server) handleConfirmOffer(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, a, f, t, http.StatusOK, nil)
}

func (s *Server) renderConfirm(w http.ResponseWriter, r *http.Request, a tally.Access, f tally.Offer, t tally.Tender, status int, errs tally.FormErrors) error {
	if t.Status != tally.TenderPublished {
		// Nothing to check any more: the offer (read only now) says where
		// it stands.
		return s.render(w, r, status, pages.Offer(s.offerPage(r, a, f, t, formFromOffer(f), errs)))
	}
	if len(errs) == 0 {
		errs = tally.OfferProblems(f, t)
	}
	if len(errs) > 0 {
		// Back to the form, with the messages beside the fields.
		return s.render(w, r, status, pages.Offer(s.offerPage(r, a, f, t, formFromOffer(f), errs)))
	}
	base := route.Path("/o/{org}/offers/{offer}", a.Org.Slug, f.ID)
	p := pages.ConfirmPage{Page: s.page(r, "Check your offer before you submit it"), Back: base, Action: route.Path("/o/{org}/offers/{offer}/submit", a.Org.Slug, f.ID), Version: f.Version,
		TenderTitle: t.Title, TenderRef: t.Reference, Partner: t.Partner.Name, Deadline: format.DateTime(t.Deadline),
		Resubmit: f.Revision > 0}
	change := func(field, what string) []components.SummaryAction {
		return []components.SummaryAction{{Text: "Change", Href: route.Path("/o/{org}/offers/{offer}", a.Org.Slug, f.ID) + "#" + field, Hidden: what}}
	}
	p.Bid = []components.SummaryRow{{Key: "Bid price", Value: format.Money(f.BidPrice), Actions: change("bid_price", "bid price")}}
	lines := map[int64]tally.OfferLine{}
	for _, l := range f.Lines {
		lines[l.TenderMeasureID] = l
	}
	for _, m := range t.Measures {
		l := lines[m.ID]
		id := strconv.FormatInt(m.ID, 10)
		value := format.Money(l.Value)
		if !m.HasProxy {
			value = "No £ value: this measure is recorded only"
		}
		statement := l.Statement
		if statement == "" {
			statement = "None (not needed for a quantity of 0)"
		}
		p.Lines = append(p.Lines, pages.ConfirmLine{Title: m.Code + " " + m.Title, Rows: []components.SummaryRow{
			{Key: "Quantity", Value: format.Quantity(l.Quantity, m.Unit), Actions: change("quantity-"+id, "quantity for "+m.Code)},
			{Key: "Value", Value: value},
			{Key: "How you will deliver it", Value: statement, Actions: change("statement-"+id, "delivery statement for "+m.Code)},
		}})
	}
	p.Totals = []components.SummaryRow{
		{Key: "Social value of the offer", Value: format.Money(f.SocialValue)},
		{Key: "As a percentage of the bid price", Value: format.Percent(tally.SocialValuePercent(f.SocialValue, f.BidPrice))},
	}
	return s.render(w, r, status, pages.Confirm(p))
}

// handleSubmitOffer submits the offer. A repeated submit (double click,
// replay) gets the same receipt and records nothing new.
func (s *Server) handleSubmitOffer(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, _, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	fm, err := parseForm(w, r)
	if err != nil {
		return err
	}
	rc, err := s.store.SubmitOffer(r.Context(), a.Scope, f.ID, atoiOr(fm.raw("version"), -1))
	var t tally.Tender // read again with the offer when the submit fails
	if errors.Is(err, tally.ErrConflict) {
		if f, t, err = s.store.Offer(r.Context(), a.Scope, f.ID); err != nil {
			return err
		}
		return s.renderConfirm(w, r, a, f, t, http.StatusUnprocessableEntity,
			tally.FormErrors{"offer": "This offer was changed in another window or tab. Check it and submit again"})
	}
	fe, err := formErrors(err, nil)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		if f, t, err = s.store.Offer(r.Context(), a.Scope, f.ID); err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Offer(s.offerPage(r, a, f, t, formFromOffer(f), fe)))
	}
	s.logger(r).Info("offer submitted", "offer", f.ID, "receipt", rc.Reference)
	http.Redirect(w, r, route.Path("/o/{org}/offers/{offer}/receipt", a.Org.Slug, f.ID), http.StatusSeeOther)
	return nil
}

// handleOfferReceipt shows the latest submission's receipt.
func (s *Server) handleOfferReceipt(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	rc, err := s.store.OfferReceipt(r.Context(), a.Scope, f.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.Receipt(pages.ReceiptPage{Page: s.page(r, "Offer submitted"),
		Back: route.Path("/o/{org}/offers/{offer}", a.Org.Slug, f.ID), Reference: rc.Reference, SubmittedAt: format.DateTime(rc.SubmittedAt),
		SHA256: rc.SHA256, TenderTitle: t.Title, TenderRef: t.Reference, Partner: t.Partner.Name, Supplier: f.Supplier.Name,
		Deadline: format.DateTime(t.Deadline)}))
}

// handleWithdrawOffer withdraws a submitted offer before the deadline.
func (s *Server) handleWithdrawOffer(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	fm, err := parseForm(w, r)
	if err != nil {
		return err
	}
	err = s.store.WithdrawOffer(r.Context(), a.Scope, f.ID, atoiOr(fm.raw("version"), -1))
	fe, err := formErrors(err, tally.FormErrors{"offer": "This offer was changed in another window or tab. Check it and try again"})
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Offer(s.offerPage(r, a, f, t, formFromOffer(f), fe)))
	}
	s.flash(r, "Your offer is withdrawn. You can submit it again before the deadline.")
	http.Redirect(w, r, route.Path("/o/{org}/offers/{offer}", a.Org.Slug, f.ID), http.StatusSeeOther)
	return nil
}
