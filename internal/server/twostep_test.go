package server_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/mfa"
	"github.com/tally-sv/tally/internal/tally"
)

var (
	keyOnPage      = regexp.MustCompile(`<code>([A-Z2-7 ]+)</code>`)
	recoveryOnPage = regexp.MustCompile(`<li><code>([a-z0-9]{4}-[a-z0-9]{4})</code></li>`)
)

// totpCode is the security code for secret steps time steps from now.
func totpCode(t *testing.T, secret string, steps int) string {
	t.Helper()
	c, err := mfa.Code(secret, time.Now().Add(time.Duration(steps*mfa.Period)*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// setUpFromPage reads the key from a setup page and confirms it with the
// current code at action, returning the key and the recovery codes shown.
func setUpFromPage(t *testing.T, ts *testServer, c *http.Client, page, action string) (string, []string) {
	t.Helper()
	m := keyOnPage.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `src="data:image/png;base64,`) {
		t.Fatalf("no key or QR code on the setup page:\n%s", page)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	resp, body := post(t, c, ts.URL+action, url.Values{"code": {totpCode(t, secret, 0)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Save your recovery codes") {
		t.Fatalf("confirm the key: %d\n%s", resp.StatusCode, body)
	}
	var codes []string
	for _, m := range recoveryOnPage.FindAllStringSubmatch(body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != mfa.RecoveryCodes {
		t.Fatalf("%d recovery codes shown, want %d", len(codes), mfa.RecoveryCodes)
	}
	return secret, codes
}

// turnOn signs email in and sets up 2-step verification from their
// account. It returns the key and recovery codes.
func turnOn(t *testing.T, ts *testServer, email string) (string, []string) {
	t.Helper()
	c := signIn(t, ts, email)
	resp, body := get(t, c, ts.URL+"/account/two-factor/setup")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("setup page: %d", resp.StatusCode)
	}
	return setUpFromPage(t, ts, c, body, "/account/two-factor/setup")
}

// timePasses makes the codes of the steps around now usable again for
// userID, as if a minute had passed since the last was used.
func timePasses(t *testing.T, ts *testServer, userID int64) {
	t.Helper()
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE user_totp SET last_step = $2 WHERE user_id = $1`,
		userID, mfa.Step(time.Now())-2); err != nil {
		t.Fatal(err)
	}
}

// password signs in with the demo password and returns the client and
// where it was sent.
func password(t *testing.T, ts *testServer, email, next string) (*http.Client, string) {
	t.Helper()
	c := ts.client(t)
	resp, body := post(t, c, ts.URL+"/login", url.Values{"email": {email}, "password": {demo.Password}, "next": {next}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password for %s: %d\n%s", email, resp.StatusCode, body)
	}
	return c, resp.Header.Get("Location")
}

func signedIn(t *testing.T, ts *testServer, c *http.Client) bool {
	t.Helper()
	resp, _ := get(t, c, ts.URL+"/account")
	return resp.StatusCode == http.StatusOK
}

func TestTwoStepSignIn(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "buyer@star.example"
	secret, _ := turnOn(t, ts, email)

	// No second step under way: a page that says to sign in again.
	if resp, body := get(t, ts.client(t), ts.URL+"/login/code"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Sign in again") {
		t.Errorf("code page with no password given: %d", resp.StatusCode)
	}
	c, loc := password(t, ts, email, "/o/star/tenders")
	if loc != "/login/code" {
		t.Fatalf("after the password: sent to %s, want /login/code", loc)
	}
	// The pending step reaches no signed-in page.
	for _, path := range []string{"/account", "/o/star", "/o/star/tenders", "/account/two-factor"} {
		if resp, _ := get(t, c, ts.URL+path); !signedOut(resp) {
			t.Errorf("%s with only the password: %d, want sent to sign in", path, resp.StatusCode)
		}
	}
	resp, body := get(t, c, ts.URL+"/login/code")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Enter the 6-digit security code from your authenticator app") ||
		!strings.Contains(body, `href="/login/recovery-code"`) {
		t.Fatalf("code page: %d\n%s", resp.StatusCode, body)
	}
	// A wrong code.
	wrong := "000000"
	if wrong == totpCode(t, secret, 1) {
		wrong = "111111"
	}
	resp, body = post(t, c, ts.URL+"/login/code", url.Values{"code": {wrong}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The security code is not right") ||
		!strings.Contains(body, "govuk-error-summary") {
		t.Fatalf("wrong code: %d\n%s", resp.StatusCode, body)
	}
	if signedIn(t, ts, c) {
		t.Fatal("signed in after a wrong code")
	}
	// An empty one.
	if resp, body := post(t, c, ts.URL+"/login/code", url.Values{"code": {""}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Enter the 6-digit security code") {
		t.Errorf("no code: %d", resp.StatusCode)
	}
	// The right one (the next step's: setting up used this step's).
	before := sessionCookie(ts, c)
	resp, _ = post(t, c, ts.URL+"/login/code", url.Values{"code": {totpCode(t, secret, 1)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/star/tenders" {
		t.Fatalf("right code: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !signedIn(t, ts, c) {
		t.Fatal("not signed in after the right code")
	}
	if sessionCookie(ts, c) == before {
		t.Error("the session token did not change on signing in")
	}

	// The same code again, from another browser: refused.
	c2, _ := password(t, ts, email, "/")
	resp, body = post(t, c2, ts.URL+"/login/code", url.Values{"code": {totpCode(t, secret, 1)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "used already") || signedIn(t, ts, c2) {
		t.Errorf("the same code twice: %d\n%s", resp.StatusCode, body)
	}
}

// Five wrong codes for a person, and the sixth attempt is refused even
// with the right code.
func TestTwoStepThrottled(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "evaluator@star.example"
	secret, _ := turnOn(t, ts, email)
	c, _ := password(t, ts, email, "/")
	right := totpCode(t, secret, 1)
	wrong := "123456"
	if wrong == right {
		wrong = "654321"
	}
	for i := range 5 {
		if resp, _ := post(t, c, ts.URL+"/login/code", url.Values{"code": {wrong}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong code %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := post(t, c, ts.URL+"/login/code", url.Values{"code": {right}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many wrong codes have been tried: wait 15 minutes") ||
		resp.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt with the right code: %d\n%s", resp.StatusCode, body)
	}
	if signedIn(t, ts, c) {
		t.Fatal("signed in while throttled")
	}
	// Recovery codes count against the same limit.
	if resp, _ := post(t, c, ts.URL+"/login/recovery-code", url.Values{"code": {"abcd-efgh"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("recovery code while throttled: %d, want 429", resp.StatusCode)
	}
	if !strings.Contains(ts.log.String(), `"event":"two_step_throttled"`) || !strings.Contains(ts.log.String(), `"event":"two_step_failed"`) {
		t.Error("no security events for the failures")
	}
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "contracts@star.example"
	_, codes := turnOn(t, ts, email)
	c, _ := password(t, ts, email, "/account")
	resp, body := get(t, c, ts.URL+"/login/recovery-code")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Enter one of your recovery codes") {
		t.Fatalf("recovery code page: %d", resp.StatusCode)
	}
	// Typed in capitals with a space for the dash.
	typed := strings.ToUpper(strings.Replace(codes[2], "-", " ", 1))
	resp, _ = post(t, c, ts.URL+"/login/recovery-code", url.Values{"code": {typed}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("recovery code: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, _, body = follow(t, ts, c, "/account")
	if !strings.Contains(html.UnescapeString(body), "You have 9 recovery codes left") {
		t.Errorf("no flash with the codes left:\n%s", body)
	}
	c2, _ := password(t, ts, email, "/")
	resp, body = post(t, c2, ts.URL+"/login/recovery-code", url.Values{"code": {codes[2]}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "has been used already") || signedIn(t, ts, c2) {
		t.Errorf("the same recovery code twice: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = post(t, c2, ts.URL+"/login/recovery-code", url.Values{"code": {codes[3]}})
	if resp.StatusCode != http.StatusSeeOther || !signedIn(t, ts, c2) {
		t.Errorf("another recovery code: %d", resp.StatusCode)
	}
}

func TestTwoStepRulePage(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	resp, body := get(t, admin, ts.URL+"/o/star/settings/two-factor")
	if resp.StatusCode != http.StatusOK || !regexp.MustCompile(`value="nobody"\s+checked`).MatchString(body) ||
		!strings.Contains(body, "Who must use 2-step verification?") {
		t.Fatalf("rule page: %d\n%s", resp.StatusCode, body)
	}
	if _, _, body := follow(t, ts, admin, "/o/star/settings"); !strings.Contains(body, `href="/o/star/settings/two-factor"`) {
		t.Error("the settings list has no link to the rule")
	}
	// Others: 404, and nothing changes.
	for _, email := range []string{"buyer@star.example", "director@star.example", "bids@northernbuild.example"} {
		c := signIn(t, ts, email)
		if resp, _ := get(t, c, ts.URL+"/o/star/settings/two-factor"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET as %s: %d, want 404", email, resp.StatusCode)
		}
		if resp, _ := post(t, c, ts.URL+"/o/star/settings/two-factor", url.Values{"who": {"staff"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST as %s: %d, want 404", email, resp.StatusCode)
		}
	}
	// Nothing chosen, or something made up.
	audited := len(auditActions(t, ts, "star"))
	for _, who := range []string{"", "everyone"} {
		resp, body := post(t, admin, ts.URL+"/o/star/settings/two-factor", url.Values{"who": {who}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Select who must use 2-step verification") ||
			!strings.Contains(body, "govuk-error-summary") {
			t.Errorf("who=%q: %d", who, resp.StatusCode)
		}
	}
	if got := auditActions(t, ts, "star"); len(got) != audited {
		t.Errorf("a refused change was audited: %v", got)
	}
	resp, _ = post(t, admin, ts.URL+"/o/star/settings/two-factor", url.Values{"who": {"staff"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	_, _, body = follow(t, ts, admin, resp.Header.Get("Location"))
	if !strings.Contains(body, "Who must use 2-step verification has been saved") || !regexp.MustCompile(`value="staff"\s+checked`).MatchString(body) {
		t.Errorf("after saving:\n%s", body)
	}
	if got := auditActions(t, ts, "star"); got[len(got)-1] != "settings.two_step" {
		t.Errorf("audit: %v", got)
	}
	_, _, body = follow(t, ts, admin, "/o/star/audit")
	if !strings.Contains(body, "asked all staff in STAR Shared Procurement to use 2-step verification") {
		t.Error("the audit page does not say the change in words")
	}
}

// A new organisation's administrators must set up 2-step verification at
// their next sign-in: no rule saved counts as administrators.
func TestTwoStepRequiredByRule(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	// The demo asks nobody: a missing rule is what a new organisation has.
	// (No policy lets anyone delete a rule: as the database administrator.)
	tag, err := adminPool(t, ts.db).Exec(t.Context(), `DELETE FROM second_factor_rules WHERE org_id = $1`, orgID(t, ts, "stockport"))
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("remove the demo's rule: %v, %d rows", err, tag.RowsAffected())
	}
	const email = "newadmin@stockport.example"
	addUser(t, ts, email, "stockport", tally.RoleAdmin)
	// A buyer there is not asked.
	const buyer = "newbuyer@stockport.example"
	addUser(t, ts, buyer, "stockport", tally.RoleBuyer)
	if _, loc := password(t, ts, buyer, "/"); loc != "/" {
		t.Errorf("a buyer under the administrators rule: sent to %s, want /", loc)
	}

	c, loc := password(t, ts, email, "/o/stockport")
	if loc != "/login/code" {
		t.Fatalf("after the password: sent to %s, want /login/code", loc)
	}
	if resp, _ := get(t, c, ts.URL+"/o/stockport"); !signedOut(resp) {
		t.Errorf("reached the organisation before setting up: %d", resp.StatusCode)
	}
	resp, body := get(t, c, ts.URL+"/login/code")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Set up 2-step verification") ||
		!strings.Contains(body, "You need to set it up before you can continue") {
		t.Fatalf("setup page: %d\n%s", resp.StatusCode, body)
	}
	// A wrong first code keeps the same key on the page.
	resp, body2 := post(t, c, ts.URL+"/login/code", url.Values{"code": {"12345"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || keyOnPage.FindString(body2) != keyOnPage.FindString(body) {
		t.Errorf("wrong first code: %d, same key %t", resp.StatusCode, keyOnPage.FindString(body2) == keyOnPage.FindString(body))
	}
	setUpFromPage(t, ts, c, body, "/login/code")
	if !signedIn(t, ts, c) {
		t.Fatal("not signed in after setting up")
	}
	// It cannot be turned off while the rule asks for it.
	resp, body = get(t, c, ts.URL+"/account/two-factor")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "so you cannot turn it off") || strings.Contains(body, "/account/two-factor/turn-off") {
		t.Errorf("account page: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := post(t, c, ts.URL+"/account/two-factor/turn-off", url.Values{"off-code": {"000000"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("turn off under the rule: %d, want 422", resp.StatusCode)
	}
	// And the next sign-in asks for a code.
	if _, loc := password(t, ts, email, "/"); loc != "/login/code" {
		t.Errorf("next sign-in: sent to %s", loc)
	}
	// An administrator joining by invitation sets it up before getting in.
	if resp, _ := post(t, c, ts.URL+"/o/stockport/users", url.Values{"email": {"joiner@stockport.example"}, "roles": {"admin"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d", resp.StatusCode)
	}
	joiner := ts.client(t)
	const strong = "correct horse battery staple"
	resp, _ = post(t, joiner, ts.URL+lastLink(t, ts, "joiner@stockport.example"), url.Values{"name": {"Jo Iner"}, "password": {strong}, "confirm": {strong}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/code" || signedIn(t, ts, joiner) {
		t.Errorf("joining as an administrator: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestTwoStepResetByAdmin(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "buyer@star.example"
	id := userID(t, ts, email)
	secret, _ := turnOn(t, ts, email)
	timePasses(t, ts, id)
	person, _ := password(t, ts, email, "/")
	if resp, _ := post(t, person, ts.URL+"/login/code", url.Values{"code": {totpCode(t, secret, 0)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}

	page := fmt.Sprintf("/o/star/users/%d", id)
	reset := page + "/two-factor/reset"
	// Only administrators.
	other := signIn(t, ts, "director@star.example")
	if resp, _ := get(t, other, ts.URL+reset); resp.StatusCode != http.StatusNotFound {
		t.Errorf("reset page as a director: %d", resp.StatusCode)
	}
	if resp, _ := post(t, other, ts.URL+reset, url.Values{"checked": {"yes"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("reset as a director: %d", resp.StatusCode)
	}
	// Not a member of this organisation.
	admin := signIn(t, ts, "admin@star.example")
	if resp, _ := post(t, admin, ts.URL+fmt.Sprintf("/o/star/users/%d/two-factor/reset", userID(t, ts, "bids@northernbuild.example")), url.Values{"checked": {"yes"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("reset of a stranger: %d", resp.StatusCode)
	}

	resp, body := get(t, admin, ts.URL+page)
	if resp.StatusCode != http.StatusOK || !regexp.MustCompile(`id="two-step">On<`).MatchString(body) || !strings.Contains(body, `href="`+reset+`"`) {
		t.Fatalf("person page: %d\n%s", resp.StatusCode, body)
	}
	resp, body = get(t, admin, ts.URL+reset)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Reset 2-step verification for Bilal Buyer") {
		t.Fatalf("confirmation page: %d", resp.StatusCode)
	}
	resp, body = post(t, admin, ts.URL+reset, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Confirm you have checked it is really Bilal Buyer asking") {
		t.Fatalf("reset without the check: %d", resp.StatusCode)
	}
	halfway, _ := password(t, ts, email, "/")
	resp, _ = post(t, admin, ts.URL+reset, url.Values{"checked": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("reset: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, _, body = follow(t, ts, admin, page)
	if !strings.Contains(html.UnescapeString(body), "Bilal Buyer’s 2-step verification has been reset") || !strings.Contains(body, `id="two-step">Off<`) {
		t.Errorf("after the reset:\n%s", body)
	}
	// Their sessions have ended.
	if resp, _ := get(t, person, ts.URL+"/account"); !signedOut(resp) {
		t.Errorf("the person is still signed in: %d", resp.StatusCode)
	}
	// A second step under way when the reset came has ended too.
	if resp, body := post(t, halfway, ts.URL+"/login/code", url.Values{"code": {totpCode(t, secret, 1)}}); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(body, "Sign in again") || signedIn(t, ts, halfway) {
		t.Errorf("code after the reset: %d", resp.StatusCode)
	}
	if got := auditActions(t, ts, "star"); got[len(got)-1] != "member.two_step_reset" {
		t.Errorf("audit: %v", got)
	}
	_, _, body = follow(t, ts, admin, "/o/star/audit")
	if !strings.Contains(body, "reset the 2-step verification of Bilal Buyer") {
		t.Error("the audit page does not say the reset in words")
	}
	// The password alone signs in again (the demo asks nobody).
	if _, loc := password(t, ts, email, "/"); loc != "/" {
		t.Errorf("after the reset: sent to %s, want /", loc)
	}
}

// An emailed link is one factor: 2-step verification follows it.
func TestSignInLinkTwoStep(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "director@star.example"
	secret, _ := turnOn(t, ts, email)
	c := ts.client(t)
	if resp, _ := post(t, c, ts.URL+"/login/link", url.Values{"email": {email}, "next": {"/o/star/dashboard"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("ask for a link: %d", resp.StatusCode)
	}
	resp, _ := post(t, c, ts.URL+lastLink(t, ts, email), nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/code" {
		t.Fatalf("use the link: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if signedIn(t, ts, c) {
		t.Fatal("signed in by the link alone")
	}
	resp, _ = post(t, c, ts.URL+"/login/code", url.Values{"code": {totpCode(t, secret, 1)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/star/dashboard" || !signedIn(t, ts, c) {
		t.Errorf("code after the link: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// From the account: new recovery codes (the old stop working), and
// turning it off, each with a current code.
func TestAccountTwoStep(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	const email = "admin@star.example"
	c := signIn(t, ts, email)
	if _, _, body := follow(t, ts, c, "/account"); !strings.Contains(body, `href="/account/two-factor"`) || !strings.Contains(body, "2-step verification is off") {
		t.Error("the account page does not say 2-step verification is off, with a link to set it up")
	}
	_, _, body := follow(t, ts, c, "/account/two-factor")
	if !strings.Contains(body, "2-step verification is off") {
		t.Fatalf("before: %s", body)
	}
	_, _, body = follow(t, ts, c, "/account/two-factor/setup")
	secret, old := setUpFromPage(t, ts, c, body, "/account/two-factor/setup")
	_, _, body = follow(t, ts, c, "/account/two-factor")
	if !strings.Contains(body, "2-step verification is on") || !strings.Contains(body, "You have 10 recovery codes left") {
		t.Fatalf("after setting up:\n%s", body)
	}
	if _, _, body := follow(t, ts, c, "/account"); !strings.Contains(body, "2-step verification is on") {
		t.Error("the account page does not say 2-step verification is on")
	}
	if resp, _ := post(t, c, ts.URL+"/account/two-factor/recovery-codes", url.Values{"code": {"000000"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("new codes with a wrong code: %d", resp.StatusCode)
	}
	resp, body := post(t, c, ts.URL+"/account/two-factor/recovery-codes", url.Values{"code": {totpCode(t, secret, 1)}})
	if resp.StatusCode != http.StatusOK || len(recoveryOnPage.FindAllString(body, -1)) != mfa.RecoveryCodes {
		t.Fatalf("new codes: %d", resp.StatusCode)
	}
	c2, _ := password(t, ts, email, "/")
	if resp, _ := post(t, c2, ts.URL+"/login/recovery-code", url.Values{"code": {old[0]}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an old recovery code: %d, want 422", resp.StatusCode)
	}
	timePasses(t, ts, userID(t, ts, email))
	resp, _ = post(t, c, ts.URL+"/account/two-factor/turn-off", url.Values{"off-code": {totpCode(t, secret, 0)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("turn off: %d", resp.StatusCode)
	}
	if _, loc := password(t, ts, email, "/"); loc != "/" {
		t.Errorf("after turning off: sent to %s, want /", loc)
	}
}
