package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// handleRegisterConfirmForm answers the emailed registration link with the
// details to check and a form to choose a password, which finishes
// registering. Opening the link changes nothing, so a mail scanner that
// fetches it neither uses it up nor signs itself in. The page names the
// person and the organisation: no cache keeps it.
func (s *Server) handleRegisterConfirmForm(w http.ResponseWriter, r *http.Request) error {
	reg, account, err := s.store.PendingRegistration(r.Context(), auth.TokenDigest(chi.URLParam(r, "token")))
	if errors.Is(err, tally.ErrNotFound) {
		return s.registrationExpired(w, r)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	p := s.confirmPage(r, reg)
	p.Account = account // no password to choose: point to signing in
	return s.render(w, r, http.StatusOK, pages.RegisterConfirm(p))
}

// handleRegisterConfirm uses the registration link once: with the password
// chosen on its page it creates the organisation and its first user from
// the waiting registration, signs them in and shows where they count as
// local. A password that will not do shows the page again with the error
// (the link stays unused). An organisation registered meanwhile points to
// joining it, as the form does; an email that gained an account meanwhile
// points to signing in.
func (s *Server) handleRegisterConfirm(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	digest := auth.TokenDigest(chi.URLParam(r, "token"))
	reg, _, err := s.store.PendingRegistration(r.Context(), digest)
	if errors.Is(err, tally.ErrNotFound) {
		return s.registrationExpired(w, r)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	password := s.newPassword(f)
	if len(f.Errs) > 0 {
		p := s.confirmPage(r, reg)
		p.Title = "Error: " + p.Title
		p.Errors = f.Errs
		return s.render(w, r, http.StatusUnprocessableEntity, pages.RegisterConfirm(p))
	}
	in := pages.RegisterForm{OrgName: reg.Name, CompanyNumber: reg.CompanyNumber, Postcode: reg.Postcode.String(),
		Size: reg.Size, VCSE: reg.VCSE, Name: reg.UserName, Email: reg.Email}
	errs := tally.FormErrors{}
	existing, err := s.registeredAlready(r, in, reg.CompanyNumber, errs)
	if err != nil {
		return err
	}
	if existing != "" {
		return s.render(w, r, http.StatusConflict, pages.Register(pages.RegisterPage{
			Page: s.page(r, "Error: Register your organisation"), Form: in, Errors: errs, Existing: existing}))
	}
	hash, err := s.hasher.Hash(r.Context(), password)
	if err != nil {
		return err
	}
	u, org, err := s.store.ConfirmRegistration(r.Context(), digest, hash)
	switch {
	case errors.Is(err, tally.ErrNotFound):
		return s.registrationExpired(w, r)
	case errors.Is(err, tally.ErrConflict):
		p := s.confirmPage(r, reg)
		p.Account = true
		return s.render(w, r, http.StatusConflict, pages.RegisterConfirm(p))
	case errors.Is(err, postgres.ErrSlugTaken):
		// Another organisation took the same URL name at the same
		// moment; nothing changed, so trying again works.
		p := s.confirmPage(r, reg)
		p.Title = "Error: " + p.Title
		p.Errors = tally.FormErrors{"password": "Another organisation was registered at the same moment: choose your password again to finish registering"}
		return s.render(w, r, http.StatusConflict, pages.RegisterConfirm(p))
	case err != nil:
		return err
	}
	if err := s.signIn(r, u); err != nil {
		return err
	}
	s.flash(r, "Your organisation is registered. You can now bid for opportunities.")
	http.Redirect(w, r, route.Path("/o/{org}", org.Slug), http.StatusSeeOther)
	return nil
}

func (s *Server) confirmPage(r *http.Request, reg postgres.Registration) pages.RegisterConfirmPage {
	return pages.RegisterConfirmPage{Page: s.page(r, "Finish registering "+reg.Name),
		Details: pages.RegisterForm{OrgName: reg.Name, CompanyNumber: reg.CompanyNumber, Postcode: reg.Postcode.String(),
			Size: reg.Size, VCSE: reg.VCSE, Name: reg.UserName, Email: reg.Email},
		Action: route.Path("/register/confirm/{token}", chi.URLParam(r, "token"))}
}

// registrationExpired answers a dead registration link with a way to
// register again.
func (s *Server) registrationExpired(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusNotFound, pages.LinkExpired(pages.LinkExpiredPage{Page: s.page(r, "This link has expired"),
		What: "registration", Again: "Links to finish registering work once, for 24 hours. You can register again.", RegisterHref: "/register"}))
}
