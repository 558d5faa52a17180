// Package jobs is the work Tally does when no one is clicking. Each type
// here is the arguments of one kind of job: the store enqueues it with
// River in the transaction of the action that causes it (so the action and
// its job commit or roll back together), and package worker runs it.
//
// Arguments are stored as JSON in river_job until the job is cleaned up
// (an hour after it is done, 90 days when it could not be done): they hold
// what an email says, but never a password or a working token. Jobs that
// email a link (a reset, an invitation, a sign-in link, a registration)
// name only what it is for; the worker makes the token, stores its digest
// and emails it.
package jobs

import "github.com/riverqueue/river"

// EmailAttempts is how often an email is tried before it is given up and
// shown to administrators as not delivered. River waits attempt⁴ seconds
// between tries (1 s, 16 s, 81 s … 6,561 s: about 4 hours 15 minutes in all).
const EmailAttempts = 10

// Email is one email to one address.
type Email struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// Link is the path of the item the email is about, or "" for none;
	// the worker puts BASE_URL before it.
	Link string `json:"link,omitempty"`
	// Why says why the email was sent: its last paragraph.
	Why string `json:"why"`
	// Manage is the path of the page where the reader can turn this kind
	// of email off, linked under Why; "" for none.
	Manage string `json:"manage,omitempty"`
	// Org is the organisation whose administrators see the email if it
	// cannot be delivered; 0 for none.
	Org int64 `json:"org,omitempty"`
	// ToOrg is the organisation the recipient was emailed as one of; 0
	// for an address on its own (an invitation). Administrators of Org
	// see the address only when it is one of their own people's.
	ToOrg int64 `json:"to_org,omitempty"`
}

// Kind names the job in river_job.
func (Email) Kind() string { return "email" }

// InsertOpts gives every email its attempts.
func (Email) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: EmailAttempts} }

// PasswordReset asks for a reset link to be emailed to Email. The request
// enqueues it whether or not the address has an account, so the request
// takes the same path either way; the worker makes the token (only its
// digest is stored) and emails the link when there is an account.
type PasswordReset struct {
	Email string `json:"email"`
}

// Kind names the job in river_job.
func (PasswordReset) Kind() string { return "password_reset" }

// InsertOpts gives a reset as many attempts as an email.
func (PasswordReset) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: EmailAttempts}
}

// SignInLink asks for a one-time sign-in link, leading to Next (a local
// path), to be emailed to Email. Like PasswordReset, the request enqueues
// it whether or not the address has an account; the worker makes the
// token (only its digest is stored) and emails the link when there is one.
type SignInLink struct {
	Email string `json:"email"`
	Next  string `json:"next"`
}

// Kind names the job in river_job.
func (SignInLink) Kind() string { return "sign_in_link" }

// InsertOpts gives a sign-in link as many attempts as an email.
func (SignInLink) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: EmailAttempts}
}

// Invitation asks for an invitation's email to be sent. The worker makes
// its token (only the digest is stored, replacing the last one) and sends
// the link, unless the invitation has been accepted, revoked or has
// expired meanwhile. To, Subject and Org are for the administrators'
// list of emails not delivered.
type Invitation struct {
	ID      int64  `json:"id"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Inviter string `json:"inviter"` // who sent it, by name
	Org     int64  `json:"org"`
	ToOrg   int64  `json:"to_org"` // the inviting organisation: its administrators see the address
}

// Kind names the job in river_job.
func (Invitation) Kind() string { return "invitation" }

// InsertOpts gives an invitation as many attempts as an email.
func (Invitation) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: EmailAttempts} }

// Registration asks for the emails of the pending registration ID (a
// supplier registering itself). The request enqueues it whether or not
// the address has an account; the worker makes the link's token (only its
// digest is stored, on the registration) and emails the link, or, when
// the address has an account, says so instead.
type Registration struct {
	ID int64 `json:"id"`
}

// Kind names the job in river_job.
func (Registration) Kind() string { return "registration" }

// InsertOpts gives a registration as many attempts as an email.
func (Registration) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: EmailAttempts}
}
