package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

func offersBase(a tally.Access) string { return "/o/" + a.Org.Slug + "/offers" }

// handleOffers lists the supplier's offers.
func (s *Server) handleOffers(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	list, err := s.store.SupplierOffers(r.Context(), a.Scope)
	if err != nil {
		return err
	}
	p := pages.OffersPage{Page: s.page(r, "Your offers")}
	for _, o := range list {
		status, _ := offerStatus(o.Offer, o.Tender)
		p.Rows = append(p.Rows, []components.Cell{
			{Text: o.Tender.Title, Href: offersBase(a) + "/" + strconv.FormatInt(o.Offer.ID, 10)},
			{Text: o.Tender.Partner.Name}, {Text: londonTime(o.Tender.Deadline)}, {Text: status}, {Text: o.Offer.SocialValue.String()},
		})
	}
	return s.render(w, r, http.StatusOK, pages.Offers(p))
}

// offerStatus says where an offer stands, for its supplier.
func offerStatus(f tally.Offer, t tally.Tender) (label, colour string) {
	switch {
	case f.Status == tally.OfferSubmitted:
		return "Submitted", "green"
	case f.Status == tally.OfferWithdrawn:
		return "Withdrawn", "red"
	case f.Revision > 0:
		return "Submitted, with unsent changes", "yellow"
	case t.Status != tally.TenderPublished:
		return "Not submitted", "grey"
	}
	return "Draft", "grey"
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
		in.Quantities[l.TenderMeasureID] = l.Quantity.String()
		in.Statements[l.TenderMeasureID] = l.Statement
	}
	return in
}

func (s *Server) offerPage(r *http.Request, a tally.Access, f tally.Offer, t tally.Tender, in offerForm, errs map[string]string) pages.OfferPage {
	base := offersBase(a) + "/" + strconv.FormatInt(f.ID, 10)
	status, colour := offerStatus(f, t)
	p := pages.OfferPage{Page: s.page(r, "Your offer: "+t.Title), Back: offersBase(a), Action: base, Template: base + "/template",
		Upload: base + "/upload", TenderTitle: t.Title, TenderRef: t.Reference, Partner: t.Partner.Name, Deadline: londonTime(t.Deadline),
		Status: status, Colour: colour, Editable: t.Status == tally.TenderPublished, Version: f.Version, BidPrice: in.BidPrice, Errors: errs}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	if f.Revision > 0 {
		p.Receipt = base + "/receipt"
	}
	if f.Status == tally.OfferSubmitted || (f.Revision > 0 && f.Status == tally.OfferDraft) {
		p.Withdraw = base + "/withdraw"
	}
	if !p.Editable && f.HasBidPrice {
		p.BidPrice = f.BidPrice.String()
	}
	// Totals from what was typed, so an invalid form still shows them.
	values := map[int64]tally.Pence{}
	var total tally.Pence
	for _, m := range t.Measures {
		if q, err := tally.ParseQuantity(in.Quantities[m.ID]); err == nil {
			if v, err := tally.LineValue(q, m.ValueProxy()); err == nil {
				values[m.ID] = v
				total += v
			}
		}
	}
	p.SocialValue = total.String()
	p.Percent = "Enter a bid price"
	if bid, err := tally.ParsePounds(in.BidPrice); err == nil && bid > 0 {
		p.Percent = tally.SocialValuePercent(total, bid).Percent1() + "%"
	}
	for _, m := range t.Measures {
		row := pages.OfferLineRow{ID: m.ID, Code: m.Code, Title: m.Title, Unit: m.Unit, Quantity: in.Quantities[m.ID],
			Statement: in.Statements[m.ID], Value: values[m.ID].String(), ProxyRaw: "0"}
		if m.HasProxy {
			row.Proxy, row.ProxyRaw = proxyPounds(m.Proxy), m.Proxy.String()
		}
		if m.HasTarget {
			row.Target = m.Target.String()
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

// readOffer reads the offer form into the store's input, adding messages.
func readOffer(f *form, t tally.Tender) (offerForm, postgres.OfferInput) {
	in := offerForm{BidPrice: f.text("bid_price", "your bid price", 30, false), Quantities: map[int64]string{}, Statements: map[int64]string{}}
	var out postgres.OfferInput
	if in.BidPrice != "" && f.Errs["bid_price"] == "" {
		bid, err := tally.ParsePounds(in.BidPrice)
		switch {
		case err != nil:
			f.Errs.Add("bid_price", err.Error())
		case bid <= 0:
			f.Errs.Add("bid_price", "Enter a bid price of more than £0")
		default:
			out.BidPrice, out.HasBidPrice = bid, true
		}
	}
	for _, m := range t.Measures {
		id := strconv.FormatInt(m.ID, 10)
		qf, sf := "quantity-"+id, "statement-"+id
		in.Quantities[m.ID] = f.text(qf, "a quantity for "+m.Code, 30, false)
		in.Statements[m.ID] = f.text(sf, "a delivery statement for "+m.Code, 2000, false)
		if in.Quantities[m.ID] == "" || f.Errs[qf] != "" {
			continue
		}
		q, err := tally.ParseQuantity(in.Quantities[m.ID])
		if err != nil {
			f.Errs.Add(qf, fmt.Sprintf("%s: %s", m.Code, err.Error()))
			continue
		}
		if q > 0 && in.Statements[m.ID] == "" && f.Errs[sf] == "" {
			f.Errs.Add(sf, fmt.Sprintf("Enter a delivery statement for %s: say how you will deliver it", m.Code))
		}
		out.Lines = append(out.Lines, tally.OfferLine{TenderMeasureID: m.ID, Quantity: q, Statement: in.Statements[m.ID]})
	}
	return in, out
}

// handleSaveOffer saves a draft, or saves and goes on to the confirmation
// step. Without JavaScript, saving is how the totals refresh.
func (s *Server) handleSaveOffer(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	fm, err := parseForm(w, r)
	if err != nil {
		return err
	}
	in, input := readOffer(fm, t)
	return s.saveOffer(w, r, a, f, t, atoiOr(fm.raw("version"), -1), in, input, fm.Errs, fm.raw("action") == "review")
}

// saveOffer stores a valid draft and redirects, or re-renders the form with
// the user's input and messages.
func (s *Server) saveOffer(w http.ResponseWriter, r *http.Request, a tally.Access, f tally.Offer, t tally.Tender, version int,
	in offerForm, input postgres.OfferInput, errs tally.FormErrors, review bool) error {
	if len(errs) == 0 {
		saved, err := s.store.SaveOffer(r.Context(), a.Scope, f.ID, version, input)
		var fe tally.FormErrors
		switch {
		case errors.As(err, &fe):
			errs = fe
		case errors.Is(err, tally.ErrConflict):
			errs = tally.FormErrors{"offer": "This offer was changed in another window or tab. Check it and save again"}
			f, t, _ = s.store.Offer(r.Context(), a.Scope, f.ID)
		case err != nil:
			return err
		default:
			f = saved
		}
	}
	if len(errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Offer(s.offerPage(r, a, f, t, in, errs)))
	}
	base := offersBase(a) + "/" + strconv.FormatInt(f.ID, 10)
	if review {
		http.Redirect(w, r, base+"/submit", http.StatusSeeOther)
		return nil
	}
	s.flash(r, "Your draft is saved. It is not submitted yet.")
	http.Redirect(w, r, base, http.StatusSeeOther)
	return nil
}

// handleConfirmOffer shows the totals and asks the supplier to confirm.
func (s *Server) handleConfirmOffer(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, a, f, t, http.StatusOK, nil)
}

func (s *Server) renderConfirm(w http.ResponseWriter, r *http.Request, a tally.Access, f tally.Offer, t tally.Tender, status int, errs map[string]string) error {
	if len(errs) > 0 {
		// Incomplete: back to the form with the messages beside the fields.
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Offer(s.offerPage(r, a, f, t, formFromOffer(f), errs)))
	}
	base := offersBase(a) + "/" + strconv.FormatInt(f.ID, 10)
	p := pages.ConfirmPage{Page: s.page(r, "Check your offer"), Back: base, Action: base + "/submit", Version: f.Version,
		TenderTitle: t.Title, BidPrice: "Not entered", SocialValue: f.SocialValue.String(), Percent: "–"}
	if f.HasBidPrice {
		p.BidPrice = f.BidPrice.String()
		p.Percent = tally.SocialValuePercent(f.SocialValue, f.BidPrice).Percent1() + "%"
	}
	lines := map[int64]tally.OfferLine{}
	for _, l := range f.Lines {
		lines[l.TenderMeasureID] = l
	}
	for _, m := range t.Measures {
		l := lines[m.ID]
		p.Lines = append(p.Lines, []string{m.Code + " " + m.Title, l.Quantity.String() + " " + m.Unit, l.Value.String()})
	}
	return s.render(w, r, status, pages.Confirm(p))
}

// handleSubmitOffer submits the offer. A repeated submit (double click,
// replay) gets the same receipt and records nothing new.
func (s *Server) handleSubmitOffer(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	fm, err := parseForm(w, r)
	if err != nil {
		return err
	}
	rc, err := s.store.SubmitOffer(r.Context(), a.Scope, f.ID, atoiOr(fm.raw("version"), -1))
	var fe tally.FormErrors
	switch {
	case errors.As(err, &fe):
		return s.renderConfirm(w, r, a, f, t, http.StatusUnprocessableEntity, fe)
	case errors.Is(err, tally.ErrConflict):
		return s.renderConfirm(w, r, a, f, t, http.StatusUnprocessableEntity,
			map[string]string{"offer": "This offer was changed in another window or tab. Check it and submit again"})
	case err != nil:
		return err
	}
	s.logger(r).Info("offer submitted", "offer", f.ID, "receipt", rc.Reference)
	http.Redirect(w, r, offersBase(a)+"/"+strconv.FormatInt(f.ID, 10)+"/receipt", http.StatusSeeOther)
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
		Back: offersBase(a) + "/" + strconv.FormatInt(f.ID, 10), Reference: rc.Reference, SubmittedAt: londonTime(rc.SubmittedAt),
		SHA256: rc.SHA256, TenderTitle: t.Title}))
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
	var fe tally.FormErrors
	switch {
	case errors.As(err, &fe):
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Offer(s.offerPage(r, a, f, t, formFromOffer(f), fe)))
	case errors.Is(err, tally.ErrConflict):
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Offer(s.offerPage(r, a, f, t, formFromOffer(f),
			map[string]string{"offer": "This offer was changed in another window or tab. Check it and try again"})))
	case err != nil:
		return err
	}
	s.flash(r, "Your offer is withdrawn. You can submit it again before the deadline.")
	http.Redirect(w, r, offersBase(a)+"/"+strconv.FormatInt(f.ID, 10), http.StatusSeeOther)
	return nil
}
