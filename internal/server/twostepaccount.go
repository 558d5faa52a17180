package server

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// A person's own 2-step verification, from their account: set it up, get
// new recovery codes, turn it off (unless an organisation requires it).

func (s *Server) accountTwoStepPage(r *http.Request, errs map[string]string) (pages.AccountTwoStepPage, error) {
	u := userFrom(r.Context())
	ts, tsErr := s.store.TwoStep(r.Context(), u.ID)
	if tsErr != nil && !errors.Is(tsErr, tally.ErrNotFound) {
		return pages.AccountTwoStepPage{}, tsErr
	}
	required, err := s.store.TwoStepRequired(r.Context(), u.ID)
	if err != nil {
		return pages.AccountTwoStepPage{}, err
	}
	title := "2-step verification"
	if len(errs) > 0 {
		title = "Error: " + title
	}
	return pages.AccountTwoStepPage{Page: s.page(r, title), On: tsErr == nil, Required: required, Recovery: ts.Recovery, Errors: errs}, nil
}

func (s *Server) handleAccountTwoStep(w http.ResponseWriter, r *http.Request) error {
	p, err := s.accountTwoStepPage(r, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.AccountTwoStep(p))
}

// handleTwoStepSetupForm shows a new key to add to an authenticator app.
func (s *Server) handleTwoStepSetupForm(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if _, err := s.store.TwoStep(r.Context(), u.ID); !errors.Is(err, tally.ErrNotFound) {
		if err == nil {
			http.Redirect(w, r, "/account/two-factor", http.StatusSeeOther) // on already
		}
		return err
	}
	p, err := s.setupPage(r, *u, "/account/two-factor/setup", nil)
	if err != nil {
		return err
	}
	p.Back = "/account/two-factor"
	return s.render(w, r, http.StatusOK, pages.TwoStepSetup(p))
}

// handleTwoStepSetup turns 2-step verification on with the first code from
// the new key, and shows the recovery codes once.
func (s *Server) handleTwoStepSetup(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if _, err := s.store.TwoStep(r.Context(), u.ID); !errors.Is(err, tally.ErrNotFound) {
		if err == nil {
			http.Redirect(w, r, "/account/two-factor", http.StatusSeeOther) // on already
		}
		return err
	}
	secret, sealed, err := s.setupSecret(r, *u, false)
	if err != nil {
		return err
	}
	var step int64
	msg, status := noKeyYet, http.StatusUnprocessableEntity // the page below shows one
	if secret != "" {
		if step, msg, status, err = s.checkCode(w, r, *u, secret, 0, false, f.raw("code")); err != nil {
			return err
		}
	}
	if msg != "" {
		p, err := s.setupPage(r, *u, "/account/two-factor/setup", map[string]string{"code": msg})
		if err != nil {
			return err
		}
		p.Back, p.Code = "/account/two-factor", f.raw("code")
		return s.render(w, r, status, pages.TwoStepSetup(p))
	}
	codes, err := s.enableTwoStep(r, *u, sealed, step)
	if errors.Is(err, tally.ErrConflict) {
		http.Redirect(w, r, "/account/two-factor", http.StatusSeeOther) // on already
		return nil
	}
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.RecoveryCodes(pages.RecoveryCodesPage{Page: s.page(r, "Save your recovery codes"),
		Codes: codes, Continue: "/account/two-factor"}))
}

// currentCode checks the code the account forms ask for before a change
// to 2-step verification. It answers the request itself (and reports
// false) when the code is missing or wrong, or 2-step verification is off.
func (s *Server) currentCode(w http.ResponseWriter, r *http.Request, field string) (bool, error) {
	u := userFrom(r.Context())
	f, err := parseForm(w, r)
	if err != nil {
		return false, err
	}
	ts, err := s.store.TwoStep(r.Context(), u.ID)
	if errors.Is(err, tally.ErrNotFound) {
		// A form from before it was turned off: nothing to change.
		p, err := s.accountTwoStepPage(r, map[string]string{"state": "2-step verification is off, so there is nothing to change"})
		if err != nil {
			return false, err
		}
		return false, s.render(w, r, http.StatusConflict, pages.AccountTwoStep(p))
	}
	if err != nil {
		return false, err
	}
	secret, err := s.openKey(*u, ts.Secret)
	if err != nil {
		return false, err
	}
	_, msg, status, err := s.checkCode(w, r, *u, secret, ts.LastStep, true, f.raw(field))
	if err != nil || msg == "" {
		return err == nil, err
	}
	p, err := s.accountTwoStepPage(r, map[string]string{field: msg})
	if err != nil {
		return false, err
	}
	p.Code, p.OffCode = f.raw("code"), f.raw("off-code")
	return false, s.render(w, r, status, pages.AccountTwoStep(p))
}

// handleNewRecoveryCodes replaces the recovery codes, shown once.
func (s *Server) handleNewRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	if ok, err := s.currentCode(w, r, "code"); !ok || err != nil {
		return err
	}
	u := userFrom(r.Context())
	codes, digests, err := newRecoveryCodes()
	if err != nil {
		return err
	}
	if err := s.store.ReplaceRecoveryCodes(r.Context(), u.ID, digests); err != nil {
		return err
	}
	s.securityEvent(r, slog.LevelInfo, "recovery_codes_replaced", u.ID)
	return s.render(w, r, http.StatusOK, pages.RecoveryCodes(pages.RecoveryCodesPage{Page: s.page(r, "Save your recovery codes"),
		Codes: codes, Continue: "/account/two-factor"}))
}

// handleTurnOffTwoStep turns 2-step verification off, unless a rule of
// one of the person's organisations requires it.
func (s *Server) handleTurnOffTwoStep(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	required, err := s.store.TwoStepRequired(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if required {
		p, err := s.accountTwoStepPage(r, map[string]string{"off-code": "Your organisation requires 2-step verification for your role, so you cannot turn it off"})
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.AccountTwoStep(p))
	}
	if ok, err := s.currentCode(w, r, "off-code"); !ok || err != nil {
		return err
	}
	if err := s.store.TurnOffTwoStep(r.Context(), u.ID); err != nil {
		return err
	}
	s.securityEvent(r, slog.LevelInfo, "two_step_turned_off", u.ID)
	s.flash(r, "2-step verification is off.")
	http.Redirect(w, r, "/account/two-factor", http.StatusSeeOther)
	return nil
}
