package server

import (
	"fmt"
	"net/http"
	"net/url"
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

// contractRatings are the rating filter's choices, by the key ContractList
// uses, best first.
var contractRatings = []struct {
	Key    string
	Rating tally.Rating
}{{"good", tally.RatingGood}, {"approaching", tally.RatingApproaching}, {"requires_improvement", tally.RatingRequiresImprovement},
	{"inadequate", tally.RatingInadequate}, {"not_yet_due", tally.RatingNotYetDue}}

// contractListFilter reads the contracts list's filters from the URL;
// unknown values mean "any".
func contractListFilter(r *http.Request, a tally.Access) (postgres.ContractListFilter, int) {
	q := r.URL.Query()
	page := max(1, atoiOr(q.Get("page"), 1))
	f := postgres.ContractListFilter{Query: clip(q.Get("q"), 200), AsOf: londonDay(time.Now()), Limit: tendersPageSize,
		Offset: (page - 1) * tendersPageSize}
	switch st := q.Get("status"); st {
	case "not_started", "live", "ended":
		f.Status = st
	}
	for _, cr := range contractRatings {
		if q.Get("rating") == cr.Key {
			f.Rating = cr.Key
		}
	}
	if q.Get("rating") == "none" {
		f.Rating = "none"
	}
	switch so := q.Get("sort"); so {
	case "value", "committed", "reference", "supplier", "end":
		f.Sort = so
	}
	if p, ok := a.Partner(clip(q.Get("partner"), 50)); ok && a.Org.Kind != tally.Supplier {
		f.PartnerID = p.ID
	}
	return f, page
}

// contractStatus says where a contract is on a day: "Not started", "Live"
// or "Ended".
func contractStatus(c tally.Contract, day time.Time) string {
	switch {
	case c.Start.After(day):
		return "Not started"
	case c.End.Before(day):
		return "Ended"
	}
	return "Live"
}

// ratingOf is a list row's rating for people, and its tag colour.
func ratingOf(c postgres.ContractRow) (string, string) {
	if c.Rating == "none" {
		return "No KPIs", ""
	}
	for _, cr := range contractRatings {
		if cr.Key == c.Rating {
			return cr.Rating.Label(), ragColour(cr.Rating)
		}
	}
	return "", ""
}

// handleContracts lists contracts in scope (a supplier's own, or its
// partners' for staff) with their status and rating today: filtered by
// words, status, rating and partner, sorted, a page at a time.
func (s *Server) handleContracts(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, page := contractListFilter(r, a)
	list, total, err := s.store.ContractList(r.Context(), a.Scope, f)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p := pages.ContractsPage{Page: s.page(r, "Contracts"), Query: f.Query, Status: f.Status, Rating: f.Rating, Sort: f.Sort,
		Partner: clip(q.Get("partner"), 50), Caption: format.Count(total, "contract", "contracts"), PageNum: page,
		Pages: max(1, (total+tendersPageSize-1)/tendersPageSize), PageLinks: components.PageLinks(r.URL.Path, q, "page")}
	if a.Can(tally.RoleBuyer) {
		p.NewHref = route.Path("/o/{org}/contracts/new", a.Org.Slug)
	}
	exportQ := url.Values{}
	for _, k := range []string{"q", "status", "rating", "sort", "partner"} {
		if v := q.Get(k); v != "" {
			exportQ.Set(k, clip(v, 200))
		}
	}
	p.CSV = route.WithQuery(route.Path("/o/{org}/contracts.csv", a.Org.Slug), exportQ)
	p.XLSX = route.WithQuery(route.Path("/o/{org}/contracts.xlsx", a.Org.Slug), exportQ)
	p.Statuses = []components.Option{{Value: "", Text: "Any status"}, {Value: "live", Text: "Live"}, {Value: "not_started", Text: "Not started"},
		{Value: "ended", Text: "Ended"}}
	p.Ratings = []components.Option{{Value: "", Text: "Any rating"}}
	for _, cr := range contractRatings {
		p.Ratings = append(p.Ratings, components.Option{Value: cr.Key, Text: cr.Rating.Label()})
	}
	p.Ratings = append(p.Ratings, components.Option{Value: "none", Text: "No KPIs"})
	p.Sorts = []components.Option{{Value: "", Text: "Newest award first"}, {Value: "value", Text: "Highest value first"},
		{Value: "committed", Text: "Most social value committed first"}, {Value: "end", Text: "Ending soonest first"},
		{Value: "reference", Text: "Reference, A to Z"}, {Value: "supplier", Text: "Supplier, A to Z"}}
	if a.Org.Kind == tally.SharedService {
		p.Partners = []components.Option{{Value: "", Text: "All partners"}}
		for _, pa := range a.Partners {
			p.Partners = append(p.Partners, components.Option{Value: pa.Slug, Text: pa.Name})
		}
	}
	for _, c := range list {
		label, colour := ratingOf(c)
		rating := components.Cell{Text: label}
		if colour != "" {
			rating = components.Cell{Content: components.Tag(label, colour)}
		}
		p.Rows = append(p.Rows, []components.Cell{{Text: c.Title, Href: route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, c.ID)},
			{Text: c.Reference}, {Text: c.Partner.Name}, {Text: c.Supplier.Name}, {Text: format.ShortDate(c.AwardedOn)},
			{Text: contractStatus(c.Contract, f.AsOf)}, {Text: format.Money(c.Value)}, {Text: format.Money(c.Committed)}, rating})
	}
	return s.render(w, r, http.StatusOK, pages.Contracts(p))
}

// contractExportLimit bounds an export: more than any partner holds.
const contractExportLimit = 100_000

// handleContractsExport downloads the contracts list, as filtered and
// sorted on its page, as CSV or XLSX: every matching contract with its
// status and rating, money in pounds and dates as YYYY-MM-DD.
func (s *Server) handleContractsExport(kind string) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, a tally.Access) error {
		f, _ := contractListFilter(r, a)
		f.Limit, f.Offset = contractExportLimit, 0
		list, _, err := s.store.ContractList(r.Context(), a.Scope, f)
		if err != nil {
			return err
		}
		t := export.Table{Name: "contracts-" + a.Org.Slug, Head: []string{"reference", "title", "partner", "supplier", "awarded_on", "start_date",
			"end_date", "status", "value_gbp", "social_value_committed_gbp", "expected_to_date_gbp", "delivered_to_date_gbp", "rating", "how"}}
		for _, c := range list {
			label, _ := ratingOf(c)
			how := "tender"
			if c.Direct {
				how = "direct"
			}
			t.Rows = append(t.Rows, []string{c.Reference, c.Title, c.Partner.Name, c.Supplier.Name, c.AwardedOn.Format(time.DateOnly),
				c.Start.Format(time.DateOnly), c.End.Format(time.DateOnly), contractStatus(c.Contract, f.AsOf), c.Value.Pounds(),
				c.Committed.Pounds(), c.Expected.Pounds(), c.Delivered.Pounds(), label, how})
		}
		if kind == "xlsx" {
			return writeXLSX(w, t)
		}
		return writeCSV(w, t)
	}
}

func (s *Server) contractInScope(r *http.Request, a tally.Access) (tally.Contract, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "contract"), 10, 64)
	if err != nil {
		return tally.Contract{}, errNotFound
	}
	c, err := s.store.Contract(r.Context(), a.Scope, id)
	if err == nil && a.Org.Kind == tally.Supplier && c.Supplier.ID != a.Org.ID {
		err = errNotFound
	}
	return c, err
}

// handleContract shows a contract: value, dates, KPIs with targets per
// period, and committed social value.
func (s *Server) handleContract(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	c, err := s.contractInScope(r, a)
	if err != nil {
		return err
	}
	how := "Awarded through tender"
	if c.Direct {
		how = "Registered directly"
	}
	p := pages.ContractPage{Page: s.page(r, c.Title), Back: route.Path("/o/{org}/contracts", a.Org.Slug), Title: c.Title, Reference: c.Reference,
		CanChange: a.Can(tally.RoleBuyer, tally.RoleContractManager),
		Summary: []components.SummaryRow{
			{Key: "Partner", Value: c.Partner.Name}, {Key: "Supplier", Value: c.Supplier.Name},
			{Key: "Contract value", Value: format.Money(c.Value)}, {Key: "Social value committed", Value: format.Money(c.Committed)},
			{Key: "Social value % of contract value", Value: format.Percent(tally.SocialValuePercent(c.Committed, c.Value))},
			{Key: "Runs", Value: format.Date(c.Start) + " to " + format.Date(c.End)},
			{Key: "Awarded", Value: format.Date(c.AwardedOn) + " · " + how},
		}}
	// The reason is part of the evaluation record and may weigh other
	// bids: suppliers never see it.
	if c.AwardReason != "" && a.Org.Kind != tally.Supplier {
		p.Summary = append(p.Summary, components.SummaryRow{Key: "Reason for the award", Value: c.AwardReason})
	}
	for _, k := range c.KPIs {
		v := pages.KPIView{Code: k.Code, Title: k.Title, Unit: k.Unit, Quantity: format.Quantity(k.Quantity, k.Unit), Value: format.Money(k.Value()),
			Local: k.Local, Plugin: k.Plugin, Proxy: "no £ value (record only)", ChangeURL: route.Path("/o/{org}/contracts/{contract}/kpis/{kpi}", a.Org.Slug, c.ID, k.ID)}
		if k.HasProxy {
			v.Proxy = format.Per(k.Proxy, k.Unit)
		}
		for _, t := range k.Targets {
			reported, verified := "–", "–"
			if t.HasReturn {
				reported, verified = format.Quantity(t.Reported, k.Unit), format.Quantity(t.Verified, k.Unit)
			}
			v.Targets = append(v.Targets, []string{strconv.Itoa(t.Period.Number),
				format.ShortDate(t.Period.Start) + " to " + format.ShortDate(t.Period.LastDay()), format.ShortDate(t.Period.Due),
				format.Quantity(t.Target, k.Unit), reported, verified})
		}
		p.KPIs = append(p.KPIs, v)
	}
	changes, err := s.store.KPIChanges(r.Context(), a.Scope, c.ID)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		by := ch.By
		if by == "" {
			by = "–"
		}
		p.Changes = append(p.Changes, []string{format.DateTime(ch.At), ch.Code + " " + ch.Title,
			format.Quantity(ch.Before, ch.Unit) + " to " + format.Quantity(ch.After, ch.Unit),
			"Period " + strconv.Itoa(ch.FromPeriod) + " onwards", ch.Reason, by})
	}
	if err := s.contractDelivery(r, a, c, &p); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.Contract(p))
}

func (s *Server) directContractPage(r *http.Request, a tally.Access, in pages.DirectContractForm, errs map[string]string) (pages.DirectContractPage, error) {
	p := pages.DirectContractPage{Page: s.page(r, "Register a direct contract"), Back: route.Path("/o/{org}/contracts", a.Org.Slug), Action: route.Path("/o/{org}/contracts/new", a.Org.Slug),
		Form: in, Errors: errs}
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	if a.Org.Kind == tally.SharedService {
		for _, pa := range a.Partners {
			p.Partners = append(p.Partners, components.Option{Value: pa.Slug, Text: pa.Name})
		}
	}
	suppliers, err := s.store.Suppliers(r.Context())
	if err != nil {
		return p, err
	}
	p.Suppliers = []components.Option{{Value: "", Text: "Choose a supplier"}}
	for _, su := range suppliers {
		p.Suppliers = append(p.Suppliers, components.Option{Value: su.Slug, Text: su.Name})
	}
	partner, _ := tenderPartner(a, in.Partner)
	ms, err := s.store.AvailableMeasures(r.Context(), partnerScope(a, partner))
	if err != nil {
		return p, err
	}
	p.Measures = []components.Option{{Value: "", Text: "None"}}
	for _, m := range ms {
		p.Measures = append(p.Measures, components.Option{Value: measureKey(m), Text: m.Code + " " + m.Title + " (" + m.Unit + ")"})
	}
	return p, nil
}

func (s *Server) handleNewContract(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	p, err := s.directContractPage(r, a, pages.DirectContractForm{}, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.DirectContract(p))
}

// handleCreateContract registers a direct contract, with or without KPIs.
func (s *Server) handleCreateContract(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	boxes := map[string][]string{}
	in := pages.DirectContractForm{Partner: f.raw("partner"), Supplier: f.raw("supplier"),
		Reference: f.text("reference", "a reference", 50, true), Title: f.text("title", "a title", 200, true),
		Value: f.text("value", "the contract value", 30, true), Measures: f.r.PostForm["measure"], Quantities: f.r.PostForm["quantity"],
		BelowThreshold: f.checked("below_threshold")}
	partner, ok := tenderPartner(a, in.Partner)
	if !ok {
		f.Errs.Add("partner", "Select the partner council")
	}
	c := postgres.NewContract{PartnerID: partner.ID, Reference: in.Reference, Title: in.Title, AwardReason: "Registered directly"}
	in.Start, c.Start = f.date("start", "Start date", true, boxes)
	in.End, c.End = f.date("end", "End date", true, boxes)
	in.AwardedOn, c.AwardedOn = f.date("awarded_on", "Date awarded", true, boxes)
	suppliers, err := s.store.Suppliers(r.Context())
	if err != nil {
		return err
	}
	for _, su := range suppliers {
		if su.Slug == in.Supplier {
			c.SupplierID = su.ID
		}
	}
	if c.SupplierID == 0 {
		f.Errs.Add("supplier", "Select the supplier")
	}
	if f.Errs["value"] == "" {
		if c.Value, err = tally.ParsePounds(in.Value); err != nil || c.Value <= 0 {
			f.Errs.Add("value", "Contract value must be an amount in pounds more than £0, like 250,000")
		}
	}
	checkContractDates(c, time.Now(), f.Errs)
	if ok && f.Errs["value"] == "" && c.Value > 0 {
		// Under the threshold is allowed (a legacy or small direct award)
		// but never by accident: the buyer confirms it.
		settings, err := s.partnerSettings(r, a, partner.ID)
		if err != nil {
			return err
		}
		if c.Value < settings.Threshold {
			in.Threshold = format.Money(settings.Threshold)
			if !in.BelowThreshold {
				f.Errs.Add("below_threshold", fmt.Sprintf("The contract value is below %s's threshold of %s: confirm that you want to register it",
					partner.Name, in.Threshold))
			}
		}
	}
	available, err := s.store.AvailableMeasures(r.Context(), partnerScope(a, partner))
	if err != nil {
		return err
	}
	for i, key := range in.Measures {
		if key == "" || i >= 6 {
			continue
		}
		field := "kpi-" + strconv.Itoa(i)
		var chosen *tally.TenderMeasure
		for j := range available {
			if measureKey(available[j]) == key {
				chosen = &available[j]
			}
		}
		q, qerr := tally.ParseQuantity(at(in.Quantities, i))
		switch {
		case chosen == nil:
			f.Errs.Add(field, "Select a measure from the list")
		case qerr != nil:
			f.Errs.Add(field, fieldMessage("Committed quantity for "+chosen.Code, "12 or 2.5", qerr))
		default:
			c.KPIs = append(c.KPIs, postgres.NewKPI{Measure: *chosen, Quantity: q})
		}
	}
	var id int64
	if len(f.Errs) == 0 {
		id, err = s.store.CreateDirectContract(r.Context(), a.Scope, c)
		if f.Errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		p, err := s.directContractPage(r, a, in, f.Errs)
		p.DateBoxes = boxes
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.DirectContract(p))
	}
	s.flash(r, "Contract "+c.Reference+" is registered.")
	http.Redirect(w, r, route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, id), http.StatusSeeOther)
	return nil
}

func at(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return ""
}

// contractDelivery adds the contract's ratings and its returns by period.
func (s *Server) contractDelivery(r *http.Request, a tally.Access, c tally.Contract, p *pages.ContractPage) error {
	statuses, err := s.store.ContractStatuses(r.Context(), a.Scope, c.ID, time.Now())
	if err != nil {
		return err
	}
	for _, cs := range statuses {
		p.Rating, p.RatingTag = cs.Rating.Label(), ragColour(cs.Rating)
		p.Delivered, p.Expected = format.Money(cs.Delivered), format.Money(cs.Expected)
		for i, ks := range cs.KPIs {
			if i < len(p.KPIs) {
				p.KPIs[i].Rating, p.KPIs[i].RatingTag = ks.Rating.Label(), ragColour(ks.Rating)
				p.KPIs[i].Delivered, p.KPIs[i].Expected = format.Quantity(ks.Delivered, ks.KPI.Unit), format.Quantity(ks.Expected, ks.KPI.Unit)
			}
		}
	}
	periods, err := s.store.ContractPeriods(r.Context(), a.Scope, c.ID)
	if err != nil {
		return err
	}
	canStart, canRead := a.Can(returnEditors...), a.Can(returnReaders...)
	for _, pe := range periods {
		row := []components.Cell{{Text: strconv.Itoa(pe.Period)},
			{Text: format.ShortDate(pe.Start) + " to " + format.ShortDate(pe.End.AddDate(0, 0, -1))}, {Text: format.ShortDate(pe.Due)}}
		switch {
		case pe.ReturnID != 0 && canRead:
			row = append(row, components.Cell{Text: pe.Status.Label(), Href: route.Path("/o/{org}/returns/{return}", a.Org.Slug, pe.ReturnID)})
		case pe.ReturnID != 0:
			// A buyer sees where the return stands, not a link it may not open.
			row = append(row, components.Cell{Text: pe.Status.Label()})
		case pe.Overdue:
			row = append(row, components.Cell{Content: components.Tag("Overdue", "red")})
		case !pe.Ended:
			row = append(row, components.Cell{Text: "Not due yet"})
		case canStart:
			row = append(row, components.Cell{Content: pages.StartReturnButton(route.Path("/o/{org}/contracts/{contract}/returns", a.Org.Slug, c.ID), pe.Period)})
		default:
			row = append(row, components.Cell{Text: "Due"})
		}
		if pe.Overdue && canStart && pe.ReturnID == 0 {
			row[3] = components.Cell{Content: pages.StartReturnButton(route.Path("/o/{org}/contracts/{contract}/returns", a.Org.Slug, c.ID), pe.Period)}
		}
		p.Periods = append(p.Periods, row)
	}
	return nil
}

// checkContractDates checks a direct contract's dates against each other
// and today (those that were read): it ends on or after its start, and it
// was awarded neither in the future nor after it started.
func checkContractDates(c postgres.NewContract, now time.Time, errs tally.FormErrors) {
	today := londonDay(now)
	if !c.Start.IsZero() && !c.End.IsZero() && c.End.Before(c.Start) {
		errs.Add("end", "End date must be the same as or after the start date")
	}
	if !c.AwardedOn.IsZero() && c.AwardedOn.After(today) {
		errs.Add("awarded_on", "Date awarded must be today or in the past")
	}
	if !c.AwardedOn.IsZero() && !c.Start.IsZero() && c.AwardedOn.After(c.Start) {
		errs.Add("awarded_on", "Date awarded must be the same as or before the start date")
	}
}

// londonDay is today's date in the UK, at midnight UTC as dates scan.
func londonDay(now time.Time) time.Time {
	y, m, d := now.In(tally.London()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
