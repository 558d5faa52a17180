package tally

import "time"

// Tender categories.
var Categories = []string{"goods", "services", "works"}

// TenderStatus is where a tender is in its life: draft → published →
// closed → awarded, or cancelled before award. Closed is derived from the
// deadline on the database clock.
type TenderStatus string

// Tender statuses.
const (
	TenderDraft     TenderStatus = "draft"
	TenderPublished TenderStatus = "published" // open for offers
	TenderClosed    TenderStatus = "closed"    // published, deadline passed
	TenderCancelled TenderStatus = "cancelled"
	TenderAwarded   TenderStatus = "awarded"
)

// Label is the status for people.
func (s TenderStatus) Label() string {
	switch s {
	case TenderPublished:
		return "Open"
	case TenderClosed:
		return "Closed"
	case TenderCancelled:
		return "Cancelled"
	case TenderAwarded:
		return "Awarded"
	}
	return "Draft"
}

// Colour is the status tag's colour.
func (s TenderStatus) Colour() string {
	switch s {
	case TenderPublished:
		return "green"
	case TenderClosed:
		return "yellow"
	case TenderCancelled:
		return "red"
	case TenderAwarded:
		return "blue"
	}
	return "grey"
}

// Tender is a procurement of at least the partner's threshold.
type Tender struct {
	ID                int64
	Partner           Org
	Reference         string
	Title             string
	Description       string
	Category          string
	EstimatedValue    Pence
	ContractStart     time.Time // a date
	ContractEnd       time.Time // a date: the last day
	Weighting         Weighting
	WeightingReason   string
	QuantitativeShare int
	Method            ScoringMethod
	Deadline          time.Time
	Status            TenderStatus // with Closed derived
	PublishedAt       time.Time
	CancelReason      string
	SubmittedOffers   int
	Measures          []TenderMeasure
	MeasureCodes      string // in a list that asks for them: the measures' codes, "JOB1, ENV2"
	// Version moves on with every change to the tender or its measures;
	// an edit names the version its form was drawn from (read by
	// Store.Tender only, 0 in lists).
	Version int
}

// Editable reports whether the tender is still a draft.
func (t Tender) Editable() bool { return t.Status == TenderDraft }

// TenderMeasure is a measure a tender asks for, frozen at publication.
type TenderMeasure struct {
	ID             int64
	MeasureID      int64 // catalogue measure, or
	LocalMeasureID int64 // local measure
	Edition        string
	Theme          string // for grouping choices; not frozen
	Code           string
	Title          string
	Unit           string
	Proxy          Proxy
	HasProxy       bool
	Local          bool
	Plugin         string
	MaxPerMillion  Quantity
	HasMax         bool
	Target         Quantity
	HasTarget      bool
}

// ValueProxy is the proxy a line on this measure is valued at: the frozen
// proxy, or £0 for a record-only measure.
func (m TenderMeasure) ValueProxy() Proxy {
	if !m.HasProxy {
		return 0
	}
	return m.Proxy
}

// OfferStatus is where an offer is.
type OfferStatus string

// Offer statuses.
const (
	OfferDraft     OfferStatus = "draft"
	OfferSubmitted OfferStatus = "submitted"
	OfferWithdrawn OfferStatus = "withdrawn"
)

// Offer is a supplier's social value offer on a tender.
type Offer struct {
	ID          int64
	TenderID    int64
	PartnerID   int64
	Supplier    Org
	Status      OfferStatus
	BidPrice    Pence
	HasBidPrice bool
	SocialValue Pence
	Version     int
	Revision    int
	SubmittedAt time.Time
	Lines       []OfferLine
	Outcome     OfferOutcome // for its supplier: filled by Store.Offer and the supplier's list
}

// OfferLine is the supplier's commitment against one tender measure.
type OfferLine struct {
	TenderMeasureID int64
	Quantity        Quantity
	Statement       string
	Value           Pence
	NoQuantity      bool // a draft line with a statement but no quantity yet
}

// Receipt proves a submission: its reference, time and the SHA-256 of
// what was submitted.
type Receipt struct {
	Reference   string
	Revision    int
	SubmittedAt time.Time
	SHA256      string
}
