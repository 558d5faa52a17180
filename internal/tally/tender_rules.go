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
	// A weighting that did not parse has its own message: no second one.
	if errs["weighting"] == "" && t.Weighting.NeedsReason() && t.WeightingReason == "" {
		errs.Add("weighting_reason", fmt.Sprintf("Give a reason for a weighting below %s%%: central government sets a 10%% minimum", MinWeighting))
	}
	if !t.ContractStart.IsZero() && !t.ContractEnd.IsZero() && t.ContractEnd.Before(t.ContractStart) {
		errs.Add("contract_end", "Contract end date must be the same as or after the start date")
	}
	if !t.Deadline.IsZero() && !t.Deadline.After(now) {
		errs.Add("deadline", "The deadline for offers must be in the future")
	}
	// The contract starts at the beginning of its first day, so the
	// deadline must fall on an earlier day.
	if !t.Deadline.IsZero() && !t.ContractStart.IsZero() && !calendarDay(t.ContractStart).After(calendarDay(t.Deadline.In(London()))) {
		errs.Add("deadline", "Deadline for offers must be before the contract start date")
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

// calendarDay is t's day as written where t is, at midnight UTC, so a
// date from the database and a moment in London compare by day.
func calendarDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
