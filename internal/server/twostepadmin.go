package server

import (
	"errors"
	"net/http"

	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// An organisation's administrators choose who there must use 2-step
// verification, and reset it for a member who has lost their app.

func (s *Server) twoStepRulePage(r *http.Request, a tally.Access, who string, errs map[string]string) pages.TwoStepRulePage {
	title := "Who must use 2-step verification"
	if len(errs) > 0 {
		title = "Error: " + title
	}
	return pages.TwoStepRulePage{Page: s.page(r, title), Action: route.Path("/o/{org}/settings/two-factor", a.Org.Slug), Who: who, Errors: errs}
}

func (s *Server) handleTwoStepRuleForm(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rule, err := s.store.TwoStepRule(r.Context(), a.Scope, a.Org.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.TwoStepRule(s.twoStepRulePage(r, a, string(rule), nil)))
}

func (s *Server) handleSaveTwoStepRule(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	allowed := make([]string, len(tally.TwoStepRules))
	for i, t := range tally.TwoStepRules {
		allowed[i] = string(t)
	}
	who := f.choice("who", "Select who must use 2-step verification", allowed...)
	if len(f.Errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.TwoStepRule(s.twoStepRulePage(r, a, f.raw("who"), f.Errs)))
	}
	if err := s.store.SetTwoStepRule(r.Context(), a.Scope, a.Org.ID, tally.TwoStepRule(who)); err != nil {
		return err
	}
	s.flash(r, "Who must use 2-step verification has been saved.")
	http.Redirect(w, r, route.Path("/o/{org}/settings/two-factor", a.Org.Slug), http.StatusSeeOther)
	return nil
}

func (s *Server) twoStepResetPage(r *http.Request, a tally.Access, m tally.Member, errs map[string]string) pages.TwoStepResetPage {
	title := "Reset 2-step verification for " + m.Name
	if len(errs) > 0 {
		title = "Error: " + title
	}
	return pages.TwoStepResetPage{Page: s.page(r, title), Back: route.Path("/o/{org}/users/{user}", a.Org.Slug, m.UserID),
		Action: route.Path("/o/{org}/users/{user}/two-factor/reset", a.Org.Slug, m.UserID), Name: m.Name, Email: m.Email, Errors: errs}
}

func (s *Server) handleTwoStepResetForm(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.TwoStepReset(s.twoStepResetPage(r, a, m, nil)))
}

// handleTwoStepReset removes a member's 2-step verification and signs them
// out everywhere; the audit log records it.
func (s *Server) handleTwoStepReset(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	// Whoever asks may not be the person: the administrator says they checked.
	if f.choice("checked", "Confirm you have checked it is really "+m.Name+" asking", "yes"); len(f.Errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.TwoStepReset(s.twoStepResetPage(r, a, m, f.Errs)))
	}
	if err := s.store.ResetTwoStep(r.Context(), a.Scope, a.Org.ID, m.UserID); err != nil {
		return err
	}
	s.logger(r).Info("2-step verification reset", "user_id", m.UserID)
	if m.UserID == userFrom(r.Context()).ID {
		// Your own sessions ended, this one with them.
		if err := s.sessions.Destroy(r.Context()); err != nil {
			return err
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	s.flash(r, m.Name+"’s 2-step verification has been reset and they have been signed out.")
	http.Redirect(w, r, route.Path("/o/{org}/users/{user}", a.Org.Slug, m.UserID), http.StatusSeeOther)
	return nil
}

// memberTwoStep says whether a member has 2-step verification on, for
// their page, and where an administrator resets it ("" for others).
func (s *Server) memberTwoStep(r *http.Request, a tally.Access, userID int64) (string, string, error) {
	_, err := s.store.TwoStep(r.Context(), userID)
	if errors.Is(err, tally.ErrNotFound) {
		return "Off", "", nil
	}
	if err != nil {
		return "", "", err
	}
	if !a.Can(admins...) {
		return "On", "", nil
	}
	return "On", route.Path("/o/{org}/users/{user}/two-factor/reset", a.Org.Slug, userID), nil
}
