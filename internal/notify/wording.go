package notify

import (
	"fmt"
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

// Invitation is the email inviting to to join org with roles, sent by
// inviter, with the link (invitePath) that sets up the account, which works
// once, for 7 days.
func Invitation(to, inviter string, org tally.Org, roles []tally.Role, invitePath string) Telling {
	return Telling{To: Recipients{Address: to}, Owner: org.ID,
		Why: "You are getting this email because " + inviter + " entered this address on Tally. If you were not expecting it, you can ignore it.",
		Notice: Notice{Subject: "You are invited to " + org.Name + " on Tally", Link: invitePath, Body: fmt.Sprintf(
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
			"Hello %s,\n\nUse this link to finish registering %s on Tally. It works once, for 24 hours:", name, orgName)}}
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
