package server

import (
	"net/http"

	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// handleAccessibility is the accessibility statement.
func (s *Server) handleAccessibility(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, pages.Accessibility(s.page(r, "Accessibility statement")))
}

// handleNotifications lists the organisation's in-app messages.
func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	list, err := s.store.Notifications(r.Context(), a.Scope, a.Org.ID, 100)
	if err != nil {
		return err
	}
	p := pages.NotificationsPage{Page: s.page(r, "Messages")}
	for _, n := range list {
		p.Rows = append(p.Rows, pages.NotificationRow{At: londonTime(n.At), Subject: n.Subject, Body: n.Body, Link: n.Link})
	}
	return s.render(w, r, http.StatusOK, pages.Notifications(p))
}
