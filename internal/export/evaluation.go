package export

import (
	"strconv"
	"strings"

	"github.com/tally-sv/tally/internal/tally"
)

// EvaluationRecord is the evaluation for audit and challenge: one row per
// offer line, with the offer's scores beside it. Machine values: pounds with
// pence, plain numbers; a ratio with nothing to divide and a score not yet
// known are empty.
func EvaluationRecord(e tally.Evaluation) Table {
	t := Table{Name: "evaluation-" + e.Tender.Reference, Head: []string{
		"tender", "supplier", "receipt", "bid_price", "measure", "title", "unit", "proxy_gbp", "submitted_quantity", "accepted_quantity",
		"moderation_reason", "submitted_value", "accepted_value", "offer_social_value", "offer_social_value_percent", "check_flags",
		"mark", "quantitative_score", "qualitative_score", "social_value_score", "weighted_points", "price_points", "quality_points",
		"total", "rank", "awarded", "award_reason"}}
	for _, o := range e.Offers {
		flags := append([]string(nil), o.Flags.Offer...)
		for _, l := range o.Flags.Lines {
			flags = append(flags, l...)
		}
		mark := ""
		if o.Marked {
			mark = strconv.Itoa(o.Mark)
		}
		// An unmarked offer's scores that depend on its mark are unknown,
		// and nothing is ranked until every offer is marked: empty cells,
		// never 0.
		qualitative, social, weighted, total, rank := "", "", "", "", ""
		if o.Marked {
			qualitative, social = o.Score.Qualitative.String(), o.Score.SocialValue.String()
			weighted, total = o.Score.Weighted.String(), o.Total.String()
		}
		if e.Ranked() {
			rank = strconv.Itoa(o.TotalRank)
		}
		price, quality := "", ""
		if o.PriceRecorded {
			price = o.PricePoints.String()
		}
		if o.QualityRecorded {
			quality = o.QualityPoints.String()
		}
		percent := ""
		if o.Percent().Defined() {
			percent = o.Percent().Percent1()
		}
		awarded, reason := "no", ""
		if o.OfferID == e.AwardedOfferID {
			awarded, reason = "yes", e.AwardReason
		}
		for _, l := range o.Lines {
			proxy := ""
			if l.Measure.HasProxy {
				proxy = l.Measure.Proxy.String()
			}
			t.Rows = append(t.Rows, []string{e.Tender.Reference, o.Supplier.Name, o.Reference, o.BidPrice.Pounds(), l.Measure.Code,
				l.Measure.Title, l.Measure.Unit, proxy, l.Submitted.String(), l.Accepted.String(), l.Reason, l.SubmittedValue.Pounds(),
				l.Value.Pounds(), o.Value.Pounds(), percent, strings.Join(flags, " "), mark,
				o.Score.Quantitative.String(), qualitative, social, weighted,
				price, quality, total, rank, awarded, reason})
		}
	}
	return t
}
