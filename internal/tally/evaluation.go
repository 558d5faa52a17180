package tally

import (
	"fmt"
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
			fo.Lines = append(fo.Lines, FlagLine{Measure: l.Measure.Code + " " + l.Measure.Title, Quantity: l.Accepted,
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
