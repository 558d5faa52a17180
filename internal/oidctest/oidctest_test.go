package oidctest_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tally-sv/tally/internal/oidctest"
)

const redirect = "http://127.0.0.1:1/callback"

// flow runs /authorize as a browser would and returns the code and state
// sent back.
func flow(t *testing.T, p *oidctest.Provider, cfg oauth2.Config, verifier string) (code, state string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(cfg.AuthCodeURL("the-state", oidc.Nonce("the-nonce"), oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("authorize: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func setup(t *testing.T) (*oidctest.Provider, *oidc.Provider, oauth2.Config) {
	t.Helper()
	p := oidctest.New(t, "client-1", "secret-1")
	op, err := oidc.NewProvider(context.Background(), p.URL)
	if err != nil {
		t.Fatal(err)
	}
	return p, op, oauth2.Config{ClientID: "client-1", ClientSecret: "secret-1", Endpoint: op.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

func TestProviderSignsInTheUser(t *testing.T) {
	t.Parallel()
	p, op, cfg := setup(t)
	verifier := oauth2.GenerateVerifier()
	code, state := flow(t, p, cfg, verifier)
	if state != "the-state" {
		t.Errorf("state %q", state)
	}
	a := p.Authorizations()
	if len(a) != 1 || a[0].Nonce != "the-nonce" || a[0].ChallengeMethod != "S256" || a[0].Scope != "openid email profile" {
		t.Errorf("authorizations: %+v", a)
	}
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := op.Verifier(&oidc.Config{ClientID: "client-1"}).Verify(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Email    string `json:"email"`
		Verified bool   `json:"email_verified"`
		Name     string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != "the-nonce" || idt.Subject != "alice-1" || claims.Email != "alice@council.example" || !claims.Verified || claims.Name != "Alice Council" {
		t.Errorf("token: nonce %q sub %q claims %+v", idt.Nonce, idt.Subject, claims)
	}

	// The same code again is refused.
	if _, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("replayed code: %v, want invalid_grant", err)
	}
}

func TestProviderRefusesBadExchanges(t *testing.T) {
	t.Parallel()
	p, _, cfg := setup(t)
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()

	code, _ := flow(t, p, cfg, verifier)
	if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("wrong verifier: %v, want invalid_grant", err)
	}
	code, _ = flow(t, p, cfg, verifier)
	if _, err := cfg.Exchange(ctx, code); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("no verifier: %v, want invalid_grant", err)
	}
	code, _ = flow(t, p, cfg, verifier)
	bad := cfg
	bad.ClientSecret = "wrong"
	if _, err := bad.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("wrong secret: %v, want invalid_client", err)
	}
	code, _ = flow(t, p, cfg, verifier)
	other := cfg
	other.RedirectURL = "http://127.0.0.1:1/elsewhere"
	if _, err := other.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("other redirect_uri: %v, want invalid_grant", err)
	}
	if _, err := cfg.Exchange(ctx, "never-issued", oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("unknown code: %v, want invalid_grant", err)
	}
}

func TestProviderKnobs(t *testing.T) {
	t.Parallel()
	p, op, cfg := setup(t)
	ctx := context.Background()
	token := func() (*oidc.IDToken, map[string]any, error) {
		t.Helper()
		verifier := oauth2.GenerateVerifier()
		code, _ := flow(t, p, cfg, verifier)
		tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := op.Verifier(&oidc.Config{ClientID: "client-1"}).Verify(ctx, raw)
		var claims map[string]any
		if err == nil {
			err = idt.Claims(&claims)
		}
		return idt, claims, err
	}

	p.SetNonce("another")
	if idt, _, err := token(); err != nil || idt.Nonce != "another" {
		t.Errorf("nonce knob: %v", err)
	}
	p.SetNonce("")

	p.SetUser(oidctest.User{Subject: "bob", Email: "bob@council.example", Claims: map[string]any{"xms_edov": true}})
	if _, claims, err := token(); err != nil || claims["email_verified"] != false || claims["xms_edov"] != true || claims["email"] != "bob@council.example" {
		t.Errorf("user knob: %v %v", claims, err)
	}

	p.SetExpiry(-time.Minute)
	if _, _, err := token(); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired token: %v, want expired", err)
	}
	p.SetExpiry(time.Hour)

	p.SetIssuer("https://elsewhere.example")
	if _, _, err := token(); err == nil || !strings.Contains(err.Error(), "different provider") {
		t.Errorf("other issuer: %v, want an issuer error", err)
	}
}
