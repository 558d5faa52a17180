package server

import (
	"net/http"
	"strconv"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// handleAccessibility is the accessibility statement.
func (s *Server) handleAccessibility(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, pages.Accessibility(s.page(r, "Accessibility statement")))
}

const messagesPageSize = 25

// handleNotifications lists the messages to the organisation (a shared
// service's staff see their partners' too), newest first, each linked to
// what it is about. The ones shown are marked read for this person once
// the page has been rendered, so they show as new this once.
func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = min(max(page, 1), 100_000)
	list, total, unread, err := s.store.Messages(r.Context(), a.Scope, messagesPageSize, (page-1)*messagesPageSize)
	if err != nil {
		return err
	}
	p := pages.MessagesPage{Page: s.page(r, "Messages"), PageNum: page, Pages: max(1, (total+messagesPageSize-1)/messagesPageSize),
		PageLinks: components.PageLinks(r.URL.Path, r.URL.Query(), "page"),
		Summary:   format.Count(unread, "unread message", "unread messages") + " out of " + format.Count(total, "message", "messages") + "."}
	if a.Scope.Require(tally.Admins...) == nil {
		p.Undelivered = route.Path("/o/{org}/notifications/undelivered", a.Org.Slug)
		if _, p.UndeliveredCount, err = s.store.UndeliveredEmails(r.Context(), a.Scope, 0, 0); err != nil {
			return err
		}
	}
	for _, m := range list {
		row := pages.MessageRow{At: format.DateTime(m.At), Subject: m.Subject, Body: m.Body, Link: m.Link, Unread: !m.Read}
		if m.OrgID != a.Org.ID {
			row.For = m.Org
		}
		p.Rows = append(p.Rows, row)
	}
	if err := s.render(w, r, http.StatusOK, pages.Messages(p)); err != nil {
		return err
	}
	if err := s.store.MarkRead(r.Context(), a.Scope, list); err != nil {
		// The page has been sent: log, and they show as new again next time.
		s.logger(r).Error("mark messages read", "err", err.Error())
	}
	return nil
}
