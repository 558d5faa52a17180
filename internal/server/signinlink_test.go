package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/postgres"
)

// askForLink asks for a sign-in link to email from the client address
// addr, as the form does, on the client c.
func askForLink(t *testing.T, ts *testServer, c *http.Client, email, next, addr string) (*http.Response, string) {
	t.Helper()
	return send(t, c, http.MethodPost, ts.URL+"/login/link", url.Values{"email": {email}, "next": {next}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": addr})
}

// The owner of an account that a rival has throttled signs in with an
// emailed link, from the very address that is throttled; the link works
// once and leads where the sign-in was going.
func TestSignInLinkSignsInWhileThrottled(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	const owner, addr = "bids@northernbuild.example", "198.51.100.20"
	for range 10 {
		login(t, ts, owner, "wrong", addr)
	}
	c := ts.client(t)
	resp, body := send(t, c, http.MethodPost, ts.URL+"/login",
		url.Values{"email": {owner}, "password": {demo.Password}, "next": {"/o/northernbuild/returns"}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": addr})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the 11th attempt: %d, want 429", resp.StatusCode)
	}
	for _, want := range []string{`action="/login/link"`, `name="email" value="` + owner + `"`,
		`name="next" value="/o/northernbuild/returns"`, "Email me a link to sign in"} {
		if !strings.Contains(body, want) {
			t.Errorf("the 429 page has no %s", want)
		}
	}

	resp, body = askForLink(t, ts, c, owner, "/o/northernbuild/returns", addr)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your email") {
		t.Fatalf("ask for a link: %d\n%s", resp.StatusCode, body)
	}
	mails := emailsTo(ts, owner)
	if len(mails) != 1 || mails[0].Subject != "Sign in to Tally" {
		t.Fatalf("emails to the owner: %+v", mails)
	}
	link := lastLink(t, ts, owner)
	if !strings.HasPrefix(link, "/login/link/") {
		t.Fatalf("the link is %s", link)
	}

	// Opening the link (as a mail scanner would) signs no one in and uses
	// nothing up.
	before := snapshot(t, ts)
	resp, body = get(t, c, ts.URL+link)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You are signing in as "+owner) {
		t.Fatalf("open the link: %d\n%s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on the page that names the account", cc)
	}
	unchanged(t, "opening a sign-in link", before, snapshot(t, ts))
	if resp, _ := get(t, c, ts.URL+"/o/northernbuild"); !signedOut(resp) {
		t.Fatalf("opening the link signed in: %d", resp.StatusCode)
	}

	planted := sessionCookie(ts, c)
	resp, _ = send(t, c, http.MethodPost, ts.URL+link, url.Values{}, map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": addr})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/northernbuild/returns" {
		t.Fatalf("use the link: %d to %q, want 303 to /o/northernbuild/returns", resp.StatusCode, resp.Header.Get("Location"))
	}
	if sessionCookie(ts, c) == planted {
		t.Error("the session token did not change on sign-in")
	}
	if resp, body := get(t, c, ts.URL+"/o/northernbuild/returns"); resp.StatusCode != http.StatusOK {
		t.Errorf("signed in with the link: %d\n%.500s", resp.StatusCode, body)
	}

	// Used: it works no more, opened or posted.
	resp, body = get(t, ts.client(t), ts.URL+link)
	expired(t, resp, body, "GET a used sign-in link")
	resp, body = post(t, ts.client(t), ts.URL+link, url.Values{})
	expired(t, resp, body, "POST a used sign-in link")
	if !strings.Contains(body, `href="/login/link"`) {
		t.Error("the expired page offers no new link")
	}
	// Proving the mailbox forgets the failures at that address: the
	// password works there again.
	if resp := login(t, ts, owner, demo.Password, addr); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the password at the address after the link: %d, want 303", resp.StatusCode)
	}
}

func TestSignInLinkExpiresAndDiesWithThePassword(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	const owner = "buyer@star.example"
	askForLink(t, ts, ts.client(t), owner, "", "198.51.100.30")
	late := lastLink(t, ts, owner)
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE sign_in_links SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, ts)
	resp, body := get(t, ts.client(t), ts.URL+late)
	expired(t, resp, body, "GET an expired sign-in link")
	resp, body = post(t, ts.client(t), ts.URL+late, url.Values{})
	expired(t, resp, body, "POST an expired sign-in link")
	resp, body = post(t, ts.client(t), ts.URL+"/login/link/made-up-token", url.Values{})
	expired(t, resp, body, "POST a made-up sign-in link")
	unchanged(t, "dead sign-in links", before, snapshot(t, ts))

	// A password change ends the links sent before it.
	askForLink(t, ts, ts.client(t), owner, "", "198.51.100.30")
	link := lastLink(t, ts, owner)
	if _, err := postgres.New(ts.db.Owner).ChangePassword(t.Context(), userID(t, ts, owner), "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"); err != nil {
		t.Fatal(err)
	}
	resp, body = post(t, ts.client(t), ts.URL+link, url.Values{})
	expired(t, resp, body, "a sign-in link sent before a password change")
}

// A link leads only to a page of this site.
func TestSignInLinkNextStaysOnSite(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	for i, next := range []string{"", "//evil.example", "https://evil.example/", "/\t/evil.example", "/" + strings.Repeat("a", 2001)} {
		email := "bids@northernbuild.example"
		askForLink(t, ts, ts.client(t), email, next, "198.51.100."+itoa(40+i))
		c := ts.client(t)
		resp, _ := post(t, c, ts.URL+lastLink(t, ts, email), url.Values{})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("next %.40q: %d to %q, want 303 to /", next, resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, err := ts.db.Owner.Exec(t.Context(), `DELETE FROM login_failures`); err != nil {
			t.Fatal(err)
		}
	}
	// The sign-in page's own link carries next along.
	_, body := get(t, ts.client(t), ts.URL+"/login?next=%2Fo%2Fnorthernbuild%2Freturns")
	if !strings.Contains(body, `href="/login/link?next=%2Fo%2Fnorthernbuild%2Freturns"`) {
		t.Errorf("the sign-in page does not offer a link that keeps next")
	}
	_, body = get(t, ts.client(t), ts.URL+"/login/link?next=%2Fo%2Fnorthernbuild%2Freturns")
	if !strings.Contains(body, `name="next" value="/o/northernbuild/returns"`) {
		t.Errorf("the link form does not keep next")
	}
}

// Asking for a link takes the same path and gets the same answer whether
// or not the address has an account; only an account is emailed.
func TestSignInLinkRequestLooksTheSameForAnyAddress(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	known, knownBody := askForLink(t, ts, ts.client(t), "buyer@star.example", "/", "198.51.100.50")
	unknown, unknownBody := askForLink(t, ts, ts.client(t), "nobody@star.example", "/", "198.51.100.50")
	if known.StatusCode != http.StatusOK || unknown.StatusCode != known.StatusCode {
		t.Errorf("status %d for an account, %d for none", known.StatusCode, unknown.StatusCode)
	}
	if normalise(known, knownBody, "buyer@star.example") != normalise(unknown, unknownBody, "nobody@star.example") {
		t.Errorf("the pages differ:\n%s\n---\n%s", knownBody, unknownBody)
	}
	if !strings.Contains(knownBody, "If there is a Tally account for buyer@star.example, we have sent it a link") {
		t.Errorf("no confirmation:\n%s", knownBody)
	}
	// Each request queued a job and sent nothing: the worker makes the
	// link, and emails it only to an account.
	var queued int
	if err := ts.db.Owner.QueryRow(t.Context(), `
		SELECT count(*) FROM river_job WHERE kind = 'sign_in_link' AND state = 'available'`).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued != 2 || strings.Contains(ts.log.String(), `"subject":"Sign in to Tally"`) {
		t.Errorf("%d sign-in link jobs queued, want 2, and no email sent on the request", queued)
	}
	for _, h := range []string{"Set-Cookie", "Retry-After", "Location"} {
		if known.Header.Get(h) != unknown.Header.Get(h) {
			t.Errorf("%s differs: %q and %q", h, known.Header.Get(h), unknown.Header.Get(h))
		}
	}
	if len(emailsTo(ts, "nobody@star.example")) != 0 || len(emailsTo(ts, "buyer@star.example")) != 1 {
		t.Error("emailed the wrong addresses")
	}
}

// Requests for links are limited per address asked for (the window is a
// link's lifetime, so the links already sent still work) and per client
// address.
func TestSignInLinkRequestsAreThrottled(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	for _, email := range []string{"buyer@star.example", "nobody@star.example"} {
		for i := range 3 {
			if resp, _ := askForLink(t, ts, ts.client(t), email, "/", "198.51.100."+itoa(60+i)); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: request %d: %d", email, i+1, resp.StatusCode)
			}
		}
		resp, body := askForLink(t, ts, ts.client(t), email, "/", "198.51.100.69")
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "900" ||
			!strings.Contains(body, "Too many requests for links to sign in") {
			t.Errorf("%s: the 4th request: %d, Retry-After %q; want the 429 page", email, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if n := len(emailsTo(ts, "buyer@star.example")); n != 3 {
		t.Errorf("%d emails, want 3", n)
	}
	// A link sent before the limit still signs in.
	if resp, _ := post(t, ts.client(t), ts.URL+lastLink(t, ts, "buyer@star.example"), url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a link sent before the limit: %d, want 303", resp.StatusCode)
	}

	// One client address asking for many addresses.
	for i := range 10 {
		if resp, _ := askForLink(t, ts, ts.client(t), "someone"+itoa(i)+"@star.example", "/", "203.0.113.60"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d from one address: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := askForLink(t, ts, ts.client(t), "admin@star.example", "/", "203.0.113.60"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the 11th request from one address: %d, want 429", resp.StatusCode)
	}
	if len(emailsTo(ts, "admin@star.example")) != 0 {
		t.Error("a refused request was emailed")
	}
}
