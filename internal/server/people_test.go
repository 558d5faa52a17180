package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/demo"
)

const newPassword = "correct horse battery staple"

func expired(t *testing.T, resp *http.Response, body, what string) {
	t.Helper()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "This link has expired") {
		t.Errorf("%s: %d, want the expired-link page", what, resp.StatusCode)
	}
}

func TestInvitationWorksOnceAndExpires(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	resp, _ := post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"Nia@Star.example"}, "roles": {"buyer"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/star/users" {
		t.Fatalf("invite: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := get(t, admin, ts.URL+"/o/star/users"); !strings.Contains(body, "Invitation sent to nia@star.example") {
		t.Error("no confirmation of the invitation")
	}
	link := lastLink(t, ts, "nia@star.example")
	if strings.Contains(ts.log.String(), `"path":"`+link+`"`) {
		t.Error("the request log shows the invitation token")
	}

	c := ts.client(t)
	resp, body := get(t, c, ts.URL+link)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Join STAR Shared Procurement") || !strings.Contains(body, "nia@star.example") {
		t.Fatalf("the invitation page: %d\n%s", resp.StatusCode, body)
	}
	accept := url.Values{"name": {"Nia Newcomer"}, "password": {newPassword}, "confirm": {newPassword}}
	resp, body = post(t, c, ts.URL+link, accept)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/star" {
		t.Fatalf("accept: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, resp, body = follow(t, ts, c, "/o/star")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You are signed in as buyer") || !strings.Contains(body, "Welcome to STAR") {
		t.Errorf("after accepting: %d\n%s", resp.StatusCode, body)
	}
	if got := auditActions(t, ts, "star"); !contains(got, "member.invite") || !contains(got, "member.join") {
		t.Errorf("audit %v", got)
	}

	// The link works once.
	before := snapshot(t, ts)
	resp, body = get(t, ts.client(t), ts.URL+link)
	expired(t, resp, body, "GET a used invitation")
	resp, body = post(t, ts.client(t), ts.URL+link, accept)
	expired(t, resp, body, "POST a used invitation")
	unchanged(t, "a used invitation", before, snapshot(t, ts))

	// An expired link shows the expired page and creates nobody.
	post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"late@star.example"}, "roles": {"director"}})
	late := lastLink(t, ts, "late@star.example")
	if _, err := adminPool(t, ts.db).Exec(t.Context(), `UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = 'late@star.example'`); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, ts)
	resp, body = get(t, ts.client(t), ts.URL+late)
	expired(t, resp, body, "GET an expired invitation")
	resp, body = post(t, ts.client(t), ts.URL+late, accept)
	expired(t, resp, body, "POST an expired invitation")
	unchanged(t, "an expired invitation", before, snapshot(t, ts))

	// Removing every role removes access at once, and ends the person's
	// sessions; signed in again, they reach nothing.
	nia := itoa64(userID(t, ts, "nia@star.example"))
	resp, _ = post(t, admin, ts.URL+"/o/star/users/"+nia, url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	if resp, _ := get(t, c, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("removed member: still signed in: %d", resp.StatusCode)
	}
	c = ts.client(t)
	if resp, _ := post(t, c, ts.URL+"/login", url.Values{"email": {"nia@star.example"}, "password": {newPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("removed member signs in again: %d", resp.StatusCode)
	}
	for _, path := range []string{"/o/star", "/o/stockport", "/o/star/audit"} {
		if resp, _ := get(t, c, ts.URL+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("removed member: %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if got := auditActions(t, ts, "star"); got[len(got)-1] != "member.remove" {
		t.Errorf("audit %v", got)
	}
	if resp, _ := get(t, admin, ts.URL+"/o/star/users/"+nia); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a removed member's page: %d, want 404", resp.StatusCode)
	}
}

func TestRoleChanges(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	adminID := itoa64(userID(t, ts, "admin@star.example"))

	// The last administrator stays.
	before := snapshot(t, ts)
	for _, roles := range []url.Values{{"roles": {"buyer"}}, {}} {
		resp, body := post(t, admin, ts.URL+"/o/star/users/"+adminID, roles)
		if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "roles") ||
			!strings.Contains(body, "must keep at least one administrator") {
			t.Errorf("remove the last admin (%v): %d", roles, resp.StatusCode)
		}
	}
	unchanged(t, "removing the last admin", before, snapshot(t, ts))

	// Your own role change renews your session token.
	old := sessionCookie(ts, admin)
	resp, _ := post(t, admin, ts.URL+"/o/star/users/"+adminID, url.Values{"roles": {"admin", "director"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add a role to yourself: %d", resp.StatusCode)
	}
	if now := sessionCookie(ts, admin); now == old || now == "" {
		t.Error("the session token did not renew on a role change")
	}
	if resp, _ := get(t, withCookie(old), ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("the token from before the role change still works: %d", resp.StatusCode)
	}
	if resp, body := get(t, admin, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "director") {
		t.Errorf("after the role change: %d", resp.StatusCode)
	}

	// Only members' roles can be changed, and only in scope.
	before = snapshot(t, ts)
	for _, path := range []string{
		"/o/star/users/" + itoa64(userID(t, ts, "buyer@stockport.example")), // a Stockport member, not STAR's
		"/o/star/users/999999", "/o/star/users/abc", "/o/star/users/-1",
		"/o/stockport/users/" + itoa64(userID(t, ts, "contracts@trafford.example")),
	} {
		if resp, _ := post(t, admin, ts.URL+path, url.Values{"roles": {"admin"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, resp.StatusCode)
		}
	}
	unchanged(t, "changing non-members", before, snapshot(t, ts))

	// A shared-service admin manages a partner's people.
	stockportBuyer := itoa64(userID(t, ts, "buyer@stockport.example"))
	if resp, _ := post(t, admin, ts.URL+"/o/stockport/users/"+stockportBuyer, url.Values{"roles": {"buyer", "director"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("change a partner member's roles: %d", resp.StatusCode)
	}
	if got := auditActions(t, ts, "stockport"); got[len(got)-1] != "member.roles" {
		t.Errorf("stockport audit %v", got)
	}
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	bystander := signIn(t, ts, "buyer@star.example")

	ask := func(email string) (*http.Response, string) {
		return post(t, ts.client(t), ts.URL+"/password-reset", url.Values{"email": {email}})
	}
	known, knownBody := ask("buyer@star.example")
	unknown, unknownBody := ask("nobody@star.example")
	if known.StatusCode != http.StatusOK || unknown.StatusCode != known.StatusCode ||
		normalise(known, knownBody, "buyer@star.example") != normalise(unknown, unknownBody, "nobody@star.example") {
		t.Errorf("known and unknown emails are answered differently: %d and %d", known.StatusCode, unknown.StatusCode)
	}
	if !strings.Contains(knownBody, "Check your email") {
		t.Errorf("no confirmation:\n%s", knownBody)
	}
	if len(emailsTo(ts, "nobody@star.example")) != 0 {
		t.Error("emailed an address with no account")
	}
	first := lastLink(t, ts, "buyer@star.example")
	ask("buyer@star.example")
	link := lastLink(t, ts, "buyer@star.example")

	c := ts.client(t)
	if resp, body := get(t, c, ts.URL+link); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Choose a new password") {
		t.Fatalf("the reset page: %d", resp.StatusCode)
	}
	resp, _ := post(t, c, ts.URL+link, url.Values{"password": {newPassword}, "confirm": {newPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("reset: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := get(t, c, ts.URL+"/login"); !strings.Contains(body, "Your password has been changed") {
		t.Error("the sign-in page after a reset does not say the password has been changed")
	}
	if resp, _ := get(t, bystander, ts.URL+"/o/star"); !signedOut(resp) {
		t.Errorf("a session from before the reset still works: %d", resp.StatusCode)
	}

	// The link works once, and an older link died with it.
	before := snapshot(t, ts)
	for _, l := range []string{link, first} {
		resp, body := get(t, ts.client(t), ts.URL+l)
		expired(t, resp, body, "GET a used reset link")
		resp, body = post(t, ts.client(t), ts.URL+l, url.Values{"password": {"another long password"}, "confirm": {"another long password"}})
		expired(t, resp, body, "POST a used reset link")
	}
	unchanged(t, "used reset links", before, snapshot(t, ts))

	if resp := login(t, ts, "buyer@star.example", demo.Password, ""); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("the old password: %d, want 422", resp.StatusCode)
	}
	if resp := login(t, ts, "buyer@star.example", newPassword, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password: %d, want 303", resp.StatusCode)
	}

	// An expired link.
	ask("director@star.example")
	late := lastLink(t, ts, "director@star.example")
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE password_resets SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, ts)
	resp, body := get(t, ts.client(t), ts.URL+late)
	expired(t, resp, body, "GET an expired reset link")
	resp, body = post(t, ts.client(t), ts.URL+late, url.Values{"password": {newPassword}, "confirm": {newPassword}})
	expired(t, resp, body, "POST an expired reset link")
	resp, body = post(t, ts.client(t), ts.URL+"/reset/made-up-token", url.Values{"password": {"short"}, "confirm": {""}})
	expired(t, resp, body, "POST a made-up reset link with a bad form")
	unchanged(t, "expired reset links", before, snapshot(t, ts))
}

func TestInvitationForAnExistingAccountNeedsItsSignIn(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"buyer@stockport.example"}, "roles": {"director"}})
	link := lastLink(t, ts, "buyer@stockport.example")
	accept := url.Values{"name": {"Mallory"}, "password": {newPassword}, "confirm": {newPassword}}

	// The link alone signs nobody in to the existing account. (Signing
	// in records the time on the account: other signs in first.)
	other := signIn(t, ts, "bids@northernbuild.example")
	before := snapshot(t, ts)
	anon := ts.client(t)
	resp, body := get(t, anon, ts.URL+link)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in to accept the invitation") ||
		!strings.Contains(body, `href="/login?next=`+url.QueryEscape(link)+`"`) || strings.Contains(body, `name="password"`) {
		t.Errorf("signed out: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = post(t, anon, ts.URL+link, accept)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("accept signed out: %d, cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	if _, body := get(t, other, ts.URL+link); !strings.Contains(body, "you are signed in as bids@northernbuild.example") {
		t.Errorf("signed in as someone else:\n%s", body)
	}
	if resp, _ := post(t, other, ts.URL+link, accept); resp.StatusCode != http.StatusForbidden {
		t.Errorf("accept as someone else: %d", resp.StatusCode)
	}
	unchanged(t, "accepting without the account", before, snapshot(t, ts))

	// Signed in as the invitee, the link adds the role and renews the token.
	c := ts.client(t)
	resp, _ = post(t, c, ts.URL+"/login", url.Values{"email": {"buyer@stockport.example"}, "password": {demo.Password}, "next": {link}})
	if resp.Header.Get("Location") != link {
		t.Fatalf("sign in to accept: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := get(t, c, ts.URL+link); !strings.Contains(body, "Accept the invitation") {
		t.Errorf("signed in as the invitee:\n%s", body)
	}
	old := sessionCookie(ts, c)
	resp, _ = post(t, c, ts.URL+link, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/star" {
		t.Fatalf("accept: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if sessionCookie(ts, c) == old {
		t.Error("the session token did not renew with the new role")
	}
	if resp, body := get(t, c, ts.URL+"/o/star"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "director") {
		t.Errorf("/o/star after accepting: %d", resp.StatusCode)
	}
	var name string
	ts.db.Owner.QueryRow(t.Context(), `SELECT name FROM users WHERE email = 'buyer@stockport.example'`).Scan(&name)
	if name != "Sam Stockport" {
		t.Errorf("the account's name became %q", name)
	}
	if resp := login(t, ts, "buyer@stockport.example", demo.Password, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the account's password changed: %d", resp.StatusCode)
	}
	resp, body = get(t, c, ts.URL+link)
	expired(t, resp, body, "a used invitation")
}

func TestInvitationsWithSeveralRolesAreListedResentAndRevoked(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")

	// Two roles ticked, no email: both stay ticked, with a message.
	before := snapshot(t, ts)
	resp, body := post(t, admin, ts.URL+"/o/star/users", url.Values{"roles": {"buyer", "director"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "email") {
		t.Fatalf("no email: %d", resp.StatusCode)
	}
	for _, role := range []string{"buyer", "director"} {
		if !regexp.MustCompile(`value="` + role + `"[^>]*checked`).MatchString(body) {
			t.Errorf("%s is not ticked after the error", role)
		}
	}
	if regexp.MustCompile(`value="admin"[^>]*checked`).MatchString(body) {
		t.Error("a box the user did not tick came back ticked")
	}
	// No roles at all: a message, and the email kept.
	resp, body = post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"kim@star.example"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "roles") || !strings.Contains(body, `value="kim@star.example"`) {
		t.Errorf("no role: %d", resp.StatusCode)
	}
	unchanged(t, "invitations with mistakes", before, snapshot(t, ts))

	resp, _ = post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"kim@star.example"}, "roles": {"director", "buyer"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d", resp.StatusCode)
	}
	first := lastLink(t, ts, "kim@star.example")
	if mails := emailsTo(ts, "kim@star.example"); !strings.Contains(mails[0].Body, "as buyer, director") {
		t.Errorf("the email does not name both roles:\n%s", mails[0].Body)
	}
	_, body = get(t, admin, ts.URL+"/o/star/users")
	if !strings.Contains(body, "kim@star.example") || !strings.Contains(body, "Invited as buyer, director") {
		t.Fatal("the pending invitation is not listed with its roles")
	}
	action := regexp.MustCompile(`action="(/o/star/users/invitations/\d+)/resend"`).FindStringSubmatch(body)
	if action == nil {
		t.Fatal("no resend button")
	}

	// Resending sends a new link; the first stops working.
	resp, _ = post(t, admin, ts.URL+action[1]+"/resend", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", resp.StatusCode)
	}
	second := lastLink(t, ts, "kim@star.example")
	if second == first {
		t.Fatal("resending sent the same link")
	}
	resp, body = get(t, ts.client(t), ts.URL+first)
	expired(t, resp, body, "the link before a resend")
	c := ts.client(t)
	resp, _ = post(t, c, ts.URL+second, url.Values{"name": {"Kim Two Roles"}, "password": {newPassword}, "confirm": {newPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept the resent invitation: %d", resp.StatusCode)
	}
	if _, body := get(t, c, ts.URL+"/o/star"); !strings.Contains(body, "You are signed in as buyer, director") {
		t.Error("the invitation did not give both roles")
	}
	if _, body := get(t, admin, ts.URL+"/o/star/users"); strings.Contains(body, "Invited as buyer, director") {
		t.Error("an accepted invitation is still pending")
	}

	// Revoking stops the link; revoking twice is no error; another
	// organisation's invitation cannot be touched.
	post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"lee@star.example"}, "roles": {"evaluator"}})
	lee := lastLink(t, ts, "lee@star.example")
	_, body = get(t, admin, ts.URL+"/o/star/users")
	action = regexp.MustCompile(`action="(/o/star/users/invitations/\d+)/revoke"`).FindStringSubmatch(body)
	if action == nil {
		t.Fatal("no revoke button")
	}
	stranger := signIn(t, ts, "bids@northernbuild.example")
	if resp, _ := post(t, stranger, ts.URL+strings.Replace(action[1], "/o/star/", "/o/northernbuild/", 1)+"/revoke", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("revoking another organisation's invitation: %d", resp.StatusCode)
	}
	if resp, body := get(t, ts.client(t), ts.URL+lee); resp.StatusCode != http.StatusOK {
		t.Fatalf("another organisation revoked the invitation: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = post(t, admin, ts.URL+action[1]+"/revoke", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	resp, body = get(t, ts.client(t), ts.URL+lee)
	expired(t, resp, body, "a revoked invitation")
	if resp, _ := post(t, admin, ts.URL+action[1]+"/revoke", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("revoking twice: %d", resp.StatusCode)
	}
	if got := auditActions(t, ts, "star"); !contains(got, "member.invite.resend") || !contains(got, "member.invite.revoke") {
		t.Errorf("audit %v", got)
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	here := signIn(t, ts, "buyer@stockport.example")
	elsewhere := signIn(t, ts, "buyer@stockport.example")

	before := snapshot(t, ts)
	wrong := "not-my-password-at-all"
	resp, body := post(t, here, ts.URL+"/account/password", url.Values{"current": {wrong}, "password": {newPassword}, "confirm": {newPassword}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "current") || !strings.Contains(body, "Your current password is not correct") {
		t.Fatalf("wrong current password: %d", resp.StatusCode)
	}
	if strings.Contains(body, wrong) || strings.Contains(body, newPassword) {
		t.Error("the page sends a password back")
	}
	unchanged(t, "a wrong current password", before, snapshot(t, ts), "login_failures")
	resp, body = post(t, here, ts.URL+"/account/password", url.Values{"current": {demo.Password}, "password": {newPassword}, "confirm": {newPassword + "x"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "confirm") {
		t.Errorf("mismatched new passwords: %d", resp.StatusCode)
	}
	resp, body = post(t, here, ts.URL+"/account/password", url.Values{"current": {demo.Password}, "password": {demo.Password}, "confirm": {demo.Password}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "password") {
		t.Errorf("the same password again: %d", resp.StatusCode)
	}

	resp, _ = post(t, here, ts.URL+"/account/password", url.Values{"current": {demo.Password}, "password": {newPassword}, "confirm": {newPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("change: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := get(t, here, ts.URL+"/account"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Your password has been changed") {
		t.Errorf("this session did not stay signed in: %d", resp.StatusCode)
	}
	if resp, _ := get(t, elsewhere, ts.URL+"/o/stockport"); !signedOut(resp) {
		t.Errorf("the other session is still signed in: %d", resp.StatusCode)
	}
	c := ts.client(t)
	if resp, _ := post(t, c, ts.URL+"/login", url.Values{"email": {"buyer@stockport.example"}, "password": {demo.Password}}); resp.StatusCode == http.StatusSeeOther {
		t.Error("the old password still works")
	}
	if resp, _ := post(t, c, ts.URL+"/login", url.Values{"email": {"buyer@stockport.example"}, "password": {newPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password does not work: %d", resp.StatusCode)
	}
}

func TestDeadLinksOfferANewOne(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	// A used reset link offers a new one.
	c := ts.client(t)
	post(t, c, ts.URL+"/password-reset", url.Values{"email": {"buyer@star.example"}})
	link := lastLink(t, ts, "buyer@star.example")
	post(t, c, ts.URL+link, url.Values{"password": {newPassword}, "confirm": {newPassword}})
	resp, body := get(t, ts.client(t), ts.URL+link)
	expired(t, resp, body, "a used reset link")
	if !strings.Contains(body, `href="/password-reset"`) || !strings.Contains(body, "Send me a new link") {
		t.Error("a dead reset link offers no new one")
	}

	// An expired invitation offers to ask for another, which tells the
	// organisation and whoever sent it.
	admin := signIn(t, ts, "admin@star.example")
	post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"late@star.example"}, "roles": {"buyer"}})
	invite := lastLink(t, ts, "late@star.example")
	if _, err := adminPool(t, ts.db).Exec(t.Context(), `UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = 'late@star.example'`); err != nil {
		t.Fatal(err)
	}
	resp, body = get(t, ts.client(t), ts.URL+invite)
	expired(t, resp, body, "an expired invitation")
	if !strings.Contains(body, `action="`+invite+`/again"`) || !strings.Contains(body, "Ask STAR Shared Procurement for a new invitation") {
		t.Fatal("an expired invitation offers no way to ask for another")
	}
	resp, body = post(t, ts.client(t), ts.URL+invite+"/again", url.Values{})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "We have asked for a new invitation") {
		t.Fatalf("ask again: %d", resp.StatusCode)
	}
	if mails := emailsTo(ts, "admin@star.example"); len(mails) == 0 || !strings.Contains(mails[len(mails)-1].Subject, "late@star.example asks for a new invitation") {
		t.Error("the administrator who sent it was not told")
	}
	// Asking again with one dead link tells the inviter at most three
	// times a day; the page answers the same each time.
	for range 4 {
		if resp, body := post(t, ts.client(t), ts.URL+invite+"/again", url.Values{}); resp.StatusCode != http.StatusOK ||
			!strings.Contains(body, "We have asked for a new invitation") {
			t.Fatalf("asking again: %d", resp.StatusCode)
		}
	}
	asked := 0
	for _, m := range emailsTo(ts, "admin@star.example") {
		if strings.Contains(m.Subject, "late@star.example asks for a new invitation") {
			asked++
		}
	}
	if asked != 3 {
		t.Errorf("the inviter was asked %d times, want 3", asked)
	}
	if _, body := get(t, admin, ts.URL+"/o/star/notifications"); !strings.Contains(body, `href="/o/star/users?invite=late%40star.example"`) {
		t.Error("no message, linked to a filled-in invitation, for the organisation")
	}
	// An unknown token gets the plain page, with no button.
	resp, body = get(t, ts.client(t), ts.URL+"/invite/not-a-real-token")
	expired(t, resp, body, "an unknown invitation")
	if strings.Contains(body, "/again") {
		t.Error("an unknown link offers to ask someone")
	}
	resp, _ = post(t, ts.client(t), ts.URL+"/invite/not-a-real-token/again", url.Values{})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("asking again with an unknown link: %d", resp.StatusCode)
	}
}

// An invitation's token is made by the worker that emails it: the job
// names the invitation only, and the database holds only the digest of
// the link that was sent.
func TestInvitationTokenIsNeverStored(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	if resp, _ := post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"kept@star.example"}, "roles": {"buyer"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d", resp.StatusCode)
	}
	link := lastLink(t, ts, "kept@star.example")
	token := strings.TrimPrefix(link, "/invite/")
	var jobs, stored int
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `
		SELECT (SELECT count(*) FROM river_job WHERE args::text LIKE '%' || $1 || '%'),
		       (SELECT count(*) FROM invitations WHERE token_hash::text LIKE '%' || $1 || '%')`, token).Scan(&jobs, &stored); err != nil {
		t.Fatal(err)
	}
	if jobs+stored != 0 {
		t.Errorf("the emailed token is stored: %d jobs, %d invitations", jobs, stored)
	}
	if resp, body := get(t, ts.client(t), ts.URL+link); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Shared Transactional") && !strings.Contains(body, "kept@star.example") {
		t.Errorf("the emailed link: %d", resp.StatusCode)
	}
}
