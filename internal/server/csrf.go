package server

import "net/http"

// csrf refuses cross-origin state-changing requests (Go's
// CrossOriginProtection: Sec-Fetch-Site, then Origin against Host) with a
// 403 page.
func (s *Server) csrf(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(s.h(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{http.StatusForbidden, "That request came from another website",
			"For your security, Tally only accepts forms sent from its own pages. Go back to Tally and try again."}
	}))
	return cop.Handler(next)
}
