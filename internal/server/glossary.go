package server

import (
	"net/http"

	"github.com/tally-sv/tally/web/pages"
)

// glossaryPath is the public page that explains the words of social value.
const glossaryPath = "/glossary"

// handleGlossary explains the terms suppliers meet on opportunities and
// offers. It needs no sign-in: the words are the same for everyone.
func (s *Server) handleGlossary(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, pages.Glossary(pages.GlossaryPage{Page: s.page(r, "Glossary of social value terms")}))
}
