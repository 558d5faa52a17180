package server

import (
	"net/http"
	"strconv"

	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

const (
	auditPageSize = 50
	maxAuditPage  = 1_000_000
)

// handleAudit shows the organisation's audit log, newest first, and whether
// its hash chain is intact.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	// A page number past any real log still gets a page, and never an
	// offset that overflows.
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = min(max(page, 1), maxAuditPage)
	events, err := s.store.AuditLog(r.Context(), a.Scope, a.Org.ID, auditPageSize+1, (page-1)*auditPageSize)
	if err != nil {
		return err
	}
	broken, err := s.store.VerifyAuditChain(r.Context(), a.Scope, a.Org.ID)
	if err != nil {
		return err
	}
	pages_ := page
	if len(events) > auditPageSize {
		events = events[:auditPageSize]
		pages_ = page + 1
	}
	p := pages.AuditPage{Page: s.page(r, "Audit trail"), Intact: broken == 0, BrokenAt: broken,
		PageNum: page, Pages: pages_, PageLinks: components.PageLinks(r.URL.Path, r.URL.Query(), "page")}
	for _, e := range events {
		p.Rows = append(p.Rows, []string{strconv.FormatInt(e.Seq, 10), e.At.In(tally.London()).Format("2 Jan 2006 15:04:05"),
			e.UserEmail, e.Action, e.Subject, e.Detail})
	}
	return s.render(w, r, http.StatusOK, pages.Audit(p))
}
