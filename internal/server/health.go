package server

import (
	"context"
	"net/http"
	"time"

	"github.com/tally-sv/tally/internal/postgres"
)

// handleHealthz answers while the process is alive.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// handleReadyz answers 200 when the database answers and its schema is
// this binary's or newer, else 503; and 503 once the server is draining,
// so that a load balancer stops sending it requests before it stops.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("draining\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := postgres.Ready(ctx, s.store.Pool()); err != nil {
		s.logger(r).Warn("not ready", "err", err.Error())
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// Drain makes /readyz answer 503 from now on: the server is about to stop
// (SIGTERM), and goes on serving the requests it is still sent meanwhile.
func (s *Server) Drain() { s.draining.Store(true) }
