package server

import (
	"net/http"

	"github.com/tally-sv/tally/web/pages"
)

// handleHome is the start page.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, pages.Home(s.page(r, "")))
}
