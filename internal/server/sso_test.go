package server_test

import (
	"bytes"
	"errors"
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

func TestSSOSettingsPage(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	p := oidctest.New(t, ssoClient, ssoSecret)
	other := oidctest.New(t, "stockport", "s")
	saveSSO(t, ts, "stockport", other.URL, false, "stockport.example")
	admin := signIn(t, ts, "admin@star.example")
	page := ts.URL + "/o/star/settings/single-sign-on"

	resp, body := get(t, admin, page)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ssoCallback) || strings.Contains(body, "A secret is saved") {
		t.Fatalf("settings page: status %d\n%s", resp.StatusCode, body)
	}
	if _, list := get(t, admin, ts.URL+"/o/star/settings"); !strings.Contains(list, `href="/o/star/settings/single-sign-on"`) {
		t.Error("the settings list does not link to single sign-on")
	}

	form := func(issuer, secret, domains string) url.Values {
		return url.Values{"issuer": {issuer}, "client_id": {ssoClient}, "client_secret": {secret}, "domains": {domains}, "required": {"yes"}}
	}
	before := snapshot(t, ts)
	for _, tc := range []struct {
		name   string
		form   url.Values
		field  string
		saying string
	}{
		{"plain http elsewhere", form("http://login.example.com", ssoSecret, "star.example"), "issuer", "starts with https://"},
		{"not a URL", form("login.example.com", ssoSecret, "star.example"), "issuer", "Enter the issuer as a web address"},
		{"nothing there", form("http://127.0.0.1:1", ssoSecret, "star.example"), "issuer", "could not find an OpenID Connect provider"},
		{"no secret yet", form(p.URL, "", "star.example"), "client_secret", "Enter the client secret"},
		{"an email, not a domain", form(p.URL, ssoSecret, "admin@star.example"), "domains", "without the name and @"},
		{"Entra's shared endpoint", form("https://login.microsoftonline.com/common/v2.0", ssoSecret, "star.example"), "issuer", "Use your Microsoft Entra tenant ID"},
		{"a domain of another organisation", form(p.URL, ssoSecret, "star.example\nstockport.example"), "domains",
			"stockport.example is already set up for single sign-on by another organisation"},
	} {
		resp, body := post(t, admin, page, tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, tc.field) || !strings.Contains(body, tc.saying) {
			t.Errorf("%s: status %d, want 422 with %q on %s\n%s", tc.name, resp.StatusCode, tc.saying, tc.field, body)
			continue
		}
		// What was typed comes back, but never the secret.
		for _, v := range []string{`value="` + tc.form.Get("issuer") + `"`, `value="` + ssoClient + `"`, tc.form.Get("domains") + "</textarea>", `value="yes" checked`} {
			if !strings.Contains(body, v) {
				t.Errorf("%s: the form lost %s", tc.name, v)
			}
		}
		if strings.Contains(body, ssoSecret) {
			t.Errorf("%s: the secret was sent back", tc.name)
		}
		if tc.form.Get("client_secret") != "" && !strings.Contains(body, "Enter the client secret again") {
			t.Errorf("%s: the page does not ask for the secret again", tc.name)
		}
	}
	unchanged(t, "refused settings", before, snapshot(t, ts))

	resp, body = post(t, admin, page, form(p.URL, ssoSecret, "Star.example, schools.star.example"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: status %d\n%s", resp.StatusCode, body)
	}
	star := orgID(t, ts, "star")
	sealed := func() []byte {
		var b []byte
		if err := adminPool(t, ts.db).QueryRow(t.Context(), `SELECT client_secret_sealed FROM sso_settings WHERE org_id = $1`, star).Scan(&b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := sealed()
	box, _ := secretbox.New(testSecretKey)
	if bytes.Contains(first, []byte(ssoSecret)) {
		t.Error("the client secret is stored as plain text")
	}
	if plain, err := box.Open(first, tally.SSOSecretLabel(star)); err != nil || string(plain) != ssoSecret {
		t.Errorf("the sealed secret opens to %q, %v", plain, err)
	}
	if _, err := box.Open(first, tally.SSOSecretLabel(orgID(t, ts, "stockport"))); !errors.Is(err, secretbox.ErrOpen) {
		t.Errorf("the sealed secret opens under another organisation's label: %v", err)
	}
	_, body = get(t, admin, page)
	if !strings.Contains(body, "A secret is saved") || strings.Contains(body, ssoSecret) || !strings.Contains(body, "schools.star.example\nstar.example</textarea>") {
		t.Errorf("settings page after saving:\n%s", body)
	}

	// Blank on edit keeps the saved secret; sign-in still works with it.
	f := form(p.URL, "", "star.example")
	f.Del("required")
	if resp, body := post(t, admin, page, f); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save keeping the secret: status %d\n%s", resp.StatusCode, body)
	}
	if !bytes.Equal(sealed(), first) {
		t.Error("saving with the secret left empty changed it")
	}
	if actions := auditActions(t, ts, "star"); !slices.Equal(actions[len(actions)-2:], []string{"sso.update", "sso.update"}) {
		t.Errorf("audit: %v", actions[len(actions)-2:])
	}
	if _, body := get(t, admin, ts.URL+"/o/star/audit"); !strings.Contains(body, "changed the single sign-on settings") {
		t.Error("the audit trail does not say the settings changed")
	}
	p.SetUser(oidctest.User{Subject: "a", Email: "admin@star.example", EmailVerified: true})
	c := ts.client(t)
	if resp, body := ssoSignIn(t, ts, p, c, "admin@star.example"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in with the kept secret: status %d\n%s", resp.StatusCode, body)
	}

	// Turning it off asks first, then frees the domain.
	remove := page + "/remove"
	if _, body := get(t, admin, page); !strings.Contains(body, `action="`+"/o/star/settings/single-sign-on/remove"+`"`) {
		t.Error("no way to turn single sign-on off")
	}
	resp, body = post(t, admin, remove, url.Values{})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Are you sure you want to turn off single sign-on?") || !strings.Contains(body, "<li>star.example</li>") {
		t.Fatalf("turn off: status %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := post(t, admin, remove, url.Values{"confirmed": {"yes"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("turn off, confirmed: status %d", resp.StatusCode)
	}
	if resp, _ := post(t, ts.client(t), ts.URL+"/login/sso", url.Values{"email": {"admin@star.example"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("starting single sign-on after it was turned off: status %d", resp.StatusCode)
	}
	if _, body := get(t, admin, page); strings.Contains(body, "A secret is saved") || strings.Contains(body, "Turn off single sign-on") {
		t.Error("the page still shows settings after turning single sign-on off")
	}
	if resp, _ := post(t, admin, remove, url.Values{"confirmed": {"yes"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("turning off what is off: status %d, want 404", resp.StatusCode)
	}
	if _, body := get(t, admin, ts.URL+"/o/star/audit"); !strings.Contains(body, "turned off single sign-on for star.example") {
		t.Error("the audit trail does not say single sign-on was turned off")
	}
}

func TestSSOSettingsOnlyForCouncilAdministrators(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	addUser(t, ts, "owner@northernbuild.example", "northernbuild", tally.RoleAdmin)
	saveSSO(t, ts, "star", "https://login.star.example", false, "star.example") // something to turn off
	for _, tc := range []struct{ email, slug string }{
		{"buyer@star.example", "star"},
		{"director@star.example", "star"},
		{"bids@northernbuild.example", "northernbuild"},
		{"owner@northernbuild.example", "northernbuild"},
		{"admin@star.example", "northernbuild"},
	} {
		c := signIn(t, ts, tc.email)
		for _, r := range []struct{ method, path string }{
			{http.MethodGet, ""}, {http.MethodPost, ""}, {http.MethodPost, "/remove"},
		} {
			resp, _ := send(t, c, r.method, ts.URL+"/o/"+tc.slug+"/settings/single-sign-on"+r.path,
				url.Values{"issuer": {"https://x.example"}, "confirmed": {"yes"}}, map[string]string{"Sec-Fetch-Site": "same-origin"})
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s%s as %s in %s: status %d, want 404", r.method, "single-sign-on", r.path, tc.email, tc.slug, resp.StatusCode)
			}
		}
	}
	// A partner council's administrator may.
	c := signIn(t, ts, "admin@star.example")
	if resp, _ := get(t, c, ts.URL+"/o/stockport/settings/single-sign-on"); resp.StatusCode != http.StatusOK {
		t.Errorf("shared service admin on a partner: status %d", resp.StatusCode)
	}
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
