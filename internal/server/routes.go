package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes is every route Tally serves, on one screen. permissions.go lists
// the roles allowed on each; a test keeps the two in step.
func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(s.requestID, s.securityHeaders, s.logRequests, s.recoverPanics, s.csrf)
	r.NotFound(s.h(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(s.h(func(w http.ResponseWriter, r *http.Request) error { return errMethodNotAllowed }))

	r.Get("/healthz", s.handleHealthz)
	r.Get("/readyz", s.handleReadyz)
	r.Handle("/static/*", s.staticFiles())

	r.Group(func(r chi.Router) {
		r.Use(s.sessions.LoadAndSave, s.loadUser)

		// Public.
		r.Get("/", s.h(s.handleHome))
		r.Get("/login", s.h(s.handleLoginForm))
		r.Post("/login", s.h(s.handleLogin))
		r.Post("/logout", s.h(s.handleLogout))
		r.Get("/register", s.h(s.handleRegisterForm))
		r.Post("/register", s.h(s.handleRegister))
		r.Get("/password-reset", s.h(s.handleResetRequestForm))
		r.Post("/password-reset", s.h(s.handleResetRequest))
		r.Get("/reset/{token}", s.h(s.handleResetForm))
		r.Post("/reset/{token}", s.h(s.handleReset))
		r.Get("/invite/{token}", s.h(s.handleInviteForm))
		r.Post("/invite/{token}", s.h(s.handleInvite))

		// Signed in.
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.Get("/account", s.h(s.handleAccount))
			r.Post("/account/sign-out-everywhere", s.h(s.handleSignOutEverywhere))

			// Inside an organisation: s.org checks membership and the
			// permission table, and answers 404 to everyone else.
			r.Route("/o/{org}", func(r chi.Router) {
				r.Get("/", s.org(s.handleOrgHome))
				r.Get("/users", s.org(s.handleUsers))
				r.Post("/users", s.org(s.handleInviteUser))
				r.Get("/users/{user}", s.org(s.handleMember))
				r.Post("/users/{user}", s.org(s.handleSetRoles))
				r.Get("/settings", s.org(s.handleSettingsList))
				r.Get("/settings/{partner}", s.org(s.handleSettingsForm))
				r.Post("/settings/{partner}", s.org(s.handleSaveSettings))
				r.Get("/audit", s.org(s.handleAudit))

				r.Get("/measures", s.org(s.handleMeasures))
				r.Get("/measures/import", s.org(s.handleImportForm))
				r.Post("/measures/import", s.org(s.handleImport))
				r.Get("/measures/local", s.org(s.handleLocalMeasures))
				r.Get("/measures/local/new", s.org(s.handleNewLocalMeasure))
				r.Post("/measures/local/new", s.org(s.handleSaveLocalMeasure))
				r.Get("/measures/local/{measure}", s.org(s.handleLocalMeasure))
				r.Post("/measures/local/{measure}", s.org(s.handleSaveLocalMeasure))
				r.Post("/measures/local/{measure}/retire", s.org(s.handleRetireLocalMeasure))
				r.Get("/measures/{edition}", s.org(s.handleEdition))
				r.Get("/measures/{edition}/export.csv", s.org(s.handleEditionExport))
				r.Post("/measures/{edition}/choice", s.org(s.handleChooseEdition))
			})
		})
	})
	return r
}
