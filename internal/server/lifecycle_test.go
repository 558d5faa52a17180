package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

const (
	firefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	safariIPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

// signInFrom signs in as email with the demo password from a browser that
// sends the User-Agent ua.
func signInFrom(t *testing.T, ts *testServer, email, ua string) *http.Client {
	t.Helper()
	c := ts.client(t)
	resp, body := send(t, c, http.MethodPost, ts.URL+"/login", url.Values{"email": {email}, "password": {demo.Password}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "User-Agent": ua})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d\n%s", email, resp.StatusCode, body)
	}
	return c
}

// accountAction posts action to a member's account as an administrator.
func accountAction(t *testing.T, ts *testServer, c *http.Client, slug string, user int64, action string) (*http.Response, string) {
	t.Helper()
	return post(t, c, fmt.Sprintf("%s/o/%s/users/%d/account", ts.URL, slug, user), url.Values{"action": {action}})
}

func disabledAt(t *testing.T, ts *testServer, user int64) *time.Time {
	t.Helper()
	var at *time.Time
	if err := ts.db.Owner.QueryRow(t.Context(), `SELECT disabled_at FROM users WHERE id = $1`, user).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

func TestDisablingAnAccountEndsItsTwoSessions(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "evaluator@star.example"
	id := userID(t, ts, email)
	first, second := signInFrom(t, ts, email, firefoxWindows), signInFrom(t, ts, email, safariIPhone)
	for _, c := range []*http.Client{first, second} {
		if resp, _ := get(t, c, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
			t.Fatalf("before: %d", resp.StatusCode)
		}
	}

	admin := signIn(t, ts, "admin@star.example")
	person := fmt.Sprintf("%s/o/star/users/%d", ts.URL, id)
	_, body := get(t, admin, person)
	for _, want := range []string{"Last signed in", "2 open sessions", "Active", "Disable account", "Sign out of all sessions"} {
		if !strings.Contains(body, want) {
			t.Errorf("the person page has no %q", want)
		}
	}
	resp, body := get(t, admin, person+"/disable")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "govuk-warning-text") || !strings.Contains(body, "2 are open") {
		t.Fatalf("the confirmation page: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = accountAction(t, ts, admin, "star", id, "disable")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	_, body = get(t, admin, person)
	if !strings.Contains(body, "Disabled by Ada Admin on") || !strings.Contains(body, "Enable account") {
		t.Errorf("the person page after disabling:\n%s", body)
	}
	if _, body := get(t, admin, ts.URL+"/o/star/users"); !strings.Contains(body, ">Disabled</strong>") {
		t.Errorf("the people page does not mark the account disabled")
	}

	// Both sessions end on their next request.
	for i, c := range []*http.Client{first, second} {
		if resp, _ := get(t, c, ts.URL+"/o/star"); !signedOut(resp) {
			t.Errorf("session %d still works: %d", i+1, resp.StatusCode)
		}
	}
	// A wrong password gets the usual answer, which tells nothing; the
	// right one gets the plain page.
	c := ts.client(t)
	resp, body = post(t, c, ts.URL+"/login", url.Values{"email": {email}, "password": {"not the password"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || strings.Contains(body, "disabled") {
		t.Errorf("a wrong password for a disabled account: %d", resp.StatusCode)
	}
	resp, body = post(t, c, ts.URL+"/login", url.Values{"email": {email}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Your account is disabled") {
		t.Errorf("the right password for a disabled account: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := get(t, c, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("refused sign-in left a session: %d", resp.StatusCode)
	}
	if got := auditActions(t, ts, "star"); !contains(got, "member.disable") {
		t.Errorf("audit: %v", got)
	}

	// Enabled again, the person signs in.
	if resp, _ := accountAction(t, ts, admin, "star", id, "enable"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", resp.StatusCode)
	}
	again := signIn(t, ts, email)
	if resp, _ := get(t, again, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
		t.Errorf("after enabling: %d", resp.StatusCode)
	}
	if got := auditActions(t, ts, "star"); !contains(got, "member.enable") {
		t.Errorf("audit: %v", got)
	}
	_, body = get(t, admin, ts.URL+"/o/star/audit")
	if !strings.Contains(body, "disabled the account of Eve Evaluator, ending 2 open sessions") {
		t.Errorf("the audit page does not say it in words")
	}
}

func TestDisabledAccountCannotSignInWithALink(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "evaluator@star.example"
	id := userID(t, ts, email)
	admin := signIn(t, ts, "admin@star.example")
	if resp, _ := accountAction(t, ts, admin, "star", id, "disable"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	c := ts.client(t)
	askForLink(t, ts, c, email, "/", "")
	link := lastLink(t, ts, email)
	resp, body := post(t, c, ts.URL+link, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Your account is disabled") {
		t.Errorf("a sign-in link for a disabled account: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := get(t, c, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("the link signed in: %d", resp.StatusCode)
	}
}

func TestDisablingIsRefused(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	self := userID(t, ts, "admin@star.example")

	// Their own account.
	_, body := get(t, admin, fmt.Sprintf("%s/o/star/users/%d/disable", ts.URL, self))
	if !strings.Contains(body, "You cannot disable your own account") {
		t.Errorf("the disable page for oneself:\n%s", body)
	}
	resp, body := accountAction(t, ts, admin, "star", self, "disable")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "You cannot disable your own account") {
		t.Errorf("disable oneself: %d", resp.StatusCode)
	}
	if disabledAt(t, ts, self) != nil {
		t.Error("the administrator disabled themself")
	}

	// A person who also works for a supplier the administrator does not manage.
	both := addUser(t, ts, "both@star.example", "star", tally.RoleBuyer)
	addRoles(t, ts, both, "northernbuild", tally.RoleSupplier)
	_, body = get(t, admin, fmt.Sprintf("%s/o/star/users/%d", ts.URL, both))
	if !strings.Contains(body, "also has roles in an organisation you do not manage") || strings.Contains(body, ">Disable account<") {
		t.Errorf("the person page does not explain the rule:\n%s", body)
	}
	resp, body = accountAction(t, ts, admin, "star", both, "disable")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "organisation you do not manage") {
		t.Errorf("disable a person with roles elsewhere: %d", resp.StatusCode)
	}
	if disabledAt(t, ts, both) != nil {
		t.Error("the person was disabled")
	}

	// Someone who is not a people administrator there gets 404.
	evaluator := userID(t, ts, "evaluator@star.example")
	buyer := signIn(t, ts, "buyer@star.example")
	if resp, _ := get(t, buyer, fmt.Sprintf("%s/o/star/users/%d/disable", ts.URL, evaluator)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a buyer opens the disable page: %d", resp.StatusCode)
	}
	if resp, _ := accountAction(t, ts, buyer, "star", evaluator, "disable"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a buyer disables an account: %d", resp.StatusCode)
	}
	supplier := signIn(t, ts, "bids@northernbuild.example")
	if resp, _ := accountAction(t, ts, supplier, "northernbuild", evaluator, "disable"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another organisation's administrator disables an account: %d", resp.StatusCode)
	}
	// A form from another site is refused.
	resp, _ = send(t, admin, http.MethodPost, fmt.Sprintf("%s/o/star/users/%d/account", ts.URL, evaluator),
		url.Values{"action": {"disable"}}, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site disable: %d", resp.StatusCode)
	}
	if disabledAt(t, ts, evaluator) != nil {
		t.Error("the evaluator was disabled")
	}
	// An unknown action changes nothing.
	if resp, _ := accountAction(t, ts, admin, "star", evaluator, "delete"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown action: %d", resp.StatusCode)
	}
}

func TestDisablingRevokesInvitations(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	ctx := t.Context()
	star := orgID(t, ts, "star")
	person := addUser(t, ts, "second-admin@star.example", "star", tally.RoleAdmin)
	owner := postgres.New(ts.db.Owner)
	week := time.Now().Add(7 * 24 * time.Hour)
	// One sent by the person, one sent to them (for a partner of star).
	if err := owner.Invite(ctx, tally.Scope{UserID: person, OrgIDs: []int64{star}, Roles: []tally.Role{tally.RoleAdmin}}, star,
		"newcomer@example.com", []tally.Role{tally.RoleBuyer}, week); err != nil {
		t.Fatal(err)
	}
	stockport := orgID(t, ts, "stockport")
	adminID := userID(t, ts, "admin@star.example")
	if err := owner.Invite(ctx, tally.Scope{UserID: adminID, OrgIDs: []int64{stockport}, Roles: []tally.Role{tally.RoleAdmin}}, stockport,
		"second-admin@star.example", []tally.Role{tally.RoleDirector}, week); err != nil {
		t.Fatal(err)
	}
	admin := signIn(t, ts, "admin@star.example")
	if resp, body := accountAction(t, ts, admin, "star", person, "disable"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d\n%s", resp.StatusCode, body)
	}
	var pending int
	if err := ts.db.Owner.QueryRow(ctx, `SELECT count(*) FROM invitations WHERE revoked_at IS NULL AND accepted_at IS NULL
		AND (email = 'second-admin@star.example' OR invited_by = $1)`, person).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("%d invitations to or from the disabled account are still pending", pending)
	}
	_, body := get(t, admin, ts.URL+"/o/star/audit")
	if !strings.Contains(body, "revoking 2 pending invitations") {
		t.Errorf("the audit does not count the invitations")
	}
}

func TestRemovingTheLastRoleEndsTheSessions(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "contracts@star.example"
	id := userID(t, ts, email)
	c := signIn(t, ts, email)
	admin := signIn(t, ts, "admin@star.example")
	person := fmt.Sprintf("%s/o/star/users/%d", ts.URL, id)
	// Other roles: the session goes on.
	if resp, _ := post(t, admin, person, url.Values{"roles": {"contract_manager", "director"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change roles: %d", resp.StatusCode)
	}
	if resp, _ := get(t, c, ts.URL+"/account"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a change of roles: %d", resp.StatusCode)
	}
	// No roles: it ends.
	if resp, _ := post(t, admin, person, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	if resp, _ := get(t, c, ts.URL+"/account"); !signedOut(resp) {
		t.Errorf("after removal the session still works: %d", resp.StatusCode)
	}
	if resp, _ := get(t, admin, ts.URL+"/o/star/users"); resp.StatusCode != http.StatusOK {
		t.Errorf("the administrator's own session: %d", resp.StatusCode)
	}
}

var endSession = regexp.MustCompile(`action="(/account/sessions/[0-9a-f]{64}/end)"`)

func TestAccountListsAndEndsASession(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "buyer@star.example"
	here, there := signInFrom(t, ts, email, firefoxWindows), signInFrom(t, ts, email, safariIPhone)
	other := signIn(t, ts, "director@star.example")

	resp, body := get(t, here, ts.URL+"/account")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("account: %d", resp.StatusCode)
	}
	for _, want := range []string{"Firefox on Windows", "Safari on iPhone", "This device"} {
		if !strings.Contains(body, want) {
			t.Errorf("the account page has no %q", want)
		}
	}
	ends := endSession.FindAllStringSubmatch(body, -1)
	if len(ends) != 1 || strings.Count(body, "This device") != 1 {
		t.Fatalf("want one session to end and this device marked once: %d\n%s", len(ends), body)
	}
	// Another person cannot end it.
	if resp, _ := post(t, other, ts.URL+ends[0][1], nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another person ends it: %d", resp.StatusCode)
	}
	if resp, _ := get(t, there, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
		t.Fatalf("another person ended the session: %d", resp.StatusCode)
	}
	// From another site: refused.
	if resp, _ := send(t, here, http.MethodPost, ts.URL+ends[0][1], nil, map[string]string{"Sec-Fetch-Site": "cross-site"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site end: %d", resp.StatusCode)
	}
	resp, _ = post(t, here, ts.URL+ends[0][1], nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account#sessions" {
		t.Fatalf("end: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(t, there, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("the ended session still works: %d", resp.StatusCode)
	}
	_, body = get(t, here, ts.URL+"/account")
	if !strings.Contains(body, "That session has been ended") || strings.Contains(body, "Safari on iPhone") {
		t.Errorf("the account page after ending:\n%s", body)
	}
	if resp, _ := post(t, here, ts.URL+"/account/sessions/not-a-session/end", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a malformed session: %d", resp.StatusCode)
	}
	if resp, _ := get(t, here, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
		t.Errorf("this session ended too: %d", resp.StatusCode)
	}
}

func TestAdministratorSignsAPersonOut(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "director@star.example"
	id := userID(t, ts, email)
	c := signIn(t, ts, email)
	admin := signIn(t, ts, "admin@star.example")
	if resp, _ := accountAction(t, ts, admin, "star", id, "sign-out"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := get(t, c, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("the session still works: %d", resp.StatusCode)
	}
	if got := auditActions(t, ts, "star"); !contains(got, "member.sign_out") {
		t.Errorf("audit: %v", got)
	}
	again := signIn(t, ts, email)
	if resp, _ := get(t, again, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK {
		t.Errorf("signing in again: %d", resp.StatusCode)
	}
}

// accountBody is the body of a GET.
func accountBody(t *testing.T, c *http.Client, target string) string {
	t.Helper()
	_, body := get(t, c, target)
	return body
}

// A session whose row outlived the disabling (saved again by a request in
// flight) ends on its next request.
func TestDisabledAccountsSessionEndsOnItsNextRequest(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := signIn(t, ts, "director@star.example")
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE users SET disabled_at = now() WHERE email = 'director@star.example'`); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, c, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("the disabled account's session still works: %d", resp.StatusCode)
	}
}

// A new password, or new roles of one's own, give the session a new token;
// it stays listed as this device, and a new password ends the others.
func TestRenewedSessionStaysListed(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "admin@star.example"
	here, there := signInFrom(t, ts, email, firefoxWindows), signInFrom(t, ts, email, safariIPhone)
	self := userID(t, ts, email)
	if resp, _ := post(t, here, fmt.Sprintf("%s/o/star/users/%d", ts.URL, self), url.Values{"roles": {"admin", "director"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("own roles: %d", resp.StatusCode)
	}
	body := accountBody(t, here, ts.URL+"/account")
	if !strings.Contains(body, "This device") || len(endSession.FindAllString(body, -1)) != 1 {
		t.Errorf("after new roles, want this device and one other:\n%s", body)
	}
	resp, _ := post(t, here, ts.URL+"/account/password", url.Values{"current": {demo.Password}, "password": {newPassword}, "confirm": {newPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d", resp.StatusCode)
	}
	body = accountBody(t, here, ts.URL+"/account")
	if !strings.Contains(body, "This device") || !strings.Contains(body, "Firefox on Windows") || strings.Contains(body, "Safari on iPhone") {
		t.Errorf("after a new password, want this device alone:\n%s", body)
	}
	if resp, _ := get(t, there, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("the other session still works: %d", resp.StatusCode)
	}
	// Sign out everywhere leaves nothing listed.
	post(t, here, ts.URL+"/account/sign-out-everywhere", nil)
	var n int
	if err := ts.db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE user_id = $1`, self).Scan(&n); err != nil || n != 0 {
		t.Errorf("after signing out everywhere, %d sessions are listed (%v)", n, err)
	}
}

// A disabled account may choose a new password from a reset link, which
// signs no one in; the new password then meets the plain page.
func TestPasswordResetDoesNotSignInADisabledAccount(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "director@star.example"
	admin := signIn(t, ts, "admin@star.example")
	if resp, _ := accountAction(t, ts, admin, "star", userID(t, ts, email), "disable"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	c := ts.client(t)
	post(t, c, ts.URL+"/password-reset", url.Values{"email": {email}})
	resp, _ := post(t, c, ts.URL+lastLink(t, ts, email), url.Values{"password": {newPassword}, "confirm": {newPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("reset: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(t, c, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("the reset signed in: %d", resp.StatusCode)
	}
	resp, body := post(t, c, ts.URL+"/login", url.Values{"email": {email}, "password": {newPassword}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Your account is disabled") {
		t.Errorf("sign in with the new password: %d", resp.StatusCode)
	}
}
