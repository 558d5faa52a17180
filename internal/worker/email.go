package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
)

// How long emailed links work: a password reset's, and a sign-in link's.
const (
	ResetLifetime      = time.Hour
	SignInLinkLifetime = 15 * time.Minute
)

// mailer sends a job's email, its Message-ID made from the job's id so
// every try of one email carries the same one.
type mailer struct {
	send    notify.Sender
	baseURL string
	host    string
}

func (m mailer) mail(ctx context.Context, jobID int64, msg notify.Message) error {
	msg.ID = fmt.Sprintf("tally-job-%d@%s", jobID, m.host)
	err := m.send.Send(ctx, msg)
	if errors.As(err, new(notify.PermanentError)) {
		// Refused for good: no retry; administrators see it now.
		return river.JobCancel(err)
	}
	return err
}

// mailNotice emails notice n to to: its text, the full address of its
// link (none when it has none), why it was sent and the page that turns
// such emails off (manage, a path; "" for none).
func (m mailer) mailNotice(ctx context.Context, jobID int64, to string, n notify.Notice, why, manage string) error {
	link := ""
	if n.Link != "" {
		link = m.baseURL + n.Link
	}
	if manage != "" {
		manage = m.baseURL + manage
	}
	return m.mail(ctx, jobID, notify.Message{To: to, Subject: n.Subject, Body: notify.EmailBody(n.Body, link, why, manage)})
}

// emailWorker sends one email.
type emailWorker struct {
	river.WorkerDefaults[jobs.Email]
	mailer
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[jobs.Email]) error {
	a := job.Args
	return w.mailNotice(ctx, job.ID, a.To, notify.Notice{Subject: a.Subject, Body: a.Body, Link: a.Link}, a.Why, a.Manage)
}

// resetWorker makes a password reset link for an address with an account
// and emails it; for any other address it does nothing. The token is made
// here, so only its digest is ever stored; a retry makes a new one.
type resetWorker struct {
	river.WorkerDefaults[jobs.PasswordReset]
	mailer
	store *postgres.Store
}

func (w *resetWorker) Work(ctx context.Context, job *river.Job[jobs.PasswordReset]) error {
	token, digest := auth.NewToken()
	u, found, err := w.store.StartPasswordReset(ctx, job.Args.Email, digest, time.Now().Add(ResetLifetime))
	if err != nil || !found {
		return err
	}
	return w.mail(ctx, job.ID, notify.PasswordReset(u.Email, u.Name, w.baseURL+route.Path("/reset/{token}", token)))
}

// signInLinkWorker makes a one-time sign-in link for an address with an
// account and emails it; for any other address it does nothing. As for a
// reset, the token is made here and a retry makes a new one.
type signInLinkWorker struct {
	river.WorkerDefaults[jobs.SignInLink]
	mailer
	store *postgres.Store
}

func (w *signInLinkWorker) Work(ctx context.Context, job *river.Job[jobs.SignInLink]) error {
	token, digest := auth.NewToken()
	u, found, err := w.store.StartSignInLink(ctx, job.Args.Email, digest, job.Args.Next, time.Now().Add(SignInLinkLifetime))
	if err != nil || !found {
		return err
	}
	return w.mail(ctx, job.ID, notify.SignInLink(u.Email, u.Name, w.baseURL+route.Path("/login/link/{token}", token)))
}

// registrationWorker makes the link of a pending registration and emails
// it; when the address has an account it emails word of that instead,
// with no link. As for a reset, the token is made here (only its digest is
// stored, on the registration) and a retry makes a new one. A registration
// that has expired or been used meanwhile is emailed nothing.
type registrationWorker struct {
	river.WorkerDefaults[jobs.Registration]
	mailer
	store *postgres.Store
}

func (w *registrationWorker) Work(ctx context.Context, job *river.Job[jobs.Registration]) error {
	token, digest := auth.NewToken()
	reg, account, found, err := w.store.LinkRegistration(ctx, job.Args.ID, digest)
	if err != nil || !found {
		return err
	}
	t := notify.RegistrationConfirm(reg.Email, reg.UserName, reg.Name, route.Path("/register/confirm/{token}", token))
	if account {
		t = notify.AlreadyRegistered(reg.Email, w.baseURL+"/password-reset")
	}
	return w.mailNotice(ctx, job.ID, t.To.Address, t.Notice, t.Why, t.Manage)
}
