package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tally-sv/tally/internal/tally"
)

// Session keys.
const (
	sessUserID = "user_id"
	sessEpoch  = "epoch"
	sessFlash  = "flash"
	sessSeen   = "seen" // last active, Unix seconds: saved at most once a minute (session.IdleStore)
)

const (
	userKey ctxKey = iota + 10
	accessKey
)

// userFrom is the signed-in user, or nil.
func userFrom(ctx context.Context) *tally.User {
	u, _ := ctx.Value(userKey).(*tally.User)
	return u
}

// accessFrom is what the user may do in the /o/{org} of the URL.
func accessFrom(ctx context.Context) tally.Access {
	a, _ := ctx.Value(accessKey).(tally.Access)
	return a
}

// loadUser puts the signed-in user in the context. A session from before
// "sign out everywhere" (an older epoch), or for a removed or disabled
// user, is ended.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.sessions.GetInt64(r.Context(), sessUserID)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		u, err := s.store.User(r.Context(), id)
		switch {
		case errors.Is(err, tally.ErrNotFound) || (err == nil && (u.Disabled || u.SessionEpoch != s.sessions.GetInt(r.Context(), sessEpoch))):
			if err := s.sessions.Destroy(r.Context()); err != nil {
				s.serveError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
			return
		case err != nil:
			s.serveError(w, r, err)
			return
		}
		// The session's stored expiry moves with activity (session.IdleStore),
		// saved at most once a minute rather than on every request.
		if now := time.Now().Unix(); now-s.sessions.GetInt64(r.Context(), sessSeen) >= 60 {
			s.sessions.Put(r.Context(), sessSeen, now)
		}
		// Every page for a signed-in person shows who they are: never cache it.
		w.Header().Set("Cache-Control", "no-store")
		logUser(r.Context(), u.ID)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, &u)))
	})
}

// requireUser sends people who are not signed in to the sign-in page, and
// back here afterwards.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if userFrom(r.Context()) == nil {
			target := "/login"
			if r.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		// Signed-in pages hold personal and commercial data: never cache them.
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// safeNext keeps a post-sign-in redirect on this site: a local path only.
// Browsers drop tabs and new lines from a URL and read \ as /, so
// "/\t/evil.example" would leave the site: any control character, space or
// backslash is refused, not just a leading "//".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || !utf8.ValidString(next) ||
		strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return "/"
	}
	return next
}

// flash stores a one-off success message for the next page.
func (s *Server) flash(r *http.Request, msg string) { s.sessions.Put(r.Context(), sessFlash, msg) }

// clientAddr is the address sign-in throttling counts against: the
// connection's, or the nearest untrusted hop in X-Forwarded-For when the
// connection comes from a trusted proxy.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(addr) {
		return host
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(hop) {
			return hop.String()
		}
	}
	return host
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}
