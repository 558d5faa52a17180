package server

import (
	"net/http"
	"slices"
	"strconv"
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

// handleSuppliers lists supplier organisations for buyers and directors,
// a page at a time, filtered (local to the organisation's partners, SME,
// VCSE) and sorted.
func (s *Server) handleSuppliers(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	q := r.URL.Query()
	page := max(1, atoiOr(q.Get("page"), 1))
	f := postgres.SupplierFilter{Sort: q.Get("sort"), Limit: tendersPageSize, Offset: (page - 1) * tendersPageSize}
	if _, ok := postgres.SupplierSorts[f.Sort]; !ok {
		f.Sort = "name"
	}
	for _, p := range a.Partners {
		f.Partners = append(f.Partners, p.ID)
	}
	shown := q["show"]
	f.Local, f.SME, f.VCSE = slices.Contains(shown, "local"), slices.Contains(shown, "sme"), slices.Contains(shown, "vcse")
	list, total, err := s.store.SupplierDirectory(r.Context(), a.Scope, f)
	if err != nil {
		return err
	}
	p := pages.SuppliersPage{Page: s.page(r, "Suppliers"), Sort: f.Sort, Show: shown, Caption: format.Count(total, "supplier", "suppliers"), PageNum: page,
		Pages: max(1, (total+tendersPageSize-1)/tendersPageSize), PageLinks: components.PageLinks(r.URL.Path, q, "page")}
	yesNo := map[bool]string{true: "Yes", false: "No"}
	for _, sup := range list {
		p.Rows = append(p.Rows, []components.Cell{{Text: sup.Name, Href: route.Path("/o/{org}/suppliers/{supplier}", a.Org.Slug, sup.Slug)},
			{Text: format.Size(sup.Size)}, {Text: yesNo[sup.VCSE]}, {Text: yesNo[sup.Local]}, {Text: sup.Postcode.String()}})
	}
	return s.render(w, r, http.StatusOK, pages.Suppliers(p))
}

// handleSupplierRecord shows a supplier's offers, wins and delivery record
// across the partners the viewer may see.
func (s *Server) handleSupplierRecord(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	sup, err := s.store.OrgBySlug(r.Context(), chi.URLParam(r, "supplier"))
	if err != nil || sup.Kind != tally.Supplier {
		return errNotFound
	}
	return s.renderRecord(w, r, a, sup, route.Path("/o/{org}/suppliers", a.Org.Slug))
}

// handleOwnRecord is a supplier's own record.
func (s *Server) handleOwnRecord(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	return s.renderRecord(w, r, a, a.Org, "")
}

func (s *Server) renderRecord(w http.ResponseWriter, r *http.Request, a tally.Access, sup tally.Org, back string) error {
	offers, contracts, err := s.store.SupplierRecord(r.Context(), a.Scope, sup.ID, time.Now())
	if err != nil {
		return err
	}
	won := 0
	for _, o := range offers {
		if o.Outcome == tally.OutcomeWon {
			won++
		}
	}
	var value, committed tally.Pence
	p := pages.SupplierRecordPage{Page: s.page(r, sup.Name), Back: back, Name: sup.Name,
		Offers: components.TableSpec{Caption: "Offers", CaptionClass: "govuk-table__caption--m",
			Head: []string{"Tender", "Council", "Submitted", "Bid price", "Social value", "Outcome"}, Numeric: []bool{false, false, false, true, true, false}},
		Contracts: components.TableSpec{Caption: "Contracts and delivery", CaptionClass: "govuk-table__caption--m",
			Head: []string{"Contract", "Council", "Awarded", "Value", "Social value committed", "Rating"}, Numeric: []bool{false, false, false, true, true, false}}}
	for _, o := range offers {
		outcome := o.Outcome.Label()
		p.Offers.Rows = append(p.Offers.Rows, []components.Cell{{Text: o.Tender + " (" + o.Reference + ")"}, {Text: o.Partner},
			{Text: format.ShortDate(o.SubmittedAt)}, {Text: format.Money(o.BidPrice)}, {Text: format.Money(o.SocialValue)}, {Text: outcome}})
	}
	for _, c := range contracts {
		value += c.Value
		committed += c.Committed
		label, colour := ratingOf(c)
		cell := components.Cell{Text: label}
		if colour != "" {
			cell = components.Cell{Content: components.Tag(label, colour)}
		}
		p.Contracts.Rows = append(p.Contracts.Rows, []components.Cell{
			{Text: c.Title, Href: route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, c.ID)}, {Text: c.Partner.Name},
			{Text: format.ShortDate(c.AwardedOn)}, {Text: format.Money(c.Value)}, {Text: format.Money(c.Committed)}, cell})
	}
	p.Summary = []components.SummaryRow{
		{Key: "Offers", Value: format.Integer(len(offers)) + " (" + format.Integer(won) + " won)"},
		{Key: "Contracts", Value: format.Integer(len(contracts)) + ", worth " + format.Money(value)},
		{Key: "Social value committed", Value: format.Money(committed)},
	}
	return s.render(w, r, http.StatusOK, pages.SupplierRecord(p))
}

// handleMeasureReport ranks measures by the verified value they
// delivered, each beside its targets for the same periods, as a page, CSV
// or XLSX.
func (s *Server) handleMeasureReport(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	d, err := dashboardFor(r, a)
	if err != nil {
		return err
	}
	kind := chi.URLParam(r, "format")
	if kind != "" && kind != "csv" && kind != "xlsx" {
		return errNotFound
	}
	list, err := s.store.MeasureReport(r.Context(), a.Scope, d.Partners, d.Year)
	if err != nil {
		return err
	}
	t := measureTable(list, d.Year)
	switch kind {
	case "csv":
		return writeCSV(w, t)
	case "xlsx":
		return writeXLSX(w, t)
	}
	p := pages.MeasureReportPage{Page: s.page(r, "Measure report "+d.Year.Label()), Year: d.Year.Label(), YearValue: strconv.Itoa(int(d.Year)),
		CSV:  route.WithQuery(route.Path("/o/{org}/reports/measures.{format}", a.Org.Slug, "csv"), d.Query),
		XLSX: route.WithQuery(route.Path("/o/{org}/reports/measures.{format}", a.Org.Slug, "xlsx"), d.Query),
		Table: components.TableSpec{Caption: "Measures by verified social value delivered", CaptionClass: "govuk-table__caption--m", Head: t.Head,
			Numeric: []bool{false, false, true, true, true, true, true, true}}}
	for y := tally.FinancialYear(tally.FinancialYearOf(time.Now())); y >= tally.FinancialYear(tally.FinancialYearOf(time.Now()))-5; y-- {
		p.Years = append(p.Years, components.Option{Value: strconv.Itoa(int(y)), Text: y.Label()})
	}
	for i, m := range list {
		p.Table.Rows = append(p.Table.Rows, cells([]string{m.Code + " " + m.Title, m.Edition,
			format.Quantity(m.Target, m.Unit), format.Quantity(m.Delivered, m.Unit), format.Money(m.TargetValue), format.Money(m.DeliveredValue),
			format.Percent(tally.NewRatio(int64(m.DeliveredValue), int64(m.TargetValue))), strconv.Itoa(m.Contracts)}))
		if i < 10 && (m.DeliveredValue > 0 || m.TargetValue > 0) {
			p.Groups = append(p.Groups, components.BarGroup{Label: m.Code + " " + m.Title, Bars: []components.Bar{
				{Value: int64(m.TargetValue), Text: format.Money(m.TargetValue)}, {Value: int64(m.DeliveredValue), Text: format.Money(m.DeliveredValue)}}})
		}
	}
	return s.render(w, r, http.StatusOK, pages.MeasureReport(p))
}

// measureTable is the report as exported: quantities in the measure's
// unit and values in pounds as plain numbers, the share delivered as a
// percentage to 1 place (empty when nothing was due).
func measureTable(list []postgres.MeasureDelivery, y tally.FinancialYear) export.Table {
	t := export.Table{Name: "measures-" + strconv.Itoa(int(y)),
		Head: []string{"Measure", "Edition", "Target for the year's periods", "Delivered (verified)", "Target value", "Delivered value (verified)",
			"Delivered as a share of target", "Contracts"}}
	for _, m := range list {
		t.Rows = append(t.Rows, []string{m.Code + " " + m.Title + " (" + m.Unit + ")", m.Edition, m.Target.String(), m.Delivered.String(),
			m.TargetValue.Pounds(), m.DeliveredValue.Pounds(), shareValue(tally.NewRatio(int64(m.DeliveredValue), int64(m.TargetValue))),
			strconv.Itoa(m.Contracts)})
	}
	return t
}

func cells(row []string) []components.Cell {
	out := make([]components.Cell, len(row))
	for i, c := range row {
		out[i] = components.Cell{Text: c}
	}
	return out
}
