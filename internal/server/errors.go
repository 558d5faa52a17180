package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// httpError is an error with the status and words to show for it.
type httpError struct {
	status  int
	heading string
	message string
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s", e.status, e.heading) }

var (
	errNotFound = &httpError{http.StatusNotFound, "Page not found",
		"If you typed the web address, check it is correct. If you pasted it, check you copied all of it."}
	errMethodNotAllowed = &httpError{http.StatusMethodNotAllowed, "Method not allowed",
		"That page cannot be used in that way. Go back and try again."}
	errConflict = &httpError{http.StatusConflict, "That change could not be made",
		"Someone may have changed this at the same time. Go back, refresh the page and try again."}
	errAccountDisabled = &httpError{http.StatusForbidden, "Your account is disabled",
		"An administrator has disabled your account, so you cannot sign in. Ask an administrator in your organisation to enable it again."}
	errInternal = &httpError{http.StatusInternalServerError, "Sorry, there is a problem with the service",
		"Try again later. Nothing you entered has been saved unless you saw a confirmation."}
)

// handler is an HTTP handler that returns its error instead of writing it.
type handler func(w http.ResponseWriter, r *http.Request) error

// h adapts a handler: any error it returns becomes a page, in one place.
func (s *Server) h(fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.serveError(w, r, err)
		}
	}
}

// serveError maps err to a status and a friendly page. Only unexpected
// errors are logged; users never see their text.
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	if responseStarted(w) {
		// Too late for a page: a status is sent. A download cut short
		// does this, and so does a session that could not be saved as the
		// handler began its answer (scs saves it then): the session's
		// error page went instead, and the handler's page failed after it.
		s.logger(r).Warn("request failed after its response started", "err", err.Error())
		return
	}
	var he *httpError
	switch {
	case errors.As(err, &he):
	case errors.Is(err, tally.ErrNotFound):
		he = errNotFound
	case errors.Is(err, tally.ErrConflict):
		he = errConflict
	case errors.Is(err, tally.ErrAccountDisabled):
		he = errAccountDisabled
	case isUnavailable(err):
		// The database is down or slow: an outage, not a bug. Tell the
		// browser when to try again, and log it below error level.
		he = errUnavailable
		w.Header().Set("Retry-After", retryAfterUnavailable)
		s.logger(r).Warn("database unavailable", "err", err.Error())
	default:
		he = errInternal
		s.logger(r).Error("request failed", "err", err.Error())
	}
	p := pages.ErrorPage{Page: s.page(r, he.heading), Status: he.status, Heading: he.heading, Message: he.message}
	if he.status >= 500 {
		p.RequestID = requestIDFrom(r.Context())
	}
	if rerr := s.render(w, r, he.status, pages.Error(p)); rerr != nil {
		if responseStarted(w) {
			// Failed while sending: the client went away, or the session
			// could not be saved as the status went (scs saves it then)
			// and the session's own error page went in its place.
			s.logger(r).Warn("error page not sent", "err", rerr.Error())
			return
		}
		s.logger(r).Error("render error page", "err", rerr.Error())
		http.Error(w, he.heading, he.status)
	}
}
