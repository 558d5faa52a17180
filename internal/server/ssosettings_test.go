package server_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/oidctest"
	"github.com/tally-sv/tally/internal/secretbox"
	"github.com/tally-sv/tally/internal/tally"
)

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
	if resp, _ := post(t, admin, remove, url.Values{"confirmed": {"yes"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("turning off what is off: status %d, want 409", resp.StatusCode)
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

// Served over https, Tally refuses a plain http issuer even on this
// machine, before any discovery: production discovery never reaches it.
func TestSSOSettingsOverHTTPSRefuseLoopback(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, func(c *config.Config) { c.BaseURL = "https://tally.example" })
	p := oidctest.New(t, ssoClient, ssoSecret)
	admin := signIn(t, ts, "admin@star.example")
	resp, body := post(t, admin, ts.URL+"/o/star/settings/single-sign-on", url.Values{"issuer": {p.URL}, "client_id": {ssoClient},
		"client_secret": {ssoSecret}, "domains": {"star.example"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "issuer") || !strings.Contains(body, "starts with https://") ||
		!strings.Contains(body, "https://tally.example/login/sso/callback") {
		t.Errorf("status %d\n%s", resp.StatusCode, body)
	}
	if len(p.Authorizations()) != 0 || strings.Contains(ts.log.String(), "discovery failed") {
		t.Error("the provider was asked")
	}
}
