// Package notify is the one way Tally tells a person something: a Notice
// about an event is recorded as a message in the app for an organisation
// and emailed, with the same subject and text, to the people it concerns.
// It also words the emails that have no message in the app (a password
// reset, an invitation), and sends all email through a Sender.
//
// Handlers choose the notice (its wording is here), the organisations and
// the recipients; they compose no email themselves.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/tally-sv/tally/internal/tally"
)

// Store is what a Notifier needs of the store: recording a message in the
// app and finding the addresses of the people a notice concerns.
type Store interface {
	Notify(ctx context.Context, scope tally.Scope, orgID int64, subject, body, link string) error
	SupplierContacts(ctx context.Context, supplierIDs []int64) ([]string, error)
	StaffContacts(ctx context.Context, partnerID int64, role tally.Role) ([]string, error)
	InviterEmail(ctx context.Context, invitationID int64) (string, error)
}

// Notifier records notices in the app and emails them.
type Notifier struct {
	store   Store
	mail    Sender
	baseURL string // before a notice's link in an email
	log     *slog.Logger
}

// New is a Notifier recording messages in store and sending email through
// mail; links in emails start with baseURL. Failures to send are logged to
// log.
func New(store Store, mail Sender, baseURL string, log *slog.Logger) *Notifier {
	return &Notifier{store: store, mail: mail, baseURL: baseURL, log: log}
}

// Notice is something to tell an organisation's people: the message in the
// app and the email say the same.
type Notice struct {
	Subject string
	Body    string
	Link    string // the page it is about, a path such as /o/acme/returns/12; "" for none
	// EmailLink ends the email with the link as well. Notices asking the
	// reader to act (invite someone) have it; the others are as they
	// always were, a message that the app links.
	EmailLink bool
}

// Recipients finds the addresses a notice is emailed to.
type Recipients func(ctx context.Context, st Store) ([]string, error)

// Suppliers is the supplier people of the given organisations.
func Suppliers(orgIDs ...int64) Recipients {
	return func(ctx context.Context, st Store) ([]string, error) { return st.SupplierContacts(ctx, orgIDs) }
}

// Staff is the people of a partner who hold role.
func Staff(partnerID int64, role tally.Role) Recipients {
	return func(ctx context.Context, st Store) ([]string, error) { return st.StaffContacts(ctx, partnerID, role) }
}

// Inviter is whoever sent an invitation; nobody when they are gone.
func Inviter(invitationID int64) Recipients {
	return func(ctx context.Context, st Store) ([]string, error) {
		to, err := st.InviterEmail(ctx, invitationID)
		if errors.Is(err, tally.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []string{to}, nil
	}
}

// Tell records n as a message to organisation orgID (within scope) and
// emails it to each of to. See TellAll.
func (nf *Notifier) Tell(ctx context.Context, scope tally.Scope, orgID int64, n Notice, to Recipients) error {
	return nf.TellAll(ctx, scope, []int64{orgID}, n, to)
}

// TellAll records n as a message to each of orgs (within scope), then
// emails it once to each of to's addresses. A message not recorded does
// not stop the rest or the emails; the error says what failed. An email
// that cannot be sent is logged, not returned: the event has happened.
func (nf *Notifier) TellAll(ctx context.Context, scope tally.Scope, orgs []int64, n Notice, to Recipients) error {
	if len(orgs) == 0 {
		return nil
	}
	var errs []error
	for _, id := range orgs {
		if err := nf.store.Notify(ctx, scope, id, n.Subject, n.Body, n.Link); err != nil {
			errs = append(errs, fmt.Errorf("record message to org %d: %w", id, err))
		}
	}
	addrs, err := to(ctx, nf.store)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("find recipients of %q: %w", n.Subject, err))...)
	}
	body := n.Body + "\n"
	if n.EmailLink {
		body += "\n" + nf.baseURL + n.Link + "\n"
	}
	for _, addr := range addrs {
		nf.Email(ctx, Message{To: addr, Subject: n.Subject, Body: body})
	}
	return errors.Join(errs...)
}

// Email sends m, logging (not returning) a failure: the request that
// caused it has done its work.
func (nf *Notifier) Email(ctx context.Context, m Message) {
	if err := nf.mail.Send(ctx, m); err != nil {
		nf.log.Error("send email", "err", err.Error(), "subject", m.Subject)
	}
}
