package tally

// Figures are a dashboard's headline figures for one period and scope
// (SPEC §8). Every amount is summed exactly in pence; shares are Ratios.
type Figures struct {
	Year FinancialYear

	Contracts         int   // awarded in the period
	ContractsWithKPIs int   // of them, with at least one KPI
	ContractValue     Pence // their total value
	LocalSpend        Pence // of which awarded to suppliers local to the contract's partner
	Committed         Pence // Σ KPI quantity × frozen proxy, each KPI rounded to the penny
	CommittedLocal    Pence // of which on contracts whose supplier is local

	Delivered       Pence // verified delivery on returns for periods ending in the period
	Expected        Pence // live contracts: phased targets of the periods due so far
	DeliveredToDate Pence // live contracts: all verified delivery so far

	Tenders        int   // published in the period
	TenderValue    Pence // their estimated value
	WeightingTotal int64 // Σ weighting (tenths of a percent), for the mean

	Bidders, BiddersLocal, BiddersSME, BiddersVCSE int
	Winners, WinnersLocal, WinnersSME, WinnersVCSE int

	Plugins []PluginValue // committed on plug-in measures
}

// PluginValue is the committed social value on one plug-in's measures.
type PluginValue struct {
	Plugin string
	Value  Pence
}

// SocialValueShare is social value committed ÷ contract value awarded.
func (f Figures) SocialValueShare() Ratio {
	return NewRatio(int64(f.Committed), int64(f.ContractValue))
}

// LocalShare is committed on local suppliers' contracts ÷ committed.
func (f Figures) LocalShare() Ratio { return NewRatio(int64(f.CommittedLocal), int64(f.Committed)) }

// LocalSpendShare is value awarded to local suppliers ÷ value awarded.
func (f Figures) LocalSpendShare() Ratio {
	return NewRatio(int64(f.LocalSpend), int64(f.ContractValue))
}

// KPIShare is contracts with at least one KPI ÷ contracts awarded.
func (f Figures) KPIShare() Ratio { return NewRatio(int64(f.ContractsWithKPIs), int64(f.Contracts)) }

// Gap is committed-to-date (phased) less delivered, over live contracts.
func (f Figures) Gap() Pence { return f.Expected - f.DeliveredToDate }

// AverageWeighting is the mean weighting of tenders published, as a
// share: render it with Percent1 ("20.0").
func (f Figures) AverageWeighting() Ratio { return NewRatio(f.WeightingTotal, int64(f.Tenders)*1000) }
