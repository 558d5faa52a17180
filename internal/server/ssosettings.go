package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// ssoSettingsPath is an organisation's single sign-on settings page.
const ssoSettingsPath = "/o/{org}/settings/single-sign-on"

// handleSSOSettings shows an organisation's single sign-on settings to its
// administrators: councils and the shared service only, not suppliers.
func (s *Server) handleSSOSettings(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	if a.Org.Kind == tally.Supplier {
		return errNotFound
	}
	st, err := s.store.SSOSettings(r.Context(), a.Scope, a.Org.ID)
	if err != nil && !errors.Is(err, tally.ErrNotFound) {
		return err
	}
	in := pages.SSOSettingsForm{Issuer: st.Issuer, ClientID: st.ClientID, Domains: strings.Join(st.Domains, "\n"), Required: st.Required}
	p := s.ssoSettingsPage(r, a, in, st.SecretSealed != nil, nil)
	if st.SecretSealed != nil {
		p.RemoveAction = route.Path(ssoSettingsPath+"/remove", a.Org.Slug)
	}
	return s.render(w, r, http.StatusOK, pages.SSOSettings(p))
}

func (s *Server) ssoSettingsPage(r *http.Request, a tally.Access, in pages.SSOSettingsForm, secretSaved bool, errs map[string]string) pages.SSOSettingsPage {
	title := "Single sign-on"
	if len(errs) > 0 {
		title = "Error: " + title
	}
	return pages.SSOSettingsPage{Page: s.page(r, title), Action: route.Path(ssoSettingsPath, a.Org.Slug),
		Back: route.Path("/o/{org}/settings", a.Org.Slug), Org: a.Org.Name, RedirectURI: s.ssoRedirectURI(),
		SecretSaved: secretSaved, Form: in, Errors: errs}
}

// handleSaveSSOSettings checks and saves single sign-on settings. The
// issuer must answer OpenID discovery before they are saved. The client
// secret is sealed with SECRET_KEY; left empty, the saved one stays.
func (s *Server) handleSaveSSOSettings(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	if a.Org.Kind == tally.Supplier {
		return errNotFound
	}
	cur, err := s.store.SSOSettings(r.Context(), a.Scope, a.Org.ID)
	if err != nil && !errors.Is(err, tally.ErrNotFound) {
		return err
	}
	saved := cur.SecretSealed != nil
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	in := pages.SSOSettingsForm{
		Issuer:   f.text("issuer", "the issuer URL", 500, true),
		ClientID: f.text("client_id", "the client ID", 500, true),
		Domains:  f.text("domains", "the email domains", 5000, true),
		Required: f.checked("required"),
	}
	secret := f.text("client_secret", "the client secret", 1000, false)
	if secret == "" && !saved && f.Errs["client_secret"] == "" {
		f.Errs.Add("client_secret", "Enter the client secret")
	}
	st := tally.SSOSettings{OrgID: a.Org.ID, Issuer: in.Issuer, ClientID: in.ClientID, Required: in.Required}
	if f.Errs["issuer"] == "" {
		// http://localhost issuers only where Tally itself is not on https:
		// in production no one can point discovery at this machine.
		if err := tally.CheckIssuer(in.Issuer, !strings.HasPrefix(s.cfg.BaseURL, "https://")); err != nil {
			f.Errs.Add("issuer", err.Error())
		} else if entraShared(in.Issuer) {
			f.Errs.Add("issuer", "Use your Microsoft Entra tenant ID in the issuer URL instead of common, organizations or consumers, like https://login.microsoftonline.com/your-tenant-id/v2.0")
		}
	}
	if f.Errs["domains"] == "" {
		if st.Domains, err = tally.ParseSSODomains(in.Domains); err != nil {
			f.Errs.Add("domains", err.Error())
		}
	}
	if len(f.Errs) == 0 {
		ctx, cancel := context.WithTimeout(oidc.ClientContext(r.Context(), ssoHTTP), ssoTimeout)
		_, err := oidc.NewProvider(ctx, in.Issuer)
		cancel()
		if err != nil {
			s.logger(r).Warn("single sign-on discovery failed", "issuer", in.Issuer, "err", err.Error())
			f.Errs.Add("issuer", "Tally could not find an OpenID Connect provider at this issuer URL: check it is exactly the issuer your provider gives, and that the provider is reachable")
		}
	}
	if len(f.Errs) == 0 && secret != "" {
		if st.SecretSealed, err = s.secrets.Seal([]byte(secret), tally.SSOSecretLabel(a.Org.ID)); err != nil {
			return err
		}
	}
	if len(f.Errs) == 0 {
		err = s.store.SaveSSOSettings(r.Context(), a.Scope, st)
		var taken *postgres.DomainsTakenError
		if errors.As(err, &taken) {
			f.Errs.Add("domains", strings.Join(taken.Domains, ", ")+" "+isAre(len(taken.Domains))+
				" already set up for single sign-on by another organisation: a domain can belong to one organisation only")
		} else if err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		// The secret is never sent back: a new one must be typed again.
		p := s.ssoSettingsPage(r, a, in, saved, f.Errs)
		p.SecretTyped = secret != ""
		return s.render(w, r, http.StatusUnprocessableEntity, pages.SSOSettings(p))
	}
	s.logger(r).Info("single sign-on settings saved", "org_id", a.Org.ID, "secret_changed", secret != "")
	s.flash(r, "Single sign-on settings have been saved.")
	http.Redirect(w, r, route.Path(ssoSettingsPath, a.Org.Slug), http.StatusSeeOther)
	return nil
}

// entraShared reports whether an issuer is one of Entra ID's shared
// endpoints, whose discovery names a per-tenant issuer instead.
func entraShared(issuer string) bool {
	u, err := url.Parse(issuer)
	if err != nil || u.Hostname() != "login.microsoftonline.com" {
		return false
	}
	tenant, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	switch strings.ToLower(tenant) {
	case "common", "organizations", "consumers":
		return true
	}
	return false
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// handleRemoveSSO turns an organisation's single sign-on off, once the
// administrator has confirmed it on the page this asks first.
func (s *Server) handleRemoveSSO(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	if a.Org.Kind == tally.Supplier {
		return errNotFound
	}
	st, err := s.store.SSOSettings(r.Context(), a.Scope, a.Org.ID)
	if errors.Is(err, tally.ErrNotFound) {
		return errConflict // turned off already, perhaps in another tab
	}
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	back := route.Path(ssoSettingsPath, a.Org.Slug)
	if f.raw("confirmed") != "yes" {
		return s.render(w, r, http.StatusOK, pages.SSORemove(pages.SSORemovePage{Page: s.page(r, "Turn off single sign-on"),
			Org: a.Org.Name, Action: route.Path(ssoSettingsPath+"/remove", a.Org.Slug), Back: back, Domains: st.Domains}))
	}
	if err := s.store.RemoveSSOSettings(r.Context(), a.Scope, a.Org.ID); errors.Is(err, tally.ErrNotFound) {
		return errConflict
	} else if err != nil {
		return err
	}
	s.logger(r).Info("single sign-on turned off", "org_id", a.Org.ID)
	s.flash(r, "Single sign-on has been turned off.")
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
