package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/export"
	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// dashboardScope is what a dashboard request covers: the year and the
// partners (all in reach, or the one named by &partner=).
type dashboardScope struct {
	Year     tally.FinancialYear
	Partners []int64
	Partner  tally.Org // set when narrowed to one partner
	Name     string
	Query    url.Values // fy and partner, for links
}

// dashboardFor reads ?fy= and &partner=. A partner outside the
// organisation's reach answers 404.
func dashboardFor(r *http.Request, a tally.Access) (dashboardScope, error) {
	now := time.Now()
	d := dashboardScope{Year: tally.FinancialYear(tally.FinancialYearOf(now)), Name: a.Org.Name, Query: url.Values{}}
	if fy := r.URL.Query().Get("fy"); fy != "" {
		y, err := tally.ParseFinancialYear(fy)
		if err != nil {
			return d, errNotFound
		}
		d.Year = y
	}
	d.Query.Set("fy", strconv.Itoa(int(d.Year)))
	if slug := r.URL.Query().Get("partner"); slug != "" {
		p, ok := a.Partner(slug)
		if !ok {
			return d, errNotFound
		}
		d.Partner, d.Partners, d.Name = p, []int64{p.ID}, p.Name
		d.Query.Set("partner", slug)
		return d, nil
	}
	for _, p := range a.Partners {
		d.Partners = append(d.Partners, p.ID)
	}
	if a.Org.Kind == tally.SharedService {
		d.Name += ": all partners"
	}
	return d, nil
}

// asOf is the day "to date" figures are measured at: the year's last day,
// or today while the year runs. Both are London times, because the store
// compares them with dates by the calendar day they fall on.
func asOf(y tally.FinancialYear) time.Time {
	last := y.End().AddDate(0, 0, -1)
	if now := time.Now().In(tally.London()); now.Before(last) {
		return now
	}
	return last
}

// handleDashboard shows a year's headline figures beside the previous
// year's, with breakdowns as charts and tables.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	d, err := dashboardFor(r, a)
	if err != nil {
		return err
	}
	data, err := s.store.Dashboard(r.Context(), a.Scope, d.Partners, d.Year, asOf(d.Year), asOf(d.Year.Previous()))
	if err != nil {
		return err
	}
	cur, prev := data.Current, data.Previous
	p := pages.DashboardPage{Page: s.page(r, "Dashboard "+d.Year.Label()), Scope: d.Name, Year: d.Year.Label(),
		Previous: d.Year.Previous().Label(), YearValue: strconv.Itoa(int(d.Year)), Partner: d.Partner.Slug,
		Headline: route.WithQuery(route.Path("/o/{org}/dashboard.csv", a.Org.Slug), d.Query)}
	for y := tally.FinancialYear(tally.FinancialYearOf(time.Now())); y >= tally.FinancialYear(tally.FinancialYearOf(time.Now()))-5; y-- {
		p.Years = append(p.Years, components.Option{Value: strconv.Itoa(int(y)), Text: y.Label()})
	}
	if a.Org.Kind == tally.SharedService {
		p.Partners = []components.Option{{Value: "", Text: "All partners"}}
		for _, pa := range a.Partners {
			p.Partners = append(p.Partners, components.Option{Value: pa.Slug, Text: pa.Name})
		}
	}
	for _, h := range headline(cur, prev) {
		if h.Hidden {
			continue // in the CSV; on the page it is a note of its total
		}
		p.Figures = append(p.Figures, pages.FigureView{Label: h.Label, Value: h.Show, Previous: h.PrevShow, Change: h.Change, Note: h.Note})
	}
	for _, t := range dashboardTables(data.Breakdowns, data.Ratings, d) {
		p.Sections = append(p.Sections, pages.DashboardSection{ID: t.key, Title: t.title, Summary: t.summary, Bars: t.bars,
			Series: t.series, Groups: t.groups, Table: t.spec(), CSV: route.WithQuery(route.Path("/o/{org}/dashboard/{table}.{format}", a.Org.Slug, t.key, "csv"), d.Query),
			XLSX: route.WithQuery(route.Path("/o/{org}/dashboard/{table}.{format}", a.Org.Slug, t.key, "xlsx"), d.Query)})
	}
	return s.render(w, r, http.StatusOK, pages.Dashboard(p))
}

// figure is one headline figure: its CSV name and value, and how to show
// it beside the previous year.
type figure struct {
	Key, Label, Value, Show, PrevShow, Change, Note string
	Hidden                                          bool // shown as part of another figure's note
}

func money(key, label string, cur, prev tally.Pence, note string) figure {
	return figure{Key: key, Label: label, Value: cur.Pounds(), Show: format.Money(cur), PrevShow: format.Money(prev),
		Change: signed(int64(cur-prev), func(v int64) string { return format.Money(tally.Pence(v)) }), Note: note}
}

// share is a ratio: "no data" on the page and an empty value in exports
// when there was nothing to divide (SPEC §8), and then no change either.
func share(key, label string, cur, prev tally.Ratio, note string) figure {
	f := figure{Key: key, Label: label, Value: shareValue(cur), Show: format.Percent(cur), PrevShow: format.Percent(prev), Note: note}
	f.Change = "no change to compare"
	if cur.Defined() && prev.Defined() {
		f.Change = "change " + strings.Replace(cur.PointsChange(prev), "-", format.Minus, 1) + " points"
	}
	return f
}

// shareValue is a ratio as exported: a percentage to 1 place, or empty.
func shareValue(r tally.Ratio) string {
	if !r.Defined() {
		return ""
	}
	return r.Percent1()
}

func count(key, label string, cur, prev int, note string) figure {
	number := func(n int64) string { return format.Integer(int(n)) }
	return figure{Key: key, Label: label, Value: strconv.Itoa(cur), Show: number(int64(cur)), PrevShow: number(int64(prev)),
		Change: signed(int64(cur-prev), number), Note: note}
}

func hidden(f figure) figure {
	f.Hidden = true
	return f
}

func signed(v int64, show func(int64) string) string {
	switch {
	case v > 0:
		return "change +" + show(v)
	case v < 0:
		return "change −" + show(-v)
	}
	return "no change"
}

// headline lists the SPEC §8 figures in order; the same list drives the
// page and the CSV.
func headline(cur, prev tally.Figures) []figure {
	fs := []figure{
		money("contract_value_awarded", "Contract value awarded", cur.ContractValue, prev.ContractValue, format.Count(cur.Contracts, "contract", "contracts")),
		money("social_value_committed", "Social value committed", cur.Committed, prev.Committed, ""),
		share("social_value_percent", "Social value as a share of contract value", cur.SocialValueShare(), prev.SocialValueShare(), ""),
		money("social_value_delivered", "Social value delivered (verified)", cur.Delivered, prev.Delivered, "On returns for periods ending in the year"),
		money("delivery_gap", "Delivery gap on live contracts", cur.Gap(), prev.Gap(), "Committed to date less delivered"),
		share("local_share_of_social_value", "Local share of social value", cur.LocalShare(), prev.LocalShare(), ""),
		share("local_share_of_spend", "Local share of spend", cur.LocalSpendShare(), prev.LocalSpendShare(), ""),
		count("tenders_over_threshold", "Tenders over threshold", cur.Tenders, prev.Tenders, "Published in the year, including any since cancelled"),
		money("tenders_over_threshold_value", "Estimated value of those tenders", cur.TenderValue, prev.TenderValue, ""),
		share("average_weighting", "Average social value weighting", cur.AverageWeighting(), prev.AverageWeighting(), ""),
		share("contracts_with_performance_measures", "Contracts with performance measures", cur.KPIShare(), prev.KPIShare(),
			fmt.Sprintf("%d of %s", cur.ContractsWithKPIs, format.Count(cur.Contracts, "contract", "contracts"))),
		count("bidders", "Bidders", cur.Bidders, prev.Bidders, fmt.Sprintf("%d local, %d SME, %d VCSE", cur.BiddersLocal, cur.BiddersSME, cur.BiddersVCSE)),
		hidden(count("bidders_local", "Local bidders", cur.BiddersLocal, prev.BiddersLocal, "")),
		hidden(count("bidders_sme", "SME bidders", cur.BiddersSME, prev.BiddersSME, "")),
		hidden(count("bidders_vcse", "VCSE bidders", cur.BiddersVCSE, prev.BiddersVCSE, "")),
		count("winners", "Winners", cur.Winners, prev.Winners, fmt.Sprintf("%d local, %d SME, %d VCSE", cur.WinnersLocal, cur.WinnersSME, cur.WinnersVCSE)),
		hidden(count("winners_local", "Local winners", cur.WinnersLocal, prev.WinnersLocal, "")),
		hidden(count("winners_sme", "SME winners", cur.WinnersSME, prev.WinnersSME, "")),
		hidden(count("winners_vcse", "VCSE winners", cur.WinnersVCSE, prev.WinnersVCSE, "")),
	}
	prevPlugins := map[string]tally.Pence{}
	for _, pv := range prev.Plugins {
		prevPlugins[pv.Plugin] = pv.Value
	}
	for _, pv := range cur.Plugins {
		fs = append(fs, money("plugin_value:"+pv.Plugin, "Committed on "+pv.Plugin+" measures", pv.Value, prevPlugins[pv.Plugin], "Plug-in value"))
	}
	return fs
}

// handleDashboardCSV exports the headline figures: one row per figure,
// money in pounds to 2 places, shares as percentages to 1 place.
func (s *Server) handleDashboardCSV(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	d, err := dashboardFor(r, a)
	if err != nil {
		return err
	}
	cur, err := s.store.Figures(r.Context(), a.Scope, d.Partners, d.Year, asOf(d.Year))
	if err != nil {
		return err
	}
	t := export.Table{Name: "headline-" + strconv.Itoa(int(d.Year)), Head: []string{"figure", "value"}}
	for _, f := range headline(cur, tally.Figures{}) {
		t.Rows = append(t.Rows, []string{f.Key, f.Value})
	}
	return writeCSV(w, t)
}

// dashboardTable is a breakdown as shown and exported. rows are for the
// page ("£1,234.56"); export holds the same cells as plain numbers
// ("1234.56"), so that spreadsheets can add them up.
type dashboardTable struct {
	key, title, summary string
	head                []string
	numeric             []bool
	rows, export        [][]string
	bars                []components.Bar
	series              []components.Series   // a grouped chart's series
	groups              []components.BarGroup // and its groups, instead of bars
}

// add appends a row, shown and exported.
func (t *dashboardTable) add(shown, exported []string) {
	t.rows = append(t.rows, shown)
	t.export = append(t.export, exported)
}

func (t dashboardTable) spec() components.TableSpec {
	spec := components.TableSpec{Caption: t.title, CaptionClass: "govuk-visually-hidden", Head: t.head, Numeric: t.numeric}
	for _, row := range t.rows {
		cells := make([]components.Cell, len(row))
		for i, c := range row {
			cells[i] = components.Cell{Text: c}
		}
		spec.Rows = append(spec.Rows, cells)
	}
	return spec
}

// dashboardTables are the year's breakdowns, each a chart and a table.
func dashboardTables(b postgres.Breakdowns, ratings map[tally.Rating]postgres.RatingTotal, d dashboardScope) []dashboardTable {
	committed := func(key, title, what string, rows []postgres.Breakdown, withValue bool) dashboardTable {
		t := dashboardTable{key: key, title: title, head: []string{what, "Social value committed"}, numeric: []bool{false, true}}
		if withValue {
			t.head = append(t.head, "Contract value", "Contracts")
			t.numeric = append(t.numeric, true, true)
		}
		var top postgres.Breakdown
		for _, r := range rows {
			row, out := []string{r.Label, format.Money(r.Committed)}, []string{r.Label, r.Committed.Pounds()}
			if withValue {
				row = append(row, format.Money(r.Value), strconv.Itoa(r.Count))
				out = append(out, r.Value.Pounds(), strconv.Itoa(r.Count))
			}
			t.add(row, out)
			t.bars = append(t.bars, components.Bar{Label: r.Label, Value: int64(r.Committed), Text: format.Money(r.Committed)})
			if r.Committed > top.Committed {
				top = r
			}
		}
		t.summary = "No social value was committed in this year."
		if top.Label != "" {
			t.summary = fmt.Sprintf("The largest is %s, with %s committed.", top.Label, format.Money(top.Committed))
		}
		return t
	}
	tables := []dashboardTable{
		committed("themes", "Committed social value by theme", "Theme", b.Themes, false),
		committed("measures", "Top 10 measures by committed social value", "Measure", b.Measures, false),
	}
	if d.Partner.ID == 0 && len(d.Partners) > 1 {
		tables = append(tables, committed("partners", "By partner", "Partner", b.Partners, true))
	}
	tables = append(tables, committed("sizes", "By supplier size", "Size", sizeLabels(b.Sizes), true))
	months := dashboardTable{key: "months", title: "Committed and delivered by month", head: []string{"Month", "Committed (by award)", "Delivered (verified, by period end)"},
		numeric: []bool{false, true, true}, summary: "Committed social value by month of award, beside verified delivery by the month a reporting period ended.",
		series: []components.Series{{Name: "Committed (by award)"}, {Name: "Delivered (verified, by period end)", Class: components.BarSecond}}}
	delivered := map[string]tally.Pence{}
	for _, r := range b.Delivered {
		delivered[r.Label] = r.Committed
	}
	committedBy := map[string]tally.Pence{}
	for _, r := range b.Committed {
		committedBy[r.Label] = r.Committed
	}
	for m := d.Year.Start(); m.Before(d.Year.End()); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		c, dv := committedBy[key], delivered[key]
		months.add([]string{m.Format("January 2006"), format.Money(c), format.Money(dv)},
			[]string{m.Format("January 2006"), c.Pounds(), dv.Pounds()})
		months.groups = append(months.groups, components.BarGroup{Label: m.Format("January 2006"), Bars: []components.Bar{
			{Value: int64(c), Text: format.Money(c)}, {Value: int64(dv), Text: format.Money(dv)}}})
	}
	tables = append(tables, months)
	table := dashboardTable{key: "ratings", title: "Ratings of live contracts", head: []string{"Rating", "Contracts", "Committed social value"},
		numeric: []bool{false, true, true}}
	for _, rt := range []tally.Rating{tally.RatingGood, tally.RatingApproaching, tally.RatingRequiresImprovement, tally.RatingInadequate, tally.RatingNotYetDue} {
		n, v := ratings[rt].Contracts, ratings[rt].Committed
		table.add([]string{rt.Label(), strconv.Itoa(n), format.Money(v)}, []string{rt.Label(), strconv.Itoa(n), v.Pounds()})
		table.bars = append(table.bars, components.Bar{Label: rt.Label(), Value: int64(n), Text: format.Count(n, "contract", "contracts"),
			Class: ragClass[rt]})
	}
	table.summary = fmt.Sprintf("Live contracts by rating: Good %d, Approaching target %d, Requires improvement %d, Inadequate %d, Not yet due %d.",
		ratings[tally.RatingGood].Contracts, ratings[tally.RatingApproaching].Contracts, ratings[tally.RatingRequiresImprovement].Contracts,
		ratings[tally.RatingInadequate].Contracts, ratings[tally.RatingNotYetDue].Contracts)
	return append(tables, table)
}

// ragClass colours each rating's bar (SPEC §7): Good green, Approaching
// target and Requires improvement amber, Inadequate red; contracts with
// nothing due yet are grey.
var ragClass = map[tally.Rating]string{
	tally.RatingGood: components.BarGood, tally.RatingApproaching: components.BarAmber,
	tally.RatingRequiresImprovement: components.BarAmber, tally.RatingInadequate: components.BarRed,
	tally.RatingNotYetDue: components.BarNeutral,
}

func sizeLabels(rows []postgres.Breakdown) []postgres.Breakdown {
	out := make([]postgres.Breakdown, len(rows))
	for i, r := range rows {
		r.Label = format.Size(r.Label)
		out[i] = r
	}
	return out
}

// handleDashboardTable exports one breakdown as CSV or XLSX, amounts as
// plain pounds.
func (s *Server) handleDashboardTable(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	d, err := dashboardFor(r, a)
	if err != nil {
		return err
	}
	b, err := s.store.DashboardBreakdowns(r.Context(), a.Scope, d.Partners, d.Year)
	if err != nil {
		return err
	}
	ratings, err := s.store.LiveRatings(r.Context(), a.Scope, d.Partners, asOf(d.Year))
	if err != nil {
		return err
	}
	key, format := chi.URLParam(r, "table"), chi.URLParam(r, "format")
	for _, t := range dashboardTables(b, ratings, d) {
		if t.key != key {
			continue
		}
		out := export.Table{Name: key + "-" + strconv.Itoa(int(d.Year)), Head: t.head, Rows: t.export}
		switch format {
		case "csv":
			return writeCSV(w, out)
		case "xlsx":
			return writeXLSX(w, out)
		}
	}
	return errNotFound
}
