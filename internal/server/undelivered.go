package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

const undeliveredPageSize = 25

// handleUndelivered lists, for administrators, the emails about the
// organisation's work (a shared service's: its partners' too) that could
// not be delivered after their last try, newest first.
func (s *Server) handleUndelivered(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = min(max(page, 1), 100_000)
	list, total, err := s.store.UndeliveredEmails(r.Context(), a.Scope, undeliveredPageSize, (page-1)*undeliveredPageSize)
	if err != nil {
		return err
	}
	if last := max(1, (total+undeliveredPageSize-1)/undeliveredPageSize); page > last {
		// Past the end (the list shrank as emails were retried): the
		// last page, not an empty one that says all is well.
		http.Redirect(w, r, route.WithQuery(r.URL.Path, url.Values{"page": {strconv.Itoa(last)}}), http.StatusSeeOther) // #nosec G710 -- this page's own path, which the router matched
		return nil
	}
	p := pages.UndeliveredPage{Page: s.page(r, "Messages not delivered"), Back: route.Path("/o/{org}/notifications", a.Org.Slug),
		PageNum: page, Pages: max(1, (total+undeliveredPageSize-1)/undeliveredPageSize),
		PageLinks: components.PageLinks(r.URL.Path, r.URL.Query(), "page"),
		Summary:   format.Count(total, "email could not be delivered.", "emails could not be delivered.")}
	for _, e := range list {
		// The error names Tally's own servers: it is in the log, and the
		// page says what it means.
		row := pages.UndeliveredRow{To: e.To, Subject: e.Subject, Queued: format.DateTime(e.Queued), GaveUp: format.DateTime(e.GaveUp),
			Tries: "tried " + format.Count(e.Attempts, "time", "times"), Error: notify.Reason(e.Error),
			Retry: route.Path("/o/{org}/notifications/undelivered/{email}/retry", a.Org.Slug, e.ID)}
		switch {
		case e.To != "":
		case e.ToOrg != "":
			// Another organisation's person: whose, not their address.
			row.To = "one of the people at " + e.ToOrg
		default:
			row.To = "someone outside your organisation"
		}
		if e.About != a.Org.Name {
			row.About = e.About
		}
		p.Rows = append(p.Rows, row)
	}
	return s.render(w, r, http.StatusOK, pages.Undelivered(p))
}

// handleRetryUndelivered queues an undelivered email to be tried again now.
func (s *Server) handleRetryUndelivered(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "email"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	back := route.Path("/o/{org}/notifications/undelivered", a.Org.Slug)
	switch err := s.store.RetryEmail(r.Context(), a.Scope, id); {
	case errors.Is(err, tally.ErrNotFound):
		// Retried already (from another tab), or not this organisation's.
		s.flash(r, "That email is no longer waiting: it has been tried again already.")
	case err != nil:
		return err
	default:
		s.flash(r, "The email will be tried again in a moment. If it is still not delivered it comes back to this list.")
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
