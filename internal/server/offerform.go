package server

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// readOffer reads the offer form into what was typed (to show again) and
// the draft to store. A draft stores whatever can be stored: a line with
// a quantity and no statement, a statement with no quantity yet, no bid
// price. A value that cannot be stored as typed (letters in a quantity, a
// bid of £0) gets a message, and the draft keeps that field's last saved
// value, saved. Completeness is checked only at review and submit
// (tally.OfferProblems).
func readOffer(f *form, t tally.Tender, saved tally.Offer) (offerForm, postgres.OfferInput) {
	in := offerForm{BidPrice: f.text("bid_price", "your bid price", 30, false), Quantities: map[int64]string{}, Statements: map[int64]string{}}
	out := postgres.OfferInput{BidPrice: saved.BidPrice, HasBidPrice: saved.HasBidPrice}
	if f.Errs["bid_price"] == "" {
		switch bid, err := tally.ParsePounds(in.BidPrice); {
		case in.BidPrice == "":
			out.BidPrice, out.HasBidPrice = 0, false
		case err != nil:
			f.Errs.Add("bid_price", "Bid price: "+err.Error())
		case bid <= 0:
			f.Errs.Add("bid_price", "Enter a bid price of more than £0, or leave it empty until you know it")
		default:
			out.BidPrice, out.HasBidPrice = bid, true
		}
	}
	before := map[int64]tally.OfferLine{}
	for _, l := range saved.Lines {
		before[l.TenderMeasureID] = l
	}
	for _, m := range t.Measures {
		id := strconv.FormatInt(m.ID, 10)
		qf, sf := "quantity-"+id, "statement-"+id
		in.Quantities[m.ID] = f.text(qf, "the quantity for "+m.Code, 30, false)
		in.Statements[m.ID] = f.text(sf, "the delivery statement for "+m.Code, 2000, false)
		old, had := before[m.ID]
		line := tally.OfferLine{TenderMeasureID: m.ID, Quantity: old.Quantity, NoQuantity: !had || old.NoQuantity, Statement: old.Statement}
		if f.Errs[sf] == "" {
			line.Statement = in.Statements[m.ID]
		}
		if f.Errs[qf] == "" {
			if text := in.Quantities[m.ID]; text == "" {
				line.Quantity, line.NoQuantity = 0, true
			} else if q, err := readQuantity(text, m); err != nil {
				f.Errs.Add(qf, fmt.Sprintf("%s: %s", m.Code, err.Error()))
			} else {
				line.Quantity, line.NoQuantity = q, false
			}
		}
		if !line.NoQuantity || line.Statement != "" {
			out.Lines = append(out.Lines, line)
		}
	}
	return in, out
}

// readQuantity parses a quantity within the limits the server keeps: at
// most tally.MaxQuantity, and a value no more than tally.MaxPence. The
// offer form's live totals refuse the same (tally.js).
func readQuantity(text string, m tally.TenderMeasure) (tally.Quantity, error) {
	q, err := tally.ParseQuantity(text)
	if err != nil {
		return 0, err
	}
	if _, err := tally.LineValue(q, m.ValueProxy()); err != nil {
		return 0, errQuantityValue
	}
	return q, nil
}

// errQuantityValue is shown beside a quantity whose value is too large.
var errQuantityValue = errors.New("This quantity is worth more than £100,000,000,000: check it")
