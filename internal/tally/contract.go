package tally

import "time"

// Contract is an awarded contract (through a tender, or registered
// directly) with its contracted KPIs.
type Contract struct {
	ID          int64
	Partner     Org
	Supplier    Org
	TenderID    int64 // 0 for a direct contract
	Reference   string
	Title       string
	Value       Pence
	Start       time.Time // a date
	End         time.Time // a date: the last day
	AwardedOn   time.Time // a date
	AwardReason string
	Direct      bool
	Committed   Pence // sum of the KPIs' committed values
	KPIs        []KPI
}

// KPI is one contracted measure: the committed quantity at the frozen
// proxy value, phased over reporting periods.
type KPI struct {
	ID       int64
	Edition  string
	Code     string
	Title    string
	Unit     string
	Proxy    Proxy
	HasProxy bool
	Local    bool
	Plugin   string
	Quantity Quantity // committed
	Targets  []KPITarget
	// Version moves on with every change to the KPI or its targets; a
	// change names the version its form was drawn from.
	Version int
}

// Value is the KPI's committed social value.
func (k KPI) Value() Pence {
	if !k.HasProxy {
		return 0
	}
	v, _ := LineValue(k.Quantity, k.Proxy)
	return v
}

// KPITarget is a KPI's target for one reporting period, and what was
// delivered against it.
type KPITarget struct {
	Period    Period
	Target    Quantity
	Reported  Quantity // on the period's return, whatever its decision
	Verified  Quantity // of which verified: what counts as delivered
	HasReturn bool
}

// Locked reports whether the target can no longer change on the UK date
// today: its period has ended, or its return is in (submitted, queried or
// verified). A re-baseline changes the periods to come only.
func (t KPITarget) Locked(today time.Time) bool {
	return t.HasReturn || !today.Before(t.Period.End)
}
