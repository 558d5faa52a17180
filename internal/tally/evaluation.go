package tally

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// EvalLine is one line of a submitted offer as the evaluators see it: what
// was submitted and what they accepted.
type EvalLine struct {
	Measure        TenderMeasure
	Statement      string
	Submitted      Quantity
	Accepted       Quantity // equals Submitted unless moderated
	Moderated      bool
	Reason         string // why it was moderated
	SubmittedValue Pence
	Value          Pence // accepted quantity × frozen proxy
}

// EvalOffer is one standing submission on a tender, with the evaluators'
// work on it and the results.
type EvalOffer struct {
	OfferID       int64
	Supplier      Org
	Reference     string
	SubmittedAt   time.Time
	BidPrice      Pence
	Lines         []EvalLine
	Mark          int
	Marked        bool
	PricePoints   Points // from the wider evaluation, recorded by the buyer
	QualityPoints Points
	// PriceRecorded and QualityRecorded say whether the buyer has recorded
	// the points; points not recorded count as 0 in the total.
	PriceRecorded   bool
	QualityRecorded bool

	// Results, filled by Evaluate.
	SubmittedValue Pence
	Value          Pence // moderated social value
	Flags          OfferFlags
	Score          Score
	Total          Points // weighted social value + price + quality points
	TotalRank      int
}

// Percent is the moderated social value as a share of the bid price.
func (o EvalOffer) Percent() Ratio { return SocialValuePercent(o.Value, o.BidPrice) }

// Opening is how a person opened a tender's offers, for the audit log.
type Opening string

const (
	OpenedOnPage Opening = "page" // the evaluation page
	OpenedAsCSV  Opening = "csv"  // the evaluation record as CSV
	OpenedAsXLSX Opening = "xlsx" // the evaluation record as an Excel workbook
)

// Evaluation is a tender's offers side by side, scored.
type Evaluation struct {
	Tender         Tender
	Offers         []EvalOffer
	AwardedOfferID int64
	AwardReason    string
}

// Top is the offer with the best total, or nil when there are none.
func (e Evaluation) Top() *EvalOffer {
	for i := range e.Offers {
		if e.Offers[i].TotalRank == 1 {
			return &e.Offers[i]
		}
	}
	return nil
}

// Evaluate values every line at its accepted quantity, flags offers for
// checking, and scores and ranks them by SPEC §6. It fills the results of
// each offer in e.Offers.
func Evaluate(e *Evaluation) error {
	flagIn := make([]FlagOffer, len(e.Offers))
	scoreIn := make([]ScoreInput, len(e.Offers))
	for i := range e.Offers {
		o := &e.Offers[i]
		var submitted, accepted []ValueLine
		fo := FlagOffer{BidPrice: o.BidPrice}
		for j := range o.Lines {
			l := &o.Lines[j]
			proxy := l.Measure.ValueProxy()
			var err error
			if l.SubmittedValue, err = LineValue(l.Submitted, proxy); err != nil {
				return fmt.Errorf("offer %d: %w", o.OfferID, err)
			}
			if l.Value, err = LineValue(l.Accepted, proxy); err != nil {
				return fmt.Errorf("offer %d: %w", o.OfferID, err)
			}
			submitted = append(submitted, ValueLine{Quantity: l.Submitted, Proxy: proxy})
			accepted = append(accepted, ValueLine{Quantity: l.Accepted, Proxy: proxy})
			fo.Lines = append(fo.Lines, FlagLine{Measure: l.Measure.Code + " " + l.Measure.Title, Unit: l.Measure.Unit, Quantity: l.Accepted,
				MaxPerMillion: l.Measure.MaxPerMillion, HasMax: l.Measure.HasMax})
		}
		var err error
		if o.SubmittedValue, err = OfferValue(submitted); err != nil {
			return err
		}
		if o.Value, err = OfferValue(accepted); err != nil {
			return err
		}
		fo.Value = o.Value
		flagIn[i] = fo
		scoreIn[i] = ScoreInput{Value: o.Value, BidPrice: o.BidPrice, Mark: o.Mark, Marked: o.Marked}
	}
	flags := CheckFlags(flagIn)
	scheme := Scheme{Method: e.Tender.Method, QuantitativeShare: e.Tender.QuantitativeShare, Weighting: e.Tender.Weighting}
	scores, err := ScoreOffers(scheme, scoreIn)
	if err != nil {
		return err
	}
	totals := make([]Points, len(e.Offers))
	for i := range e.Offers {
		o := &e.Offers[i]
		o.Flags, o.Score = flags[i], scores[i]
		o.Total = o.Score.Weighted + o.PricePoints + o.QualityPoints
		totals[i] = o.Total
	}
	for i, r := range Rank(totals) {
		e.Offers[i].TotalRank = r
	}
	return nil
}

// Unmarked returns the offers whose delivery statements have no mark yet,
// in the evaluation's order. Until it is empty the offers cannot be ranked
// or awarded: an unmarked offer's qualitative score is unknown, not 0.
func (e Evaluation) Unmarked() []EvalOffer {
	var out []EvalOffer
	for _, o := range e.Offers {
		if !o.Marked {
			out = append(out, o)
		}
	}
	return out
}

// Ranked reports whether every offer is marked, so that the totals and
// ranks are final.
func (e Evaluation) Ranked() bool { return len(e.Unmarked()) == 0 }

// Offer returns the standing offer with id, or false when the tender has no
// such offer.
func (e Evaluation) Offer(id int64) (EvalOffer, bool) {
	for _, o := range e.Offers {
		if o.OfferID == id {
			return o, true
		}
	}
	return EvalOffer{}, false
}

// AwardChecks returns what stops offerID being awarded on awardedOn (a
// Europe/London date), as form errors, or nil when it may be: the offer
// must stand on this tender, every offer must be marked, a winner other
// than the top total needs a reason, and the award date may be neither in
// the future (after today, now being the clock) nor after the contract
// start. Errors about marks are keyed "mark-{offer id}", about the date
// "awarded".
func (e Evaluation) AwardChecks(offerID int64, reason string, awardedOn, now time.Time) FormErrors {
	errs := FormErrors{}
	for _, o := range e.Unmarked() {
		errs.Add(fmt.Sprintf("mark-%d", o.OfferID), "Mark the delivery statements of "+o.Supplier.Name+" before ranking and awarding")
	}
	o, ok := e.Offer(offerID)
	switch {
	case !ok:
		errs.Add("offer", "Select an offer to award")
	case len(errs) == 0 && o.TotalRank != 1 && strings.TrimSpace(reason) == "":
		errs.Add("reason", "Give a reason for awarding to an offer that does not have the top total")
	}
	if err := CheckAwardDate(awardedOn, e.Tender.ContractStart, now); err != nil {
		errs.Add("awarded", err.Error())
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// CheckAwardDate returns an error, worded for the buyer, when an award made
// on awardedOn would be dated in the future or after the contract start.
// Dates compare as Europe/London days.
func CheckAwardDate(awardedOn, contractStart, now time.Time) error {
	day := func(t time.Time) string { return t.In(London()).Format("2006-01-02") }
	start := contractStart.Format("2006-01-02") // a date, stored at midnight UTC
	switch {
	case day(awardedOn) > day(now):
		return errors.New("The award date cannot be in the future")
	case !contractStart.IsZero() && day(awardedOn) > start:
		return fmt.Errorf("The award date must be on or before the contract start, %s", contractStart.Format("2 January 2006"))
	}
	return nil
}
