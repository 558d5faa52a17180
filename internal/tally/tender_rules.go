package tally

import (
	"fmt"
	"time"
)

// CheckTender applies the partner's rules (SPEC §4) to a tender being
// registered or edited, adding messages to errs by form field. now is the
// current time, for the deadline.
func CheckTender(t Tender, s PartnerSettings, now time.Time, errs FormErrors) {
	// Zero is below every threshold (the database refuses it too). A value
	// that did not parse has its own message already, and Add keeps it.
	if t.EstimatedValue < s.Threshold {
		errs.Add("estimated_value", fmt.Sprintf("The estimated value must be at least %s, the threshold for tenders tracked in Tally", s.Threshold))
	}
	if t.Weighting.NeedsReason() && t.WeightingReason == "" {
		errs.Add("weighting_reason", fmt.Sprintf("Give a reason for a weighting below %s%%: central government sets a 10%% minimum", MinWeighting))
	}
	if !t.ContractStart.IsZero() && !t.ContractEnd.IsZero() && t.ContractEnd.Before(t.ContractStart) {
		errs.Add("contract_end", "The contract end date must be the same as or after the start date")
	}
	if !t.Deadline.IsZero() && !t.Deadline.After(now) {
		errs.Add("deadline", "The deadline for offers must be in the future")
	}
	if !t.Deadline.IsZero() && !t.ContractStart.IsZero() && t.ContractStart.Before(dateOf(t.Deadline)) {
		errs.Add("contract_start", "The contract must start on or after the deadline for offers")
	}
	switch n := len(t.Measures); {
	case n == 0:
		errs.Add("measures", "Select at least 1 measure")
	case s.MaxMeasures > 0 && n > s.MaxMeasures:
		errs.Add("measures", fmt.Sprintf("Select no more than %d measures: %s asks for at most %d", s.MaxMeasures, partnerName(t), s.MaxMeasures))
	}
}

func partnerName(t Tender) string {
	if t.Partner.Name != "" {
		return t.Partner.Name
	}
	return "the partner"
}
