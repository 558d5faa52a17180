package server

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/mfa"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// 2-step verification at sign-in (issue 18). After the password (or an
// emailed link, which is one factor too), a person with 2-step
// verification on, or whom an organisation's rule requires to use it, is
// not signed in yet: the session holds only a pending step, which no
// signed-in page accepts (loadUser reads sessUserID alone), and they are
// asked for a security code, or to set 2-step verification up first.

// Session keys of the pending step.
const (
	sessPendingUser  = "pending_user"
	sessPendingEpoch = "pending_epoch"
	sessPendingNext  = "pending_next"
	sessPendingAt    = "pending_at" // when the first factor was passed, Unix seconds
	// A key being set up, sealed: it is stored for the person only once a
	// code has proved it, so pages that show it write nothing.
	sessSetupKey = "totp_setup"
)

const (
	pendingLifetime = 10 * time.Minute // to type a code after the password
	maxCodeFailures = 5                // wrong codes per person within codeWindow
	codeWindow      = 15 * time.Minute
)

// codeLimits limit wrong security and recovery codes for a person, from
// anywhere: 5 in 15 minutes, far too few to guess a 6-digit code.
func codeLimits(userID int64) []postgres.Limit {
	return []postgres.Limit{{Name: "person", Key: fmt.Sprintf("twostep:user:%d", userID), Max: maxCodeFailures, Window: codeWindow}}
}

// secondStep starts the second step of signing in u, going on to next
// afterwards, when u needs one. It reports whether it did (and answered
// the request). A disabled account gets none: the caller's s.signIn
// refuses it (and s.signIn checks again when the second step ends).
func (s *Server) secondStep(w http.ResponseWriter, r *http.Request, u tally.User, next string) (bool, error) {
	if fresh, err := s.store.User(r.Context(), u.ID); err != nil || fresh.Disabled {
		return false, err
	}
	_, err := s.store.TwoStep(r.Context(), u.ID)
	switch {
	case err == nil:
	case !errors.Is(err, tally.ErrNotFound):
		return false, err
	default:
		required, err := s.store.TwoStepRequired(r.Context(), u.ID)
		if err != nil || !required {
			return false, err
		}
	}
	// A new token: what was planted before the password is worthless. No
	// one is signed in here until the second step is passed.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return false, err
	}
	s.sessions.Remove(r.Context(), sessUserID)
	s.sessions.Remove(r.Context(), sessEpoch)
	s.sessions.Put(r.Context(), sessPendingUser, u.ID)
	s.sessions.Put(r.Context(), sessPendingEpoch, u.SessionEpoch)
	s.sessions.Put(r.Context(), sessPendingNext, next)
	s.sessions.Put(r.Context(), sessPendingAt, time.Now().Unix())
	http.Redirect(w, r, "/login/code", http.StatusSeeOther)
	return true, nil
}

// pendingUser is the person half way through signing in, and where they
// are going, or false when there is none (or it has expired, or their
// sessions have been ended since).
func (s *Server) pendingUser(r *http.Request) (tally.User, string, bool, error) {
	ctx := r.Context()
	id := s.sessions.GetInt64(ctx, sessPendingUser)
	if id == 0 {
		return tally.User{}, "", false, nil
	}
	started := time.Unix(s.sessions.GetInt64(ctx, sessPendingAt), 0)
	u, err := s.store.User(ctx, id)
	if errors.Is(err, tally.ErrNotFound) || (err == nil && (u.SessionEpoch != s.sessions.GetInt(ctx, sessPendingEpoch) || time.Since(started) > pendingLifetime)) {
		s.endPending(r)
		return tally.User{}, "", false, nil
	}
	if err != nil {
		return tally.User{}, "", false, err
	}
	return u, safeNext(s.sessions.GetString(ctx, sessPendingNext)), true, nil
}

func (s *Server) endPending(r *http.Request) {
	for _, k := range []string{sessPendingUser, sessPendingEpoch, sessPendingNext, sessPendingAt} {
		s.sessions.Remove(r.Context(), k)
	}
}

// pendingOrLogin answers a second-step page with no pending step: to the
// home page when signed in, else a page asking to sign in again.
func (s *Server) pendingOrLogin(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusForbidden, pages.SignInAgain(s.page(r, "Sign in again")))
}

// finishSignIn ends the pending step and signs u in. Its error (a disabled
// account, for one) goes back unchanged for errors.go to answer.
func (s *Server) finishSignIn(r *http.Request, u tally.User, how string) error {
	s.endPending(r)
	if err := s.signIn(r, u); err != nil {
		return err
	}
	s.securityEvent(r, slog.LevelInfo, how, u.ID)
	s.logger(r).Info("signed in", "user_id", u.ID)
	return nil
}

// handleSecondStepForm asks for the security code, or sets 2-step
// verification up when the person must use it and has not yet.
func (s *Server) handleSecondStepForm(w http.ResponseWriter, r *http.Request) error {
	u, _, ok, err := s.pendingUser(r)
	if err != nil || !ok {
		if err != nil {
			return err
		}
		return s.pendingOrLogin(w, r)
	}
	w.Header().Set("Cache-Control", "no-store")
	_, err = s.store.TwoStep(r.Context(), u.ID)
	if err != nil && !errors.Is(err, tally.ErrNotFound) {
		return err
	}
	if err == nil {
		return s.render(w, r, http.StatusOK, pages.TwoStepCode(pages.TwoStepCodePage{Page: s.page(r, "Enter your security code")}))
	}
	p, err := s.setupPage(r, u, "/login/code", nil)
	if err != nil {
		return err
	}
	p.Required = true
	return s.render(w, r, http.StatusOK, pages.TwoStepSetup(p))
}

// handleSecondStep checks the security code, or the first code of the key
// being set up, and signs the person in.
func (s *Server) handleSecondStep(w http.ResponseWriter, r *http.Request) error {
	u, next, ok, err := s.pendingUser(r)
	if err != nil || !ok {
		if err != nil {
			return err
		}
		return s.pendingOrLogin(w, r)
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	ts, err := s.store.TwoStep(r.Context(), u.ID)
	on := err == nil
	if err != nil && !errors.Is(err, tally.ErrNotFound) {
		return err
	}
	var secret, msg string
	var sealed []byte
	var step int64
	status := http.StatusUnprocessableEntity
	if on {
		secret, err = s.openKey(u, ts.Secret)
	} else {
		secret, sealed, err = s.setupSecret(r, u, false)
		if secret == "" {
			msg = noKeyYet // the page below shows one
		}
	}
	if err != nil {
		return err
	}
	if msg == "" {
		if step, msg, status, err = s.checkCode(w, r, u, secret, ts.LastStep, on, f.raw("code")); err != nil {
			return err
		}
	}
	if msg != "" {
		errs := map[string]string{"code": msg}
		if on {
			return s.render(w, r, status, pages.TwoStepCode(pages.TwoStepCodePage{Page: s.page(r, "Error: Enter your security code"),
				Code: f.raw("code"), Errors: errs}))
		}
		p, err := s.setupPage(r, u, "/login/code", errs)
		if err != nil {
			return err
		}
		p.Required, p.Code = true, f.raw("code")
		return s.render(w, r, status, pages.TwoStepSetup(p))
	}
	if on {
		if err := s.finishSignIn(r, u, "two_step_passed"); err != nil {
			return err
		}
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- pendingUser made next safe (safeNext)
		return nil
	}
	codes, err := s.enableTwoStep(r, u, sealed, step)
	if errors.Is(err, tally.ErrConflict) {
		http.Redirect(w, r, "/login/code", http.StatusSeeOther) // turned on meanwhile: ask for a code
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.finishSignIn(r, u, "two_step_set_up"); err != nil {
		return err
	}
	// Rendered, not redirected: the codes are shown this once.
	return s.render(w, r, http.StatusOK, pages.RecoveryCodes(pages.RecoveryCodesPage{Page: s.page(r, "Save your recovery codes"), Codes: codes, Continue: next}))
}

// checkCode checks a security code typed by u against secret, their key
// (on: in use, whose last step used was lastStep) or one being set up,
// counting it against codeLimits and, for a key in use, using its time
// step up when it is right. It returns the step, or a message for the
// code box and the status to answer with.
func (s *Server) checkCode(w http.ResponseWriter, r *http.Request, u tally.User, secret string, lastStep int64, on bool, code string) (int64, string, int, error) {
	if mfa.NormaliseCode(code) == "" {
		return 0, "Enter the 6-digit security code from your authenticator app", http.StatusUnprocessableEntity, nil
	}
	attempt, err := s.throttle(r, "two_step_throttled", u.ID, codeLimits(u.ID))
	if err != nil {
		return 0, "", 0, err
	}
	if attempt.Refused {
		retryAfter(w, attempt.Limit)
		return 0, tooManyCodes(attempt.Limit), http.StatusTooManyRequests, nil
	}
	step, err := mfa.Check(secret, code, time.Now(), lastStep)
	if err == nil {
		if on {
			err = s.store.UseTwoStepCode(r.Context(), u.ID, step)
			if errors.Is(err, tally.ErrConflict) {
				err = mfa.ErrReused // a request with the same code won
			}
		}
	}
	switch {
	case errors.Is(err, mfa.ErrWrongCode):
		s.securityEvent(r, slog.LevelWarn, "two_step_failed", u.ID)
		return 0, "The security code is not right: check your authenticator app and try again", http.StatusUnprocessableEntity, nil
	case errors.Is(err, mfa.ErrReused):
		s.securityEvent(r, slog.LevelWarn, "two_step_code_reused", u.ID)
		return 0, "That security code has been used already: wait for the next one in your authenticator app", http.StatusUnprocessableEntity, nil
	case err != nil:
		return 0, "", 0, err
	}
	if err := s.store.RefundAttempt(r.Context(), attempt.At, limitKeys(codeLimits(u.ID))...); err != nil {
		return 0, "", 0, err
	}
	return step, "", 0, s.store.ClearLoginFailures(r.Context(), codeLimits(u.ID)[0].Key)
}

// noKeyYet answers a code for a key being set up when there is none (the
// session has moved on): the page shows a new one.
const noKeyYet = "Add Tally to your authenticator app with the QR code or key on this page, then enter the 6-digit security code it shows"

func tooManyCodes(l postgres.Limit) string {
	return "Too many wrong codes have been tried: wait " + format.Count(int(l.Window.Minutes()), "minute", "minutes") + " and try again"
}

// totpLabel binds a sealed key to its owner: a key copied to another
// person's row does not open.
func totpLabel(userID int64) string { return fmt.Sprintf("totp:user:%d", userID) }

// enableTwoStep turns 2-step verification on for u with the key being set
// up (sealed), proved by the code of step, and returns their new recovery
// codes. It is tally.ErrConflict when it is on already.
func (s *Server) enableTwoStep(r *http.Request, u tally.User, sealed []byte, step int64) ([]string, error) {
	codes, digests, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	if err := s.store.EnableTwoStep(r.Context(), u.ID, sealed, step, digests); err != nil {
		return nil, err
	}
	s.sessions.Remove(r.Context(), sessSetupKey)
	s.securityEvent(r, slog.LevelInfo, "two_step_turned_on", u.ID)
	return codes, nil
}

func newRecoveryCodes() ([]string, [][]byte, error) {
	codes, err := mfa.NewRecoveryCodes()
	if err != nil {
		return nil, nil, err
	}
	digests := make([][]byte, len(codes))
	for i, c := range codes {
		digests[i] = mfa.HashRecoveryCode(c)
	}
	return codes, digests, nil
}

// openKey opens u's sealed key.
func (s *Server) openKey(u tally.User, sealed []byte) (string, error) {
	b, err := s.secrets.Open(sealed, totpLabel(u.ID))
	return string(b), err
}

// setupSecret is the key u is setting up, kept sealed in the session
// until a code proves it, and its sealed form. When there is none (or it
// is someone else's, from an earlier sign-in in this browser), create
// makes a new one; otherwise the secret is "".
func (s *Server) setupSecret(r *http.Request, u tally.User, create bool) (string, []byte, error) {
	// Kept as base64: the session codec holds strings, not bytes.
	if sealed, err := base64.StdEncoding.DecodeString(s.sessions.GetString(r.Context(), sessSetupKey)); err == nil && len(sealed) > 0 {
		if secret, err := s.openKey(u, sealed); err == nil {
			return secret, sealed, nil
		}
	}
	if !create {
		return "", nil, nil
	}
	k, err := mfa.NewKey(u.Email)
	if err != nil {
		return "", nil, err
	}
	sealed, err := s.secrets.Seal([]byte(k.Secret), totpLabel(u.ID))
	if err != nil {
		return "", nil, err
	}
	s.sessions.Put(r.Context(), sessSetupKey, base64.StdEncoding.EncodeToString(sealed))
	return k.Secret, sealed, nil
}

// setupPage shows the key u is setting up, making one when there is none.
func (s *Server) setupPage(r *http.Request, u tally.User, action string, errs map[string]string) (pages.TwoStepSetupPage, error) {
	secret, _, err := s.setupSecret(r, u, true)
	if err != nil {
		return pages.TwoStepSetupPage{}, err
	}
	qr, err := mfa.QRCode(mfa.URL(secret, u.Email))
	if err != nil {
		return pages.TwoStepSetupPage{}, err
	}
	title := "Set up 2-step verification"
	if len(errs) > 0 {
		title = "Error: " + title
	}
	return pages.TwoStepSetupPage{Page: s.page(r, title), Action: action, QRCode: qr, Key: mfa.Grouped(secret), Errors: errs}, nil
}

func (s *Server) handleRecoveryCodeForm(w http.ResponseWriter, r *http.Request) error {
	if _, _, ok, err := s.pendingUser(r); err != nil || !ok {
		if err != nil {
			return err
		}
		return s.pendingOrLogin(w, r)
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, pages.TwoStepCode(pages.TwoStepCodePage{Page: s.page(r, "Enter a recovery code"), Recovery: true}))
}

// handleRecoveryCode signs the person in with a recovery code instead of a
// security code. Each code works once; wrong ones count against the same
// limit as wrong security codes.
func (s *Server) handleRecoveryCode(w http.ResponseWriter, r *http.Request) error {
	u, next, ok, err := s.pendingUser(r)
	if err != nil || !ok {
		if err != nil {
			return err
		}
		return s.pendingOrLogin(w, r)
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	fail := func(status int, msg string) error {
		return s.render(w, r, status, pages.TwoStepCode(pages.TwoStepCodePage{Page: s.page(r, "Error: Enter a recovery code"), Recovery: true,
			Code: f.raw("code"), Errors: map[string]string{"code": msg}}))
	}
	code := f.raw("code")
	if mfa.NormaliseRecoveryCode(code) == "" {
		return fail(http.StatusUnprocessableEntity, "Enter one of your recovery codes")
	}
	attempt, err := s.throttle(r, "two_step_throttled", u.ID, codeLimits(u.ID))
	if err != nil {
		return err
	}
	if attempt.Refused {
		retryAfter(w, attempt.Limit)
		return fail(http.StatusTooManyRequests, tooManyCodes(attempt.Limit))
	}
	digests, err := s.store.RecoveryCodeDigests(r.Context(), u.ID)
	if err != nil {
		return err
	}
	i := mfa.MatchRecoveryCode(code, digests)
	if i >= 0 {
		err = s.store.UseRecoveryCode(r.Context(), u.ID, digests[i])
	}
	if i < 0 || errors.Is(err, tally.ErrNotFound) {
		s.securityEvent(r, slog.LevelWarn, "recovery_code_failed", u.ID)
		return fail(http.StatusUnprocessableEntity, "The recovery code is not right, or has been used already")
	}
	if err != nil {
		return err
	}
	if err := s.store.RefundAttempt(r.Context(), attempt.At, limitKeys(codeLimits(u.ID))...); err != nil {
		return err
	}
	if err := s.store.ClearLoginFailures(r.Context(), codeLimits(u.ID)[0].Key); err != nil {
		return err
	}
	if err := s.finishSignIn(r, u, "recovery_code_used"); err != nil {
		return err
	}
	left := len(digests) - 1
	s.flash(r, "You signed in with a recovery code. You have "+format.Count(left, "recovery code", "recovery codes")+
		" left: you can get new ones from your account.")
	http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- pendingUser made next safe (safeNext)
	return nil
}
