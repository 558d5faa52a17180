package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Registering answers the same, and writes the same, whether or not the
// email has an account: only the email says which. No token is ever in a
// job's arguments: the job names the registration, and the worker makes
// the link.
func TestRegisteringTakesTheSamePathWhetherOrNotTheAccountExists(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const newcomer, typed = "owner@boltonbricks.example", "BIDS@NorthernBuild.example"
	jobs := func() (n int) {
		ts.db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'registration'`).Scan(&n)
		return n
	}
	answer := func(email string) (*http.Response, string) {
		before, queued := snapshot(t, ts), jobs()
		resp, body := post(t, ts.client(t), ts.URL+"/register", registration("Bolton Bricks Ltd", "BL1 1AA", email))
		// Only the waiting registration, the attempt and one job are
		// written.
		unchanged(t, "registering "+email, before, snapshot(t, ts), "pending_registrations", "login_failures", "river_job")
		if n := jobs() - queued; n != 1 {
			t.Errorf("registering %s queued %d registration jobs, want 1", email, n)
		}
		return resp, body
	}
	newResp, newBody := answer(newcomer)
	takenResp, takenBody := answer(typed) // in another case: the account's address all the same
	taken := strings.ToLower(typed)
	if newResp.StatusCode != http.StatusOK || takenResp.StatusCode != http.StatusOK {
		t.Fatalf("statuses %d and %d, want 200 both", newResp.StatusCode, takenResp.StatusCode)
	}
	if !strings.Contains(newBody, "Check your email") || !strings.Contains(newBody, "We have sent an email to "+newcomer+". It tells you how to finish registering.") {
		t.Errorf("the page does not say to check email:\n%s", newBody)
	}
	if a, b := normalise(newResp, newBody, newcomer), normalise(takenResp, takenBody, taken); a != b {
		t.Errorf("the pages differ:\n%s\n----\n%s", a, b)
	}
	for _, h := range []string{"Set-Cookie", "Location", "Retry-After"} {
		if newResp.Header.Get(h) != takenResp.Header.Get(h) {
			t.Errorf("%s differs: %q and %q", h, newResp.Header.Get(h), takenResp.Header.Get(h))
		}
	}

	// The newcomer is sent the link; the account's owner is told that
	// it exists, with ways in, and nothing the form said.
	if link := lastLink(t, ts, newcomer); !strings.HasPrefix(link, "/register/confirm/") {
		t.Errorf("the newcomer's email links to %s", link)
	}
	mails := emailsTo(ts, taken)
	if len(mails) != 1 {
		t.Fatalf("%d emails to %s, want 1", len(mails), taken)
	}
	m := mails[0]
	if m.Subject != "You already have a Tally account" || !strings.Contains(m.Body, "http://localhost/login") ||
		!strings.Contains(m.Body, "http://localhost/password-reset") {
		t.Errorf("the email to an existing account:\n%s\n%s", m.Subject, m.Body)
	}
	if strings.Contains(m.Body, "/register/confirm/") || strings.Contains(m.Body, "Bolton") || strings.Contains(m.Body, "Reg Istrar") {
		t.Errorf("the email to an existing account carries a link or what the form said:\n%s", m.Body)
	}
	var tokens int
	ts.db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE args::text LIKE '%register/confirm%' OR args::text LIKE '%'||$1||'%'`,
		strings.TrimPrefix(lastLink(t, ts, newcomer), "/register/confirm/")).Scan(&tokens)
	if tokens != 0 {
		t.Errorf("%d jobs hold the registration link's token", tokens)
	}
	var orgs int
	ts.db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM organisations WHERE name = 'Bolton Bricks Ltd'`).Scan(&orgs)
	if orgs != 0 {
		t.Errorf("%d organisations registered before any link was used", orgs)
	}
}

func TestRegistrationLinkWorksOnce(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := ts.client(t)
	form := registration("Wigan Widgets Ltd", "WN1 1AA", "owner@wiganwidgets.example")
	if resp, body := register(t, ts, c, form); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/wigan-widgets-ltd" {
		t.Fatalf("finish registering: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if _, _, body := follow(t, ts, c, "/o/wigan-widgets-ltd"); !strings.Contains(body, "Your organisation is registered") {
		t.Error("no word that the organisation is registered")
	}
	link := lastLink(t, ts, "owner@wiganwidgets.example")
	before := snapshot(t, ts)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		resp, body := send(t, ts.client(t), method, ts.URL+link, url.Values{}, map[string]string{"Sec-Fetch-Site": "same-origin"})
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "This link has expired") ||
			!strings.Contains(body, `href="/register"`) || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s the used link: %d, want 404 offering to register again", method, resp.StatusCode)
		}
	}
	unchanged(t, "a used registration link", before, snapshot(t, ts))
	// The password chosen on the link's page is the account's.
	signIn := func(password string) int {
		resp, _ := post(t, ts.client(t), ts.URL+"/login", url.Values{"email": {"owner@wiganwidgets.example"}, "password": {password}})
		return resp.StatusCode
	}
	if got := signIn(registerPassword); got != http.StatusSeeOther {
		t.Errorf("sign in with the registered password: %d", got)
	}
}

func TestRegistrationLinkExpires(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := ts.client(t)
	if resp, _ := post(t, c, ts.URL+"/register", registration("Oldham Oats Ltd", "OL1 1AB", "owner@oldhamoats.example")); resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	link := lastLink(t, ts, "owner@oldhamoats.example")
	// A day passes.
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE pending_registrations SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, ts)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		resp, body := send(t, c, method, ts.URL+link, choosePassword(registerPassword), map[string]string{"Sec-Fetch-Site": "same-origin"})
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "work once, for 24 hours") || !strings.Contains(body, "Register again") {
			t.Errorf("%s the expired link: %d, want 404 offering to register again", method, resp.StatusCode)
		}
	}
	unchanged(t, "an expired registration link", before, snapshot(t, ts))
	// Half a token, or none of ours, reads the same.
	if resp, _ := get(t, c, ts.URL+link[:len(link)-5]); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a cut link: %d, want 404", resp.StatusCode)
	}
	// The next registration clears the expired one away.
	post(t, c, ts.URL+"/register", registration("Oldham Oils Ltd", "OL1 1AB", "owner@oldhamoils.example"))
	var left []string
	rows, err := ts.db.Owner.Query(t.Context(), `SELECT email FROM pending_registrations`)
	if err == nil {
		left, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil || len(left) != 1 || left[0] != "owner@oldhamoils.example" {
		t.Errorf("waiting registrations %v (%v), want only the new one", left, err)
	}
}

// A link waits a day; by the time it is used, the email or the
// organisation may be registered.
func TestRegistrationLinkAfterTheAccountOrOrganisationAppeared(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	// One person registers two organisations: the second link finds an
	// account.
	first, second := ts.client(t), ts.client(t)
	post(t, first, ts.URL+"/register", registration("Salford Sails Ltd", "M5 4WT", "pat@sails.example"))
	firstLink := lastLink(t, ts, "pat@sails.example")
	post(t, second, ts.URL+"/register", registration("Salford Ropes Ltd", "M5 4WT", "pat@sails.example"))
	secondLink := lastLink(t, ts, "pat@sails.example")
	if resp, _ := post(t, first, ts.URL+firstLink, choosePassword(registerPassword)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the first link: %d", resp.StatusCode)
	}
	// Opened, the second link says so at once rather than ask for a
	// password it would refuse.
	resp, body := get(t, second, ts.URL+secondLink)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You already have an account") || strings.Contains(body, `name="password"`) {
		t.Errorf("opening the second link: %d, want the page saying there is an account, with no password form", resp.StatusCode)
	}
	before := snapshot(t, ts)
	resp, body = post(t, second, ts.URL+secondLink, choosePassword(registerPassword))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "You already have an account") || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("the second link: %d, want 409 saying there is an account", resp.StatusCode)
	}
	unchanged(t, "a link for an email that has an account now", before, snapshot(t, ts))

	// Two people register one organisation: the second points to joining.
	post(t, first, ts.URL+"/register", registration("Bury Bells Ltd", "BL9 0AA", "sam@burybells.example"))
	samLink := lastLink(t, ts, "sam@burybells.example")
	if resp, _ := register(t, ts, second, registration("Bury Bells Ltd", "BL9 0AA", "kim@burybells.example")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("Kim registers Bury Bells: %d", resp.StatusCode)
	}
	before = snapshot(t, ts)
	resp, body = post(t, first, ts.URL+samLink, choosePassword(registerPassword))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Join Bury Bells Ltd instead") ||
		!strings.Contains(body, `value="sam@burybells.example"`) {
		t.Errorf("Sam's link: %d, want 409 pointing to joining Bury Bells Ltd", resp.StatusCode)
	}
	unchanged(t, "a link for an organisation registered since", before, snapshot(t, ts))
}

func TestRegisteringIsThrottled(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	attempt := func(email, addr string) *http.Response {
		resp, _ := send(t, ts.client(t), http.MethodPost, ts.URL+"/register", registration("Leigh Looms Ltd", "WN7 1AA", email),
			map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": addr})
		return resp
	}
	// Per client address: ten a day, then a pause for that address only.
	for i := range 10 {
		if resp := attempt("person"+itoa(i)+"@looms.example", "198.51.100.7"); resp.StatusCode != http.StatusOK {
			t.Fatalf("attempt %d: %d, want 200", i+1, resp.StatusCode)
		}
	}
	before := snapshot(t, ts)
	resp := attempt("another@looms.example", "198.51.100.7")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "86400" {
		t.Errorf("11th attempt from one address: %d, want 429 with Retry-After 86400", resp.StatusCode)
	}
	unchanged(t, "a throttled registration", before, snapshot(t, ts))
	if len(emailsTo(ts, "another@looms.example")) != 0 {
		t.Error("a throttled registration was emailed")
	}
	if resp := attempt("another@looms.example", "198.51.100.8"); resp.StatusCode != http.StatusOK {
		t.Errorf("another address: %d, want 200", resp.StatusCode)
	}
	// Per email address and client address: three a day, whether or not
	// the email has an account, so no one client floods a mailbox. There
	// is no limit per email address alone: a rival using the address again
	// and again does not stop its owner registering from elsewhere.
	for _, email := range []string{"target@looms.example", "bids@northernbuild.example"} {
		for i := range 3 {
			if resp := attempt(email, "203.0.113.1"); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s attempt %d: %d, want 200", email, i+1, resp.StatusCode)
			}
		}
		if resp := attempt(email, "203.0.113.1"); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("%s 4th attempt from one address: %d, want 429", email, resp.StatusCode)
		}
		if resp := attempt(email, "203.0.113.2"); resp.StatusCode != http.StatusOK {
			t.Errorf("%s from another address: %d, want 200", email, resp.StatusCode)
		}
	}
	if !strings.Contains(ts.log.String(), `"event":"register_throttled"`) {
		t.Error("no security event for a throttled registration")
	}
}

// The password is chosen on the link's page, not on the form: whoever
// typed someone else's address on the form cannot know the password the
// owner then sets. A password that will not do shows the page again with
// the error and changes nothing; the link still works.
func TestRegistrationLinkAsksForThePassword(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "owner@heywoodhats.example"
	// A rival fills in the form with the owner's address.
	if resp, _ := post(t, ts.client(t), ts.URL+"/register", registration("Heywood Hats Ltd", "OL10 1AA", email)); resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	link := lastLink(t, ts, email)
	owner := ts.client(t)
	resp, body := get(t, owner, ts.URL+link)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" ||
		!strings.Contains(body, "Heywood Hats Ltd") || !strings.Contains(body, "OL10 1AA") || !strings.Contains(body, "Reg Istrar") {
		t.Fatalf("the link's page: %d (Cache-Control %q), want the details to check\n%s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	before := snapshot(t, ts)
	for _, tc := range []struct {
		what, field, message string
		form                 url.Values
	}{
		{"no password", "password", "Enter a password", url.Values{}},
		{"a short password", "password", "Password must be 12 characters or more", choosePassword("short")},
		{"passwords that differ", "confirm", "The passwords do not match", url.Values{"password": {registerPassword}, "confirm": {registerPassword + "!"}}},
	} {
		resp, body := post(t, owner, ts.URL+link, tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, tc.field) || !strings.Contains(body, tc.message) ||
			!strings.Contains(body, "govuk-error-summary") || !strings.Contains(body, "Heywood Hats Ltd") {
			t.Errorf("%s: %d, want 422 with %q and the details\n%s", tc.what, resp.StatusCode, tc.message, body)
		}
		if resp.Header.Get("Set-Cookie") != "" || strings.Contains(body, registerPassword) || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: signed in, sent the password back or let it be cached", tc.what)
		}
	}
	unchanged(t, "a password that will not do", before, snapshot(t, ts))
	const chosen = "the owner's own password"
	if resp, _ := post(t, owner, ts.URL+link, choosePassword(chosen)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("finish registering: %d", resp.StatusCode)
	}
	if resp, _ := post(t, ts.client(t), ts.URL+"/login", url.Values{"email": {email}, "password": {chosen}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign in with the password chosen on the link's page: %d", resp.StatusCode)
	}
}
