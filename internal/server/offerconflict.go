package server

import (
	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
)

// offerConflict is how the saved offer f now differs from the form as
// typed (in), answer by answer, for a save from a replaced version.
func offerConflict(f tally.Offer, t tally.Tender, in offerForm) *components.Conflict {
	c := &components.Conflict{Thing: "this offer"}
	saved := ""
	if f.HasBidPrice {
		saved = format.Money(f.BidPrice)
	}
	typed := in.BidPrice
	if bid, err := tally.ParsePounds(typed); err == nil && typed != "" {
		typed = format.Money(bid)
	}
	c.Compare("Bid price", saved, typed)
	lines := map[int64]tally.OfferLine{}
	for _, l := range f.Lines {
		lines[l.TenderMeasureID] = l
	}
	for _, m := range t.Measures {
		l, ok := lines[m.ID]
		saved := ""
		if ok && !l.NoQuantity {
			saved = format.Quantity(l.Quantity, m.Unit)
		}
		typed := in.Quantities[m.ID]
		if q, err := tally.ParseQuantity(typed); err == nil && typed != "" {
			typed = format.Quantity(q, m.Unit)
		}
		c.Compare("Quantity for "+m.Code, saved, typed)
		c.Compare("Delivery statement for "+m.Code, l.Statement, in.Statements[m.ID])
	}
	return c
}
