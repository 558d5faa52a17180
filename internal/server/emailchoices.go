package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// accountEmails is the account page's choice of emails for a person with
// memberships ms who has chosen c: reminders for the people of a
// supplier, the weekly digest for contract managers, each ticked while it
// is on.
func accountEmails(ms []tally.Membership, c tally.EmailChoices) pages.AccountEmails {
	var e pages.AccountEmails
	for _, m := range ms {
		e.Reminders = e.Reminders || m.Has(tally.RoleSupplier)
		e.Digest = e.Digest || m.Has(tally.RoleContractManager)
	}
	if e.Reminders && c.Reminders {
		e.Ticked = append(e.Ticked, "reminders")
	}
	if e.Digest && c.Digest {
		e.Ticked = append(e.Ticked, "digest")
	}
	return e
}

// handleEmailChoices saves which of the emails offered on the account page
// the signed-in person wants, and says what they will get. A box not
// ticked turns that email off; an email not offered (not for their roles)
// keeps its setting, and unknown values are ignored.
func (s *Server) handleEmailChoices(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	ms, err := s.store.Memberships(r.Context(), u.ID)
	if err != nil {
		return err
	}
	c, err := s.store.EmailChoices(r.Context(), u.ID)
	if err != nil {
		return err
	}
	offered := accountEmails(ms, c)
	ticked := f.r.PostForm["emails"]
	if offered.Reminders {
		c.Reminders = slices.Contains(ticked, "reminders")
	}
	if offered.Digest {
		c.Digest = slices.Contains(ticked, "digest")
	}
	if err := s.store.SetEmailChoices(r.Context(), u.ID, c); err != nil {
		return err
	}
	s.flash(r, emailChoicesSaved(offered, c))
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// emailChoicesSaved says what the person will now get by email.
func emailChoicesSaved(offered pages.AccountEmails, c tally.EmailChoices) string {
	say := []string{"Your email choices have been saved."}
	will := func(on bool, what string) {
		if on {
			say = append(say, "You will get "+what+" by email.")
		} else {
			say = append(say, "You will not get "+what+" by email.")
		}
	}
	if offered.Reminders {
		will(c.Reminders, "reminders")
	}
	if offered.Digest {
		will(c.Digest, "the weekly digest")
	}
	if !offered.Reminders && !offered.Digest {
		say = append(say, "Your roles get no reminders or digests by email.")
	}
	return strings.Join(say, " ")
}
