package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/demo"
)

// askForReset asks for a password reset link to email from the client
// address addr.
func askForReset(t *testing.T, ts *testServer, email, addr string) (*http.Response, string) {
	t.Helper()
	return send(t, ts.client(t), http.MethodPost, ts.URL+"/password-reset", url.Values{"email": {email}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": addr})
}

// Reset requests are limited per address asked for, whether or not it has
// an account, and per client address.
func TestPasswordResetRequestsAreThrottled(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	for _, email := range []string{"buyer@star.example", "nobody@star.example"} {
		for i := range 3 {
			if resp, _ := askForReset(t, ts, email, "198.51.100."+itoa(i+1)); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: request %d: %d", email, i+1, resp.StatusCode)
			}
		}
		resp, body := askForReset(t, ts, email, "198.51.100.9")
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3600" ||
			!strings.Contains(body, "Too many requests to reset a password") {
			t.Errorf("%s: the 4th request: %d, Retry-After %q; want the 429 page", email, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if n := len(emailsTo(ts, "buyer@star.example")); n != 3 {
		t.Errorf("%d reset emails, want 3", n)
	}
	for i := range 10 {
		if resp, _ := askForReset(t, ts, "someone"+itoa(i)+"@star.example", "203.0.113.70"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d from one address: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := askForReset(t, ts, "admin@star.example", "203.0.113.70"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the 11th request from one address: %d, want 429", resp.StatusCode)
	}
	if len(emailsTo(ts, "admin@star.example")) != 0 {
		t.Error("a refused reset was emailed")
	}
}

// Invitations are limited per invited address in one organisation and per
// inviting account; sending one again counts. Other organisations are not
// limited by one's invitations, so no stranger can stop a council inviting
// its staff.
func TestInvitationsAreThrottled(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	invite := func(c *http.Client, org, email, role string) (*http.Response, string) {
		return post(t, c, ts.URL+"/o/"+org+"/users", url.Values{"email": {email}, "roles": {role}})
	}
	for i := range 5 {
		if resp, _ := invite(admin, "star", "nia@x.example", "buyer"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("invitation %d: %d", i+1, resp.StatusCode)
		}
	}
	before := snapshot(t, ts)
	resp, body := invite(admin, "star", "nia@x.example", "buyer")
	if resp.StatusCode != http.StatusTooManyRequests || !hasFieldError(body, "email") ||
		!strings.Contains(body, "nia@x.example has been sent too many invitations in the last 24 hours") || !strings.Contains(body, `value="nia@x.example"`) {
		t.Errorf("the 6th invitation to one address: %d, want 429 with a message on the form\n%.2000s", resp.StatusCode, body)
	}
	unchanged(t, "a refused invitation", before, snapshot(t, ts))
	if n := len(emailsTo(ts, "nia@x.example")); n != 5 {
		t.Errorf("%d invitations emailed, want 5", n)
	}

	// Sending again counts, and is refused in the same way.
	var id int64
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `SELECT max(id) FROM invitations WHERE email = 'nia@x.example'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	resp, body = post(t, admin, ts.URL+"/o/star/users/invitations/"+itoa64(id)+"/resend", nil)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, `href="#invitations"`) {
		t.Errorf("sending again: %d, want 429 with a message on the invitations", resp.StatusCode)
	}

	// Another organisation may still invite the address.
	supplier := signIn(t, ts, "bids@northernbuild.example")
	for i := range 5 {
		if resp, _ := invite(supplier, "northernbuild", "nia@x.example", "supplier"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("northernbuild's invitation %d: %d", i+1, resp.StatusCode)
		}
	}
	addUser(t, ts, "boss@communitycare.example", "communitycare", "supplier")
	other := signIn(t, ts, "boss@communitycare.example")
	if resp, _ := invite(other, "communitycare", "nia@x.example", "supplier"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a third organisation's invitation to the address: %d, want it sent", resp.StatusCode)
	}

	// One person inviting many addresses: Northern Build's has sent 5.
	for i := range 45 {
		if resp, _ := invite(supplier, "northernbuild", "person"+itoa(i)+"@x.example", "supplier"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("invitation %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body = invite(supplier, "northernbuild", "late@x.example", "supplier")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "You have sent too many invitations in the last hour") {
		t.Errorf("the 51st invitation in an hour: %d, want 429", resp.StatusCode)
	}
	if resp, _ := invite(admin, "star", "late@x.example", "buyer"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("someone else inviting: %d, want 303", resp.StatusCode)
	}
}

// securityEvents are the security event lines the server logged.
func securityEvents(t *testing.T, ts *testServer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(ts.log.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "security event" {
			out = append(out, m)
		}
	}
	return out
}

// Every failed sign-in and every refusal is logged as a security event
// with the client address, and the user when known, but never what was
// typed.
func TestSecurityEventsAreLogged(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, fromProxy)
	const guess = "Wrong guess 7731"
	buyer := userID(t, ts, "buyer@star.example")
	for range 11 {
		login(t, ts, "buyer@star.example", guess, "198.51.100.80")
	}
	login(t, ts, "nobody@star.example", guess, "198.51.100.81")
	for range 4 {
		askForLink(t, ts, ts.client(t), "buyer@star.example", "/", "198.51.100.82")
	}
	for range 4 {
		askForReset(t, ts, "nobody@star.example", "198.51.100.83")
	}
	send(t, ts.client(t), http.MethodPost, ts.URL+"/login/link/made-up-token", url.Values{},
		map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": "198.51.100.85"})

	counts := map[string]int{}
	for _, e := range securityEvents(t, ts) {
		event, _ := e["event"].(string)
		counts[event]++
		client, _ := e["client"].(string)
		if !strings.HasPrefix(client, "198.51.100.") {
			t.Errorf("%s: client %q", event, client)
		}
		if e["request_id"] == nil {
			t.Errorf("%s: no request id", event)
		}
		if line, _ := json.Marshal(e); strings.Contains(string(line), guess) || strings.Contains(string(line), "@star.example") {
			t.Errorf("%s carries what was typed: %s", event, line)
		}
		switch event {
		case "sign_in_failed", "sign_in_throttled":
			if client == "198.51.100.80" && e["user_id"] != float64(buyer) {
				t.Errorf("%s: user_id %v, want %d", event, e["user_id"], buyer)
			}
			if client == "198.51.100.81" && e["user_id"] != nil {
				t.Errorf("%s for no account: user_id %v", event, e["user_id"])
			}
		}
		if strings.HasSuffix(event, "_throttled") && (e["limit"] == nil || e["level"] != "WARN") {
			t.Errorf("%s: limit %v, level %v", event, e["limit"], e["level"])
		}
	}
	want := map[string]int{"sign_in_failed": 11, "sign_in_throttled": 1, "sign_in_link_requested": 3, "sign_in_link_throttled": 1,
		"reset_throttled": 1, "sign_in_link_refused": 1}
	for event, n := range want {
		if counts[event] != n {
			t.Errorf("%d %s events, want %d (all: %v)", counts[event], event, n, counts)
		}
	}
	if resp := login(t, ts, "buyer@star.example", demo.Password, "198.51.100.84"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the owner elsewhere: %d", resp.StatusCode)
	}
}
