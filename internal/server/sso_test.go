package server_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/oidctest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/secretbox"
	"github.com/tally-sv/tally/internal/tally"
)

const (
	ssoClient   = "tally-client"
	ssoSecret   = "provider-secret-value-42"
	ssoCallback = "http://localhost/login/sso/callback" // BASE_URL of the test server + the callback
)

// ssoSetUp starts a provider and gives organisation slug single sign-on
// through it for domains, as its administrator would.
func ssoSetUp(t *testing.T, ts *testServer, slug string, required bool, domains ...string) *oidctest.Provider {
	t.Helper()
	p := oidctest.New(t, ssoClient, ssoSecret)
	saveSSO(t, ts, slug, p.URL, required, domains...)
	return p
}

func saveSSO(t *testing.T, ts *testServer, slug, issuer string, required bool, domains ...string) {
	t.Helper()
	org := orgID(t, ts, slug)
	box, err := secretbox.New(testSecretKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal([]byte(ssoSecret), tally.SSOSecretLabel(org))
	if err != nil {
		t.Fatal(err)
	}
	scope := tally.Scope{OrgIDs: []int64{org}, Roles: []tally.Role{tally.RoleAdmin}}
	st := tally.SSOSettings{OrgID: org, Issuer: issuer, ClientID: ssoClient, SecretSealed: sealed, Required: required, Domains: domains}
	if err := postgres.New(ts.db.App).SaveSSOSettings(t.Context(), scope, st); err != nil {
		t.Fatal(err)
	}
}

// ssoStart asks to sign in with the council account of email and returns
// the provider's address the page sends the browser to.
func ssoStart(t *testing.T, ts *testServer, c *http.Client, email string) string {
	t.Helper()
	resp, body := post(t, c, ts.URL+"/login/sso", url.Values{"email": {email}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("start: status %d\n%s", resp.StatusCode, body)
	}
	// Not a redirect (the CSP's form-action 'self' would stop some
	// browsers following one to another site), but a page that moves on
	// by itself and has a link.
	refresh := resp.Header.Get("Refresh")
	href, ok := strings.CutPrefix(refresh, "0; url=")
	if !ok || !strings.Contains(body, `href="`+strings.ReplaceAll(href, "&", "&amp;")+`"`) || !strings.Contains(body, "Continue to your council’s sign-in") {
		t.Fatalf("start: Refresh %q, page without the link to it:\n%s", refresh, body)
	}
	if resp.Header.Get("Location") != "" || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("start: Location %q, Cache-Control %q", resp.Header.Get("Location"), resp.Header.Get("Cache-Control"))
	}
	return href
}

// ssoAuthorize goes to the provider, which approves at once, and returns
// the query it sends the browser back to Tally with.
func ssoAuthorize(t *testing.T, href string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, ok := strings.CutPrefix(resp.Header.Get("Location"), ssoCallback+"?")
	if resp.StatusCode != http.StatusFound || !ok {
		t.Fatalf("authorize: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q, err := url.ParseQuery(back)
	if err != nil || q.Get("code") == "" {
		t.Fatalf("authorize sent back %q", back)
	}
	return q
}

func ssoCallbackWith(t *testing.T, ts *testServer, c *http.Client, q url.Values) (*http.Response, string) {
	t.Helper()
	return get(t, c, ts.URL+"/login/sso/callback?"+q.Encode())
}

// ssoSignIn runs the whole flow as email and returns the callback's answer.
func ssoSignIn(t *testing.T, ts *testServer, p *oidctest.Provider, c *http.Client, email string) (*http.Response, string) {
	t.Helper()
	return ssoCallbackWith(t, ts, c, ssoAuthorize(t, ssoStart(t, ts, c, email)))
}

// signedInAs reports the name /account shows, or "" when signed out.
func signedInAs(t *testing.T, ts *testServer, c *http.Client) string {
	t.Helper()
	resp, body := get(t, c, ts.URL+"/account")
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return body
}

// refused checks a plain refusal: 403, the heading, a way to try again,
// and no one signed in.
func refused(t *testing.T, ts *testServer, c *http.Client, resp *http.Response, body, heading string) {
	t.Helper()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, heading) || !strings.Contains(body, `href="/login/sso">Try again</a>`) {
		t.Errorf("status %d, want 403 with %q and Try again:\n%s", resp.StatusCode, heading, body)
	}
	if signedInAs(t, ts, c) != "" {
		t.Error("signed in after a refusal")
	}
}

func TestSSOSignsInAMember(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	p := ssoSetUp(t, ts, "star", false, "star.example")
	p.SetUser(oidctest.User{Subject: "entra-buyer", Email: "Buyer@Star.example", EmailVerified: true, Name: "Bilal Buyer"})
	c := ts.client(t)

	href := ssoStart(t, ts, c, "buyer@star.example")
	a := ssoAuthorize(t, href)
	auths := p.Authorizations()
	if len(auths) != 1 || auths[0].ChallengeMethod != "S256" || auths[0].Nonce == "" || auths[0].State == "" ||
		auths[0].RedirectURI != ssoCallback || auths[0].Scope != "openid email profile" {
		t.Errorf("authorization asked for: %+v", auths)
	}
	resp, body := ssoCallbackWith(t, ts, c, a)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("callback: status %d, location %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if page := signedInAs(t, ts, c); !strings.Contains(page, "Bilal Buyer") {
		t.Errorf("not signed in as Bilal Buyer after single sign-on")
	}
	if !strings.Contains(ts.log.String(), `"event":"sso_signed_in"`) {
		t.Error("no security event for the sign-in")
	}

	// The same answer from the provider again finds no sign-in waiting.
	c2 := ts.client(t)
	resp, body = ssoCallbackWith(t, ts, c2, a)
	refused(t, ts, c2, resp, body, "You have not been signed in")
}

func TestSSOKeepsWhereYouWereGoing(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	ssoSetUp(t, ts, "star", false, "star.example").SetUser(oidctest.User{Subject: "a", Email: "admin@star.example", EmailVerified: true})
	c := ts.client(t)
	resp, body := get(t, c, ts.URL+"/login?next=/o/star/audit")
	if !strings.Contains(body, `href="/login/sso?next=%2Fo%2Fstar%2Faudit"`) {
		t.Fatalf("the sign-in page has no link to single sign-on keeping next (status %d)", resp.StatusCode)
	}
	resp, body = post(t, c, ts.URL+"/login/sso", url.Values{"email": {"admin@star.example"}, "next": {"/o/star/audit"}})
	href, _ := strings.CutPrefix(resp.Header.Get("Refresh"), "0; url=")
	if href == "" {
		t.Fatalf("start: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = ssoCallbackWith(t, ts, c, ssoAuthorize(t, href))
	if resp.Header.Get("Location") != "/o/star/audit" {
		t.Errorf("went to %q, want /o/star/audit", resp.Header.Get("Location"))
	}
}

func TestSSOAcceptsAPendingInvitation(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	p := ssoSetUp(t, ts, "star", false, "star.example")
	ctx := t.Context()
	store := postgres.New(ts.db.App)
	u, err := store.CreateUser(ctx, "newcomer@star.example", "Nia Newcomer", "")
	if err != nil {
		t.Fatal(err)
	}
	star := orgID(t, ts, "star")
	admin := tally.Scope{UserID: userID(t, ts, "admin@star.example"), OrgIDs: []int64{star}, Roles: []tally.Role{tally.RoleAdmin}}
	if err := store.Invite(ctx, admin, star, "newcomer@star.example", []tally.Role{tally.RoleBuyer}, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	p.SetUser(oidctest.User{Subject: "nia", Email: "newcomer@star.example", EmailVerified: true, Name: "Nia"})
	c := ts.client(t)
	resp, body := ssoSignIn(t, ts, p, c, "newcomer@star.example")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: status %d\n%s", resp.StatusCode, body)
	}
	ms, err := store.Memberships(ctx, u.ID)
	if err != nil || len(ms) != 1 || ms[0].Org.Slug != "star" || !slices.Equal(ms[0].Roles, []tally.Role{tally.RoleBuyer}) {
		t.Errorf("memberships after single sign-on: %+v %v", ms, err)
	}
	if actions := auditActions(t, ts, "star"); actions[len(actions)-1] != "member.join" {
		t.Errorf("last audit action %v, want member.join", actions[len(actions)-1])
	}

	// An invitation without an account: its emailed link makes the account.
	if err := store.Invite(ctx, admin, star, "invited@star.example", []tally.Role{tally.RoleBuyer}, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	p.SetUser(oidctest.User{Subject: "i", Email: "invited@star.example", EmailVerified: true})
	c = ts.client(t)
	resp, body = ssoSignIn(t, ts, p, c, "invited@star.example")
	refused(t, ts, c, resp, body, "Accept your invitation first")

	// Without an account, or without a membership or invitation, nobody
	// is signed in.
	p.SetUser(oidctest.User{Subject: "x", Email: "stranger@star.example", EmailVerified: true})
	c = ts.client(t)
	resp, body = ssoSignIn(t, ts, p, c, "stranger@star.example")
	refused(t, ts, c, resp, body, "No Tally account uses this email address")
	if !strings.Contains(body, "ask your administrator for an invitation") {
		t.Error("no advice to ask for an invitation")
	}
	if _, err := store.CreateUser(ctx, "outsider@star.example", "Olly Outsider", ""); err != nil {
		t.Fatal(err)
	}
	p.SetUser(oidctest.User{Subject: "o", Email: "outsider@star.example", EmailVerified: true})
	c = ts.client(t)
	resp, body = ssoSignIn(t, ts, p, c, "outsider@star.example")
	refused(t, ts, c, resp, body, "Your account is not part of this organisation")
}

func TestSSORefusals(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	p := ssoSetUp(t, ts, "star", false, "star.example")
	member := oidctest.User{Subject: "b", Email: "buyer@star.example", EmailVerified: true, Name: "Bilal"}

	t.Run("wrong state", func(t *testing.T) {
		p.SetUser(member)
		c := ts.client(t)
		q := ssoAuthorize(t, ssoStart(t, ts, c, "buyer@star.example"))
		q.Set("state", q.Get("state")+"x")
		resp, body := ssoCallbackWith(t, ts, c, q)
		refused(t, ts, c, resp, body, "You have not been signed in")
		// Nor does the right state work afterwards: the attempt is spent.
		q.Set("state", strings.TrimSuffix(q.Get("state"), "x"))
		resp, body = ssoCallbackWith(t, ts, c, q)
		refused(t, ts, c, resp, body, "You have not been signed in")
	})
	t.Run("wrong nonce", func(t *testing.T) {
		p.SetUser(member)
		p.SetNonce("not-the-one-asked-for")
		defer p.SetNonce("")
		c := ts.client(t)
		resp, body := ssoSignIn(t, ts, p, c, "buyer@star.example")
		refused(t, ts, c, resp, body, "You have not been signed in")
	})
	t.Run("unverified email", func(t *testing.T) {
		u := member
		u.EmailVerified = false
		p.SetUser(u)
		c := ts.client(t)
		resp, body := ssoSignIn(t, ts, p, c, "buyer@star.example")
		refused(t, ts, c, resp, body, "Your email address is not verified")
		// Entra's xms_edov counts only for an Entra issuer.
		u.Claims = map[string]any{"xms_edov": true}
		p.SetUser(u)
		c = ts.client(t)
		resp, body = ssoSignIn(t, ts, p, c, "buyer@star.example")
		refused(t, ts, c, resp, body, "Your email address is not verified")
	})
	t.Run("email outside the domains", func(t *testing.T) {
		// buyer@stockport.example has an account, but star's provider does
		// not cover stockport.example.
		p.SetUser(oidctest.User{Subject: "s", Email: "buyer@stockport.example", EmailVerified: true})
		c := ts.client(t)
		resp, body := ssoSignIn(t, ts, p, c, "buyer@star.example")
		refused(t, ts, c, resp, body, "This email address cannot sign in here")
	})
	t.Run("replayed code", func(t *testing.T) {
		p.SetUser(member)
		c := ts.client(t)
		first := ssoAuthorize(t, ssoStart(t, ts, c, "buyer@star.example"))
		if resp, _ := ssoCallbackWith(t, ts, c, first); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first use: status %d", resp.StatusCode)
		}
		// Someone else starts a sign-in of their own and slips in the code
		// already used: the provider refuses it.
		other := ts.client(t)
		q := ssoAuthorize(t, ssoStart(t, ts, other, "buyer@star.example"))
		q.Set("code", first.Get("code"))
		resp, body := ssoCallbackWith(t, ts, other, q)
		refused(t, ts, other, resp, body, "You have not been signed in")
		if !strings.Contains(ts.log.String(), `"event":"sso_exchange_failed"`) {
			t.Error("no security event for the refused exchange")
		}
	})
	t.Run("expired ID token", func(t *testing.T) {
		p.SetUser(member)
		p.SetExpiry(-time.Minute)
		defer p.SetExpiry(time.Hour)
		c := ts.client(t)
		resp, body := ssoSignIn(t, ts, p, c, "buyer@star.example")
		refused(t, ts, c, resp, body, "You have not been signed in")
		if !strings.Contains(ts.log.String(), `"event":"sso_id_token_refused"`) {
			t.Error("no security event for the expired token")
		}
	})
	t.Run("another issuer", func(t *testing.T) {
		p.SetUser(member)
		p.SetIssuer("https://login.elsewhere.example")
		defer p.SetIssuer("")
		c := ts.client(t)
		resp, body := ssoSignIn(t, ts, p, c, "buyer@star.example")
		refused(t, ts, c, resp, body, "You have not been signed in")
	})
	t.Run("provider says no", func(t *testing.T) {
		c := ts.client(t)
		q := ssoAuthorize(t, ssoStart(t, ts, c, "buyer@star.example"))
		q.Del("code")
		q.Set("error", "access_denied")
		q.Set("error_description", "<script>provider words</script>")
		resp, body := ssoCallbackWith(t, ts, c, q)
		refused(t, ts, c, resp, body, "You have not been signed in")
		if strings.Contains(body, "provider words") || strings.Contains(body, "access_denied") {
			t.Error("the provider's words were shown")
		}
	})
	t.Run("unknown domain", func(t *testing.T) {
		c := ts.client(t)
		resp, body := post(t, c, ts.URL+"/login/sso", url.Values{"email": {"someone@nowhere.example"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "email") ||
			!strings.Contains(body, "Single sign-on is not set up for email addresses ending @nowhere.example") ||
			!strings.Contains(body, `value="someone@nowhere.example"`) {
			t.Errorf("unknown domain: status %d\n%s", resp.StatusCode, body)
		}
	})
}

func TestSSORequiredRefusesPasswordsAndLinks(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	ssoSetUp(t, ts, "star", true, "star.example")
	c := ts.client(t)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/login", url.Values{"email": {"admin@star.example"}, "password": {demo.Password}}},
		{"/login/link", url.Values{"email": {"admin@star.example"}}},
		{"/password-reset", url.Values{"email": {"Admin@star.example"}}},
	} {
		resp, body := post(t, c, ts.URL+tc.path, tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "email") ||
			!strings.Contains(body, "Sign in with your council account") {
			t.Errorf("%s: status %d, want 422 pointing to single sign-on\n%s", tc.path, resp.StatusCode, body)
		}
	}
	if signedInAs(t, ts, c) != "" {
		t.Error("signed in with a password although single sign-on is required")
	}
	if len(emailsTo(ts, "admin@star.example")) != 0 {
		t.Error("an email was sent although single sign-on is required")
	}
	// Other domains are as they were.
	signIn(t, ts, "buyer@stockport.example")
}

func TestSSOCallbackOpenedByItself(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	p := ssoSetUp(t, ts, "star", false, "star.example")
	p.SetUser(oidctest.User{Subject: "b", Email: "buyer@star.example", EmailVerified: true})
	c := ts.client(t)
	href := ssoStart(t, ts, c, "buyer@star.example")
	// Opening the bare address offers to start, and spoils nothing.
	if resp, body := get(t, c, ts.URL+"/login/sso/callback"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in with your council account") {
		t.Errorf("bare callback: status %d\n%s", resp.StatusCode, body)
	}
	if resp, body := ssoCallbackWith(t, ts, c, ssoAuthorize(t, href)); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("callback after the bare one: status %d\n%s", resp.StatusCode, body)
	}
}

func TestSSOStartsAreLimited(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := ts.client(t)
	for i := range 30 {
		if resp, _ := post(t, c, ts.URL+"/login/sso", url.Values{"email": {"someone@nowhere.example"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: status %d", i+1, resp.StatusCode)
		}
	}
	resp, body := post(t, c, ts.URL+"/login/sso", url.Values{"email": {"someone@nowhere.example"}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "too many attempts") ||
		!strings.Contains(body, `value="someone@nowhere.example"`) {
		t.Errorf("past the limit: status %d\n%s", resp.StatusCode, body)
	}
}

func TestSSOProviderDownIsAPlainPage(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	saveSSO(t, ts, "star", "http://127.0.0.1:1", false, "star.example") // nothing listens there
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/login/sso", strings.NewReader(url.Values{"email": {"buyer@star.example"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := ts.client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(b.String(), "Your council’s sign-in cannot be reached") ||
		!strings.Contains(b.String(), "Try again") || strings.Contains(b.String(), "127.0.0.1:1") {
		t.Errorf("provider down: status %d\n%s", resp.StatusCode, b.String())
	}
}
