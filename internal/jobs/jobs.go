// Package jobs is the work Tally does when no one is clicking. Each type
// here is the arguments of one kind of job: the store enqueues it with
// River in the transaction of the action that causes it (so the action and
// its job commit or roll back together), and package worker runs it.
//
// Arguments are stored as JSON in river_job until the job is cleaned up
// (an hour after it is done): they hold what the email says, which for an
// invitation is its link, but never a password, and never a password
// reset's, sign-in link's or registration's token, which the worker makes
// and only emails.
package jobs

import "github.com/riverqueue/river"

// EmailAttempts is how often an email is tried before it is given up and
// shown to administrators as not delivered. River waits attempt⁴ seconds
// between tries (1 s, 16 s, 81 s … about 4½ hours in all).
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
	// Org is the organisation whose administrators see the email if it
	// cannot be delivered; 0 for none.
	Org int64 `json:"org,omitempty"`
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
