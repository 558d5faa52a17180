package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tally-sv/tally/internal/mail"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

func evaluationBase(a tally.Access, tenderID int64) string {
	return tendersBase(a) + "/" + strconv.FormatInt(tenderID, 10) + "/evaluation"
}

// evaluationOf loads the evaluation of the tender in the URL: 404 while its
// offers are sealed.
func (s *Server) evaluationOf(r *http.Request, a tally.Access) (tally.Evaluation, error) {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return tally.Evaluation{}, err
	}
	return s.store.Evaluation(r.Context(), a.Scope, t.ID)
}

// handleEvaluation shows the offers side by side with flags and scores.
func (s *Server) handleEvaluation(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.evaluationOf(r, a)
	if err != nil {
		return err
	}
	return s.renderEvaluation(w, r, a, e, http.StatusOK, nil, nil)
}

// renderEvaluation draws the page; typed holds what the user typed when a
// form failed, so it is shown back.
func (s *Server) renderEvaluation(w http.ResponseWriter, r *http.Request, a tally.Access, e tally.Evaluation, status int,
	errs map[string]string, typed map[string]string) error {
	t := e.Tender
	open := e.AwardedOfferID == 0
	p := pages.EvaluationPage{Page: s.page(r, "Evaluation: "+t.Title), Back: tendersBase(a) + "/" + strconv.FormatInt(t.ID, 10),
		Base: evaluationBase(a, t.ID), Tender: t.Title, Reference: t.Reference, AwardReason: e.AwardReason, Errors: errs,
		Scheme:      fmt.Sprintf("%s; quantitative share %d%%; social value weighting %s%%.", t.Method.Label(), t.QuantitativeShare, t.Weighting),
		CanModerate: open && a.Can(tally.RoleEvaluator, tally.RoleBuyer), CanScore: open && a.Can(tally.RoleEvaluator, tally.RoleBuyer),
		CanAward: open && a.Can(tally.RoleBuyer)}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	for _, o := range e.Offers {
		v := pages.EvalOfferView{ID: o.OfferID, Supplier: o.Supplier.Name, Reference: o.Reference, BidPrice: o.BidPrice.String(),
			SubmittedValue: o.SubmittedValue.String(), Value: o.Value.String(), Percent: o.Percent().Percent1() + "%",
			Flags: o.Flags.Offer, PricePoints: o.PricePoints.String(), QualityPoints: o.QualityPoints.String(),
			Quantitative: o.Score.Quantitative.String(), Qualitative: o.Score.Qualitative.String(),
			SocialValue: o.Score.SocialValue.String(), Weighted: o.Score.Weighted.String(), Total: o.Total.String(),
			Rank: strconv.Itoa(o.TotalRank), Top: o.TotalRank == 1}
		if o.Marked {
			v.Mark = strconv.Itoa(o.Mark)
		}
		if o.OfferID == e.AwardedOfferID {
			p.Awarded = o.Supplier.Name
		}
		for i, l := range o.Lines {
			lv := pages.EvalLineView{MeasureID: l.Measure.ID, Code: l.Measure.Code, Title: l.Measure.Title, Unit: l.Measure.Unit,
				Statement: l.Statement, Submitted: l.Submitted.String(), Accepted: l.Accepted.String(), Moderated: l.Moderated,
				Reason: l.Reason, SubmittedValue: l.SubmittedValue.String(), Value: l.Value.String()}
			if i < len(o.Flags.Lines) {
				lv.Flags = o.Flags.Lines[i]
				v.Flags = append(v.Flags, o.Flags.Lines[i]...)
			}
			key := strconv.FormatInt(o.OfferID, 10) + "-" + strconv.FormatInt(l.Measure.ID, 10)
			if typed != nil && typed["key"] == key {
				lv.Accepted, lv.Reason = typed["accepted"], typed["reason"]
			}
			v.Lines = append(v.Lines, lv)
		}
		if typed != nil {
			id := strconv.FormatInt(o.OfferID, 10)
			if m, ok := typed["mark-"+id]; ok {
				v.Mark, v.PricePoints, v.QualityPoints = m, typed["price-"+id], typed["quality-"+id]
			}
		}
		p.Offers = append(p.Offers, v)
	}
	if e.AwardedOfferID != 0 {
		if id, err := s.store.ContractForTender(r.Context(), a.Scope, t.ID); err == nil {
			p.Contract = contractsBase(a) + "/" + strconv.FormatInt(id, 10)
		}
	}
	return s.render(w, r, status, pages.Evaluation(p))
}

// handleModerate reduces one line's accepted quantity, with a reason.
func (s *Server) handleModerate(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.evaluationOf(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	offerID, err1 := strconv.ParseInt(f.raw("offer"), 10, 64)
	measureID, err2 := strconv.ParseInt(f.raw("measure"), 10, 64)
	if err1 != nil || err2 != nil {
		return errNotFound
	}
	key := fmt.Sprintf("%d-%d", offerID, measureID)
	accepted := f.text("accepted", "the accepted quantity", 30, true)
	reason := f.text("reason", "a reason", 2000, false)
	errs := tally.FormErrors{}
	for k, v := range f.Errs {
		errs.Add(k+"-"+key, v)
	}
	var q tally.Quantity
	if len(errs) == 0 {
		if q, err = tally.ParseQuantity(accepted); err != nil {
			errs.Add("accepted-"+key, err.Error())
		}
	}
	if len(errs) == 0 {
		err = s.store.Moderate(r.Context(), a.Scope, e.Tender.ID, offerID, measureID, q, reason)
		var fe tally.FormErrors
		switch {
		case errors.As(err, &fe):
			errs = fe
		case err != nil:
			return err
		}
	}
	if len(errs) > 0 {
		return s.renderEvaluation(w, r, a, e, http.StatusUnprocessableEntity, errs, map[string]string{"key": key, "accepted": accepted, "reason": reason})
	}
	s.flash(r, "The moderation is saved and the scores are updated.")
	http.Redirect(w, r, evaluationBase(a, e.Tender.ID)+"#bid-"+strconv.FormatInt(offerID, 10), http.StatusSeeOther)
	return nil
}

// handleScores records marks and the wider evaluation's points.
func (s *Server) handleScores(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.evaluationOf(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	typed := map[string]string{}
	var marks []postgres.Marks
	for _, o := range e.Offers {
		id := strconv.FormatInt(o.OfferID, 10)
		m := postgres.Marks{OfferID: o.OfferID}
		mark := f.raw("mark-" + id)
		typed["mark-"+id], typed["price-"+id], typed["quality-"+id] = mark, f.raw("price-"+id), f.raw("quality-"+id)
		if mark != "" {
			n, err := strconv.Atoi(mark)
			if err != nil || n < 0 || n > 5 {
				f.Errs.Add("mark-"+id, "Select a mark from 0 to 5")
			}
			m.Mark, m.Marked = n, true
		}
		for field, dst := range map[string]*tally.Points{"price-" + id: &m.PricePoints, "quality-" + id: &m.QualityPoints} {
			if v := f.text(field, "points", 10, false); v != "" && f.Errs[field] == "" {
				p, err := tally.ParsePoints(v)
				if err != nil {
					f.Errs.Add(field, err.Error())
				}
				*dst = p
			}
		}
		marks = append(marks, m)
	}
	if len(f.Errs) == 0 {
		err = s.store.SaveMarks(r.Context(), a.Scope, e.Tender.ID, marks)
		var fe tally.FormErrors
		switch {
		case errors.As(err, &fe):
			f.Errs = fe
		case err != nil:
			return err
		}
	}
	if len(f.Errs) > 0 {
		return s.renderEvaluation(w, r, a, e, http.StatusUnprocessableEntity, f.Errs, typed)
	}
	s.flash(r, "Marks and points are saved.")
	http.Redirect(w, r, evaluationBase(a, e.Tender.ID), http.StatusSeeOther)
	return nil
}

// handleAward awards the contract, then tells every bidder the outcome.
func (s *Server) handleAward(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.evaluationOf(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	reason := f.text("reason", "a reason", 2000, false)
	offerID, perr := strconv.ParseInt(f.raw("offer"), 10, 64)
	if perr != nil {
		f.Errs.Add("offer", "Select an offer to award")
	}
	var contractID int64
	var awarded tally.Evaluation
	if len(f.Errs) == 0 {
		contractID, awarded, err = s.store.Award(r.Context(), a.Scope, e.Tender.ID, offerID, reason, time.Now())
		var fe tally.FormErrors
		switch {
		case errors.As(err, &fe):
			f.Errs = fe
		case err != nil:
			return err
		}
	}
	if len(f.Errs) > 0 {
		// The evaluation loaded above: a refused award may return none
		// (one awarded meanwhile, say).
		return s.renderEvaluation(w, r, a, e, http.StatusUnprocessableEntity, f.Errs, nil)
	}
	s.tellOutcome(r, a, awarded)
	s.flash(r, "The contract is awarded and every bidder has been told the outcome.")
	http.Redirect(w, r, contractsBase(a)+"/"+strconv.FormatInt(contractID, 10), http.StatusSeeOther)
	return nil
}

// tellOutcome notifies each bidder, in the app and by email, whether it
// won. Nobody learns anything about another supplier's offer.
func (s *Server) tellOutcome(r *http.Request, a tally.Access, e tally.Evaluation) {
	t := e.Tender
	for _, o := range e.Offers {
		won := o.OfferID == e.AwardedOfferID
		subject := "Outcome of " + t.Reference + ": your offer was not successful"
		body := fmt.Sprintf("%s has awarded %s (%s). Your offer was not successful this time. Thank you for bidding.", t.Partner.Name, t.Title, t.Reference)
		if won {
			subject = "Outcome of " + t.Reference + ": you have won the contract"
			body = fmt.Sprintf("%s has awarded %s (%s) to you. Your social value commitments are now contract KPIs; you will report delivery against them each quarter.",
				t.Partner.Name, t.Title, t.Reference)
		}
		if err := s.store.Notify(r.Context(), a.Scope, o.Supplier.ID, subject, body, messageLink(o.Supplier.Slug, "offers", o.OfferID)); err != nil {
			s.logger(r).Error("notify outcome", "err", err.Error())
		}
		emails, err := s.store.SupplierContacts(r.Context(), []int64{o.Supplier.ID})
		if err != nil {
			s.logger(r).Error("outcome contacts", "err", err.Error())
			continue
		}
		for _, to := range emails {
			s.send(r.Context(), mail.Message{To: to, Subject: subject, Body: body + "\n"})
		}
	}
}
