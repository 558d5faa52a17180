package tally

import (
	"strings"
	"testing"
	"time"
)

// TestOfferValueRoundsEachLine: each line is rounded before the lines are
// added, so the offer's value is the sum of the values shown beside them.
func TestOfferValueRoundsEachLine(t *testing.T) {
	tests := []struct {
		name  string
		lines [][2]string
		want  Pence
	}{
		{"three half pennies", [][2]string{{"1", "0.005"}, {"1", "0.005"}, {"1", "0.005"}}, 3}, // not round(1.5p) = 2p
		{"three under-half pennies", [][2]string{{"1", "0.004"}, {"1", "0.004"}, {"1", "0.004"}}, 0},
		{"record-only lines add nothing", [][2]string{{"2", "25000"}, {"500", "0"}, {"0", "12"}}, 5_000_000},
		{"all zero", [][2]string{{"0", "25000"}, {"0", "0"}}, 0},
	}
	for _, tt := range tests {
		var lines []ValueLine
		var sum Pence
		for _, l := range tt.lines {
			q, _ := ParseQuantity(l[0])
			p, _ := ParseProxy(l[1])
			lines = append(lines, ValueLine{Quantity: q, Proxy: p})
			v, err := LineValue(q, p)
			if err != nil {
				t.Fatal(err)
			}
			sum += v
		}
		got, err := OfferValue(lines)
		if err != nil || got != tt.want {
			t.Errorf("%s: OfferValue = %v, %v; want %v", tt.name, got, err, tt.want)
		}
		if got != sum {
			t.Errorf("%s: OfferValue %v is not the sum of its lines %v", tt.name, got, sum)
		}
	}
}

func TestSocialValuePercentOfBid(t *testing.T) {
	tests := []struct {
		sv, bid Pence
		want    string
	}{
		{25_000_00, 100_000_00, "25.0"},
		{0, 100_000_00, "0.0"},
		{1, 3, "33.3"},
		{1, 2000, "0.1"}, // 0.05% rounds half up
		{MaxPence, 1, "1000000000000000.0"},
	}
	for _, tt := range tests {
		if got := SocialValuePercent(tt.sv, tt.bid).Percent1(); got != tt.want {
			t.Errorf("SocialValuePercent(%v, %v) = %s, want %s", tt.sv, tt.bid, got, tt.want)
		}
	}
}

// tnTender is a tender that passes every rule with the default settings.
func tnTender(now time.Time) Tender {
	deadline := now.Add(14 * 24 * time.Hour)
	return Tender{
		Partner: Org{Name: "Stockport Council"}, Reference: "STK-1", Title: "Grounds maintenance", Category: "services",
		EstimatedValue: 5_000_000, Weighting: 200, QuantitativeShare: 50, Method: RelativeValue, Deadline: deadline,
		ContractStart: dateOf(deadline).AddDate(0, 1, 0), ContractEnd: dateOf(deadline).AddDate(2, 1, -1),
		Measures: []TenderMeasure{{MeasureID: 1}, {MeasureID: 2}},
	}
}

func TestCheckTender(t *testing.T) {
	now := time.Date(2026, 6, 15, 9, 30, 0, 0, time.UTC)
	defaults := DefaultPartnerSettings()
	tests := []struct {
		name     string
		change   func(*Tender, *PartnerSettings)
		field    string   // "" when the tender should pass
		contains []string // words the message must have
	}{
		{"valid", func(*Tender, *PartnerSettings) {}, "", nil},
		{"exactly the threshold", func(t *Tender, _ *PartnerSettings) { t.EstimatedValue = 5_000_000 }, "", nil},
		{"a penny below the threshold", func(t *Tender, _ *PartnerSettings) { t.EstimatedValue = 4_999_999 },
			"estimated_value", []string{"£50,000.00", "threshold"}},
		{"£1", func(t *Tender, _ *PartnerSettings) { t.EstimatedValue = 100 }, "estimated_value", []string{"£50,000.00"}},
		{"zero", func(t *Tender, _ *PartnerSettings) { t.EstimatedValue = 0 }, "estimated_value", []string{"£50,000.00"}},
		{"the partner's own threshold", func(t *Tender, s *PartnerSettings) {
			s.Threshold = 7_500_000
			t.EstimatedValue = 6_000_000
		}, "estimated_value", []string{"£75,000.00"}},
		{"above a lower threshold", func(t *Tender, s *PartnerSettings) {
			s.Threshold = 2_500_000
			t.EstimatedValue = 3_000_000
		}, "", nil},
		{"weighting 10% needs no reason", func(t *Tender, _ *PartnerSettings) { t.Weighting = 100 }, "", nil},
		{"weighting 9.9% without a reason", func(t *Tender, _ *PartnerSettings) { t.Weighting = 99 },
			"weighting_reason", []string{"reason", "10%"}},
		{"weighting 0% without a reason", func(t *Tender, _ *PartnerSettings) { t.Weighting = 0 }, "weighting_reason", []string{"10%"}},
		{"weighting 5% with a reason", func(t *Tender, _ *PartnerSettings) {
			t.Weighting, t.WeightingReason = 50, "Specialist goods: little scope for social value"
		}, "", nil},
		{"no measures", func(t *Tender, _ *PartnerSettings) { t.Measures = nil }, "measures", []string{"at least 1"}},
		{"at the cap", func(t *Tender, _ *PartnerSettings) { t.Measures = make([]TenderMeasure, 6) }, "", nil},
		{"over the cap", func(t *Tender, _ *PartnerSettings) { t.Measures = make([]TenderMeasure, 7) },
			"measures", []string{"no more than 6", "Stockport Council"}},
		{"over the partner's own cap", func(t *Tender, s *PartnerSettings) { s.MaxMeasures = 3; t.Measures = make([]TenderMeasure, 4) },
			"measures", []string{"no more than 3"}},
		{"deadline in the past", func(t *Tender, _ *PartnerSettings) { t.Deadline = now.Add(-time.Minute) },
			"deadline", []string{"future"}},
		{"deadline now", func(t *Tender, _ *PartnerSettings) { t.Deadline = now }, "deadline", []string{"future"}},
		{"deadline a second ahead", func(t *Tender, _ *PartnerSettings) {
			t.Deadline = now.Add(time.Second)
			t.ContractStart = dateOf(now).AddDate(0, 0, 1)
		}, "", nil},
		{"contract ends before it starts", func(t *Tender, _ *PartnerSettings) { t.ContractEnd = t.ContractStart.AddDate(0, 0, -1) },
			"contract_end", []string{"after the start"}},
		{"contract of one day", func(t *Tender, _ *PartnerSettings) { t.ContractEnd = t.ContractStart }, "", nil},
		{"contract starts before the deadline", func(t *Tender, _ *PartnerSettings) { t.ContractStart = dateOf(t.Deadline).AddDate(0, 0, -1) },
			"deadline", []string{"before the contract start"}},
		{"contract starts on the deadline's day", func(t *Tender, _ *PartnerSettings) { t.ContractStart = dateOf(t.Deadline) },
			"deadline", []string{"before the contract start"}},
		{"contract starts the day after the deadline", func(t *Tender, _ *PartnerSettings) {
			t.ContractStart = calendarDay(t.Deadline.In(London())).AddDate(0, 0, 1)
		}, "", nil},
	}
	for _, tt := range tests {
		tender, settings := tnTender(now), defaults
		tt.change(&tender, &settings)
		errs := FormErrors{}
		CheckTender(tender, settings, now, errs)
		if tt.field == "" {
			if len(errs) != 0 {
				t.Errorf("%s: unexpected errors %v", tt.name, errs)
			}
			continue
		}
		msg, ok := errs[tt.field]
		if !ok {
			t.Errorf("%s: no message on %q (got %v)", tt.name, tt.field, errs)
			continue
		}
		if len(errs) != 1 {
			t.Errorf("%s: want only %q, got %v", tt.name, tt.field, errs)
		}
		for _, want := range tt.contains {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: message %q lacks %q", tt.name, msg, want)
			}
		}
	}
}

// TestCheckTenderKeepsParseMessages: a field that failed to parse keeps its
// own message rather than a rule's.
func TestCheckTenderKeepsParseMessages(t *testing.T) {
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	tender := tnTender(now)
	tender.EstimatedValue = 0
	errs := FormErrors{"estimated_value": "Enter an amount in pounds, like £1,234.56"}
	CheckTender(tender, DefaultPartnerSettings(), now, errs)
	if got := errs["estimated_value"]; got != "Enter an amount in pounds, like £1,234.56" {
		t.Errorf("estimated_value message replaced by %q", got)
	}
}

// TestCheckTenderNoReasonForAnUnreadWeighting: letters in the weighting
// give one message, on the weighting, not a second about a reason.
func TestCheckTenderNoReasonForAnUnreadWeighting(t *testing.T) {
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	tender := tnTender(now)
	tender.Weighting = 0 // what a failed parse leaves
	errs := FormErrors{"weighting": "Social value weighting must be a number, like 20 or 12.5"}
	CheckTender(tender, DefaultPartnerSettings(), now, errs)
	if len(errs) != 1 {
		t.Errorf("want only the weighting's message, got %v", errs)
	}
}
