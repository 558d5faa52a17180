package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/tally"
)

// TenderOutcome tells a bidder whether it won tender t. It says nothing
// about any other supplier's offer.
func TenderOutcome(t tally.Tender, won bool, link string) Notice {
	if won {
		return Notice{Subject: "Outcome of " + t.Reference + ": you have won the contract", Link: link,
			Body: fmt.Sprintf("%s has awarded %s (%s) to you. Your social value commitments are now contract KPIs; you will report delivery against them each quarter.",
				t.Partner.Name, t.Title, t.Reference)}
	}
	return Notice{Subject: "Outcome of " + t.Reference + ": your offer was not successful", Link: link,
		Body: fmt.Sprintf("%s has awarded %s (%s). Your offer was not successful this time. Thank you for bidding.", t.Partner.Name, t.Title, t.Reference)}
}

// TenderCancelled tells a bidder that t was cancelled, and why.
func TenderCancelled(t tally.Tender, reason string) Notice {
	return Notice{Subject: "Tender cancelled: " + t.Reference + " " + t.Title, Body: fmt.Sprintf(
		"%s has cancelled %s (%s), so it will not be awarded and your offer will not be opened or evaluated.\n\nReason: %s",
		t.Partner.Name, t.Title, t.Reference, reason)}
}

// DeadlineExtended tells a bidder that the deadline for offers on t is now
// deadline, and why.
func DeadlineExtended(t tally.Tender, deadline time.Time, reason string) Notice {
	return Notice{Subject: "Deadline extended: " + t.Reference + " " + t.Title, Body: fmt.Sprintf(
		"%s has extended the deadline for offers on %s (%s).\n\nThe new deadline is %s.\n\nReason: %s\n\nYou can revise your offer until then in Tally.",
		t.Partner.Name, t.Title, t.Reference, format.DateTime(deadline), reason)}
}

// TargetsChanged tells a contract's supplier that the targets of KPI k are
// changed for the periods to come, to total in all, and why.
func TargetsChanged(c tally.Contract, k tally.KPI, total tally.Quantity, reason string) Notice {
	return Notice{Subject: "Targets changed: " + c.Reference + " " + k.Code, Body: fmt.Sprintf(
		"%s has changed the targets for %s %s on %s (%s) for the periods to come. The commitment is now %s (it was %s).\n\nReason: %s",
		c.Partner.Name, k.Code, k.Title, c.Title, c.Reference, format.Quantity(total, k.Unit), format.Quantity(k.Quantity, k.Unit), reason)}
}

// ReturnSubmitted tells a partner's contract managers that a supplier
// submitted return rt.
func ReturnSubmitted(rt tally.Return, link string) Notice {
	return Notice{Subject: fmt.Sprintf("Return submitted: %s, quarter %d", rt.Contract.Reference, rt.Period.Number), Link: link,
		Body: fmt.Sprintf("%s has submitted its delivery return for %s (%s), quarter %d. It is waiting for verification in Tally.",
			rt.Contract.Supplier.Name, rt.Contract.Title, rt.Contract.Reference, rt.Period.Number)}
}

// ReturnChecked tells a supplier that its return rt has been checked, and
// whether it has questions to answer.
func ReturnChecked(rt tally.Return, link string) Notice {
	n := Notice{Subject: fmt.Sprintf("Your return for %s, quarter %d, has been checked", rt.Contract.Reference, rt.Period.Number), Link: link,
		Body: fmt.Sprintf("%s has checked your delivery return for %s. Status: %s.", rt.Contract.Partner.Name, rt.Contract.Title, rt.Status.Label())}
	if rt.Status == tally.ReturnQueried {
		n.Subject = fmt.Sprintf("Question about your return for %s, quarter %d", rt.Contract.Reference, rt.Period.Number)
		n.Body += " Some lines have a question for you: answer them and resubmit the return in Tally."
		for _, l := range rt.Lines {
			if l.Decision == tally.DecisionQueried {
				n.Body += fmt.Sprintf("\n\n%s %s: %s", l.KPI.Code, l.KPI.Title, l.Note)
			}
		}
	}
	return n
}

// AskedToJoin tells an organisation that someone (name, email) tried to
// register it again; link invites them.
func AskedToJoin(name, email string, org tally.Org, link string) Telling {
	return Telling{Orgs: []int64{org.ID}, To: Recipients{Suppliers: []int64{org.ID}}, Notice: Notice{
		Subject: name + " asks to join " + org.Name, Link: link,
		Body: fmt.Sprintf("%s (%s) tried to register %s on Tally, which is registered already. If they work for you, invite them from People.",
			name, email, org.Name)}}
}

// InvitationAskedAgain tells an organisation that email tried an invitation
// to org that has expired or was used, emailing whoever sent it; link
// invites them again.
func InvitationAskedAgain(email string, org tally.Org, invitationID int64, link string) Telling {
	return Telling{Orgs: []int64{org.ID}, To: Recipients{Inviter: invitationID}, Owner: org.ID, Notice: Notice{
		Subject: email + " asks for a new invitation", Link: link,
		Body: fmt.Sprintf("%s tried to join %s on Tally with an invitation that has expired or was already used. If they should still join, invite them again from People.",
			email, org.Name)}}
}

// PasswordReset is the email with a link (resetURL) to choose a new
// password, which works once, for an hour.
func PasswordReset(to, name, resetURL string) Message {
	return Message{To: to, Subject: "Reset your Tally password", Body: fmt.Sprintf(
		"Hello %s,\n\nUse this link to choose a new password for Tally. It works once, for 1 hour:\n\n%s\n\n"+
			"If you did not ask for this, you can ignore this email: your password has not changed.\n", name, resetURL)}
}

// SignInLink is the email with a link (signInURL) that signs name in to
// Tally without a password, which works once, for 15 minutes.
func SignInLink(to, name, signInURL string) Message {
	return Message{To: to, Subject: "Sign in to Tally", Body: fmt.Sprintf(
		"Hello %s,\n\nUse this link to sign in to Tally. It works once, for 15 minutes:\n\n%s\n\n"+
			"If you did not ask for this, you can ignore this email. Do not forward it: the link signs in to your account.\n", name, signInURL)}
}

// InvitationSubject is the subject of an invitation to join org.
func InvitationSubject(org string) string { return "You are invited to " + org + " on Tally" }

// Invitation is the email inviting to to join org with roles, sent by
// inviter, with the link (invitePath) that sets up the account, which works
// once, for 7 days.
func Invitation(to, inviter string, org tally.Org, roles []tally.Role, invitePath string) Telling {
	return Telling{To: Recipients{Address: to}, Owner: org.ID,
		Why: "You are getting this email because " + inviter + " entered this address on Tally. If you were not expecting it, you can ignore it.",
		Notice: Notice{Subject: InvitationSubject(org.Name), Link: invitePath, Body: fmt.Sprintf(
			"Hello,\n\n%s has invited you to join %s on Tally as %s.\n\nUse this link to set up your account. It works once, for 7 days:",
			inviter, org.Name, format.Roles(roles))}}
}

// whyRegistering begins the last paragraph of the registration emails.
const whyRegistering = "You are getting this email because someone entered this address on Tally's registration form."

// RegistrationConfirm emails to, an address with no account yet, the link
// (confirmPath) that finishes registering orgName on Tally as name, which
// works once, for 24 hours.
func RegistrationConfirm(to, name, orgName, confirmPath string) Telling {
	return Telling{To: Recipients{Address: to},
		Why: whyRegistering + " If it was not you, you can ignore it: nothing has been set up.",
		Notice: Notice{Subject: "Finish registering on Tally", Link: confirmPath, Body: fmt.Sprintf(
			"Hello %s,\n\nUse this link to choose your password and finish registering %s on Tally. It works once, for 24 hours:", name, orgName)}}
}

// AlreadyRegistered is emailed in place of RegistrationConfirm when the
// address registering has an account: it says so, links to choose a new
// password (resetURL, whole, since a notice has one link) and to sign in.
// It repeats nothing typed on the form, which may not be the owner's.
func AlreadyRegistered(to, resetURL string) Telling {
	return Telling{To: Recipients{Address: to},
		Why: whyRegistering + " If it was not you, you can ignore it: your account has not changed.",
		Notice: Notice{Subject: "You already have a Tally account", Link: "/login", Body: fmt.Sprintf(
			"Hello,\n\nSomeone, probably you, tried to register on Tally with this email address. It already has an account, so nothing new has been set up.\n\n"+
				"Forgotten your password? Choose a new one:\n\n%s\n\nOtherwise, sign in:", resetURL)}}
}

// The reminders and the digest below are the messages a person may turn
// off (on their account page); each says so in its Why. The messages
// above are about something that happened to the reader's work, and
// always go.

// ReturnDue reminds a supplier that its delivery return for period p of
// contract c is due on p.Due, days days from today (0: today).
func ReturnDue(c tally.Contract, p tally.Period, days int, link string) Notice {
	if days == 0 {
		return Notice{Subject: fmt.Sprintf("Your return for %s, quarter %d, is due today", c.Reference, p.Number), Link: link,
			Body: fmt.Sprintf("Your delivery return for %s (%s), quarter %d, is due today, %s. Submit it to %s in Tally with your evidence.",
				c.Title, c.Reference, p.Number, format.Date(p.Due), c.Partner.Name)}
	}
	return Notice{Subject: fmt.Sprintf("Your return for %s, quarter %d, is due in %s", c.Reference, p.Number, format.Count(days, "day", "days")),
		Link: link, Body: fmt.Sprintf("Your delivery return for %s (%s), quarter %d, is due in %s, on %s. Submit it to %s in Tally with your evidence.",
			c.Title, c.Reference, p.Number, format.Count(days, "day", "days"), format.Date(p.Due), c.Partner.Name)}
}

// ReturnOverdue reminds a supplier that its delivery return for period p
// of contract c was due on p.Due and is days days overdue.
func ReturnOverdue(c tally.Contract, p tally.Period, days int, link string) Notice {
	return Notice{Subject: fmt.Sprintf("Your return for %s, quarter %d, is overdue", c.Reference, p.Number), Link: link,
		Body: fmt.Sprintf("Your delivery return for %s (%s), quarter %d, was due on %s and is %s overdue. Submit it to %s in Tally as soon as you can: nothing delivered that quarter counts until the return is verified.",
			c.Title, c.Reference, p.Number, format.Date(p.Due), format.Count(days, "day", "days"), c.Partner.Name)}
}

// QueryWaiting reminds a supplier that questions about its return rt,
// asked on since, are waiting for its answer.
func QueryWaiting(rt tally.Return, since time.Time, link string) Notice {
	c := rt.Contract
	return Notice{Subject: fmt.Sprintf("Your answer is needed: return for %s, quarter %d", c.Reference, rt.Period.Number), Link: link,
		Body: fmt.Sprintf("On %s %s asked questions about your delivery return for %s (%s), quarter %d. Answer them and resubmit the return in Tally: the lines queried do not count as delivered until they are verified.",
			format.Date(since), c.Partner.Name, c.Title, c.Reference, rt.Period.Number)}
}

// OfferDeadline reminds a supplier that its offer on t is still a draft
// and t closes soon.
func OfferDeadline(t tally.Tender, link string) Notice {
	return Notice{Subject: fmt.Sprintf("Your offer on %s is not submitted: the deadline is %s", t.Reference, format.DateTime(t.Deadline)), Link: link,
		Body: fmt.Sprintf("Your offer on %s (%s) for %s is a draft that has not been submitted. The deadline for offers is %s. Submit it in Tally before then: a draft is not opened or evaluated.",
			t.Title, t.Reference, t.Partner.Name, format.DateTime(t.Deadline))}
}

// Digest is what a partner's contract managers are told each week: a few
// of each kind of item, oldest first, and how many there are in all.
type Digest struct {
	Partner      tally.Org
	ToCheck      []tally.Return // submitted, awaiting verification
	ToCheckCount int
	Overdue      []tally.Return // not submitted and past their due date (ID 0 when not started)
	OverdueCount int
	// Rated are live contracts newly rated Requires improvement or
	// Inadequate: in no earlier digest with that rating since they last
	// fell to it.
	Rated      []tally.ContractStatus
	RatedCount int
}

// Empty reports whether the digest has nothing to say.
func (d Digest) Empty() bool {
	return d.ToCheckCount == 0 && d.OverdueCount == 0 && d.RatedCount == 0
}

// WeeklyDigest words d, linking to the partner's returns (link).
func WeeklyDigest(d Digest, link string) Notice {
	var b strings.Builder
	fmt.Fprintf(&b, "This week at %s:", d.Partner.Name)
	list := func(heading string, n int, items []string) {
		if n == 0 {
			return
		}
		fmt.Fprintf(&b, "\n\n%s (%s):", heading, format.Integer(n))
		for _, it := range items {
			b.WriteString("\n- " + it)
		}
		if more := n - len(items); more > 0 {
			fmt.Fprintf(&b, "\n- and %s more", format.Integer(more))
		}
	}
	var items []string
	for _, r := range d.ToCheck {
		items = append(items, fmt.Sprintf("%s %s, quarter %d, from %s", r.Contract.Reference, r.Contract.Title, r.Period.Number, r.Contract.Supplier.Name))
	}
	list("Returns to check", d.ToCheckCount, items)
	items = nil
	for _, r := range d.Overdue {
		items = append(items, fmt.Sprintf("%s %s, quarter %d, from %s: due %s", r.Contract.Reference, r.Contract.Title, r.Period.Number,
			r.Contract.Supplier.Name, format.Date(r.Period.Due)))
	}
	list("Overdue returns", d.OverdueCount, items)
	items = nil
	for _, c := range d.Rated {
		items = append(items, fmt.Sprintf("%s %s, %s: %s", c.Contract.Reference, c.Contract.Title, c.Contract.Supplier.Name, c.Rating.Label()))
	}
	list("Contracts newly rated Requires improvement or Inadequate", d.RatedCount, items)
	b.WriteString("\n\nThe returns page in Tally lists every return to check and every overdue return.")
	return Notice{Subject: "Weekly digest for " + d.Partner.Name, Link: link, Body: b.String()}
}

// WhyReminder is why someone who acts for supplier is emailed a reminder,
// and how to stop.
func WhyReminder(supplier string) string {
	return "You are getting this reminder because you act for " + supplier +
		" on Tally. It is also on your Messages page. To stop reminder emails, turn them off on your account page in Tally:"
}

// WhyDigest is why a contract manager of partner is emailed the weekly
// digest, and how to stop.
func WhyDigest(partner string) string {
	return "You are getting this digest because you are a contract manager for " + partner +
		" on Tally. It is also on your Messages page. To stop the weekly digest email, turn it off on your account page in Tally:"
}
