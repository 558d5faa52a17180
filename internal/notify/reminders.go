package notify

import "github.com/tally-sv/tally/internal/tally"

// EmailChoices is the part of the account page where a person turns
// reminder and digest emails on or off.
const EmailChoices = "/account#emails"

// Reminder is reminder n for a supplier's people: on the supplier's
// Messages page, and emailed to users, the people of the supplier who have
// reminders on. The partner whose work it chases is its owner (its
// administrators see an email that cannot be delivered).
func Reminder(n Notice, partner, supplier tally.Org, users []int64) Telling {
	return Telling{Notice: n, Orgs: []int64{supplier.ID}, To: Recipients{Users: users}, Why: WhyReminder(supplier.Name), Owner: partner.ID,
		Manage: EmailChoices}
}

// DigestTo is partner's weekly digest n: on the partner's Messages page
// (which its shared service's staff see too), and emailed to users, its
// contract managers who have the digest on.
func DigestTo(n Notice, partner tally.Org, users []int64) Telling {
	return Telling{Notice: n, Orgs: []int64{partner.ID}, To: Recipients{Users: users}, Why: WhyDigest(partner.Name), Owner: partner.ID,
		Manage: EmailChoices}
}
