package notify

import (
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

// TestEvidenceInfectedTellsWhoWaits: the supplier is always told, with
// what to do next as its return allows; the council's contract managers
// only once the return has been submitted to them.
func TestEvidenceInfectedTellsWhoWaits(t *testing.T) {
	rt := tally.Return{ID: 9, Period: tally.Period{Number: 2}, Contract: tally.Contract{Reference: "C-1", Title: "Roads",
		Partner: tally.Org{ID: 2, Slug: "council", Name: "Council"}, Supplier: tally.Org{ID: 7, Slug: "acme", Name: "Acme"}}}
	for _, tc := range []struct {
		status   tally.ReturnStatus
		tellings int
		next     string
	}{
		{tally.ReturnDraft, 1, "then upload a clean copy to the return"},
		{tally.ReturnQueried, 2, "then upload a clean copy to the return"},
		{tally.ReturnSubmitted, 2, "you cannot add files to it now"},
	} {
		rt.Status = tc.status
		ts := EvidenceInfected(rt, "placements.pdf", "Eicar-Test-Signature")
		if len(ts) != tc.tellings {
			t.Fatalf("%s: %d tellings, want %d", tc.status, len(ts), tc.tellings)
		}
		s := ts[0]
		if s.Orgs[0] != 7 || s.To.Suppliers[0] != 7 || s.Link != "/o/acme/returns/9" || !strings.Contains(s.Body, "contains a virus (Eicar-Test-Signature)") ||
			!strings.Contains(s.Body, tc.next) {
			t.Errorf("%s: to the supplier: %+v", tc.status, s)
		}
		if tc.tellings == 2 {
			m := ts[1]
			if m.Orgs[0] != 2 || m.To.Partner != 2 || m.To.Role != tally.RoleContractManager || m.Link != "/o/council/returns/9" ||
				!strings.Contains(m.Body, "placements.pdf, which Acme attached") {
				t.Errorf("%s: to the contract managers: %+v", tc.status, m)
			}
		}
	}
}
