package server_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/tally"
)

func TestDemoAccountsLandInTheirOrganisation(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	for _, tc := range []struct{ email, slug, name string }{
		{"director@star.example", "star", "STAR Shared Procurement"},
		{"buyer@star.example", "star", "STAR Shared Procurement"},
		{"admin@star.example", "star", "STAR Shared Procurement"},
		{"buyer@stockport.example", "stockport", "Stockport Council"},
		{"contracts@trafford.example", "trafford", "Trafford Council"},
		{"bids@northernbuild.example", "northernbuild", "Northern Build Ltd"},
		{"bids@nationalfm.example", "nationalfm", "National FM Services plc"},
		{"bids@communitycare.example", "communitycare", "Community Care Collective"},
	} {
		t.Run(tc.email, func(t *testing.T) {
			t.Parallel()
			if !contains(demoEmails(), tc.email) {
				t.Errorf("%s is not among the demo logins", tc.email)
			}
			c := ts.client(t)
			resp, body := post(t, c, ts.URL+"/login", url.Values{"email": {tc.email}, "password": {demo.Password}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
				t.Fatalf("sign in: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
			path, resp, body := follow(t, ts, c, "/")
			if path != "/o/"+tc.slug || resp.StatusCode != http.StatusOK {
				t.Fatalf("landed on %s with %d, want /o/%s", path, resp.StatusCode, tc.slug)
			}
			if !strings.Contains(body, tc.name) {
				t.Errorf("the organisation page does not name %q", tc.name)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q on a signed-in page", cc)
			}
		})
	}
}

func demoEmails() []string {
	var out []string
	for _, l := range demo.Logins {
		out = append(out, l.Email)
	}
	return out
}

func TestSeveralMembershipsGetTheChooser(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	addRoles(t, ts, userID(t, ts, "bids@northernbuild.example"), "communitycare", tally.RoleSupplier)
	c := signIn(t, ts, "bids@northernbuild.example")
	path, resp, body := follow(t, ts, c, "/")
	if path != "/" || resp.StatusCode != http.StatusOK || !strings.Contains(body, "Choose an organisation") {
		t.Fatalf("got %s with %d, want the chooser", path, resp.StatusCode)
	}
	for _, href := range []string{`href="/o/northernbuild"`, `href="/o/communitycare"`} {
		if !strings.Contains(body, href) {
			t.Errorf("the chooser has no link %s", href)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on the chooser", cc)
	}
}

func TestWrongPasswordAndUnknownEmailLookAlike(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	try := func(email string) (*http.Response, string) {
		resp, body := post(t, ts.client(t), ts.URL+"/login", url.Values{"email": {email}, "password": {"not the password"}})
		return resp, normalise(resp, body, email)
	}
	known, knownBody := try("buyer@star.example")
	unknown, unknownBody := try("nobody@star.example")
	if known.StatusCode != http.StatusUnprocessableEntity || unknown.StatusCode != known.StatusCode {
		t.Errorf("status %d for a wrong password, %d for an unknown email", known.StatusCode, unknown.StatusCode)
	}
	if knownBody != unknownBody {
		t.Errorf("the pages differ:\n%s\n---\n%s", knownBody, unknownBody)
	}
	if !hasFieldError(knownBody, "email") || !strings.Contains(knownBody, "Enter a correct email address and password") {
		t.Errorf("no field message:\n%s", knownBody)
	}
	for _, h := range []string{"Set-Cookie", "Retry-After", "Location"} {
		if known.Header.Get(h) != unknown.Header.Get(h) {
			t.Errorf("%s differs: %q and %q", h, known.Header.Get(h), unknown.Header.Get(h))
		}
	}
}

// fromProxy trusts the loopback proxy, so X-Forwarded-For sets the client.
func fromProxy(c *config.Config) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
}

func login(t *testing.T, ts *testServer, email, password, clientAddr string) *http.Response {
	t.Helper()
	resp, _ := send(t, ts.client(t), http.MethodPost, ts.URL+"/login", url.Values{"email": {email}, "password": {password}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": clientAddr})
	return resp
}

func TestEleventhFailureForAnAccountIsThrottled(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	// Ten failures from ten addresses, spelling the email in different
	// ways: only the account's count reaches ten.
	spellings := []string{"buyer@star.example", "BUYER@star.example", " Buyer@Star.Example "}
	for i := range 10 {
		if resp := login(t, ts, spellings[i%3], "wrong", "198.51.100."+itoa(i+1)); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d, want 422", i+1, resp.StatusCode)
		}
	}
	resp := login(t, ts, "buyer@star.example", demo.Password, "198.51.100.99")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt (with the right password): %d, want 429 with Retry-After", resp.StatusCode)
	}
	// Another account from the same address is not affected.
	if resp := login(t, ts, "admin@star.example", demo.Password, "198.51.100.99"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another account: %d, want 303", resp.StatusCode)
	}
	// Once the failures are older than the 15-minute window, sign-in works.
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE login_failures SET at = at - interval '15 minutes 1 second'`); err != nil {
		t.Fatal(err)
	}
	if resp := login(t, ts, "buyer@star.example", demo.Password, "198.51.100.99"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: %d, want 303", resp.StatusCode)
	}
}

func TestEleventhFailureFromAnAddressIsThrottled(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	for i := range 10 {
		email := "guess" + itoa(i) + "@star.example"
		if resp := login(t, ts, email, "wrong", "203.0.113.7"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d, want 422", i+1, resp.StatusCode)
		}
	}
	resp := login(t, ts, "admin@star.example", demo.Password, "203.0.113.7")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("11th attempt from the address: %d, want 429", resp.StatusCode)
	}
	if resp := login(t, ts, "admin@star.example", demo.Password, "203.0.113.8"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the same account from another address: %d, want 303", resp.StatusCode)
	}
}

func TestUntrustedForwardedForDoesNotEscapeThrottling(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	// Nine failures already in the window, one just outside it.
	if _, err := ts.db.Owner.Exec(t.Context(), `
		INSERT INTO login_failures (key, at) SELECT 'addr:127.0.0.1', now() - interval '1 minute' FROM generate_series(1, 9);
		INSERT INTO login_failures (key, at) VALUES ('addr:127.0.0.1', now() - interval '16 minutes')`); err != nil {
		t.Fatal(err)
	}
	if resp := login(t, ts, "someone@star.example", "wrong", "192.0.2.1"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("10th failure: %d, want 422", resp.StatusCode)
	}
	resp, body := send(t, ts.client(t), http.MethodPost, ts.URL+"/login",
		url.Values{"email": {"admin@star.example"}, "password": {demo.Password}},
		map[string]string{"X-Forwarded-For": "192.0.2.2"})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many attempts to sign in") {
		t.Errorf("11th attempt with a made-up X-Forwarded-For: %d, want the 429 page", resp.StatusCode)
	}
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	before := snapshot(t, ts)
	crossSite := map[string]string{"Sec-Fetch-Site": "cross-site"}
	otherOrigin := map[string]string{"Origin": "https://evil.example"}
	for _, tc := range []struct {
		name    string
		c       *http.Client
		path    string
		form    url.Values
		headers map[string]string
	}{
		{"sign in", ts.client(t), "/login", url.Values{"email": {"admin@star.example"}, "password": {demo.Password}}, crossSite},
		{"sign in from another origin", ts.client(t), "/login", url.Values{"email": {"admin@star.example"}, "password": {demo.Password}}, otherOrigin},
		{"invite", admin, "/o/star/users", url.Values{"email": {"new@star.example"}, "role": {"admin"}}, crossSite},
		{"settings", admin, "/o/star/settings/stockport", url.Values{"threshold": {"1"}, "default_weighting": {"1"},
			"local_area": {"E"}, "max_measures": {"1"}, "band_good": {"3"}, "band_approaching": {"2"}, "band_requires_improvement": {"1"}}, crossSite},
		{"roles", admin, "/o/star/users/" + itoa64(userID(t, ts, "buyer@star.example")), url.Values{}, otherOrigin},
		{"sign out everywhere", admin, "/account/sign-out-everywhere", nil, crossSite},
		{"sign out", admin, "/logout", nil, crossSite},
	} {
		resp, body := send(t, tc.c, http.MethodPost, ts.URL+tc.path, tc.form, tc.headers)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "That request came from another website") {
			t.Errorf("%s: %d, want the 403 page", tc.name, resp.StatusCode)
		}
		if resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: set a cookie", tc.name)
		}
	}
	unchanged(t, "cross-site posts", before, snapshot(t, ts))
	if len(emailsTo(ts, "new@star.example")) > 0 {
		t.Error("a cross-site invitation was emailed")
	}
	if resp, _ := get(t, admin, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
		t.Errorf("the admin's session did not survive: %d", resp.StatusCode)
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := signIn(t, ts, "admin@star.example")
	old := sessionCookie(ts, c)
	if resp, _ := get(t, withCookie(old), ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the cookie does not work before sign-out: %d", resp.StatusCode)
	}
	resp, _ := post(t, c, ts.URL+"/logout", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("sign out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/o/star", "/account", "/o/star/users"} {
		if resp, _ := get(t, withCookie(old), ts.URL+path); !signedOut(resp) {
			t.Errorf("the old cookie still reaches %s: %d", path, resp.StatusCode)
		}
	}
	var n int
	ts.db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE token = $1`, old).Scan(&n)
	if n != 0 {
		t.Error("the session is still stored on the server")
	}
}

func TestSignOutEverywhereEndsOtherSessions(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	first, second := signIn(t, ts, "buyer@star.example"), signIn(t, ts, "buyer@star.example")
	other := signIn(t, ts, "director@star.example")
	old := sessionCookie(ts, first)
	resp, _ := post(t, first, ts.URL+"/account/sign-out-everywhere", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("sign out everywhere: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(t, second, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("the second session still works: %d", resp.StatusCode)
	}
	if resp, _ := get(t, withCookie(old), ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("the first session's cookie still works: %d", resp.StatusCode)
	}
	if resp, _ := get(t, other, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
		t.Errorf("another person's session ended too: %d", resp.StatusCode)
	}
	again := signIn(t, ts, "buyer@star.example")
	if resp, _ := get(t, again, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
		t.Errorf("signing in again: %d", resp.StatusCode)
	}
}

func TestSessionFromBeforeSignInIsNotValidAfter(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	// A planted, valid anonymous session stored on the server, and a token
	// the attacker simply made up.
	data, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.db.Owner.Exec(t.Context(), `INSERT INTO sessions (token, data, expiry) VALUES ('planted-token', $1, now() + interval '1 hour')`, data); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(ts.URL)
	for _, planted := range []string{"planted-token", "made-up-token"} {
		c := ts.client(t)
		c.Jar.SetCookies(u, []*http.Cookie{{Name: "tally_session", Value: planted, Path: "/"}})
		if resp, _ := get(t, c, ts.URL+"/login"); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /login: %d", resp.StatusCode)
		}
		resp, _ := post(t, c, ts.URL+"/login", url.Values{"email": {"admin@star.example"}, "password": {demo.Password}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %d", resp.StatusCode)
		}
		after := sessionCookie(ts, c)
		if after == "" || after == planted {
			t.Errorf("%s: the token did not change on sign-in", planted)
		}
		if resp, _ := get(t, withCookie(planted), ts.URL+"/o/star"); !signedOut(resp) {
			t.Errorf("%s: the token from before sign-in reaches /o/star: %d", planted, resp.StatusCode)
		}
		if resp, _ := get(t, c, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: the new session does not work: %d", planted, resp.StatusCode)
		}
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		ts := seededServer(t, func(c *config.Config) { c.SecureCookies = secure })
		resp, _ := post(t, ts.client(t), ts.URL+"/login", url.Values{"email": {"admin@star.example"}, "password": {demo.Password}})
		var ck *http.Cookie
		for _, c := range resp.Cookies() {
			ck = c
		}
		if ck == nil {
			t.Fatalf("secure=%v: no cookie set on sign-in", secure)
		}
		wantName := map[bool]string{false: "tally_session", true: "__Host-tally_session"}[secure]
		if ck.Name != wantName || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure ||
			ck.Path != "/" || ck.Domain != "" {
			t.Errorf("secure=%v: cookie %q", secure, resp.Header.Get("Set-Cookie"))
		}
		if hsts := resp.Header.Get("Strict-Transport-Security"); (hsts != "") != secure {
			t.Errorf("secure=%v: HSTS %q", secure, hsts)
		}
		// The idle timeout bounds the stored session.
		var idle time.Duration
		ts.db.Owner.QueryRow(t.Context(), `SELECT max(expiry) - now() FROM sessions`).Scan(&idle)
		if idle > 30*time.Minute+time.Minute || idle <= 0 {
			t.Errorf("secure=%v: the session expires in %v, want the 30-minute idle timeout", secure, idle)
		}
		if secure {
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
				Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
					r.Header.Set("Cookie", ck.Name+"="+ck.Value)
					return http.DefaultTransport.RoundTrip(r)
				})}
			resp, _ := get(t, c, ts.URL+"/o/star")
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("with the __Host- cookie: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
			}
		}
	}
}

func TestSignedInPagesAreNotCached(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := signIn(t, ts, "admin@star.example")
	for _, path := range []string{"/o/star", "/account", "/o/star/users", "/o/star/settings/stockport", "/o/star/audit",
		"/o/trafford/nothing-here", "/register", "/password-reset"} {
		resp, _ := get(t, c, ts.URL+path)
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s (%d): Cache-Control %q", path, resp.StatusCode, cc)
		}
	}
}

func TestSignInRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := ts.client(t)
	if resp, _ := get(t, c, ts.URL+"/o/star/users"); resp.Header.Get("Location") != "/login?next=%2Fo%2Fstar%2Fusers" {
		t.Fatalf("signed-out GET: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ := post(t, c, ts.URL+"/login", url.Values{"email": {"admin@star.example"}, "password": {demo.Password}, "next": {"/o/star/users"}})
	if resp.Header.Get("Location") != "/o/star/users" {
		t.Errorf("next: redirected to %q", resp.Header.Get("Location"))
	}
	signedIn := sessionCookie(ts, c)
	for _, next := range []string{"//evil.example", "/\\evil.example", "https://evil.example/", "/\t/evil.example",
		"/\n/evil.example", " //evil.example", "/\\\t/evil.example", "javascript:alert(1)", "/%09/evil.example"} {
		// Sent through the bare transport: http.Client refuses to read some
		// of the Locations a browser would follow.
		get, _ := http.NewRequest(http.MethodGet, ts.URL+"/login?next="+url.QueryEscape(next), nil)
		get.Header.Set("Cookie", "tally_session="+signedIn)
		form := url.Values{"email": {"admin@star.example"}, "password": {demo.Password}, "next": {next}}
		post, _ := http.NewRequest(http.MethodPost, ts.URL+"/login", strings.NewReader(form.Encode()))
		post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, req := range []*http.Request{get, post} {
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// Browsers drop tabs and new lines from URLs and read \ as /.
			loc := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
				t.Errorf("%s next=%q: %d to %q", req.Method, next, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }
