package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// Who may use a route. Public and signed-in routes are listed for the
// route test; organisation routes are enforced from this table by s.org.
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

// permissions maps "METHOD pattern" to the roles allowed. A route missing
// here answers 404 to everyone (and fails the route test).
var permissions = map[string][]tally.Role{
	"GET /healthz":                      public,
	"GET /readyz":                       public,
	"GET /static/*":                     public,
	"GET /":                             public,
	"GET /accessibility":                public,
	"GET /glossary":                     public,
	"GET /login":                        public,
	"POST /login":                       public,
	"POST /logout":                      public,
	"GET /register":                     public,
	"POST /register":                    public,
	"GET /password-reset":               public,
	"POST /password-reset":              public,
	"GET /reset/{token}":                public,
	"POST /reset/{token}":               public,
	"GET /invite/{token}":               public,
	"POST /invite/{token}":              public,
	"GET /account":                      signedIn,
	"POST /account/sign-out-everywhere": signedIn,
	"GET /o/{org}":                      members,
	"GET /o/{org}/users":                peopleAdmins,
	"POST /o/{org}/users":               peopleAdmins,
	"GET /o/{org}/users/{user}":         peopleAdmins,
	"POST /o/{org}/users/{user}":        peopleAdmins,
	"GET /o/{org}/settings":             admins,
	"GET /o/{org}/settings/{partner}":   admins,
	"POST /o/{org}/settings/{partner}":  admins,
	"GET /o/{org}/notifications":        members,
	"GET /o/{org}/audit":                auditReaders,

	"POST /account/password":                              signedIn,
	"POST /invite/{token}/again":                          public,
	"POST /o/{org}/users/invitations/{invitation}/resend": peopleAdmins,
	"POST /o/{org}/users/invitations/{invitation}/revoke": peopleAdmins,

	"GET /o/{org}/measures":                         members,
	"GET /o/{org}/measures/import":                  admins,
	"POST /o/{org}/measures/import":                 admins,
	"GET /o/{org}/measures/local":                   staff,
	"GET /o/{org}/measures/local/new":               admins,
	"POST /o/{org}/measures/local/new":              admins,
	"GET /o/{org}/measures/local/{measure}":         admins,
	"POST /o/{org}/measures/local/{measure}":        admins,
	"POST /o/{org}/measures/local/{measure}/retire": admins,
	"GET /o/{org}/measures/{edition}":               members,
	"GET /o/{org}/measures/{edition}/export.csv":    members,
	"POST /o/{org}/measures/{edition}/choice":       admins,

	"GET /o/{org}/tenders":                   tenderReaders,
	"GET /o/{org}/tenders/new":               buyers,
	"POST /o/{org}/tenders/new":              buyers,
	"GET /o/{org}/tenders/{tender}":          tenderReaders,
	"GET /o/{org}/tenders/{tender}/edit":     buyers,
	"POST /o/{org}/tenders/{tender}/edit":    buyers,
	"GET /o/{org}/tenders/{tender}/publish":  buyers,
	"POST /o/{org}/tenders/{tender}/publish": buyers,
	"GET /o/{org}/tenders/{tender}/extend":   buyers,
	"POST /o/{org}/tenders/{tender}/extend":  buyers,
	"GET /o/{org}/tenders/{tender}/cancel":   buyers,
	"POST /o/{org}/tenders/{tender}/cancel":  buyers,
	"POST /o/{org}/tenders/{tender}/copy":    buyers,

	"GET /o/{org}/tenders/{tender}/evaluation":           evaluators,
	"GET /o/{org}/tenders/{tender}/evaluation.csv":       evaluators,
	"GET /o/{org}/tenders/{tender}/evaluation.xlsx":      evaluators,
	"POST /o/{org}/tenders/{tender}/evaluation/moderate": evaluators,
	"POST /o/{org}/tenders/{tender}/evaluation/scores":   evaluators,
	"POST /o/{org}/tenders/{tender}/evaluation/award":    buyers,

	"GET /o/{org}/contracts":                        contractReaders,
	"GET /o/{org}/contracts.csv":                    contractReaders,
	"GET /o/{org}/contracts.xlsx":                   contractReaders,
	"GET /o/{org}/contracts/new":                    buyers,
	"POST /o/{org}/contracts/new":                   buyers,
	"GET /o/{org}/contracts/{contract}":             contractReaders,
	"GET /o/{org}/contracts/{contract}/kpis/{kpi}":  contractChangers,
	"POST /o/{org}/contracts/{contract}/kpis/{kpi}": contractChangers,
	"POST /o/{org}/contracts/{contract}/returns":    returnEditors,

	"GET /o/{org}/dashboard":                  dashboardReaders,
	"GET /o/{org}/dashboard.csv":              dashboardReaders,
	"GET /o/{org}/dashboard/{table}.{format}": dashboardReaders,
	"GET /o/{org}/reports/measures":           dashboardReaders,
	"GET /o/{org}/reports/measures.{format}":  dashboardReaders,
	"GET /o/{org}/suppliers":                  recordReaders,
	"GET /o/{org}/suppliers/{supplier}":       recordReaders,
	"GET /o/{org}/record":                     suppliers,

	"GET /o/{org}/returns":                                  returnReaders,
	"GET /o/{org}/returns/{return}":                         returnReaders,
	"POST /o/{org}/returns/{return}":                        returnEditors,
	"POST /o/{org}/returns/{return}/verify":                 contractManagers,
	"GET /o/{org}/returns/{return}/on-behalf":               contractManagers,
	"GET /o/{org}/returns/{return}/check":                   returnEditors,
	"POST /o/{org}/returns/{return}/submit":                 returnEditors,
	"POST /o/{org}/returns/{return}/evidence":               returnEditors,
	"GET /o/{org}/returns/{return}/evidence/{file}":         returnReaders,
	"POST /o/{org}/returns/{return}/evidence/{file}/remove": returnEditors,

	"GET /o/{org}/opportunities":                    suppliers,
	"GET /o/{org}/opportunities/{tender}":           suppliers,
	"POST /o/{org}/opportunities/{tender}/offer":    suppliers,
	"GET /o/{org}/offers":                           suppliers,
	"GET /o/{org}/offers/{offer}":                   suppliers,
	"POST /o/{org}/offers/{offer}":                  suppliers,
	"GET /o/{org}/offers/{offer}/submit":            suppliers,
	"POST /o/{org}/offers/{offer}/submit":           suppliers,
	"GET /o/{org}/offers/{offer}/receipt":           suppliers,
	"POST /o/{org}/offers/{offer}/withdraw":         suppliers,
	"GET /o/{org}/offers/{offer}/template.{format}": suppliers,
	"POST /o/{org}/offers/{offer}/upload":           suppliers,
}

// orgHandler is a handler inside /o/{org}, given the caller's access there.
type orgHandler func(w http.ResponseWriter, r *http.Request, a tally.Access) error

// org resolves the organisation in the URL and the caller's roles there,
// then checks the permission table. Non-members, and members without an
// allowed role, get 404 so that nothing can be learnt by probing.
func (s *Server) org(fn orgHandler) http.HandlerFunc {
	return s.h(func(w http.ResponseWriter, r *http.Request) error {
		u := userFrom(r.Context())
		if u == nil {
			return errNotFound
		}
		a, err := s.store.Access(r.Context(), u.ID, chi.URLParam(r, "org"))
		if err != nil {
			return err
		}
		logOrg(r.Context(), a.Org.Slug)
		// chi reports /o/{org} and /o/{org}/ alike for the organisation's home.
		pattern := r.Method + " " + strings.TrimSuffix(chi.RouteContext(r.Context()).RoutePattern(), "/")
		allowed, ok := permissions[pattern]
		if !ok {
			s.logger(r).Error("route missing from the permission table", "route", pattern)
			return errNotFound
		}
		if !a.Can(allowed...) {
			return errNotFound
		}
		return fn(w, r.WithContext(context.WithValue(r.Context(), accessKey, a)), a)
	})
}
