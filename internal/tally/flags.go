package tally

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// FlagOffer is what CheckFlags needs to know about one offer on a tender.
type FlagOffer struct {
	Value    Pence // offer social value (moderated, when checking after moderation)
	BidPrice Pence // an offer without a positive bid price is never flagged
	Lines    []FlagLine
}

// FlagLine is one line of an offer for CheckFlags.
type FlagLine struct {
	// Measure names the line in messages, for example "JOB1 Local people employed".
	Measure  string
	Unit     string // the measure's unit, e.g. "FTE", "£"
	Quantity Quantity
	// MaxPerMillion is the measure's sanity bound: the most units a supplier can
	// plausibly commit per £1m of bid price. It applies only when HasMax is set.
	MaxPerMillion Quantity
	HasMax        bool
}

// OfferFlags holds the reasons an offer needs a "check" by an evaluator, as
// plain-English sentences to show beside it.
type OfferFlags struct {
	Offer []string   // about the offer as a whole
	Lines [][]string // Lines[i] is about the offer's line i; nil when it is fine
}

// Any reports whether there is any reason to check the offer.
func (f OfferFlags) Any() bool {
	if len(f.Offer) > 0 {
		return true
	}
	for _, l := range f.Lines {
		if len(l) > 0 {
			return true
		}
	}
	return false
}

// CheckFlags returns, for each offer on a tender in the same order, the reasons
// to check it (SPEC §6):
//   - its social value % is more than 3 times the median social value % of the
//     tender's offers (the median of an even number of offers is the mean of
//     the middle two). When the median is 0, any offer with value is flagged.
//   - a line's quantity per £1m of bid price is more than the measure's
//     MaxPerMillion.
//
// Offers without a positive bid price have no social value % and are left out.
func CheckFlags(offers []FlagOffer) []OfferFlags {
	var percents []*big.Rat
	for _, o := range offers {
		if o.BidPrice > 0 {
			percents = append(percents, SocialValuePercent(o.Value, o.BidPrice).Rat())
		}
	}
	median := medianRat(percents)
	limit := new(big.Rat).Mul(median, big.NewRat(3, 1))

	flags := make([]OfferFlags, len(offers))
	for i, o := range offers {
		flags[i].Lines = make([][]string, len(o.Lines))
		if o.BidPrice <= 0 {
			continue
		}
		pct := SocialValuePercent(o.Value, o.BidPrice)
		if len(percents) > 0 && pct.Rat().Cmp(limit) > 0 {
			flags[i].Offer = append(flags[i].Offer, fmt.Sprintf(
				"Social value is %s%% of the bid price, more than 3 times the median of %s%% for this tender. Check the commitments are realistic.",
				pct.Percent1(), formatRat1(new(big.Rat).Mul(median, big.NewRat(100, 1)))))
		}
		for j, l := range o.Lines {
			if reason, ok := lineFlag(l, o.BidPrice); ok {
				flags[i].Lines[j] = append(flags[i].Lines[j], reason)
			}
		}
	}
	return flags
}

// lineFlag checks a line against its measure's sanity bound.
func lineFlag(l FlagLine, bid Pence) (string, bool) {
	if !l.HasMax {
		return "", false
	}
	// Units per £1m = quantity × £1m ÷ bid price; both quantities are in
	// thousandths, so they compare directly.
	const penceInMillion = 1_000_000 * PenceScale
	perMillion := big.NewRat(int64(l.Quantity), int64(bid))
	perMillion.Mul(perMillion, big.NewRat(penceInMillion, 1))
	if perMillion.Cmp(new(big.Rat).SetInt64(int64(l.MaxPerMillion))) <= 0 {
		return "", false
	}
	return fmt.Sprintf(
		"%s: %s per £1m of the bid price is more than the plausible maximum of %s per £1m. Check the quantity is realistic.",
		l.Measure, inUnit(formatThousandthsUp(perMillion), l.Unit), inUnit(l.MaxPerMillion.String(), l.Unit)), true
}

// inUnit writes an amount with its unit: "15 FTE", "£12000" for money.
func inUnit(amount, unit string) string {
	switch {
	case unit == "":
		return amount
	case strings.HasPrefix(unit, "£"):
		return "£" + amount
	}
	return amount + " " + unit
}

// formatThousandthsUp formats a positive number of thousandths as units,
// rounding up to a whole thousandth so that a figure just over a bound never
// shows as equal to it.
func formatThousandthsUp(x *big.Rat) string {
	n := new(big.Int).Add(x.Num(), x.Denom())
	n.Sub(n, big.NewInt(1))
	n.Quo(n, x.Denom())
	whole, frac := new(big.Int).QuoRem(n, big.NewInt(QuantityScale), new(big.Int))
	s := whole.String()
	if f := strings.TrimRight(fmt.Sprintf("%03d", frac.Int64()), "0"); f != "" {
		s += "." + f
	}
	return s
}

// medianRat returns the median of xs, or 0 when there are none.
func medianRat(xs []*big.Rat) *big.Rat {
	if len(xs) == 0 {
		return new(big.Rat)
	}
	sorted := slices.Clone(xs)
	slices.SortFunc(sorted, func(a, b *big.Rat) int { return a.Cmp(b) })
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid]
	}
	m := new(big.Rat).Add(sorted[mid-1], sorted[mid])
	return m.Quo(m, big.NewRat(2, 1))
}
