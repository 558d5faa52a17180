package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

const (
	auditPageSize = 50
	maxAuditPage  = 1_000_000
)

// auditActions are the choices of the action filter: an action, or a
// family of actions ending in ".".
var auditActions = []components.Option{
	{Value: "", Text: "Any action"},
	{Value: "tender.", Text: "Tenders: any change"},
	{Value: "tender.publish", Text: "Tender published"},
	{Value: "tender.extend", Text: "Deadline extended"},
	{Value: "tender.cancel", Text: "Tender cancelled"},
	{Value: "offers.open", Text: "Offers opened or exported"},
	{Value: "evaluation.", Text: "Evaluation: moderation and marks"},
	{Value: "tender.award", Text: "Contract awarded"},
	{Value: "contract.direct", Text: "Direct contract registered"},
	{Value: "kpi.change", Text: "KPI targets changed"},
	{Value: "offer.", Text: "Offers submitted or withdrawn"},
	{Value: "return.submit", Text: "Return submitted"},
	{Value: "return.verified", Text: "Return line verified"},
	{Value: "return.queried", Text: "Return line queried"},
	{Value: "return.rejected", Text: "Return line rejected"},
	{Value: "evidence.infected", Text: "Evidence file with a virus refused or removed"},
	{Value: "settings.update", Text: "Settings changed"},
	{Value: "sso.", Text: "Single sign-on changed or turned off"},
	{Value: "measures.", Text: "Measures and editions"},
	{Value: "member.", Text: "People and roles"},
	{Value: "supplier.register", Text: "Supplier registered"},
	{Value: "email.retry", Text: "Undelivered email sent again"},
}

// handleAudit shows the audit trail, newest first: the organisation's log
// and, for a shared service, its partners' logs, filtered by partner,
// person, action and dates, with each entry said in plain words and
// whether each hash chain is intact.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	q := r.URL.Query()
	// A page number past any real log still gets a page, and never an
	// offset that overflows.
	page, _ := strconv.Atoi(q.Get("page"))
	page = min(max(page, 1), maxAuditPage)
	p := pages.AuditPage{Page: s.page(r, "Audit trail"), Base: route.Path("/o/{org}/audit", a.Org.Slug), Actions: auditActions}
	errs := tally.FormErrors{}

	orgs := a.Scope.OrgIDs
	names := map[int64]string{a.Org.ID: a.Org.Name}
	if a.Org.Kind == tally.SharedService {
		p.Partners = []components.Option{{Value: "", Text: "The shared service and every partner"}, {Value: a.Org.Slug, Text: a.Org.Name + " only"}}
		for _, pa := range a.Partners {
			names[pa.ID] = pa.Name
			p.Partners = append(p.Partners, components.Option{Value: pa.Slug, Text: pa.Name})
		}
		p.Partner = clip(q.Get("partner"), 50)
		if pa, ok := a.Partner(p.Partner); ok {
			orgs = []int64{pa.ID}
		} else if p.Partner == a.Org.Slug {
			orgs = []int64{a.Org.ID}
		} else {
			p.Partner = ""
		}
	} else {
		orgs = []int64{a.Org.ID}
	}
	f := postgres.AuditFilter{OrgIDs: orgs, Limit: auditPageSize, Offset: (page - 1) * auditPageSize}

	people, err := s.store.AuditPeople(r.Context(), a.Scope, orgs)
	if err != nil {
		return err
	}
	p.People = []components.Option{{Value: "", Text: "Anyone"}}
	p.Person = clip(q.Get("person"), 20)
	for _, pe := range people {
		id := strconv.FormatInt(pe.ID, 10)
		p.People = append(p.People, components.Option{Value: id, Text: pe.Name + " (" + pe.Email + ")"})
		if id == p.Person {
			f.UserID = pe.ID
		}
	}
	if f.UserID == 0 {
		p.Person = ""
	}
	p.Action = clip(q.Get("action"), 50)
	for _, o := range auditActions {
		if o.Value == p.Action {
			f.Action = o.Value
		}
	}
	if f.Action == "" {
		p.Action = ""
	}
	var fromOK, toOK bool
	p.From, f.From, fromOK = readDate(q, "from", "Start date", errs)
	p.To, f.Before, toOK = readDate(q, "to", "End date", errs)
	if !f.Before.IsZero() {
		f.Before = f.Before.AddDate(0, 0, 1) // the end date is the last day shown
	}
	if fromOK && toOK && !f.From.IsZero() && !f.Before.IsZero() && !f.Before.After(f.From) {
		errs.Add("to", "The end date must be the same as or after the start date")
	}
	if len(errs) > 0 {
		p.Errors = errs
		// The filters as typed come back with the message; no entry is
		// shown under a filter that could not be read.
		p.Title = "Error: Audit trail"
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Audit(p))
	}

	rows, total, err := s.store.AuditTrail(r.Context(), a.Scope, f)
	if err != nil {
		return err
	}
	broken, err := s.store.VerifyAuditChains(r.Context(), a.Scope, orgs)
	if err != nil {
		return err
	}
	for id, seq := range broken {
		p.Broken = append(p.Broken, names[id]+" from entry "+strconv.FormatInt(seq, 10))
	}
	p.Caption = format.Count(total, "entry", "entries")
	p.PageNum, p.Pages = page, max(1, (total+auditPageSize-1)/auditPageSize)
	p.PageLinks = components.PageLinks(r.URL.Path, q, "page")
	p.ShowOrg = a.Org.Kind == tally.SharedService
	for _, e := range rows {
		p.Rows = append(p.Rows, pages.AuditRow{When: format.DateTime(e.At), Org: e.Org, What: auditSentence(e),
			Ref: strconv.FormatInt(e.Seq, 10)})
	}
	return s.render(w, r, http.StatusOK, pages.Audit(p))
}

// readDate reads a GOV.UK date from name-day, name-month and name-year in
// q: all empty is no date; anything else must be a real date. It returns
// the boxes as typed, midnight that day in London, and whether it read.
func readDate(q url.Values, name, label string, errs tally.FormErrors) (components.DateParts, time.Time, bool) {
	d := components.DateParts{Day: clip(q.Get(name+"-day"), 10), Month: clip(q.Get(name+"-month"), 10), Year: clip(q.Get(name+"-year"), 10)}
	t, problem := components.ParseDate(d, label, false)
	if problem.Message != "" {
		errs.Add(name, problem.Message)
		return d, time.Time{}, false
	}
	if t.IsZero() {
		return d, t, true
	}
	return d, time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, tally.London()), true
}
