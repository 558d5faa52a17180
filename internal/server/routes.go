package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes is every route Tally serves, on one screen. The permission table in
// permissions.go lists the roles allowed on each; a test keeps them in step.
func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(s.requestID, s.securityHeaders, s.logRequests, s.recoverPanics)
	r.NotFound(s.h(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(s.h(func(w http.ResponseWriter, r *http.Request) error { return errMethodNotAllowed }))

	r.Get("/healthz", s.handleHealthz)
	r.Get("/readyz", s.handleReadyz)
	r.Handle("/static/*", s.staticFiles())

	r.Group(func(r chi.Router) {
		r.Use(s.sessions.LoadAndSave)
		r.Get("/", s.h(s.handleHome))
	})
	return r
}
