package tally

// Measure is one social value measure of a framework edition (SPEC §3), or
// one of an organisation's local measures. Codes mean nothing outside their
// edition: always show (edition, code).
type Measure struct {
	ID      int64 // 0 until stored
	Theme   string
	Outcome string
	Code    string // unique within the edition, compared case-insensitively
	Title   string
	Unit    string

	Proxy    Proxy // £ per unit; meaningful only when HasProxy
	HasProxy bool  // false for a record-only measure

	Local  bool   // counts as local economic value
	Plugin string // plug-in set, e.g. "COVID-19 recovery"; "" for the core set

	MaxPerMillion Quantity // most units plausible per £1m of contract value; meaningful only when HasMax
	HasMax        bool

	Description string
	Retired     bool // local measures only: no longer offered for new tenders
}

// Edition is a framework edition as listed for an organisation.
type Edition struct {
	ID            int64
	Name          string
	Illustrative  bool     // shipped demo figures, not a licensed framework
	Plugins       []string // plug-in sets in the edition
	Measures      int      // how many
	Chosen        bool     // enabled for the organisation's buyers (by it or its shared service)
	ChosenHere    bool     // enabled by this organisation itself
	ChosenPlugins []string
}
