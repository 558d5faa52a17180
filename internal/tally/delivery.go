package tally

import "time"

// ReturnStatus is where a delivery return is.
type ReturnStatus string

// Return statuses: draft → submitted → (queried → submitted …) → complete.
const (
	ReturnDraft     ReturnStatus = "draft"
	ReturnSubmitted ReturnStatus = "submitted" // awaiting verification
	ReturnQueried   ReturnStatus = "queried"   // awaiting the supplier's answer
	ReturnComplete  ReturnStatus = "complete"  // every line decided
)

// Label is the status for people.
func (s ReturnStatus) Label() string {
	switch s {
	case ReturnSubmitted:
		return "Awaiting verification"
	case ReturnQueried:
		return "Queried"
	case ReturnComplete:
		return "Checked"
	}
	return "Draft"
}

// Decision is a contract manager's verdict on one return line.
type Decision string

// Decisions. Only verified quantities count as delivered.
const (
	DecisionPending  Decision = "pending"
	DecisionVerified Decision = "verified"
	DecisionQueried  Decision = "queried"
	DecisionRejected Decision = "rejected"
)

// Return is a supplier's delivery return for one reporting period.
type Return struct {
	ID             int64
	Contract       Contract // without KPIs' targets
	Period         Period
	Status         ReturnStatus
	Narrative      string
	AttestContract bool
	AttestPeriod   bool
	Version        int // the supplier's form: moves on with its changes
	// DecisionsVersion is the contract managers' form: it moves on with
	// every decision, and when a queried line goes back to pending.
	DecisionsVersion int
	SubmittedAt      time.Time
	Lines            []ReturnLine
	Evidence         []Evidence
}

// ReturnLine is the delivery reported against one KPI.
type ReturnLine struct {
	KPI      KPI
	Target   Quantity // this period's target
	Quantity Quantity // delivered
	Decision Decision
	Note     string // the question, or the reason for rejecting
	Answer   string // the supplier's answer to a query
}

// Evidence is a file attached to a return (its bytes are fetched apart).
type Evidence struct {
	ID          int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	UploadedAt  time.Time
	// Elsewhere lists the other returns the same file was submitted on:
	// possible double counting.
	Elsewhere []EvidenceCopy
}

// EvidenceCopy is another return carrying the same file.
type EvidenceCopy struct {
	PartnerID  int64
	ReturnID   int64
	ContractID int64
	Visible    bool // the viewer may open that return
}

// KPIStatus is a KPI's delivery against its phased target so far.
type KPIStatus struct {
	KPI       KPI
	Delivered Quantity // verified
	Expected  Quantity // phased target of the periods ended
	Rating    Rating
}

// ContractStatus is a contract's delivery so far, by committed value.
type ContractStatus struct {
	Contract  Contract
	KPIs      []KPIStatus
	Delivered Pence
	Expected  Pence
	Rating    Rating
	Overdue   int // returns past their due date and not submitted
}

// AtRisk is the value expected but not delivered.
func (c ContractStatus) AtRisk() Pence { return max(c.Expected-c.Delivered, 0) }
