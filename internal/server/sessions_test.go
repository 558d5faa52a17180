package server_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/demo"
)

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

// TestSessionIsSavedOnActivityNotEveryRequest: pages within a minute of
// the last save read the session without writing it, and a session idle
// past its stored expiry is signed out.
func TestSessionIsSavedOnActivityNotEveryRequest(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := ts.client(t)
	post(t, c, ts.URL+"/login", url.Values{"email": {"admin@star.example"}, "password": {demo.Password}})
	saved := func() (expiry time.Time, data []byte) {
		t.Helper()
		if err := ts.db.Owner.QueryRow(t.Context(), `SELECT expiry, data FROM sessions ORDER BY expiry DESC LIMIT 1`).Scan(&expiry, &data); err != nil {
			t.Fatal(err)
		}
		return expiry, data
	}
	e1, d1 := saved()
	if until := time.Until(e1); until > 30*time.Minute+time.Minute || until < 29*time.Minute {
		t.Errorf("after sign-in the session expires in %v, want the 30-minute idle timeout", until)
	}
	for range 3 {
		if resp, _ := get(t, c, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /o/star: %d", resp.StatusCode)
		}
	}
	if e2, d2 := saved(); !e2.Equal(e1) || !bytes.Equal(d1, d2) {
		t.Errorf("pages within a minute of sign-in saved the session again (expiry %v → %v)", e1, e2)
	}
	// Idle for longer than the timeout: the stored expiry has passed.
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE sessions SET expiry = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, c, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("an idle session still reaches /o/star: %d", resp.StatusCode)
	}
}
