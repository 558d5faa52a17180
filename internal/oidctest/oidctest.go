// Package oidctest is a small OpenID Connect provider for tests: it runs
// in the test's process on a loopback httptest server and speaks just
// enough of the protocol for Tally's single sign-on. Its discovery
// document, JWKS, /authorize and /token endpoints behave as a real
// provider's do (the authorization code flow with PKCE S256, single-use
// codes, RS256-signed ID tokens), and a few knobs make it misbehave on
// purpose: another nonce, an expired token, an unverified email, another
// issuer.
//
// /authorize approves at once, as the configured User: there is no login
// page.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// User is who the provider says signed in.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	// Claims are added to the ID token as they are (e.g. "xms_edov").
	Claims map[string]any
}

// Authorization is what one /authorize request asked for.
type Authorization struct {
	ClientID, RedirectURI, Scope, State, Nonce string
	Challenge, ChallengeMethod                 string
}

// Provider is a running test provider. Change its knobs between requests
// with the setters; they are safe for concurrent use.
type Provider struct {
	// URL is the issuer: the discovery document is at
	// URL + "/.well-known/openid-configuration".
	URL          string
	ClientID     string
	ClientSecret string

	srv    *httptest.Server
	key    *rsa.PrivateKey
	signer jose.Signer

	mu     sync.Mutex
	user   User
	nonce  string // replaces the nonce asked for, when not ""
	issuer string // replaces iss in ID tokens, when not ""
	expiry time.Duration
	grants map[string]*grant
	auths  []Authorization
}

type grant struct {
	auth Authorization
	used bool
}

const keyID = "oidctest-1"

// New starts a provider for one client, stopped when the test ends. Its
// user is alice@council.example, verified.
func New(t testing.TB, clientID, clientSecret string) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: keyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: clientID, ClientSecret: clientSecret, key: key, signer: signer, expiry: time.Hour,
		grants: map[string]*grant{},
		user:   User{Subject: "alice-1", Email: "alice@council.example", EmailVerified: true, Name: "Alice Council"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// SetUser sets who /authorize approves from now on.
func (p *Provider) SetUser(u User) { p.mu.Lock(); p.user = u; p.mu.Unlock() }

// SetNonce makes ID tokens carry nonce instead of the one asked for ("":
// the one asked for).
func (p *Provider) SetNonce(nonce string) { p.mu.Lock(); p.nonce = nonce; p.mu.Unlock() }

// SetIssuer makes ID tokens name another issuer ("": the provider's URL).
func (p *Provider) SetIssuer(iss string) { p.mu.Lock(); p.issuer = iss; p.mu.Unlock() }

// SetExpiry sets how long ID tokens last from when they are issued; a
// negative d makes them expired already. The default is an hour.
func (p *Provider) SetExpiry(d time.Duration) { p.mu.Lock(); p.expiry = d; p.mu.Unlock() }

// Authorizations lists the /authorize requests received, oldest first.
func (p *Provider) Authorizations() []Authorization {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Authorization(nil), p.auths...)
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.URL,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"jwks_uri":                              p.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported":                      []string{"sub", "email", "email_verified", "name"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.key.PublicKey, KeyID: keyID, Algorithm: string(jose.RS256), Use: "sig"}}})
}

// authorize approves the request as the configured user and sends the
// browser back with a code, as a provider does after its login page.
// Requests it cannot send back (wrong client or redirect) get a 400 page.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a := Authorization{ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), Scope: q.Get("scope"),
		State: q.Get("state"), Nonce: q.Get("nonce"), Challenge: q.Get("code_challenge"), ChallengeMethod: q.Get("code_challenge_method")}
	p.mu.Lock()
	p.auths = append(p.auths, a)
	p.mu.Unlock()
	back, err := url.Parse(a.RedirectURI)
	if a.ClientID != p.ClientID || err != nil || !back.IsAbs() {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	bq := back.Query()
	switch {
	case q.Get("response_type") != "code":
		bq.Set("error", "unsupported_response_type")
	case a.ChallengeMethod != "S256" || a.Challenge == "":
		bq.Set("error", "invalid_request")
		bq.Set("error_description", "PKCE with S256 is required")
	default:
		code := randomString()
		p.mu.Lock()
		p.grants[code] = &grant{auth: a}
		p.mu.Unlock()
		bq.Set("code", code)
	}
	if a.State != "" {
		bq.Set("state", a.State)
	}
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound) // #nosec G710 -- a test provider sends the browser back to the client's redirect_uri, as providers do
}

// token exchanges a code, once, for an ID token. It checks the client's
// id and secret (HTTP Basic or the form), the redirect URI and the PKCE
// verifier. A code used before, or not issued, is invalid_grant.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	p.mu.Lock()
	g := p.grants[r.PostForm.Get("code")]
	replay := g != nil && g.used
	if g != nil {
		g.used = true // one try: a code is spent even by a failed exchange
	}
	user, nonce, issuer, expiry := p.user, p.nonce, p.issuer, p.expiry
	p.mu.Unlock()
	if g == nil || replay || g.auth.RedirectURI != r.PostForm.Get("redirect_uri") || !challengeMatches(g.auth.Challenge, r.PostForm.Get("code_verifier")) {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	if nonce == "" {
		nonce = g.auth.Nonce
	}
	if issuer == "" {
		issuer = p.URL
	}
	now := time.Now()
	claims := map[string]any{
		"iss": issuer, "sub": user.Subject, "aud": p.ClientID,
		"iat": now.Unix(), "exp": now.Add(expiry).Unix(), "nonce": nonce,
		"email": user.Email, "email_verified": user.EmailVerified, "name": user.Name,
	}
	if expiry < 0 {
		claims["iat"] = now.Add(2 * expiry).Unix()
	}
	for k, v := range user.Claims {
		claims[k] = v
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error")
		return
	}
	jws, err := p.signer.Sign(payload)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error")
		return
	}
	idToken, err := jws.CompactSerialize()
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": randomString(), "token_type": "Bearer",
		"expires_in": 3600, "id_token": idToken})
}

// challengeMatches checks an RFC 7636 S256 verifier against its challenge.
func challengeMatches(challenge, verifier string) bool {
	if verifier == "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

func oauthError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
