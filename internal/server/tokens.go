package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/mail"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// Emailed links: password resets and invitations.
const (
	resetLifetime  = time.Hour
	inviteLifetime = 7 * 24 * time.Hour
)

func (s *Server) handleResetRequestForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, pages.ResetRequest(pages.ResetRequestPage{Page: s.page(r, "Reset your password")}))
}

// handleResetRequest emails a reset link. The answer is the same whether or
// not the email has an account.
func (s *Server) handleResetRequest(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	email := f.email("email", true)
	if len(f.Errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.ResetRequest(pages.ResetRequestPage{
			Page: s.page(r, "Error: Reset your password"), Email: email, Errors: f.Errs}))
	}
	token, digest := auth.NewToken()
	u, found, err := s.store.StartPasswordReset(r.Context(), email, digest, time.Now().Add(resetLifetime))
	if err != nil {
		return err
	}
	if found {
		s.send(r.Context(), mail.Message{To: u.Email, Subject: "Reset your Tally password", Body: fmt.Sprintf(
			"Hello %s,\n\nUse this link to choose a new password for Tally. It works once, for 1 hour:\n\n%s/reset/%s\n\n"+
				"If you did not ask for this, you can ignore this email: your password has not changed.\n", u.Name, s.cfg.BaseURL, token)})
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
		return s.linkExpired(w, r, "password reset", "You can ask for a new one.")
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
		return s.linkExpired(w, r, "password reset", "You can ask for a new one.")
	}
	if err != nil {
		return err
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) handleInviteForm(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.store.InvitationByToken(r.Context(), auth.TokenDigest(chi.URLParam(r, "token")))
	if errors.Is(err, tally.ErrNotFound) {
		return s.linkExpired(w, r, "invitation", "Ask your administrator to invite you again.")
	}
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.NewPassword(s.invitePage(r, inv.Org.Name, inv.Email, "", nil)))
}

func (s *Server) invitePage(r *http.Request, org, email, name string, errs map[string]string) pages.NewPasswordPage {
	return pages.NewPasswordPage{Page: s.page(r, "Join "+org), Heading: "Join " + org,
		Intro:  "You have been invited to Tally as " + email + ". Choose a password to finish setting up your account.",
		Action: "/invite/" + chi.URLParam(r, "token"), AskName: true, Name: name, Email: email, Errors: errs}
}

// handleInvite accepts an invitation: it creates the account and the role.
func (s *Server) handleInvite(w http.ResponseWriter, r *http.Request) error {
	digest := auth.TokenDigest(chi.URLParam(r, "token"))
	inv, err := s.store.InvitationByToken(r.Context(), digest)
	if errors.Is(err, tally.ErrNotFound) {
		return s.linkExpired(w, r, "invitation", "Ask your administrator to invite you again.")
	}
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	name := f.text("name", "your full name", 200, true)
	password := s.newPassword(f)
	if len(f.Errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.NewPassword(s.invitePage(r, inv.Org.Name, inv.Email, name, f.Errs)))
	}
	hash, err := s.hasher.Hash(r.Context(), password)
	if err != nil {
		return err
	}
	u, err := s.store.AcceptInvitation(r.Context(), digest, name, hash)
	if errors.Is(err, tally.ErrNotFound) {
		return s.linkExpired(w, r, "invitation", "Ask your administrator to invite you again.")
	}
	if err != nil {
		return err
	}
	if err := s.signIn(r, u); err != nil {
		return err
	}
	s.flash(r, "Welcome to "+inv.Org.Name+".")
	http.Redirect(w, r, "/o/"+inv.Org.Slug, http.StatusSeeOther)
	return nil
}

func (s *Server) linkExpired(w http.ResponseWriter, r *http.Request, what, again string) error {
	return s.render(w, r, http.StatusNotFound, pages.LinkExpired(s.page(r, "This link has expired"), what, again))
}

// send emails m, logging (not failing the request) when delivery fails.
func (s *Server) send(ctx context.Context, m mail.Message) {
	if err := s.mail.Send(ctx, m); err != nil {
		s.log.Error("send email", "err", err.Error(), "subject", m.Subject)
	}
}
