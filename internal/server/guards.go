package server

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// guard is a route's handler with the roles allowed on it. The router
// only takes guards (see guardedRouter), so the roles are on the route
// line, and the permission table is read back from the router.
type guard struct {
	http.Handler
	roles []tally.Role
}

// public is a page anyone may use, signed in or not.
func (s *Server) public(fn handler) guard { return guard{s.h(fn), public} }

// publicHTTP is public for handlers that write their own errors: the
// health checks and the static files.
func publicHTTP(h http.Handler) guard { return guard{h, public} }

// signedIn is a page for anyone signed in; everyone else is sent to sign
// in. The group around these routes asks too, for the pages under it the
// router does not know; asking twice is harmless and keeps a route put in
// the wrong group closed.
func (s *Server) signedIn(fn handler) guard {
	return guard{s.requireUser(s.h(fn)), signedIn}
}

// guardedRouter is a chi.Router whose Get, Post and Handle take only
// guards, so that a route cannot be added without saying who may use it.
// (chi's Method and HandleFunc are still reachable through the embedded
// router; TestEveryRouteIsInThePermissionTable fails on a route added so.)
type guardedRouter struct{ chi.Router }

func (r guardedRouter) Get(pattern string, g guard)    { r.Method(http.MethodGet, pattern, g) }
func (r guardedRouter) Post(pattern string, g guard)   { r.Method(http.MethodPost, pattern, g) }
func (r guardedRouter) Handle(pattern string, g guard) { r.Router.Handle(pattern, g) }

func (r guardedRouter) Group(fn func(r guardedRouter)) {
	r.Router.Group(func(cr chi.Router) { fn(guardedRouter{cr}) })
}

func (r guardedRouter) Route(pattern string, fn func(r guardedRouter)) {
	r.Router.Route(pattern, func(cr chi.Router) { fn(guardedRouter{cr}) })
}

// Permissions is the permission table read from the routes: "METHOD
// pattern" to the roles allowed, with "public" and "signed-in" for routes
// outside an organisation. A route without a guard is left out. chi
// reports the organisation's home as "/o/{org}/"; it is listed without the
// slash. A route that answers every method (the static files) is listed
// once, as GET. The map is the caller's to keep.
func (s *Server) Permissions() map[string][]tally.Role { return maps.Clone(s.roles) }

// permissionTable walks r for Permissions. chi.Walk unwraps the handlers
// of groups with middleware, so each endpoint is the route's guard.
func permissionTable(r chi.Routes) map[string][]tally.Role {
	table := map[string][]tally.Role{}
	methods := map[string][]string{}
	_ = chi.Walk(r, func(method, pattern string, h http.Handler, _ ...func(http.Handler) http.Handler) error {
		g, ok := h.(guard)
		if !ok {
			return nil
		}
		if len(pattern) > 1 {
			pattern = strings.TrimSuffix(pattern, "/")
		}
		methods[pattern] = append(methods[pattern], method)
		table[method+" "+pattern] = g.roles
		return nil
	})
	// Tally serves no PUT or DELETE of its own: a route with them was
	// added by Handle, which answers every method. List it once.
	for pattern, ms := range methods {
		if slices.Contains(ms, http.MethodPut) && slices.Contains(ms, http.MethodDelete) {
			for _, m := range ms {
				if m != http.MethodGet {
					delete(table, m+" "+pattern)
				}
			}
		}
	}
	return table
}
