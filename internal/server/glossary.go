package server

import (
	"net/http"
	"strings"

	"github.com/tally-sv/tally/web/pages"
)

// glossaryPath is the public page that explains the words of social value.
const glossaryPath = "/glossary"

// handleGlossary explains the terms suppliers meet on opportunities and
// offers. It needs no sign-in: the words are the same for everyone.
func (s *Server) handleGlossary(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, pages.Glossary(pages.GlossaryPage{Page: s.page(r, "Glossary of social value terms")}))
}

// evidenceExpected says what evidence of delivery a measure in unit will
// need. Measures carry no evidence field of their own, so this is one
// sentence per kind of unit, with a general one for the rest.
func evidenceExpected(unit string) string {
	u := strings.ToLower(strings.TrimSpace(unit))
	switch {
	case strings.HasPrefix(u, "£") || u == "gbp":
		return "Invoices or payment records showing what was spent and with whom."
	case u == "fte" || strings.Contains(u, "week") || strings.Contains(u, "hour") || strings.Contains(u, "day") ||
		strings.Contains(u, "people") || strings.Contains(u, "apprentice") || strings.Contains(u, "job"):
		return "Payroll, timesheet or attendance records showing the people and the time counted (with personal details removed)."
	case strings.Contains(u, "co2") || strings.Contains(u, "tonne") || strings.Contains(u, "kwh") || strings.Contains(u, "mile"):
		return "A calculation with its source data, such as meter readings, fuel records or waste transfer notes."
	}
	return "Records showing the quantity delivered, such as registers, logs, photographs or reports."
}
