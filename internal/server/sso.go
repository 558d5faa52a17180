package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// Single sign-on with an organisation's OpenID Connect provider (issue
// 18): the authorization code flow with PKCE, its state and nonce kept in
// the session until the provider sends the browser back. The verified
// email must be in the organisation's domains and belong to a Tally
// account; a pending invitation to the organisation is accepted on the
// way. Every failure is a security event and a plain page.

const (
	ssoPath         = "/login/sso"
	ssoCallbackPath = "/login/sso/callback"

	sessSSOState    = "sso_state"
	sessSSONonce    = "sso_nonce"
	sessSSOVerifier = "sso_verifier"
	sessSSOOrg      = "sso_org"
	sessSSONext     = "sso_next"

	// ssoTimeout bounds each talk with a provider: discovery, and the
	// code's exchange with the keys' fetch.
	ssoTimeout = 10 * time.Second
)

// ssoHTTP is the client for providers: no request to one waits past
// ssoTimeout.
var ssoHTTP = &http.Client{Timeout: ssoTimeout}

// ssoRedirectURI is where providers send the browser back: the address to
// register with them.
func (s *Server) ssoRedirectURI() string { return s.cfg.BaseURL + ssoCallbackPath }

// ssoScopes are the scopes Tally asks for: who the person is and their
// email.
var ssoScopes = []string{oidc.ScopeOpenID, "email", "profile"}

func (s *Server) handleSSOForm(w http.ResponseWriter, r *http.Request) error {
	next := linkNext(r.URL.Query().Get("next"))
	if userFrom(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- linkNext allows only a local path
		return nil
	}
	return s.render(w, r, http.StatusOK, pages.SSOStart(pages.SSOStartPage{Page: s.page(r, "Sign in with your council account"), Next: next}))
}

// handleSSOStart finds the organisation whose provider covers the work
// email's domain, keeps the flow's secrets in the session and sends the
// browser to the provider.
func (s *Server) handleSSOStart(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	p := pages.SSOStartPage{Page: s.page(r, "Sign in with your council account"), Email: f.email("email", true),
		Next: linkNext(f.raw("next")), Errors: f.Errs}
	// Each start may ask a provider for its discovery document: limited
	// per client address, so Tally cannot be used to flood a provider.
	attempt, err := s.throttle(r, "sso_start_throttled", 0, ssoStartLimits(s.limitAddr(r)))
	if err != nil {
		return err
	}
	if attempt.Refused {
		retryAfter(w, attempt.Limit)
		f.Errs.Add("email", "There have been too many attempts to sign in with a council account from here: wait 15 minutes and try again")
		p.Title = "Error: " + p.Title
		return s.render(w, r, http.StatusTooManyRequests, pages.SSOStart(p))
	}
	var st tally.SSOSettings
	if len(f.Errs) == 0 {
		st, err = s.store.SSOForDomain(r.Context(), tally.EmailDomain(p.Email))
		if errors.Is(err, tally.ErrNotFound) {
			f.Errs.Add("email", "Single sign-on is not set up for email addresses ending @"+tally.EmailDomain(p.Email)+
				". Sign in with your password or an emailed link instead")
		} else if err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		p.Title = "Error: " + p.Title
		return s.render(w, r, http.StatusUnprocessableEntity, pages.SSOStart(p))
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(r.Context(), ssoHTTP), ssoTimeout)
	defer cancel()
	provider, err := oidc.NewProvider(ctx, st.Issuer)
	if err != nil {
		s.securityEvent(r, slog.LevelWarn, "sso_discovery_failed", 0, slog.Int64("org_id", st.OrgID), slog.String("err", err.Error()))
		return s.ssoProblem(w, r, http.StatusBadGateway, "Your council’s sign-in cannot be reached",
			"Tally could not reach your council’s sign-in service just now. Try again in a few minutes, or sign in another way.")
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	sm := s.sessions
	sm.Put(r.Context(), sessSSOState, state)
	sm.Put(r.Context(), sessSSONonce, nonce)
	sm.Put(r.Context(), sessSSOVerifier, verifier)
	sm.Put(r.Context(), sessSSOOrg, st.OrgID)
	sm.Put(r.Context(), sessSSONext, p.Next)
	cfg := oauth2.Config{ClientID: st.ClientID, Endpoint: provider.Endpoint(), RedirectURL: s.ssoRedirectURI(), Scopes: ssoScopes}
	href := cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("login_hint", p.Email))
	s.securityEvent(r, slog.LevelInfo, "sso_started", 0, slog.Int64("org_id", st.OrgID))
	// A page that moves on by itself rather than a redirect: the CSP's
	// form-action 'self' would stop some browsers following a redirect
	// from this form's POST to another site.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Refresh", "0; url="+href)
	return s.render(w, r, http.StatusOK, pages.SSOContinue(pages.SSOContinuePage{Page: s.page(r, "Continue to your council’s sign-in"), Href: href}))
}

// ssoStartLimits limit starts of single sign-on from a client address.
func ssoStartLimits(addr string) []postgres.Limit {
	return []postgres.Limit{{Name: "address", Key: "sso:addr:" + addr, Max: 30, Window: 15 * time.Minute}}
}

// ssoFlow is what the session kept between the start and the callback.
type ssoFlow struct {
	state, nonce, verifier, next string
	orgID                        int64
}

// popSSOFlow takes the flow's values out of the session: each start is
// good for one callback.
func (s *Server) popSSOFlow(r *http.Request) ssoFlow {
	ctx, sm := r.Context(), s.sessions
	f := ssoFlow{state: sm.PopString(ctx, sessSSOState), nonce: sm.PopString(ctx, sessSSONonce),
		verifier: sm.PopString(ctx, sessSSOVerifier), next: sm.PopString(ctx, sessSSONext)}
	f.orgID, _ = sm.Pop(ctx, sessSSOOrg).(int64)
	return f
}

// ssoClaims are the ID token's claims Tally reads. email_verified and
// xms_edov are true or "true" depending on the provider.
type ssoClaims struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	EntraVerified any    `json:"xms_edov"`
	Name          string `json:"name"`
}

func truthy(v any) bool { return v == true || v == "true" || v == "True" }

// emailVerified says whether the provider vouches for the email: the
// standard email_verified claim, or for Microsoft Entra ID, which leaves it
// out, its optional xms_edov claim ("email domain owner verified").
func (c ssoClaims) emailVerified(issuer string) bool {
	if truthy(c.EmailVerified) {
		return true
	}
	u, err := url.Parse(issuer)
	return err == nil && u.Hostname() == "login.microsoftonline.com" && truthy(c.EntraVerified)
}

// handleSSOCallback is where the provider sends the browser back. It
// checks the state, exchanges the code with the PKCE verifier, verifies
// the ID token and its nonce, and signs in the account with the verified
// email.
func (s *Server) handleSSOCallback(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if !q.Has("state") && !q.Has("code") && !q.Has("error") {
		// No provider's answer: someone opened the address itself (a
		// bookmark, the back button). Offer to start, and leave any
		// sign-in under way as it is.
		return s.handleSSOForm(w, r)
	}
	flow := s.popSSOFlow(r)
	fail := func(event, heading, message string, attrs ...slog.Attr) error {
		s.securityEvent(r, slog.LevelWarn, event, 0, append(attrs, slog.Int64("org_id", flow.orgID))...)
		return s.ssoProblem(w, r, http.StatusForbidden, heading, message)
	}
	const notSignedIn = "You have not been signed in"
	if flow.state == "" || flow.orgID == 0 {
		return fail("sso_no_flow", notSignedIn, "Your sign-in took too long, or was started in another browser or tab. Start again from Tally.")
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(flow.state)) != 1 {
		return fail("sso_state_mismatch", notSignedIn, "This sign-in did not come from the request Tally made. Start again from Tally.")
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		// The provider's own words stay in the log: they can be long,
		// technical, or say more than the person needs.
		return fail("sso_provider_refused", notSignedIn, "Your council’s sign-in service did not sign you in. Try again, or ask your administrator for help.",
			slog.String("error", clip(q.Get("error"), 100)))
	}
	st, err := s.store.SSOForOrg(r.Context(), flow.orgID)
	if errors.Is(err, tally.ErrNotFound) {
		return fail("sso_not_set_up", notSignedIn, "Single sign-on is no longer set up for your organisation. Sign in another way.")
	}
	if err != nil {
		return err
	}
	secret, err := s.secrets.Open(st.SecretSealed, tally.SSOSecretLabel(st.OrgID))
	if err != nil {
		return fail("sso_secret_unreadable", notSignedIn, "Single sign-on for your organisation needs its settings saving again. Ask your administrator, and sign in another way for now.",
			slog.String("err", err.Error()))
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(r.Context(), ssoHTTP), 2*ssoTimeout)
	defer cancel()
	provider, err := oidc.NewProvider(ctx, st.Issuer)
	if err != nil {
		return fail("sso_discovery_failed", "Your council’s sign-in cannot be reached", "Tally could not reach your council’s sign-in service just now. Try again in a few minutes, or sign in another way.",
			slog.String("err", err.Error()))
	}
	cfg := oauth2.Config{ClientID: st.ClientID, ClientSecret: string(secret), Endpoint: provider.Endpoint(), RedirectURL: s.ssoRedirectURI(), Scopes: ssoScopes}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(flow.verifier))
	if err != nil {
		return fail("sso_exchange_failed", notSignedIn, "Your council’s sign-in service did not confirm who you are. Start again from Tally.",
			slog.String("err", err.Error()))
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: st.ClientID}).Verify(ctx, raw)
	if err != nil {
		return fail("sso_id_token_refused", notSignedIn, "Your council’s sign-in service sent proof of who you are that Tally cannot accept, perhaps because it has expired. Start again from Tally.",
			slog.String("err", err.Error()))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.nonce)) != 1 {
		return fail("sso_nonce_mismatch", notSignedIn, "This sign-in did not come from the request Tally made. Start again from Tally.")
	}
	var c ssoClaims
	if err := idt.Claims(&c); err != nil {
		return fail("sso_claims_unreadable", notSignedIn, "Your council’s sign-in service did not say which email address is yours. Ask your administrator.",
			slog.String("err", err.Error()))
	}
	email := strings.ToLower(strings.TrimSpace(c.Email))
	if email == "" || !c.emailVerified(st.Issuer) {
		return fail("sso_email_unverified", "Your email address is not verified",
			"Your council’s sign-in service did not confirm that your email address is yours, so Tally cannot use it to sign you in. Ask your administrator.")
	}
	if !slices.Contains(st.Domains, tally.EmailDomain(email)) {
		return fail("sso_email_outside_domains", "This email address cannot sign in here",
			"Your council’s sign-in service gave an email address outside the domains your organisation set up for single sign-on. Sign in with your work email address, or ask your administrator.")
	}
	m, err := s.store.SSOAccount(r.Context(), st.OrgID, email)
	if errors.Is(err, tally.ErrNotFound) {
		// Single sign-on makes no accounts: an invitation's emailed link does.
		invited, err := s.store.SSOInvited(r.Context(), st.OrgID, email)
		if err != nil {
			return err
		}
		if invited {
			return fail("sso_no_account", "Accept your invitation first",
				"No Tally account uses this email address yet. Use the link in your invitation email to create your account; then you can sign in with your council account.")
		}
		return fail("sso_no_account", "No Tally account uses this email address",
			"No Tally account uses this email address; ask your administrator for an invitation.")
	}
	if err != nil {
		return err
	}
	if !m.Member {
		return fail("sso_not_member", "Your account is not part of this organisation",
			"Your Tally account is not a member of the organisation whose sign-in you used; ask your administrator for an invitation.")
	}
	// signIn refuses a disabled account (tally.ErrAccountDisabled, shown
	// by errors.go): its error goes back unchanged.
	if err := s.signIn(r, m.User); err != nil {
		return err
	}
	s.securityEvent(r, slog.LevelInfo, "sso_signed_in", m.User.ID, slog.Int64("org_id", st.OrgID), slog.Int("invitations_accepted", len(m.Joined)))
	s.logger(r).Info("signed in", "user_id", m.User.ID, "via", "sso")
	http.Redirect(w, r, linkNext(flow.next), http.StatusSeeOther) // #nosec G710 -- linkNext allows only a local path
	return nil
}

func (s *Server) ssoProblem(w http.ResponseWriter, r *http.Request, status int, heading, message string) error {
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, status, pages.SSOProblem(pages.SSOProblemPage{Page: s.page(r, heading), Heading: heading, Message: message}))
}

// ssoRequired reports whether email's domain must sign in through its
// organisation's single sign-on: then password sign-in, emailed sign-in
// links and password resets are refused for it.
func (s *Server) ssoRequired(r *http.Request, email string) (bool, error) {
	if !strings.Contains(email, "@") {
		return false, nil
	}
	required, err := s.store.SSORequired(r.Context(), email)
	if required {
		s.securityEvent(r, slog.LevelInfo, "sso_required_refused", 0, slog.String("path", r.URL.Path))
	}
	return required, err
}

// ssoCheck adds a message for the email field to errs when the email typed
// (and not already refused) must sign in through single sign-on. The
// sign-in, emailed-link and password-reset forms call it before they
// answer.
func (s *Server) ssoCheck(r *http.Request, email string, errs tally.FormErrors) error {
	if errs["email"] != "" {
		return nil
	}
	required, err := s.ssoRequired(r, email)
	if required {
		errs.Add("email", ssoRequiredMessage)
	}
	return err
}

// ssoRequiredMessage is the form message for an email that must use
// single sign-on.
const ssoRequiredMessage = "Your organisation asks you to sign in with your council account instead: choose Sign in with your council account on the sign-in page"

// ssoRequiredPage answers an emailed sign-in link for an email that must
// use single sign-on (the link was sent before that was required).
func (s *Server) ssoRequiredPage(w http.ResponseWriter, r *http.Request, err error) error {
	if err != nil {
		return err
	}
	return s.ssoProblem(w, r, http.StatusForbidden, "Sign in with your council account",
		"Your organisation asks you to sign in with your council account, not an emailed link.")
}

// randomToken is 32 random bytes in URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
