package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// evaluationOf loads the evaluation of the tender in the URL: 404 while its
// offers are sealed.
func (s *Server) evaluationOf(r *http.Request, a tally.Access, via tally.Opening) (tally.Evaluation, error) {
	t, err := s.tenderInScope(r, a)
	if err != nil {
		return tally.Evaluation{}, err
	}
	return s.store.Evaluation(r.Context(), a.Scope, t.ID, via)
}

// handleEvaluation shows the offers side by side with flags and scores. A
// "Change" link from the award's check page brings the chosen offer and
// reason back in the query, to fill the award form.
func (s *Server) handleEvaluation(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.evaluationOf(r, a, tally.OpenedOnPage)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	typed := map[string]string{"award-offer": clipped(q.Get("offer")), "award-reason": q.Get("reason"),
		"awarded-day": clipped(q.Get("awarded-day")), "awarded-month": clipped(q.Get("awarded-month")), "awarded-year": clipped(q.Get("awarded-year"))}
	if typed["awarded-day"] == "" && typed["awarded-month"] == "" && typed["awarded-year"] == "" {
		delete(typed, "awarded-day") // today's date, below
	}
	return s.renderEvaluation(w, r, a, e, http.StatusOK, nil, typed)
}

// renderEvaluation draws the page; typed holds what the user typed when a
// form failed, so it is shown back: the moderated line ("key", "accepted",
// "reason"), marks and points ("mark-{offer}", "price-{offer}",
// "quality-{offer}") and the award ("award-offer", "award-reason").
func (s *Server) renderEvaluation(w http.ResponseWriter, r *http.Request, a tally.Access, e tally.Evaluation, status int,
	errs map[string]string, typed map[string]string) error {
	t := e.Tender
	open := e.AwardedOfferID == 0
	p := pages.EvaluationPage{Page: s.page(r, "Evaluation: "+t.Title), Back: route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, t.ID),
		CSV:      route.Path("/o/{org}/tenders/{tender}/evaluation.csv", a.Org.Slug, t.ID),
		XLSX:     route.Path("/o/{org}/tenders/{tender}/evaluation.xlsx", a.Org.Slug, t.ID),
		Scores:   route.Path("/o/{org}/tenders/{tender}/evaluation/scores", a.Org.Slug, t.ID),
		Moderate: route.Path("/o/{org}/tenders/{tender}/evaluation/moderate", a.Org.Slug, t.ID),
		Award:    route.Path("/o/{org}/tenders/{tender}/evaluation/award", a.Org.Slug, t.ID),
		Tender:   t.Title, Reference: t.Reference, AwardReason: e.AwardReason, Errors: errs,
		Scheme: fmt.Sprintf("%s scoring; the quantitative score is %d%% of the social value score; social value is weighted %s%% of the whole evaluation.",
			t.Method.Label(), t.QuantitativeShare, t.Weighting),
		CanModerate: open && a.Can(tally.RoleEvaluator, tally.RoleBuyer), CanScore: open && a.Can(tally.RoleEvaluator, tally.RoleBuyer),
		CanAward: open && a.Can(tally.RoleBuyer), AwardOffer: typed["award-offer"], AwardReasonTyped: typed["award-reason"],
		AwardDay: typed["awarded-day"], AwardMonth: typed["awarded-month"], AwardYear: typed["awarded-year"]}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	if _, sent := typed["awarded-day"]; !sent {
		today := time.Now().In(tally.London())
		p.AwardDay, p.AwardMonth, p.AwardYear = strconv.Itoa(today.Day()), strconv.Itoa(int(today.Month())), strconv.Itoa(today.Year())
	}
	ranked := e.Ranked()
	for _, m := range t.Measures {
		p.Measures = append(p.Measures, pages.EvalMeasureRow{Code: m.Code, Title: m.Title, Unit: m.Unit})
	}
	for _, o := range e.Offers {
		v := evalOfferView(o, ranked)
		if o.OfferID == e.AwardedOfferID {
			p.Awarded = o.Supplier.Name
		}
		for i, l := range v.Lines {
			key := strconv.FormatInt(o.OfferID, 10) + "-" + strconv.FormatInt(l.MeasureID, 10)
			if typed["key"] == key {
				v.Lines[i].AcceptedInput, v.Lines[i].Reason = typed["accepted"], typed["reason"]
			}
			for j, m := range t.Measures {
				if m.ID == l.MeasureID {
					p.Measures[j].Cells = append(p.Measures[j].Cells, v.Lines[i])
				}
			}
		}
		id := strconv.FormatInt(o.OfferID, 10)
		if m, ok := typed["mark-"+id]; ok {
			v.Mark, v.PricePoints, v.QualityPoints = m, typed["price-"+id], typed["quality-"+id]
		}
		p.Offers = append(p.Offers, v)
		if !o.Marked {
			p.Unmarked = append(p.Unmarked, v)
		}
	}
	// A measure no offer answered still gets a cell per offer.
	for j := range p.Measures {
		if len(p.Measures[j].Cells) != len(p.Offers) {
			p.Measures[j].Cells = nil
			for _, o := range p.Offers {
				c := pages.EvalLineView{OfferID: o.ID, Submitted: "none", Accepted: "none", Value: format.Money(0)}
				for _, l := range o.Lines {
					if l.Code == p.Measures[j].Code {
						c = l
					}
				}
				p.Measures[j].Cells = append(p.Measures[j].Cells, c)
			}
		}
	}
	if e.AwardedOfferID != 0 {
		if id, err := s.store.ContractForTender(r.Context(), a.Scope, t.ID); err == nil {
			p.Contract = route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, id)
		}
	}
	return s.render(w, r, status, pages.Evaluation(p))
}

// notMarked is what a score that depends on an unmarked offer's
// qualitative mark says: it is unknown, not 0.
const notMarked = "not marked"

// notRecorded is what price or quality points the buyer has not recorded
// say; they count as 0 in the total.
const notRecorded = "not recorded"

// evalOfferView formats one offer for the page. ranked says whether every
// offer is marked, so that ranks mean something.
func evalOfferView(o tally.EvalOffer, ranked bool) pages.EvalOfferView {
	v := pages.EvalOfferView{ID: o.OfferID, Supplier: o.Supplier.Name, Reference: o.Reference, BidPrice: format.Money(o.BidPrice),
		SubmittedValue: format.Money(o.SubmittedValue), Value: format.Money(o.Value), Percent: format.Percent(o.Percent()),
		OfferFlags: o.Flags.Offer, Flags: append([]string(nil), o.Flags.Offer...), Marked: o.Marked, MarkText: notMarked,
		PriceText: notRecorded, QualityText: notRecorded,
		Quantitative: format.Points(o.Score.Quantitative), Qualitative: notMarked, SocialValue: notMarked, Weighted: notMarked,
		Total: notMarked, Rank: "not ranked"}
	if o.Marked {
		v.Mark = strconv.Itoa(o.Mark)
		v.MarkText = strconv.Itoa(o.Mark) + " of 5"
		v.Qualitative, v.SocialValue = format.Points(o.Score.Qualitative), format.Points(o.Score.SocialValue)
		v.Weighted, v.Total = format.Points(o.Score.Weighted), format.Points(o.Total)
	}
	if o.PriceRecorded {
		v.PricePoints, v.PriceText = o.PricePoints.String(), format.Points(o.PricePoints)
	}
	if o.QualityRecorded {
		v.QualityPoints, v.QualityText = o.QualityPoints.String(), format.Points(o.QualityPoints)
	}
	if ranked {
		v.Rank, v.Top = strconv.Itoa(o.TotalRank), o.TotalRank == 1
	}
	for i, l := range o.Lines {
		lv := pages.EvalLineView{OfferID: o.OfferID, MeasureID: l.Measure.ID, Code: l.Measure.Code, Title: l.Measure.Title,
			Unit: l.Measure.Unit, Statement: l.Statement, Submitted: format.Quantity(l.Submitted, l.Measure.Unit),
			Accepted: format.Quantity(l.Accepted, l.Measure.Unit), AcceptedInput: l.Accepted.String(), SubmittedInput: l.Submitted.String(),
			Moderated: l.Moderated, Reason: l.Reason, SubmittedValue: format.Money(l.SubmittedValue), Value: format.Money(l.Value)}
		if i < len(o.Flags.Lines) {
			lv.Flags = o.Flags.Lines[i]
			v.Flags = append(v.Flags, o.Flags.Lines[i]...)
		}
		v.Lines = append(v.Lines, lv)
	}
	return v
}

// handleModerate reduces one line's accepted quantity, with a reason.
func (s *Server) handleModerate(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.evaluationOf(r, a, tally.OpenedOnPage)
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
		if errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return s.renderEvaluation(w, r, a, e, http.StatusUnprocessableEntity, errs, map[string]string{"key": key, "accepted": accepted, "reason": reason})
	}
	s.flash(r, "The moderation is saved and the scores are updated.")
	http.Redirect(w, r, route.Path("/o/{org}/tenders/{tender}/evaluation", a.Org.Slug, e.Tender.ID)+"#bid-"+strconv.FormatInt(offerID, 10), http.StatusSeeOther)
	return nil
}

// handleScores records marks and the wider evaluation's points for every
// offer at once. A bad answer names its offer, and everything sent comes
// back as it was.
func (s *Server) handleScores(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.evaluationOf(r, a, tally.OpenedOnPage)
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
			if err != nil || n < 0 || n > tally.MaxMark {
				f.Errs.Add("mark-"+id, "Select a mark from 0 to 5 for "+o.Supplier.Name)
			}
			m.Mark, m.Marked = n, true
		}
		m.PricePoints, m.NoPricePoints = pointsField(f, "price-"+id, "price points for "+o.Supplier.Name)
		m.QualityPoints, m.NoQualityPoints = pointsField(f, "quality-"+id, "quality points for "+o.Supplier.Name)
		marks = append(marks, m)
	}
	if len(f.Errs) == 0 {
		err = s.store.SaveMarks(r.Context(), a.Scope, e.Tender.ID, marks)
		if f.Errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		return s.renderEvaluation(w, r, a, e, http.StatusUnprocessableEntity, f.Errs, typed)
	}
	s.flash(r, "Marks and points are saved.")
	http.Redirect(w, r, route.Path("/o/{org}/tenders/{tender}/evaluation", a.Org.Slug, e.Tender.ID)+"#marks", http.StatusSeeOther)
	return nil
}

// pointsField reads optional points from 0 to 100; blank is none recorded.
// Anything else, letters, a minus sign or a huge number, gets one message
// that names the field.
func pointsField(f *form, name, label string) (p tally.Points, blank bool) {
	v := f.raw(name)
	if v == "" {
		return 0, true
	}
	p, err := tally.ParsePoints(v)
	if err != nil || len(v) > 12 {
		f.Errs.Add(name, "Enter "+label+" as a number from 0 to 100, like 42.5")
		return 0, false
	}
	return p, false
}

// handleAward checks an award, then shows "Check your answers" with
// everything the award will create; the page's confirm button posts again
// with confirm=yes, which awards the contract and tells every bidder the
// outcome. Whatever is wrong sends the buyer back to the evaluation with
// the choice and reason as sent.
func (s *Server) handleAward(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	e, err := s.evaluationOf(r, a, tally.OpenedOnPage)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	reason := f.text("reason", "a reason", 2000, false)
	day, month, year := clipped(f.raw("awarded-day")), clipped(f.raw("awarded-month")), clipped(f.raw("awarded-year"))
	typed := map[string]string{"award-offer": clipped(f.raw("offer")), "award-reason": f.raw("reason"),
		"awarded-day": day, "awarded-month": month, "awarded-year": year}
	offerID, perr := strconv.ParseInt(f.raw("offer"), 10, 64)
	if perr != nil {
		f.Errs.Add("offer", "Select an offer to award")
	}
	awardedOn, derr := awardDate(day, month, year)
	if derr != "" {
		f.Errs.Add("awarded", derr)
	}
	now := time.Now()
	switch {
	case e.AwardedOfferID != 0:
		f.Errs = tally.FormErrors{"award": "This tender has been awarded: its evaluation can no longer change"}
	case derr == "":
		for k, v := range e.AwardChecks(offerID, reason, awardedOn, now) {
			f.Errs.Add(k, v)
		}
	}
	if len(f.Errs) == 0 && f.raw("confirm") != "yes" {
		return s.render(w, r, http.StatusOK, pages.AwardCheck(awardCheckPage(s.page(r, "Check your answers: award "+e.Tender.Title), a, e, offerID, reason, awardedOn)))
	}
	var contractID int64
	if len(f.Errs) == 0 {
		contractID, _, err = s.store.Award(r.Context(), a.Scope, e.Tender.ID, offerID, reason, awardedOn)
		if f.Errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		// The evaluation loaded above: a refused award may return none
		// (one awarded meanwhile, say).
		return s.renderEvaluation(w, r, a, e, http.StatusUnprocessableEntity, f.Errs, typed)
	}
	s.flash(r, "The contract is awarded. Every bidder has a message in Tally with the outcome, and emails are being sent to their people.")
	http.Redirect(w, r, route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, contractID), http.StatusSeeOther) // #nosec G710 -- a local path: route.Path escapes each part
	return nil
}

// clipped shortens what was typed in a small box, so that a huge paste is
// not sent back whole.
func clipped(s string) string {
	if r := []rune(s); len(r) > boxLimit {
		return string(r[:boxLimit])
	}
	return s
}

// awardDate reads the award date's day, month and year boxes as midday in
// London on that day, or returns a message for the date field.
func awardDate(day, month, year string) (time.Time, string) {
	d, problem := components.ParseDate(components.DateParts{Day: day, Month: month, Year: year}, "Award date", true)
	if problem.Message != "" {
		return time.Time{}, problem.Message
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, tally.London()), ""
}

// awardCheckPage is everything an award of offerID will create, for the
// buyer to check; e.AwardChecks has passed.
func awardCheckPage(page components.Page, a tally.Access, e tally.Evaluation, offerID int64, reason string, awardedOn time.Time) pages.AwardCheckPage {
	o, _ := e.Offer(offerID)
	t := e.Tender
	l := awardedOn.In(tally.London())
	q := url.Values{"offer": {strconv.FormatInt(offerID, 10)}, "awarded-day": {strconv.Itoa(l.Day())},
		"awarded-month": {strconv.Itoa(int(l.Month()))}, "awarded-year": {strconv.Itoa(l.Year())}}
	if reason != "" {
		q.Set("reason", reason)
	}
	p := pages.AwardCheckPage{Page: page, Award: route.Path("/o/{org}/tenders/{tender}/evaluation/award", a.Org.Slug, t.ID),
		Tender: t.Title, Reference: t.Reference, OfferID: strconv.FormatInt(offerID, 10),
		Supplier: o.Supplier.Name, Receipt: o.Reference, BidPrice: format.Money(o.BidPrice), SocialValue: format.Money(o.Value),
		Percent: format.Percent(o.Percent()), Top: o.TotalRank == 1, ContractStart: format.Date(t.ContractStart),
		ContractEnd: format.Date(t.ContractEnd), AwardDate: format.Date(awardedOn), Reason: reason,
		Change:   route.WithQuery(route.Path("/o/{org}/tenders/{tender}/evaluation", a.Org.Slug, t.ID), q) + "#award",
		AwardDay: q.Get("awarded-day"), AwardMonth: q.Get("awarded-month"), AwardYear: q.Get("awarded-year")}
	p.Standing = "Top total: " + format.Points(o.Total) + " points"
	if top := e.Top(); o.TotalRank != 1 && top != nil {
		p.Standing = fmt.Sprintf("Rank %d of %d, total %s points; the top total is %s, %s points", o.TotalRank, len(e.Offers),
			format.Points(o.Total), top.Supplier.Name, format.Points(top.Total))
	}
	for _, l := range o.Lines {
		if l.Accepted > 0 {
			p.KPIs = append(p.KPIs, []string{l.Measure.Code + " " + l.Measure.Title, format.Quantity(l.Accepted, l.Measure.Unit), format.Money(l.Value)})
		}
	}
	return p
}
