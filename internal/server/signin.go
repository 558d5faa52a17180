package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// handleHome sends signed-in people to their organisation (or a chooser)
// and shows everyone else the start page.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if u == nil {
		return s.render(w, r, http.StatusOK, pages.Home(s.page(r, "")))
	}
	ms, err := s.store.Memberships(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if len(ms) == 1 {
		http.Redirect(w, r, route.Path("/o/{org}", ms[0].Org.Slug), http.StatusSeeOther)
		return nil
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, pages.Chooser(pages.ChooserPage{Page: s.page(r, "Choose an organisation"), Orgs: chooserOrgs(ms)}))
}

func chooserOrgs(ms []tally.Membership) []pages.ChooserOrg {
	orgs := make([]pages.ChooserOrg, len(ms))
	for i, m := range ms {
		orgs[i] = pages.ChooserOrg{Name: m.Org.Name, Slug: m.Org.Slug, Kind: kindName(m.Org.Kind), Roles: format.Roles(m.Roles)}
	}
	return orgs
}

func kindName(k tally.OrgKind) string {
	switch k {
	case tally.SharedService:
		return "Shared procurement service"
	case tally.Partner:
		return "Partner council"
	}
	return "Supplier"
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther) // #nosec G710 -- safeNext allows only a local path
		return nil
	}
	page := s.page(r, "Sign in")
	// Signed out, but told something: a password reset ended the session.
	page.Flash = s.sessions.PopString(r.Context(), sessFlash)
	return s.render(w, r, http.StatusOK, pages.Login(loginPage(page, "", r.URL.Query().Get("next"), nil)))
}

// loginPage is the sign-in form, coming back to next (made safe here).
func loginPage(page components.Page, email, next string, errs map[string]string) pages.LoginPage {
	next = safeNext(next)
	return pages.LoginPage{Page: page, Email: email, Next: next, LinkHref: signInLinkFormPath(next), Errors: errs}
}

// handleLogin signs a person in. Wrong passwords and unknown emails take
// the same time and get the same answer. Attempts are limited (see
// signInLimits); every failure and refusal is a security event.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	email := strings.ToLower(f.text("email", "your email address", 254, true))
	password := f.password("password")
	if password == "" && f.Errs["password"] == "" {
		f.Errs.Add("password", "Enter your password")
	}
	if err := s.ssoCheck(r, email, f.Errs); err != nil { // single sign-on required (sso.go)
		return err
	}
	p := loginPage(s.page(r, "Sign in"), email, f.raw("next"), f.Errs)
	if len(f.Errs) > 0 {
		p.Title = "Error: Sign in"
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Login(p))
	}

	u, hash, err := s.store.UserByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, tally.ErrNotFound) {
		return err
	}
	// The attempt is counted before the password is checked, so a burst
	// of guesses at once is counted like one after another.
	limits := signInLimits(email, s.limitAddr(r))
	attempt, err := s.throttle(r, "sign_in_throttled", u.ID, limits)
	if err != nil {
		return err
	}
	if attempt.Refused {
		return s.tooMany(w, r, attempt.Limit, email, p.Next)
	}
	ok, err := s.hasher.Verify(r.Context(), hash, password) // an empty hash still costs a full check
	if err != nil {
		return err
	}
	if !ok {
		s.securityEvent(r, slog.LevelWarn, "sign_in_failed", u.ID)
		p.Title = "Error: Sign in"
		p.Errors = map[string]string{"email": "Enter a correct email address and password"}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Login(p))
	}
	if err := s.rightPassword(r, attempt, limits); err != nil {
		return err
	}
	if asked, err := s.secondStep(w, r, u, p.Next); asked || err != nil { // 2-step verification (twostep.go)
		return err
	}
	if err := s.signIn(r, u); err != nil {
		return err
	}
	s.logger(r).Info("signed in", "user_id", u.ID)
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

// rightPassword takes back an attempt that had the right password, and
// forgets the failures of its account and address pair: the owner has
// proved who they are there. The per-address and per-account counts keep
// their failures, so that a success does not reset a guesser's count.
func (s *Server) rightPassword(r *http.Request, attempt postgres.Attempt, limits []postgres.Limit) error {
	if err := s.store.RefundAttempt(r.Context(), attempt.At, limitKeys(limits)...); err != nil {
		return err
	}
	return s.store.ClearLoginFailures(r.Context(), limits[0].Key)
}

// tooMany answers a password attempt refused by limit l. Given the email
// typed, the page offers an emailed sign-in link, which works however
// many passwords were tried.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, l postgres.Limit, email, next string) error {
	retryAfter(w, l)
	return s.render(w, r, http.StatusTooManyRequests, pages.TooManySignIns(pages.TooManySignInsPage{
		Page: s.page(r, "Too many attempts to sign in"), Email: email, Next: next, LinkAction: signInLinkPath}))
}

// signIn starts a fresh session for u: a new token, so a token planted
// before sign-in is worthless afterwards. A disabled account (read fresh
// here) is refused with tally.ErrAccountDisabled, whatever the route; the
// session is saved at once and claimed for u (its browser and time
// recorded), so that it can be listed and ended (lifecycle.go).
func (s *Server) signIn(r *http.Request, u tally.User) error {
	u, err := s.store.User(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if u.Disabled {
		s.securityEvent(r, slog.LevelWarn, "sign_in_disabled", u.ID)
		return fmt.Errorf("sign in as user %d: %w", u.ID, tally.ErrAccountDisabled)
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessUserID, u.ID)
	s.sessions.Put(r.Context(), sessEpoch, u.SessionEpoch)
	s.sessions.Put(r.Context(), sessSeen, time.Now().Unix())
	return s.claimSession(r, u.ID)
}

// handleLogout ends the session on the server, not just in the browser.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// handleSignOutEverywhere ends every session of the signed-in user.
func (s *Server) handleSignOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if _, err := s.store.EndAllSessions(r.Context(), u.ID); err != nil {
		return err
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	s.logger(r).Info("signed out everywhere", "user_id", u.ID)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// handleAccount shows the signed-in person's account.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) error {
	p, err := s.accountPage(r, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.Account(p))
}

func (s *Server) accountPage(r *http.Request, errs map[string]string) (pages.AccountPage, error) {
	u := userFrom(r.Context())
	ms, err := s.store.Memberships(r.Context(), u.ID)
	if err != nil {
		return pages.AccountPage{}, err
	}
	emails, err := s.store.EmailChoices(r.Context(), u.ID)
	if err != nil {
		return pages.AccountPage{}, err
	}
	sessions, err := s.accountSessions(r, u) // lifecycle.go
	if err != nil {
		return pages.AccountPage{}, err
	}
	_, err = s.store.TwoStep(r.Context(), u.ID)
	if err != nil && !errors.Is(err, tally.ErrNotFound) {
		return pages.AccountPage{}, err
	}
	twoStepOn := err == nil
	title := "Your account"
	if len(errs) > 0 {
		title = "Error: " + title
	}
	return pages.AccountPage{Page: s.page(r, title), Name: u.Name, Email: u.Email, Orgs: chooserOrgs(ms), Errors: errs,
		Emails: accountEmails(ms, emails), Sessions: sessions, TwoStepOn: twoStepOn}, nil
}

// handleChangePassword changes the signed-in person's password after
// checking the current one, and signs them out everywhere else: other
// sessions carry the old epoch and end, while this one moves to the new
// epoch (with a new token) and stays signed in.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	current := f.password("current")
	if current == "" && f.Errs["current"] == "" {
		f.Errs.Add("current", "Enter your current password")
	}
	password := s.newPassword(f)
	if len(f.Errs) == 0 && password == current {
		f.Errs.Add("password", "Choose a new password that is different from your current one")
	}
	if f.Errs["current"] == "" && current != "" {
		// Counted like a sign-in, so the form cannot be used to guess a
		// password.
		limits := signInLimits(u.Email, s.limitAddr(r))
		attempt, err := s.throttle(r, "change_password_throttled", u.ID, limits)
		if err != nil {
			return err
		}
		if attempt.Refused {
			// Signed in already: the account page again, saying so.
			p, err := s.accountPage(r, tally.FormErrors{"current": "Too many wrong passwords have been tried: wait " +
				format.Count(int(attempt.Limit.Window.Minutes()), "minute", "minutes") + " and try again"})
			if err != nil {
				return err
			}
			retryAfter(w, attempt.Limit)
			return s.render(w, r, http.StatusTooManyRequests, pages.Account(p))
		}
		_, hash, err := s.store.UserByEmail(r.Context(), u.Email)
		if err != nil {
			return err
		}
		ok, err := s.hasher.Verify(r.Context(), hash, current)
		if err != nil {
			return err
		}
		if !ok {
			s.securityEvent(r, slog.LevelWarn, "change_password_failed", u.ID)
			f.Errs.Add("current", "Your current password is not correct")
		} else if err := s.rightPassword(r, attempt, limits); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		// Passwords are never sent back: every box comes back empty.
		p, err := s.accountPage(r, f.Errs)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Account(p))
	}
	hash, err := s.hasher.Hash(r.Context(), password)
	if err != nil {
		return err
	}
	epoch, err := s.store.ChangePassword(r.Context(), u.ID, hash)
	if err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessEpoch, epoch)
	if err := s.renewSession(r, true); err != nil { // lifecycle.go
		return err
	}
	s.logger(r).Info("password changed", "user_id", u.ID)
	s.flash(r, "Your password has been changed. You have been signed out everywhere else.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}
