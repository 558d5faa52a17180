package notify

import (
	"reflect"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/tally"
)

// TestWording pins the words people are sent, as they were when handlers
// composed them.
func TestWording(t *testing.T) {
	partner := tally.Org{Name: "Stockport Council"}
	tn := tally.Tender{Reference: "SPS-1", Title: "Highways", Partner: partner}
	rt := tally.Return{ID: 12, Period: tally.Period{Number: 2}, Status: tally.ReturnQueried, Lines: []tally.ReturnLine{
		{KPI: tally.KPI{Code: "JOB1", Title: "Local jobs"}, Decision: tally.DecisionQueried, Note: "How many of these are new hires?"},
		{KPI: tally.KPI{Code: "APP1", Title: "Apprentices"}, Decision: tally.DecisionVerified}},
		Contract: tally.Contract{Reference: "C-1", Title: "Highways works", Partner: partner, Supplier: tally.Org{Name: "Acme"}}}
	deadline := time.Date(2026, 12, 1, 17, 0, 0, 0, tally.London())
	tests := []struct {
		name string
		got  Notice
		want Notice
	}{
		{"won", TenderOutcome(tn, true, "/l"), Notice{Subject: "Outcome of SPS-1: you have won the contract", Link: "/l",
			Body: "Stockport Council has awarded Highways (SPS-1) to you. Your social value commitments are now contract KPIs; you will report delivery against them each quarter."}},
		{"lost", TenderOutcome(tn, false, "/l"), Notice{Subject: "Outcome of SPS-1: your offer was not successful", Link: "/l",
			Body: "Stockport Council has awarded Highways (SPS-1). Your offer was not successful this time. Thank you for bidding."}},
		{"cancelled", TenderCancelled(tn, "No budget"), Notice{Subject: "Tender cancelled: SPS-1 Highways",
			Body: "Stockport Council has cancelled Highways (SPS-1), so it will not be awarded and your offer will not be opened or evaluated.\n\nReason: No budget"}},
		{"extended", DeadlineExtended(tn, deadline, "Snow"), Notice{Subject: "Deadline extended: SPS-1 Highways",
			Body: "Stockport Council has extended the deadline for offers on Highways (SPS-1).\n\nThe new deadline is 5pm on 1 December 2026.\n\nReason: Snow\n\nYou can revise your offer until then in Tally."}},
		{"targets", TargetsChanged(rt.Contract, tally.KPI{Code: "JOB1", Title: "Jobs", Unit: "FTE", Quantity: 2000}, 3000, "More work"),
			Notice{Subject: "Targets changed: C-1 JOB1",
				Body: "Stockport Council has changed the targets for JOB1 Jobs on Highways works (C-1) for the periods to come. The commitment is now 3 FTE (it was 2 FTE).\n\nReason: More work"}},
		{"submitted", ReturnSubmitted(rt, "/r"), Notice{Subject: "Return submitted: C-1, quarter 2", Link: "/r",
			Body: "Acme has submitted its delivery return for Highways works (C-1), quarter 2. It is waiting for verification in Tally."}},
		{"queried", ReturnChecked(rt, "/r"), Notice{Subject: "Question about your return for C-1, quarter 2", Link: "/r",
			Body: "Stockport Council has checked your delivery return for Highways works. Status: Queried" +
				". Some lines have a question for you: answer them and resubmit the return in Tally." +
				"\n\nJOB1 Local jobs: How many of these are new hires?"}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, tt.got, tt.want)
		}
	}
	rt.Status = tally.ReturnComplete
	if got := ReturnChecked(rt, "/r"); got.Subject != "Your return for C-1, quarter 2, has been checked" ||
		got.Body != "Stockport Council has checked your delivery return for Highways works. Status: Checked." {
		t.Errorf("checked: %+v", got)
	}
	if got := PasswordReset("a@x.example", "Nia", "https://t.example/reset/TOKEN"); got != (Message{To: "a@x.example", Subject: "Reset your Tally password",
		Body: "Hello Nia,\n\nUse this link to choose a new password for Tally. It works once, for 1 hour:\n\nhttps://t.example/reset/TOKEN\n\n" +
			"If you did not ask for this, you can ignore this email: your password has not changed.\n"}) {
		t.Errorf("reset: %+v", got)
	}
	if got := SignInLink("a@x.example", "Nia", "https://t.example/login/link/TOKEN"); got != (Message{To: "a@x.example", Subject: "Sign in to Tally",
		Body: "Hello Nia,\n\nUse this link to sign in to Tally. It works once, for 15 minutes:\n\nhttps://t.example/login/link/TOKEN\n\n" +
			"If you did not ask for this, you can ignore this email. Do not forward it: the link signs in to your account.\n"}) {
		t.Errorf("sign-in link: %+v", got)
	}
	acme := tally.Org{ID: 7, Name: "Acme"}
	tellings := []struct {
		name      string
		got, want Telling
	}{
		{"asked to join", AskedToJoin("Nia", "nia@x.example", acme, "/u"), Telling{Orgs: []int64{7}, To: Recipients{Suppliers: []int64{7}},
			Notice: Notice{Subject: "Nia asks to join Acme", Link: "/u",
				Body: "Nia (nia@x.example) tried to register Acme on Tally, which is registered already. If they work for you, invite them from People."}}},
		{"asked again", InvitationAskedAgain("nia@x.example", acme, 3, "/u"), Telling{Orgs: []int64{7}, To: Recipients{Inviter: 3}, Owner: 7,
			Notice: Notice{Subject: "nia@x.example asks for a new invitation", Link: "/u",
				Body: "nia@x.example tried to join Acme on Tally with an invitation that has expired or was already used. If they should still join, invite them again from People."}}},
		{"invitation", Invitation("a@x.example", "Sam", acme, []tally.Role{tally.RoleContractManager}, "/invite/TOKEN"), Telling{
			To: Recipients{Address: "a@x.example"}, Owner: 7,
			Why: "You are getting this email because Sam entered this address on Tally. If you were not expecting it, you can ignore it.",
			Notice: Notice{Subject: "You are invited to Acme on Tally", Link: "/invite/TOKEN",
				Body: "Hello,\n\nSam has invited you to join Acme on Tally as contract manager.\n\nUse this link to set up your account. It works once, for 7 days:"}}},
		{"registration", RegistrationConfirm("a@x.example", "Nia", "Acme Ltd", "/register/confirm/TOKEN"), Telling{
			To:  Recipients{Address: "a@x.example"},
			Why: "You are getting this email because someone entered this address on Tally's registration form. If it was not you, you can ignore it: nothing has been set up.",
			Notice: Notice{Subject: "Finish registering on Tally", Link: "/register/confirm/TOKEN",
				Body: "Hello Nia,\n\nUse this link to choose your password and finish registering Acme Ltd on Tally. It works once, for 24 hours:"}}},
		{"already registered", AlreadyRegistered("a@x.example", "https://t.example/password-reset"), Telling{
			To:  Recipients{Address: "a@x.example"},
			Why: "You are getting this email because someone entered this address on Tally's registration form. If it was not you, you can ignore it: your account has not changed.",
			Notice: Notice{Subject: "You already have a Tally account", Link: "/login",
				Body: "Hello,\n\nSomeone, probably you, tried to register on Tally with this email address. It already has an account, so nothing new has been set up.\n\n" +
					"Forgotten your password? Choose a new one:\n\nhttps://t.example/password-reset\n\nOtherwise, sign in:"}}},
	}
	for _, tt := range tellings {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, tt.got, tt.want)
		}
	}
}

// TestReminderWording pins the reminders and the digest, which people may
// turn off, word for word.
func TestReminderWording(t *testing.T) {
	partner := tally.Org{Name: "Stockport Council"}
	c := tally.Contract{Reference: "C-1", Title: "Highways works", Partner: partner, Supplier: tally.Org{Name: "Acme"}}
	p := tally.Period{Number: 2, Due: time.Date(2026, 5, 14, 0, 0, 0, 0, time.UTC)}
	tn := tally.Tender{Reference: "SPS-1", Title: "Highways", Partner: partner, Deadline: time.Date(2026, 12, 1, 17, 0, 0, 0, tally.London())}
	tests := []struct {
		name string
		got  Notice
		want Notice
	}{
		{"due in 7 days", ReturnDue(c, p, 7, "/r"), Notice{Subject: "Your return for C-1, quarter 2, is due in 7 days", Link: "/r",
			Body: "Your delivery return for Highways works (C-1), quarter 2, is due in 7 days, on 14 May 2026. Submit it to Stockport Council in Tally with your evidence."}},
		{"due in 1 day", ReturnDue(c, p, 1, "/r"), Notice{Subject: "Your return for C-1, quarter 2, is due in 1 day", Link: "/r",
			Body: "Your delivery return for Highways works (C-1), quarter 2, is due in 1 day, on 14 May 2026. Submit it to Stockport Council in Tally with your evidence."}},
		{"due today", ReturnDue(c, p, 0, "/r"), Notice{Subject: "Your return for C-1, quarter 2, is due today", Link: "/r",
			Body: "Your delivery return for Highways works (C-1), quarter 2, is due today, 14 May 2026. Submit it to Stockport Council in Tally with your evidence."}},
		{"overdue", ReturnOverdue(c, p, 8, "/r"), Notice{Subject: "Your return for C-1, quarter 2, is overdue", Link: "/r",
			Body: "Your delivery return for Highways works (C-1), quarter 2, was due on 14 May 2026 and is 8 days overdue. Submit it to Stockport Council in Tally as soon as you can: nothing delivered that quarter counts until the return is verified."}},
		{"query waiting", QueryWaiting(tally.Return{Contract: c, Period: p}, time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC), "/r"), Notice{
			Subject: "Your answer is needed: return for C-1, quarter 2", Link: "/r",
			Body: "On 1 June 2026 Stockport Council asked questions about your delivery return for Highways works (C-1), quarter 2. Answer them and resubmit the return in Tally: the lines queried do not count as delivered until they are verified."}},
		{"offer deadline", OfferDeadline(tn, "/o"), Notice{Subject: "Your offer on SPS-1 is not submitted: the deadline is 5pm on 1 December 2026", Link: "/o",
			Body: "Your offer on Highways (SPS-1) for Stockport Council is a draft that has not been submitted. The deadline for offers is 5pm on 1 December 2026. Submit it in Tally before then: a draft is not opened or evaluated."}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, tt.got, tt.want)
		}
	}

	rt := func(ref string, period int, supplier string) tally.Return {
		return tally.Return{Contract: tally.Contract{Reference: ref, Title: "Works " + ref, Supplier: tally.Org{Name: supplier}},
			Period: tally.Period{Number: period, Due: p.Due}}
	}
	d := Digest{Partner: partner,
		ToCheck: []tally.Return{rt("C-1", 2, "Acme"), rt("C-2", 1, "Beta")}, ToCheckCount: 12,
		Overdue: []tally.Return{rt("C-3", 4, "Gamma")}, OverdueCount: 1,
		Rated: []tally.ContractStatus{{Contract: tally.Contract{Reference: "C-4", Title: "Works C-4", Supplier: tally.Org{Name: "Delta"}},
			Rating: tally.RatingRequiresImprovement}}, RatedCount: 1}
	want := Notice{Subject: "Weekly digest for Stockport Council", Link: "/o/stockport/returns", Body: "This week at Stockport Council:\n\n" +
		"Returns to check (12):\n- C-1 Works C-1, quarter 2, from Acme\n- C-2 Works C-2, quarter 1, from Beta\n- and 10 more\n\n" +
		"Overdue returns (1):\n- C-3 Works C-3, quarter 4, from Gamma: due 14 May 2026\n\n" +
		"Contracts newly rated Requires improvement or Inadequate (1):\n- C-4 Works C-4, Delta: Requires improvement\n\n" +
		"The returns page in Tally lists every return to check and every overdue return."}
	if got := WeeklyDigest(d, "/o/stockport/returns"); got != want {
		t.Errorf("digest:\n got %+v\nwant %+v", got, want)
	}
	if d.Empty() || !(Digest{Partner: partner}).Empty() {
		t.Error("Empty: a digest with items is empty, or one without is not")
	}
	if got, want := WeeklyDigest(Digest{Partner: partner, Rated: d.Rated, RatedCount: 1}, "/l").Body, "This week at Stockport Council:\n\n"+
		"Contracts newly rated Requires improvement or Inadequate (1):\n- C-4 Works C-4, Delta: Requires improvement\n\n"+
		"The returns page in Tally lists every return to check and every overdue return."; got != want {
		t.Errorf("digest of ratings alone:\n%s\nwant\n%s", got, want)
	}
	if got, want := WhyReminder("Acme"), "You are getting this reminder because you act for Acme on Tally. It is also on your Messages page. "+
		"To stop reminder emails, turn them off on your account page in Tally:"; got != want {
		t.Errorf("why a reminder: %q", got)
	}
	if got, want := WhyDigest("Stockport Council"), "You are getting this digest because you are a contract manager for Stockport Council on Tally. "+
		"It is also on your Messages page. To stop the weekly digest email, turn it off on your account page in Tally:"; got != want {
		t.Errorf("why the digest: %q", got)
	}
}
