package tally

import "fmt"

// OfferProblems lists what stops an offer being submitted, by form field:
// a bid price of more than £0 (SPEC §5), a quantity for every measure the
// tender asks for (0 is an answer), and a delivery statement for every
// quantity above 0. A draft may lack any of these: it is checked only when
// the supplier reviews or submits it.
func OfferProblems(f Offer, t Tender) FormErrors {
	errs := FormErrors{}
	if !f.HasBidPrice || f.BidPrice <= 0 {
		errs.Add("bid_price", "Enter your bid price, an amount of more than £0, like £250,000")
	}
	answered := map[int64]OfferLine{}
	for _, l := range f.Lines {
		answered[l.TenderMeasureID] = l
	}
	for _, m := range t.Measures {
		l, ok := answered[m.ID]
		switch {
		case !ok || l.NoQuantity:
			errs.Add(fmt.Sprintf("quantity-%d", m.ID), fmt.Sprintf("Enter a quantity for %s, or 0 if you will not commit to it", m.Code))
		case l.Quantity > 0 && l.Statement == "":
			errs.Add(fmt.Sprintf("statement-%d", m.ID), fmt.Sprintf("Enter a delivery statement for %s: say how you will deliver it", m.Code))
		}
	}
	return errs
}

// OfferOutcome is where an offer stands, as its supplier sees it. The
// database works it out for lists (so that they can be filtered); see
// postgres's offerOutcome.
type OfferOutcome string

// Offer outcomes.
const (
	OutcomeDraft        OfferOutcome = "draft"         // open tender, never submitted
	OutcomeChanged      OfferOutcome = "changed"       // open tender, submitted, with changes not yet resubmitted
	OutcomeSubmitted    OfferOutcome = "submitted"     // open tender, submitted
	OutcomeAwaiting     OfferOutcome = "awaiting"      // deadline passed, submission stands, no award yet
	OutcomeWon          OfferOutcome = "won"           // awarded to this offer
	OutcomeNotWon       OfferOutcome = "not_won"       // awarded to another offer
	OutcomeNotSubmitted OfferOutcome = "not_submitted" // deadline passed with no submission standing
	OutcomeWithdrawn    OfferOutcome = "withdrawn"
	OutcomeCancelled    OfferOutcome = "cancelled" // the council cancelled the tender
)

// OfferOutcomes are the outcomes in the order a filter lists them.
var OfferOutcomes = []OfferOutcome{OutcomeDraft, OutcomeChanged, OutcomeSubmitted, OutcomeAwaiting, OutcomeWon, OutcomeNotWon,
	OutcomeNotSubmitted, OutcomeWithdrawn, OutcomeCancelled}

// Label is the outcome for people.
func (o OfferOutcome) Label() string {
	switch o {
	case OutcomeChanged:
		return "Submitted, with unsent changes"
	case OutcomeSubmitted:
		return "Submitted"
	case OutcomeAwaiting:
		return "Awaiting outcome"
	case OutcomeWon:
		return "Won"
	case OutcomeNotWon:
		return "Not won"
	case OutcomeNotSubmitted:
		return "Not submitted"
	case OutcomeWithdrawn:
		return "Withdrawn"
	case OutcomeCancelled:
		return "Cancelled"
	}
	return "Draft"
}

// Colour is the outcome's tag colour.
func (o OfferOutcome) Colour() string {
	switch o {
	case OutcomeChanged:
		return "yellow"
	case OutcomeSubmitted, OutcomeWon:
		return "green"
	case OutcomeAwaiting:
		return "blue"
	case OutcomeWithdrawn, OutcomeCancelled:
		return "red"
	case OutcomeNotWon:
		return "orange"
	}
	return "grey"
}
