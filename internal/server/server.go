// Package server is Tally's HTTP layer: routes, middleware, handlers and
// rendering. Handlers parse input, call one or two store methods with the
// caller's scope, and render a typed page.
package server

import (
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/metrics"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/secretbox"
	"github.com/tally-sv/tally/internal/session"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/static"
)

// Server holds the dependencies of every handler.
type Server struct {
	cfg      config.Config
	store    *postgres.Store
	log      *slog.Logger
	sessions *scs.SessionManager
	static   fs.FS
	router   chi.Router
	roles    map[string][]tally.Role // the permission table, read from router
	hasher   *auth.Hasher
	draining atomic.Bool // set by Drain: /readyz answers 503
	metrics  *metrics.Metrics
	secrets  secretbox.Box // seals client secrets and TOTP keys; not Ready without SECRET_KEY
}

// New builds a server and its routes.
func New(cfg config.Config, store *postgres.Store, log *slog.Logger) *Server {
	sm := scs.New()
	sm.Store = session.NewStore(store.Pool(), cfg.SessionIdle)
	sm.Codec = session.Codec{}
	sm.Lifetime = cfg.SessionLifetime
	sm.Cookie.Name = "tally_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Persist = false
	if cfg.SecureCookies {
		// __Host- cookies must be Secure, have Path=/ and no Domain.
		sm.Cookie.Name = "__Host-tally_session"
		sm.Cookie.Secure = true
	}
	s := &Server{cfg: cfg, store: store, log: log, sessions: sm, static: static.FS,
		hasher: auth.NewHasher(max(2, runtime.NumCPU())), metrics: metrics.New(store.Pool())}
	// Config.Load refuses a key of the wrong size; a Config made without
	// one (some tests) leaves the box empty, and what needs it says so.
	s.secrets, _ = secretbox.New(cfg.SecretKey)
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.serveError(w, r, err)
	}
	s.router = s.routes()
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Metrics serves the server's Prometheus metrics. Serve it on a listener
// of its own (METRICS_ADDR), never on the public one: the router has no
// route to it.
func (s *Server) Metrics() http.Handler { return s.metrics.Handler() }

// Router is the chi router, for tests that walk the routes.
func (s *Server) Router() chi.Router { return s.router }

// HTTPServer wraps the handler in an http.Server with timeouts.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second, // evidence uploads of up to 10 MiB on slow links
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}
