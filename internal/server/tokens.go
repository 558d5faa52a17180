package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/internal/worker"
	"github.com/tally-sv/tally/web/pages"
)

// inviteLifetime is how long an emailed invitation works.
const inviteLifetime = 7 * 24 * time.Hour

func (s *Server) handleResetRequestForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, pages.ResetRequest(pages.ResetRequestPage{Page: s.page(r, "Reset your password")}))
}

// handleResetRequest emails a reset link. The answer is the same whether or
// not the email has an account. Requests are limited per address asked
// for and per client address.
func (s *Server) handleResetRequest(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	email := f.email("email", true)
	if err := s.ssoCheck(r, email, f.Errs); err != nil { // single sign-on required (sso.go)
		return err
	}
	if len(f.Errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.ResetRequest(pages.ResetRequestPage{
			Page: s.page(r, "Error: Reset your password"), Email: email, Errors: f.Errs}))
	}
	attempt, err := s.throttle(r, "reset_throttled", 0, emailedLinkLimits("reset", email, s.limitAddr(r), worker.ResetLifetime))
	if err != nil {
		return err
	}
	if attempt.Refused {
		retryAfter(w, attempt.Limit)
		return s.render(w, r, http.StatusTooManyRequests, pages.ResetRequest(pages.ResetRequestPage{
			Page: s.page(r, "Too many requests to reset a password"), Email: email, Throttled: true}))
	}
	if err := s.store.RequestPasswordReset(r.Context(), email); err != nil {
		return err
	}
	// Rendered, not redirected: the address stays out of URLs and logs.
	return s.render(w, r, http.StatusOK, pages.ResetRequest(pages.ResetRequestPage{
		Page: s.page(r, "Check your email"), Email: email, Sent: true}))
}

func (s *Server) handleResetForm(w http.ResponseWriter, r *http.Request) error {
	ok, err := s.store.PasswordResetValid(r.Context(), auth.TokenDigest(chi.URLParam(r, "token")))
	if err != nil {
		return err
	}
	if !ok {
		return s.resetExpired(w, r)
	}
	return s.render(w, r, http.StatusOK, pages.NewPassword(s.resetPage(r, nil)))
}

func (s *Server) resetPage(r *http.Request, errs map[string]string) pages.NewPasswordPage {
	return pages.NewPasswordPage{Page: s.page(r, "Choose a new password"), Heading: "Choose a new password",
		Intro:  "Choosing a new password signs you out of Tally everywhere.",
		Action: "/reset/" + chi.URLParam(r, "token"), Errors: errs}
}

// handleReset sets the new password, uses up the link and ends every
// session of the account.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) error {
	// A dead link says so before any complaint about the form.
	ok, err := s.store.PasswordResetValid(r.Context(), auth.TokenDigest(chi.URLParam(r, "token")))
	if err != nil {
		return err
	}
	if !ok {
		return s.resetExpired(w, r)
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	password := s.newPassword(f)
	if len(f.Errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.NewPassword(s.resetPage(r, f.Errs)))
	}
	hash, err := s.hasher.Hash(r.Context(), password)
	if err != nil {
		return err
	}
	err = s.store.ResetPassword(r.Context(), auth.TokenDigest(chi.URLParam(r, "token")), hash)
	if errors.Is(err, tally.ErrNotFound) {
		return s.resetExpired(w, r)
	}
	if err != nil {
		return err
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	// scs starts a new, signed-out session for the message.
	s.flash(r, "Your password has been changed, and every browser signed in to your account has been signed out. Sign in with your new password.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) handleInviteForm(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.store.InvitationByToken(r.Context(), auth.TokenDigest(chi.URLParam(r, "token")))
	if errors.Is(err, tally.ErrNotFound) {
		return s.inviteExpired(w, r)
	}
	if err != nil {
		return err
	}
	existing, err := s.invitee(r, inv)
	if err != nil {
		return err
	}
	if existing != 0 {
		return s.render(w, r, http.StatusOK, pages.Join(s.joinPage(r, inv)))
	}
	return s.render(w, r, http.StatusOK, pages.NewPassword(s.invitePage(r, inv.Org.Name, inv.Email, "", nil)))
}

// invitee is the id of the account the invitation's email already has, or
// 0 when it has none.
func (s *Server) invitee(r *http.Request, inv postgres.Invitation) (int64, error) {
	u, _, err := s.store.UserByEmail(r.Context(), inv.Email)
	if errors.Is(err, tally.ErrNotFound) {
		return 0, nil
	}
	return u.ID, err
}

func (s *Server) invitePage(r *http.Request, org, email, name string, errs map[string]string) pages.NewPasswordPage {
	return pages.NewPasswordPage{Page: s.page(r, "Join "+org), Heading: "Join " + org,
		Intro:  "You have been invited to Tally as " + email + ". Choose a password to finish setting up your account.",
		Action: "/invite/" + chi.URLParam(r, "token"), AskName: true, Name: name, Email: email, Errors: errs}
}

// joinPage accepts an invitation for an email that has an account already:
// only when signed in as that account.
func (s *Server) joinPage(r *http.Request, inv postgres.Invitation) pages.JoinPage {
	link := "/invite/" + chi.URLParam(r, "token")
	p := pages.JoinPage{Page: s.page(r, "Join "+inv.Org.Name), Org: inv.Org.Name, Email: inv.Email, Action: link}
	switch u := userFrom(r.Context()); {
	case u == nil:
		p.SignIn = "/login?next=" + url.QueryEscape(link)
	case u.Email != inv.Email:
		p.Other = u.Email
	}
	return p
}

// handleInvite accepts an invitation. A new person chooses a name and a
// password; a person who has an account must be signed in to it, because
// the link alone must not open everything that account can reach.
func (s *Server) handleInvite(w http.ResponseWriter, r *http.Request) error {
	digest := auth.TokenDigest(chi.URLParam(r, "token"))
	inv, err := s.store.InvitationByToken(r.Context(), digest)
	if errors.Is(err, tally.ErrNotFound) {
		return s.inviteExpired(w, r)
	}
	if err != nil {
		return err
	}
	existing, err := s.invitee(r, inv)
	if err != nil {
		return err
	}
	var u tally.User
	if existing != 0 {
		if me := userFrom(r.Context()); me == nil || me.ID != existing {
			return s.render(w, r, http.StatusForbidden, pages.Join(s.joinPage(r, inv)))
		}
		u, err = s.store.AcceptInvitation(r.Context(), digest, existing, "", "")
	} else {
		f, ferr := parseForm(w, r)
		if ferr != nil {
			return ferr
		}
		name := f.text("name", "your full name", 200, true)
		password := s.newPassword(f)
		if len(f.Errs) > 0 {
			return s.render(w, r, http.StatusUnprocessableEntity, pages.NewPassword(s.invitePage(r, inv.Org.Name, inv.Email, name, f.Errs)))
		}
		hash, herr := s.hasher.Hash(r.Context(), password)
		if herr != nil {
			return herr
		}
		u, err = s.store.AcceptInvitation(r.Context(), digest, 0, name, hash)
		if errors.Is(err, tally.ErrConflict) {
			// The email gained an account since the form was shown.
			return s.render(w, r, http.StatusConflict, pages.Join(s.joinPage(r, inv)))
		}
	}
	if errors.Is(err, tally.ErrNotFound) {
		return s.inviteExpired(w, r)
	}
	if err != nil {
		return err
	}
	// A new account's first sign-in: where a rule asks for 2-step
	// verification, it is set up first (twostep.go).
	if existing == 0 {
		if asked, err := s.secondStep(w, r, u, route.Path("/o/{org}", inv.Org.Slug)); asked || err != nil {
			return err
		}
	}
	// A new session token either way: new account, or new privileges.
	if err := s.signIn(r, u); err != nil {
		return err
	}
	s.flash(r, "Welcome to "+inv.Org.Name+".")
	http.Redirect(w, r, route.Path("/o/{org}", inv.Org.Slug), http.StatusSeeOther)
	return nil
}

// resetExpired answers a dead reset link with a way to get a new one.
func (s *Server) resetExpired(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusNotFound, pages.LinkExpired(pages.LinkExpiredPage{Page: s.page(r, "This link has expired"),
		What: "password reset", Again: "Links to choose a new password work once, for 1 hour. You can ask for a new one.", NewLinkHref: "/password-reset"}))
}

// inviteExpired answers a dead invitation link. When the link was a real
// invitation, the page offers to ask the organisation for a new one.
func (s *Server) inviteExpired(w http.ResponseWriter, r *http.Request) error {
	p := pages.LinkExpiredPage{Page: s.page(r, "This link has expired"), What: "invitation",
		Again: "Invitations work once, for 7 days. Ask your administrator to invite you again."}
	inv, err := s.store.DeadInvitation(r.Context(), auth.TokenDigest(chi.URLParam(r, "token")))
	switch {
	case errors.Is(err, tally.ErrNotFound):
	case err != nil:
		return err
	default:
		p.Again = "Invitations work once, for 7 days. " + inv.InvitedBy + " invited you to " + inv.Org.Name + "."
		p.AskAction, p.AskOrg = route.Path("/invite/{token}/again", chi.URLParam(r, "token")), inv.Org.Name
	}
	return s.render(w, r, http.StatusNotFound, pages.LinkExpired(p))
}

// handleInviteAgain asks the organisation of a dead invitation for a new
// one: a message to its people and an email to whoever sent it. It is
// throttled per link, and a live or unknown link gets the usual answers.
func (s *Server) handleInviteAgain(w http.ResponseWriter, r *http.Request) error {
	digest := auth.TokenDigest(chi.URLParam(r, "token"))
	if _, err := s.store.InvitationByToken(r.Context(), digest); err == nil {
		http.Redirect(w, r, "/invite/"+chi.URLParam(r, "token"), http.StatusSeeOther) // #nosec G710 -- a local path under /invite/, for a token that was found
		return nil
	}
	inv, err := s.store.DeadInvitation(r.Context(), digest)
	if errors.Is(err, tally.ErrNotFound) {
		return s.inviteExpired(w, r)
	}
	if err != nil {
		return err
	}
	// The inviter is asked at most three times a day per dead link; after
	// that the answer is the same, and nobody is emailed again.
	attempt, err := s.throttle(r, "ask_again_throttled", 0, []postgres.Limit{
		{Name: "dead link", Key: fmt.Sprintf("again:%x", digest), Max: 3, Window: 24 * time.Hour}})
	if err != nil {
		return err
	}
	if !attempt.Refused {
		link := route.WithQuery(route.Path("/o/{org}/users", inv.Org.Slug), url.Values{"invite": {inv.Email}})
		if err := s.store.Tell(r.Context(), tally.Scope{OrgIDs: []int64{inv.Org.ID}}, notify.InvitationAskedAgain(inv.Email, inv.Org, inv.ID, link)); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, pages.LinkExpired(pages.LinkExpiredPage{Page: s.page(r, "We have asked for a new invitation"),
		Asked: true, AskOrg: inv.Org.Name}))
}
