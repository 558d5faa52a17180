package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	requestLogKey
)

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestID gives each request an id for its log lines and error pages.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// logger is the logger for a request, carrying its id.
func (s *Server) logger(r *http.Request) *slog.Logger {
	return s.log.With("request_id", requestIDFrom(r.Context()))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

// WriteHeader sends the first status only. A second is ignored by
// net/http too, which logs it; the one expected is a handler's status
// after the session's error page (scs saves the session as a status is
// written, and a session that cannot be saved gets its own page first).
func (w *statusRecorder) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// responseStarted reports whether a status has been sent on w, as far as
// the statusRecorder beneath it (if any) knows.
func responseStarted(w http.ResponseWriter) bool {
	for {
		if rec, ok := w.(*statusRecorder); ok {
			return rec.status != 0
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
}

// requestLog is who a request's log line names. logRequests runs before
// the session loads and the organisation resolves, so it puts an empty one
// in the context and the middleware that learns each fact fills it in.
type requestLog struct {
	userID int64  // the signed-in user; 0 when none
	org    string // the organisation's slug in /o/{org}; "" outside one
}

// logUser records the signed-in user for the request's log line.
func logUser(ctx context.Context, id int64) {
	if l, ok := ctx.Value(requestLogKey).(*requestLog); ok {
		l.userID = id
	}
}

// logOrg records the organisation acted in for the request's log line.
func logOrg(ctx context.Context, slug string) {
	if l, ok := ctx.Value(requestLogKey).(*requestLog); ok {
		l.org = slug
	}
}

// logRequests writes one JSON line per request, naming the user, the
// organisation and the client address, and counts it in the metrics by
// its route pattern. It logs the path but never the query string, which
// may carry tokens (password reset links).
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		who := &requestLog{}
		r = r.WithContext(context.WithValue(r.Context(), requestLogKey, who))
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		took := time.Since(start)
		var pattern string
		if rc := chi.RouteContext(r.Context()); rc != nil {
			pattern = rc.RoutePattern()
			if who.org == "" {
				// The organisation was not resolved (the database was
				// down, or the person is not signed in): name the one
				// the URL asked for.
				who.org = rc.URLParam("org")
			}
		}
		s.metrics.Request(r.Method, pattern, rec.status, took)
		s.logger(r).LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", redactPath(r.URL.Path)),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", took),
			slog.Int64("user_id", who.userID),
			slog.String("org", who.org),
			slog.String("client", s.clientAddr(r)),
		)
	})
}

// redactPath hides single-use tokens that travel in paths (/invite/{token},
// /reset/{token}, /login/link/{token}, /register/confirm/{token}).
func redactPath(p string) string {
	for _, prefix := range []string{"/invite/", "/reset/", "/login/link/", "/register/confirm/"} {
		if strings.HasPrefix(p, prefix) {
			return prefix + "[redacted]"
		}
	}
	return p
}

// recoverPanics turns a panic into the 500 page and a log line with the
// stack; the user sees no internal detail.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", requestIDFrom(r.Context()), "panic", v, "stack", string(debug.Stack()))
				s.serveError(w, r, errInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets headers every response carries, including errors and
// static files, and a fresh CSP nonce for the page's scripts.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 16)
		rand.Read(b)
		nonce := base64.RawStdEncoding.EncodeToString(b)
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; "+
			"style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; "+
			"base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r.WithContext(templ.WithNonce(r.Context(), nonce)))
	})
}

// staticFiles serves the embedded front-end files with long-lived caching
// only for fonts and images (CSS and JS names are not fingerprinted).
func (s *Server) staticFiles() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(s.static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if fi, err := fs.Stat(s.static, name); err != nil || fi.IsDir() || strings.HasSuffix(name, ".go") {
			s.serveError(w, r, errNotFound)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
