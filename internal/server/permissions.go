package server

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// Who may use a route, named for the route lines in routes.go. Public and
// signed-in are marks for the permission table; the organisation roles
// are checked by s.org.
var (
	public   = []tally.Role{"public"}
	signedIn = []tally.Role{"signed-in"}

	staff   = []tally.Role{tally.RoleBuyer, tally.RoleEvaluator, tally.RoleContractManager, tally.RoleDirector, tally.RoleAdmin}
	members = append(append([]tally.Role{}, staff...), tally.RoleSupplier)
	admins  = []tally.Role{tally.RoleAdmin}
	// Supplier organisations manage their own people.
	peopleAdmins = []tally.Role{tally.RoleAdmin, tally.RoleSupplier}
	auditReaders = []tally.Role{tally.RoleDirector, tally.RoleAdmin, tally.RoleSupplier}
	buyers       = []tally.Role{tally.RoleBuyer}
	// Evaluators and directors follow tenders too; only buyers change them.
	tenderReaders = []tally.Role{tally.RoleBuyer, tally.RoleEvaluator, tally.RoleDirector}
	suppliers     = []tally.Role{tally.RoleSupplier}
	evaluators    = []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}
	// Buyers, contract managers, directors and the supplier itself.
	contractReaders  = []tally.Role{tally.RoleBuyer, tally.RoleContractManager, tally.RoleDirector, tally.RoleSupplier}
	contractChangers = []tally.Role{tally.RoleBuyer, tally.RoleContractManager}
	contractManagers = []tally.Role{tally.RoleContractManager}
	dashboardReaders = []tally.Role{tally.RoleDirector, tally.RoleBuyer, tally.RoleContractManager, tally.RoleAdmin}
	recordReaders    = []tally.Role{tally.RoleDirector, tally.RoleBuyer, tally.RoleEvaluator, tally.RoleContractManager}
	// The supplier reports delivery; a contract manager may on its behalf.
	returnEditors = []tally.Role{tally.RoleSupplier, tally.RoleContractManager}
	returnReaders = []tally.Role{tally.RoleSupplier, tally.RoleContractManager, tally.RoleDirector}
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
