package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/internal/worker"
	"github.com/tally-sv/tally/web/pages"
)

// Emailed one-time sign-in links (issue 16): proof of the mailbox instead
// of the password. A link works once, for worker.SignInLinkLifetime, and
// works however many passwords have been tried for the account.
const (
	signInLinkPath = "/login/link"
	maxNextLength  = 2000 // the longest next a link keeps (the table's limit)
)

// signInLinkFormPath asks for a sign-in link that leads to next.
func signInLinkFormPath(next string) string {
	if next == "/" {
		return signInLinkPath
	}
	return route.WithQuery(signInLinkPath, url.Values{"next": {next}})
}

// linkNext is where a sign-in link leads: next when it is a safe local
// path short enough to keep, or the home page.
func linkNext(next string) string {
	if next = safeNext(next); len(next) > maxNextLength {
		return "/"
	}
	return next
}

func (s *Server) handleSignInLinkForm(w http.ResponseWriter, r *http.Request) error {
	next := linkNext(r.URL.Query().Get("next"))
	if userFrom(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- linkNext allows only a local path
		return nil
	}
	return s.render(w, r, http.StatusOK, pages.SignInLink(pages.SignInLinkPage{Page: s.page(r, "Sign in with a link"),
		Action: signInLinkPath, Next: next}))
}

// handleSignInLinkRequest emails a sign-in link. It takes the same path
// and gives the same answer whether or not the address has an account.
// Requests are limited per address asked for and per client address.
func (s *Server) handleSignInLinkRequest(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	p := pages.SignInLinkPage{Page: s.page(r, "Sign in with a link"), Action: signInLinkPath,
		Email: f.email("email", true), Next: linkNext(f.raw("next")), Errors: f.Errs}
	if err := s.ssoCheck(r, p.Email, f.Errs); err != nil { // single sign-on required (sso.go)
		return err
	}
	if len(f.Errs) > 0 {
		p.Title = "Error: Sign in with a link"
		return s.render(w, r, http.StatusUnprocessableEntity, pages.SignInLink(p))
	}
	attempt, err := s.throttle(r, "sign_in_link_throttled", 0, emailedLinkLimits("link", p.Email, s.limitAddr(r), worker.SignInLinkLifetime))
	if err != nil {
		return err
	}
	if attempt.Refused {
		retryAfter(w, attempt.Limit)
		p.Title, p.Throttled = "Too many requests for links to sign in", true
		return s.render(w, r, http.StatusTooManyRequests, pages.SignInLink(p))
	}
	// A job, whatever the address: the worker makes and emails the link
	// when there is an account, so this request never talks to the mail
	// server, and takes as long either way.
	if err := s.store.RequestSignInLink(r.Context(), p.Email, p.Next); err != nil {
		return err
	}
	s.securityEvent(r, slog.LevelInfo, "sign_in_link_requested", 0)
	// Rendered, not redirected: the address stays out of URLs and logs.
	p.Title, p.Sent = "Check your email", true
	return s.render(w, r, http.StatusOK, pages.SignInLink(p))
}

// handleSignInLinkPage is where an emailed link lands. Opening it uses
// nothing up, because mail scanners open links: the button on the page
// signs in.
func (s *Server) handleSignInLinkPage(w http.ResponseWriter, r *http.Request) error {
	email, err := s.store.SignInLinkEmail(r.Context(), auth.TokenDigest(chi.URLParam(r, "token")))
	if errors.Is(err, tally.ErrNotFound) {
		return s.signInLinkExpired(w, r)
	}
	if err != nil {
		return err
	}
	// The page names the account: no cache keeps it.
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, pages.SignInWithLink(pages.SignInWithLinkPage{Page: s.page(r, "Sign in to Tally"),
		Email: email, Action: route.Path("/login/link/{token}", chi.URLParam(r, "token"))}))
}

// handleSignInWithLink uses a sign-in link: it signs its account in as a
// password would, and goes on to where the link leads. The failures of
// the account at this client address are forgotten: the owner has proved
// who they are.
func (s *Server) handleSignInWithLink(w http.ResponseWriter, r *http.Request) error {
	u, next, err := s.store.UseSignInLink(r.Context(), auth.TokenDigest(chi.URLParam(r, "token")))
	if errors.Is(err, tally.ErrNotFound) {
		s.securityEvent(r, slog.LevelWarn, "sign_in_link_refused", 0)
		return s.signInLinkExpired(w, r)
	}
	if err != nil {
		return err
	}
	if required, err := s.ssoRequired(r, u.Email); required || err != nil { // a link sent before single sign-on was required
		return s.ssoRequiredPage(w, r, err)
	}
	if err := s.store.ClearLoginFailures(r.Context(), signInLimits(u.Email, s.limitAddr(r))[0].Key); err != nil {
		return err
	}
	// A link is one factor, like a password: 2-step verification follows.
	if asked, err := s.secondStep(w, r, u, linkNext(next)); asked || err != nil {
		return err
	}
	if err := s.signIn(r, u); err != nil {
		return err
	}
	s.securityEvent(r, slog.LevelInfo, "sign_in_link_used", u.ID)
	s.logger(r).Info("signed in", "user_id", u.ID)
	http.Redirect(w, r, linkNext(next), http.StatusSeeOther) // #nosec G710 -- linkNext allows only a local path
	return nil
}

// signInLinkExpired answers a dead sign-in link with a way to get a new
// one.
func (s *Server) signInLinkExpired(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusNotFound, pages.LinkExpired(pages.LinkExpiredPage{Page: s.page(r, "This link has expired"),
		What: "sign-in", Again: "Links to sign in work once, for 15 minutes. You can ask for a new one.", NewLinkHref: signInLinkPath}))
}
