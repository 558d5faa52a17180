package server_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

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

// Ten wrong passwords from one address must not lock the owner out (issue
// 16): the eleventh attempt from that address is refused, whatever the
// password, but the owner still signs in from another.
func TestEleventhFailureFromOneAddressIsThrottledForThatAddressOnly(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	// Ten failures from one address, spelling the email in different
	// ways: they all count against the one account.
	spellings := []string{"buyer@star.example", "BUYER@star.example", " Buyer@Star.Example "}
	for i := range 10 {
		if resp := login(t, ts, spellings[i%3], "wrong", "198.51.100.1"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d, want 422", i+1, resp.StatusCode)
		}
	}
	resp := login(t, ts, "buyer@star.example", demo.Password, "198.51.100.1")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "900" {
		t.Fatalf("11th attempt from the address (with the right password): %d, Retry-After %q; want 429, 900",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The owner, elsewhere, is not affected; nor is another account at
	// the rival's address.
	if resp := login(t, ts, "buyer@star.example", demo.Password, "198.51.100.99"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the owner from another address: %d, want 303", resp.StatusCode)
	}
	if resp := login(t, ts, "admin@star.example", demo.Password, "198.51.100.1"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another account from the address: %d, want 303", resp.StatusCode)
	}
	// Once the failures are older than the 15-minute window, sign-in works.
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE login_failures SET at = at - interval '15 minutes 1 second'`); err != nil {
		t.Fatal(err)
	}
	if resp := login(t, ts, "buyer@star.example", demo.Password, "198.51.100.1"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: %d, want 303", resp.StatusCode)
	}
}

// Guessing from many addresses meets a higher limit for the account.
func TestHundredFailuresForAnAccountThrottleIt(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	// 96 failures from 12 addresses, 8 each, are already in the window.
	if _, err := ts.db.Owner.Exec(t.Context(), `
		INSERT INTO login_failures (key, at)
		SELECT 'email:buyer@star.example', now() - interval '1 minute' FROM generate_series(1, 96)`); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if resp := login(t, ts, "buyer@star.example", "wrong", "198.51.100."+itoa(i+1)); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d, want 422", 97+i, resp.StatusCode)
		}
	}
	if resp := login(t, ts, "buyer@star.example", demo.Password, "203.0.113.50"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the 101st attempt, from a new address: %d, want 429", resp.StatusCode)
	}
	if resp := login(t, ts, "admin@star.example", demo.Password, "203.0.113.50"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another account: %d, want 303", resp.StatusCode)
	}
}

// Spraying one guess at many accounts from one address meets the
// address's limit; the same accounts still sign in from elsewhere.
func TestThirtyFailuresFromAnAddressThrottleIt(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	for i := range 30 {
		email := "guess" + itoa(i) + "@star.example"
		if resp := login(t, ts, email, "wrong", "203.0.113.7"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d, want 422", i+1, resp.StatusCode)
		}
	}
	resp := login(t, ts, "admin@star.example", demo.Password, "203.0.113.7")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("31st attempt from the address: %d, want 429", resp.StatusCode)
	}
	if resp := login(t, ts, "admin@star.example", demo.Password, "203.0.113.8"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the same account from another address: %d, want 303", resp.StatusCode)
	}
}

// Guesses sent all at once are counted like guesses one after another:
// no more than ten are checked.
func TestABurstOfGuessesIsCountedAsItArrives(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	const burst = 24
	codes := make(chan int, burst)
	var wg sync.WaitGroup
	for range burst {
		wg.Go(func() {
			codes <- login(t, ts, "buyer@star.example", "wrong", "198.51.100.5").StatusCode
		})
	}
	wg.Wait()
	close(codes)
	counts := map[int]int{}
	for c := range codes {
		counts[c]++
	}
	if counts[http.StatusUnprocessableEntity] != 10 || counts[http.StatusTooManyRequests] != burst-10 {
		t.Errorf("a burst of %d guesses: %v, want 10×422 and the rest 429", burst, counts)
	}
}

func TestUntrustedForwardedForDoesNotEscapeThrottling(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	// 29 failures already in the window, one just outside it.
	if _, err := ts.db.Owner.Exec(t.Context(), `
		INSERT INTO login_failures (key, at) SELECT 'addr:127.0.0.1', now() - interval '1 minute' FROM generate_series(1, 29);
		INSERT INTO login_failures (key, at) VALUES ('addr:127.0.0.1', now() - interval '16 minutes')`); err != nil {
		t.Fatal(err)
	}
	if resp := login(t, ts, "someone@star.example", "wrong", "192.0.2.1"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("30th failure: %d, want 422", resp.StatusCode)
	}
	resp, body := send(t, ts.client(t), http.MethodPost, ts.URL+"/login",
		url.Values{"email": {"admin@star.example"}, "password": {demo.Password}},
		map[string]string{"X-Forwarded-For": "192.0.2.2"})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many attempts to sign in") {
		t.Errorf("31st attempt with a made-up X-Forwarded-For: %d, want the 429 page", resp.StatusCode)
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

func itoa(i int) string { return strconv.Itoa(i) }

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }

// An IPv6 client is counted by its /64: moving from address to address
// within the block its network was given escapes no limit, while another
// block is a different client.
func TestIPv6ClientsAreCountedByTheirBlock(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	for i := range 10 {
		addr := "2001:db8:1:2::" + strconv.Itoa(i+1)
		if resp := login(t, ts, "buyer@star.example", "wrong", addr); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d from %s: status %d, want 422", i+1, addr, resp.StatusCode)
		}
	}
	if resp := login(t, ts, "buyer@star.example", demo.Password, "2001:db8:1:2:ffff::9"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("11th attempt from a new address in the same /64: %d, want 429", resp.StatusCode)
	}
	if resp := login(t, ts, "buyer@star.example", demo.Password, "2001:db8:1:3::1"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the owner from another /64: %d, want 303", resp.StatusCode)
	}
}

// Changing the password counts wrong current passwords like sign-ins; once
// refused, the person, signed in already, gets their account page back
// with the reason on the field, not a sign-in page.
func TestChangePasswordThrottledKeepsTheAccountPage(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := signIn(t, ts, "buyer@star.example")
	form := url.Values{"current": {"wrong-password-1"}, "password": {"a-new-password-123"}, "confirm": {"a-new-password-123"}}
	for i := range 10 {
		if resp, _ := post(t, c, ts.URL+"/account/password", form); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password %d: %d, want 422", i+1, resp.StatusCode)
		}
	}
	resp, body := post(t, c, ts.URL+"/account/password", form)
	if resp.StatusCode != http.StatusTooManyRequests || !hasFieldError(body, "current") || !strings.Contains(body, "wait 15 minutes") ||
		strings.Contains(body, "Too many attempts to sign in") {
		t.Errorf("11th try: %d, want 429 on the account page with the reason on the current password", resp.StatusCode)
	}
}
