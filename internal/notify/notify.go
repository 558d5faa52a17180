// Package notify is the one way Tally tells a person something. A Telling
// is a notice (a subject, its whole text and a link to the item) and whom
// it goes to: the organisations whose Messages page shows it, and the
// people who are emailed it. A Telling is data: the store writes it in the
// transaction of the action that causes it, as messages in the app and one
// email job per address, so an action and its messages commit or roll back
// together. Package worker sends the emails through a Sender.
//
// All wording is here (wording.go), so the app and the email say the same.
package notify

import (
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
)

// Notice is something to tell people: the message in the app and the email
// say the same.
type Notice struct {
	Subject string
	Body    string
	Link    string // the page it is about, a path such as /o/acme/returns/12; "" for none
}

// Telling is a notice and whom it goes to.
type Telling struct {
	Notice
	// Orgs are the organisations whose Messages page shows the notice (a
	// shared service's staff see their partners' too); none for an email
	// alone, such as an invitation.
	Orgs []int64
	// To says who is emailed the notice.
	To Recipients
	// Why is the email's last paragraph, saying why it was sent; "" says
	// the reader acts for the organisation it went to (WhyMember).
	Why string
	// Owner is the organisation whose administrators see an email that
	// cannot be delivered: the partner whose work it is about; 0 for none.
	Owner int64
	// Manage is the page where the reader can turn this kind of email off,
	// linked under Why; "" for messages about work, which cannot be.
	Manage string
}

// Recipients says who is emailed a notice; each address gets it once
// however many of the fields name it.
type Recipients struct {
	Suppliers []int64    // the people who act for these supplier organisations
	Partner   int64      // with Role: the people of this partner, or of its shared service,
	Role      tally.Role // who hold Role
	Inviter   int64      // whoever sent this invitation (nobody if they have left)
	Address   string     // one address
	// Users are these people, chosen by the sender (the reminders pick
	// those who have not turned them off); the Telling's Why must say
	// why they are emailed.
	Users []int64
}

// WhyMember is why someone who acts for org is emailed about its work.
func WhyMember(org string) string {
	return "You are getting this email because you act for " + org + " on Tally. It is also on your Messages page in Tally."
}

// Outcomes tells each bidder on an awarded evaluation, in the app and by
// email, whether it won. Nobody learns anything about another offer.
func Outcomes(e tally.Evaluation) []Telling {
	ts := make([]Telling, 0, len(e.Offers))
	for _, o := range e.Offers {
		n := TenderOutcome(e.Tender, o.OfferID == e.AwardedOfferID, route.Path("/o/{org}/offers/{offer}", o.Supplier.Slug, o.OfferID))
		ts = append(ts, toSupplier(n, e.Tender.Partner.ID, o.Supplier.ID))
	}
	return ts
}

// Bidders tells each supplier with an offer on tender t something that
// happened to the tender (an extension, a cancellation): n with a link to
// the supplier's own view of the opportunity.
func Bidders(t tally.Tender, bidders []tally.Org, n Notice) []Telling {
	ts := make([]Telling, 0, len(bidders))
	for _, b := range bidders {
		n.Link = route.Path("/o/{org}/opportunities/{tender}", b.Slug, t.ID)
		ts = append(ts, toSupplier(n, t.Partner.ID, b.ID))
	}
	return ts
}

// ContractSupplier tells a contract's supplier n about contract c, with a
// link to the contract as the supplier sees it.
func ContractSupplier(c tally.Contract, n Notice) Telling {
	n.Link = route.Path("/o/{org}/contracts/{contract}", c.Supplier.Slug, c.ID)
	return toSupplier(n, c.Partner.ID, c.Supplier.ID)
}

// ReturnSupplier tells the supplier of a return that it has been checked,
// with the questions asked, linking to the return.
func ReturnSupplier(rt tally.Return) Telling {
	n := ReturnChecked(rt, route.Path("/o/{org}/returns/{return}", rt.Contract.Supplier.Slug, rt.ID))
	return toSupplier(n, rt.Contract.Partner.ID, rt.Contract.Supplier.ID)
}

// ReturnManagers tells the contract managers of a return's partner that it
// was submitted, linking to the return.
func ReturnManagers(rt tally.Return) Telling {
	p := rt.Contract.Partner
	n := ReturnSubmitted(rt, route.Path("/o/{org}/returns/{return}", p.Slug, rt.ID))
	return Telling{Notice: n, Orgs: []int64{p.ID}, To: Recipients{Partner: p.ID, Role: tally.RoleContractManager}, Owner: p.ID}
}

func toSupplier(n Notice, owner, supplier int64) Telling {
	return Telling{Notice: n, Orgs: []int64{supplier}, To: Recipients{Suppliers: []int64{supplier}}, Owner: owner}
}
