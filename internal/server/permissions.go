package server

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// Who may use a route, named for the route lines in routes.go. Public and
// signed-in are marks for the permission table; the organisation roles
// are tally's sets (the store checks the same ones again) and are checked
// by s.org.
var (
	public   = []tally.Role{"public"}
	signedIn = []tally.Role{"signed-in"}

	staff            = tally.StaffRoles
	members          = tally.Members
	admins           = tally.Admins
	peopleAdmins     = tally.PeopleAdmins
	auditReaders     = tally.AuditReaders
	buyers           = tally.Buyers
	tenderReaders    = tally.TenderReaders
	suppliers        = tally.Suppliers
	evaluators       = tally.Evaluators
	contractReaders  = tally.ContractReaders
	contractChangers = tally.ContractChangers
	contractManagers = tally.ContractManagers
	dashboardReaders = tally.DashboardReaders
	recordReaders    = tally.RecordReaders
	returnEditors    = tally.ReturnEditors
	returnReaders    = tally.ReturnReaders
)

// orgHandler is a handler inside /o/{org}, given the caller's access there.
type orgHandler func(w http.ResponseWriter, r *http.Request, a tally.Access) error

// org resolves the organisation in the URL and the caller's roles there,
// then checks them against allowed. Non-members, and members without an
// allowed role, get 404 so that nothing can be learnt by probing.
func (s *Server) org(allowed []tally.Role, fn orgHandler) guard {
	return guard{roles: allowed, Handler: s.h(func(w http.ResponseWriter, r *http.Request) error {
		u := userFrom(r.Context())
		if u == nil {
			return errNotFound
		}
		a, err := s.store.Access(r.Context(), u.ID, chi.URLParam(r, "org"))
		if err != nil {
			return err
		}
		logOrg(r.Context(), a.Org.Slug)
		if !a.Can(allowed...) {
			return errNotFound
		}
		return fn(w, r.WithContext(context.WithValue(r.Context(), accessKey, a)), a)
	})}
}
