package server

import (
	"net/http"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// handleOrgHome is an organisation's start page: what the user can do here,
// and for a supplier, its details and where it counts as local.
func (s *Server) handleOrgHome(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	p := pages.OrgHomePage{Page: s.page(r, a.Org.Name), OrgName: a.Org.Name, KindName: kindName(a.Org.Kind), Roles: format.Roles(a.Roles)}
	if a.Org.Kind == tally.SharedService {
		for _, partner := range a.Partners {
			p.Partners = append(p.Partners, partner.Name)
		}
	}
	for _, item := range p.Nav {
		if text, ok := sectionText[item.Label]; ok {
			p.Links = append(p.Links, pages.OrgLink{Label: item.Label, Href: item.Href, Text: text})
		}
	}
	todo, err := s.toDo(r, a)
	if err != nil {
		return err
	}
	p.ToDo = todo
	if a.Can(tally.RoleDirector) && a.Org.Kind != tally.Supplier {
		p.Dashboard = route.Path("/o/{org}/dashboard", a.Org.Slug)
	}
	unread, err := s.store.UnreadMessages(r.Context(), a.Scope)
	if err != nil {
		return err
	}
	p.Unread, p.Messages = unread, route.Path("/o/{org}/notifications", a.Org.Slug)
	p.UnreadMsg = "You have " + format.Count(unread, "unread message", "unread messages")
	if a.Org.Kind == tally.Supplier {
		summary, err := s.supplierSummary(r, a.Org.ID)
		if err != nil {
			return err
		}
		p.Supplier = &summary
	}
	return s.render(w, r, http.StatusOK, pages.OrgHome(p))
}

// sectionText describes each section on the organisation's start page.
var sectionText = map[string]string{
	"Suppliers":     "Each supplier's offers, wins and delivery record.",
	"Reports":       "Which measures deliver the most verified social value.",
	"Your record":   "Your offers, wins, contracts and ratings with every council.",
	"Dashboard":     "Social value committed and delivered, local share, SME and VCSE engagement, by year.",
	"Returns":       "Delivery returns with evidence: what is due, overdue, awaiting verification or behind target.",
	"Contracts":     "Awarded contracts with their KPIs, targets and committed social value.",
	"Tenders":       "Register tenders over the threshold, choose measures and a weighting, publish.",
	"Opportunities": "Open tenders from every council, with the social value they ask for.",
	"Offers":        "Your social value offers: drafts, submissions and receipts.",
	"Measures":      "The social value measures, units and proxy values tenders can use.",
	"People":        "Invite people, and change or remove their roles.",
	"Settings":      "Threshold, default weighting, local area and rating bands.",
	"Audit trail":   "Every change made in this organisation, tamper-evident.",
}

func (s *Server) supplierSummary(r *http.Request, orgID int64) (pages.SupplierSummary, error) {
	d, err := s.store.SupplierDetails(r.Context(), orgID)
	if err != nil {
		return pages.SupplierSummary{}, err
	}
	areas, err := s.store.PartnerAreas(r.Context(), d.Postcode)
	if err != nil {
		return pages.SupplierSummary{}, err
	}
	vcse := "No"
	if d.VCSE {
		vcse = "Yes"
	}
	company := d.CompanyNumber
	if company == "" {
		company = "Not given"
	}
	sum := pages.SupplierSummary{Rows: []components.SummaryRow{
		{Key: "Name", Value: d.Name},
		{Key: "Companies House number", Value: company},
		{Key: "Postcode", Value: d.Postcode.String()},
		{Key: "Size", Value: format.Size(d.Size)},
		{Key: "Voluntary, community or social enterprise", Value: vcse},
	}}
	for _, pa := range areas {
		sum.Local = append(sum.Local, pages.LocalStatus{Partner: pa.Partner.Name, Local: pa.Local, Area: pa.LocalArea.String()})
	}
	return sum, nil
}
