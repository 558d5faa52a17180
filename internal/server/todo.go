package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

const (
	// toDoShown is how many items of each group the home page lists; the
	// group's heading gives the true count and links to the whole list.
	toDoShown = 5
	// toDoRead is how many rows are read from the shared worklists to count
	// a group (the returns worklist reads the same).
	toDoRead = 1000
	week     = 7 * 24 * time.Hour
)

// toDo builds the home page's to-do list for each role the user holds in
// a.Org, in the order people act: what is waiting for them first.
func (s *Server) toDo(r *http.Request, a tally.Access) ([]pages.ToDoGroup, error) {
	var groups []pages.ToDoGroup
	shared := a.Org.Kind == tally.SharedService
	if a.Org.Kind == tally.Supplier {
		g, err := s.supplierToDo(r, a)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g...)
	}
	if a.Org.Kind != tally.Supplier && a.Can(tally.RoleContractManager) {
		g, err := s.contractManagerToDo(r, a, shared)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g...)
	}
	if a.Org.Kind != tally.Supplier && a.Can(tally.RoleBuyer, tally.RoleEvaluator) {
		td, err := s.store.BuyerToDo(r.Context(), a.Scope, week, toDoShown)
		if err != nil {
			return nil, err
		}
		item := func(t tally.Tender, href, hint string) pages.ToDoItem {
			if shared {
				hint = t.Partner.Name + ". " + hint
			}
			return pages.ToDoItem{Text: t.Reference + ": " + t.Title, Href: href, Hint: hint}
		}
		if a.Can(tally.RoleBuyer) {
			g := pages.ToDoGroup{ID: "drafts", Heading: "Draft tenders", Count: format.Count(td.DraftCount, "draft tender", "draft tenders"),
				Empty: "You have no draft tenders.", More: route.Path("/o/{org}/tenders", a.Org.Slug) + "?status=draft"}
			for _, t := range td.Drafts {
				g.Items = append(g.Items, item(t, route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, t.ID), "Not published yet"))
			}
			groups = append(groups, g.Finish(td.DraftCount))
			g = pages.ToDoGroup{ID: "deadlines", Heading: "Deadlines this week",
				Count: format.Count(td.ClosingCount, "tender closes", "tenders close") + " in the next 7 days",
				Empty: "No tender closes in the next 7 days.", More: route.Path("/o/{org}/tenders", a.Org.Slug) + "?status=published"}
			for _, t := range td.ClosingSoon {
				g.Items = append(g.Items, item(t, route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, t.ID), "Closes at "+format.DateTime(t.Deadline)+"."))
			}
			groups = append(groups, g.Finish(td.ClosingCount))
		}
		g := pages.ToDoGroup{ID: "evaluation", Heading: "Closed, awaiting evaluation",
			Count: format.Count(td.AwaitingCount, "tender has", "tenders have") + " closed and not been awarded",
			Empty: "No closed tender is waiting for evaluation.", More: route.Path("/o/{org}/tenders", a.Org.Slug) + "?status=closed"}
		for _, t := range td.AwaitingAward {
			g.Items = append(g.Items, item(t, route.Path("/o/{org}/tenders/{tender}/evaluation", a.Org.Slug, t.ID),
				"Closed at "+format.DateTime(t.Deadline)+". "+format.Count(t.SubmittedOffers, "offer", "offers")+"."))
		}
		groups = append(groups, g.Finish(td.AwaitingCount))
	}
	if a.Can(tally.RoleAdmin) || (a.Org.Kind == tally.Supplier && a.Can(tally.RoleSupplier)) {
		invs, err := s.store.PendingInvitations(r.Context(), a.Scope, a.Org.ID)
		if err != nil {
			return nil, err
		}
		g := pages.ToDoGroup{ID: "invitations", Heading: "Pending invitations",
			Count: format.Count(len(invs), "invitation has", "invitations have") + " not been accepted yet",
			Empty: "Nobody you invited is still to join.", More: route.Path("/o/{org}/users", a.Org.Slug) + "#invitations"}
		for i, inv := range invs {
			if i == toDoShown {
				break
			}
			g.Items = append(g.Items, pages.ToDoItem{Text: inv.Email, Href: route.Path("/o/{org}/users", a.Org.Slug) + "#invitations",
				Hint: "Invited as " + format.Roles(inv.Roles) + ". The link works until " + format.DateTime(inv.Expires) + "."})
		}
		if a.Org.Kind != tally.Supplier || len(invs) > 0 {
			groups = append(groups, g.Finish(len(invs)))
		}
	}
	return groups, nil
}

func (s *Server) contractManagerToDo(r *http.Request, a tally.Access, shared bool) ([]pages.ToDoGroup, error) {
	// The returns worklist's own queries, so the counts agree with it.
	waiting, err := s.store.Returns(r.Context(), a.Scope, []tally.ReturnStatus{tally.ReturnSubmitted}, toDoRead)
	if err != nil {
		return nil, err
	}
	check := pages.ToDoGroup{ID: "check", Heading: "Returns to check",
		Count: format.Count(len(waiting), "return is", "returns are") + " waiting for you to verify",
		Empty: "No return is waiting to be checked.", More: route.Path("/o/{org}/returns", a.Org.Slug)}
	for i, rt := range waiting {
		if i == toDoShown {
			break
		}
		hint := rt.Supplier + ". Due " + format.Date(rt.Due) + "."
		if shared {
			hint = rt.Partner + ". " + hint
		}
		check.Items = append(check.Items, pages.ToDoItem{Text: rt.Contract + " (" + rt.Reference + "), quarter " + strconv.Itoa(rt.Period),
			Href: route.Path("/o/{org}/returns/{return}", a.Org.Slug, rt.ID), Hint: hint})
	}
	due, err := s.store.DuePeriods(r.Context(), a.Scope, time.Now(), toDoRead)
	if err != nil {
		return nil, err
	}
	overdue := pages.ToDoGroup{ID: "overdue", Heading: "Overdue returns", Empty: "No return is overdue.", More: route.Path("/o/{org}/returns", a.Org.Slug)}
	n := 0
	for _, d := range due {
		if !d.Overdue {
			continue
		}
		n++
		if len(overdue.Items) < toDoShown {
			hint := d.Supplier + ". Was due " + format.Date(d.Due) + "."
			if shared {
				hint = d.Partner + ". " + hint
			}
			overdue.Items = append(overdue.Items, pages.ToDoItem{Text: d.Contract + " (" + d.Reference + "), quarter " + strconv.Itoa(d.Period),
				Href: periodHref(a.Org.Slug, d), Hint: hint})
		}
	}
	overdue.Count = format.Count(n, "return is", "returns are") + " overdue"
	return []pages.ToDoGroup{check.Finish(len(waiting)), overdue.Finish(n)}, nil
}

func (s *Server) supplierToDo(r *http.Request, a tally.Access) ([]pages.ToDoGroup, error) {
	open, total, err := s.store.SupplierOffers(r.Context(), a.Scope,
		postgres.OfferFilter{Outcome: tally.OutcomeDraft, Sort: "deadline", Limit: toDoShown})
	if err != nil {
		return nil, err
	}
	drafts := pages.ToDoGroup{ID: "offers", Heading: "Draft offers", Empty: "You have no draft offer on an open tender.", More: route.Path("/o/{org}/offers", a.Org.Slug)}
	n := total.N
	for i, o := range open {
		if i == toDoShown {
			break
		}
		drafts.Items = append(drafts.Items, pages.ToDoItem{Text: o.Tender.Title + " (" + o.Tender.Reference + ")",
			Href: route.Path("/o/{org}/offers/{offer}", a.Org.Slug, o.Offer.ID), Hint: o.Tender.Partner.Name + ". Deadline " + format.DateTime(o.Tender.Deadline) + "."})
	}
	drafts.Count = format.Count(n, "draft offer is", "draft offers are") + " not submitted yet"

	queried, err := s.store.Returns(r.Context(), a.Scope, []tally.ReturnStatus{tally.ReturnQueried}, toDoRead)
	if err != nil {
		return nil, err
	}
	queries := pages.ToDoGroup{ID: "queries", Heading: "Queries awaiting your answer",
		Count: format.Count(len(queried), "return has", "returns have") + " a question from the council",
		Empty: "No council is waiting for an answer from you.", More: route.Path("/o/{org}/returns", a.Org.Slug)}
	for i, rt := range queried {
		if i == toDoShown {
			break
		}
		queries.Items = append(queries.Items, pages.ToDoItem{Text: rt.Contract + " (" + rt.Reference + "), quarter " + strconv.Itoa(rt.Period),
			Href: route.Path("/o/{org}/returns/{return}", a.Org.Slug, rt.ID), Hint: rt.Partner + " asked a question."})
	}

	due, err := s.store.DuePeriods(r.Context(), a.Scope, time.Now(), toDoRead)
	if err != nil {
		return nil, err
	}
	returns := pages.ToDoGroup{ID: "returns", Heading: "Returns due",
		Count: format.Count(len(due), "return is", "returns are") + " due or overdue",
		Empty: "No delivery return is due.", More: route.Path("/o/{org}/returns", a.Org.Slug)}
	for i, d := range due {
		if i == toDoShown {
			break
		}
		hint := d.Partner + ". Due " + format.Date(d.Due) + "."
		if d.Overdue {
			hint = d.Partner + ". Overdue: it was due " + format.Date(d.Due) + "."
		}
		returns.Items = append(returns.Items, pages.ToDoItem{Text: d.Contract + " (" + d.Reference + "), quarter " + strconv.Itoa(d.Period),
			Href: periodHref(a.Org.Slug, d), Hint: hint})
	}
	return []pages.ToDoGroup{queries.Finish(len(queried)), returns.Finish(len(due)), drafts.Finish(n)}, nil
}

// periodHref is where a due period is acted on: its draft return, or the
// contract, whose page starts one.
func periodHref(org string, d postgres.DuePeriod) string {
	if d.ReturnID != 0 {
		return route.Path("/o/{org}/returns/{return}", org, d.ReturnID)
	}
	return route.Path("/o/{org}/contracts/{contract}", org, d.ContractID)
}
