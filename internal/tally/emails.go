package tally

// EmailChoices are the emails a person may turn off: reminders and the
// digest, which chase work rather than report something that happened to
// it. Both are on until the person turns them off. The rest (outcomes,
// queries raised, cancellations, extensions, sign-in and password emails)
// always go.
type EmailChoices struct {
	// Reminders are a supplier's: a delivery return due in 7 days, due
	// today or overdue, a question about a return awaiting an answer, and
	// a tender closing in 2 days while an offer on it is a draft.
	Reminders bool
	// Digest is a contract manager's weekly digest: returns to check,
	// overdue returns and contracts newly rated Requires improvement or
	// Inadequate.
	Digest bool
}
