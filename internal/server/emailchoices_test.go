package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAccountEmailChoices: each person is offered the emails their roles
// get, unticks one to turn it off with a confirmation that says what they
// will get, and cannot change what they are not offered.
func TestAccountEmailChoices(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	choices := func(email string) (reminders, digest bool) {
		t.Helper()
		if err := ts.db.Owner.QueryRow(t.Context(), `SELECT email_reminders, email_digest FROM users WHERE email = $1`, email).
			Scan(&reminders, &digest); err != nil {
			t.Fatal(err)
		}
		return reminders, digest
	}
	const supplier = "bids@northernbuild.example"
	sup := signIn(t, ts, supplier)
	resp, body := get(t, sup, ts.URL+"/account")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="reminders" checked`) || strings.Contains(body, `value="digest"`) {
		t.Fatalf("a supplier's account page: %d; want reminders offered and ticked, no digest", resp.StatusCode)
	}

	// Nothing ticked turns reminders off, and says so; the digest, not
	// offered, keeps its setting.
	resp, _ = post(t, sup, ts.URL+"/account/emails", url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("save: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = get(t, sup, ts.URL+"/account")
	if !strings.Contains(body, "Your email choices have been saved. You will not get reminders by email.") ||
		!strings.Contains(body, `value="reminders"`) || strings.Contains(body, `value="reminders" checked`) {
		t.Error("after turning reminders off, the page does not say so or still ticks them")
	}
	if r, d := choices(supplier); r || !d {
		t.Errorf("saved reminders %t, digest %t; want false, true", r, d)
	}

	// Ticked again, with values not offered or unknown: only reminders move.
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE users SET email_digest = false WHERE email = $1`, supplier); err != nil {
		t.Fatal(err)
	}
	post(t, sup, ts.URL+"/account/emails", url.Values{"emails": {"reminders", "digest", "<b>everything</b>"}})
	if r, d := choices(supplier); !r || d {
		t.Errorf("saved reminders %t, digest %t; want true, false", r, d)
	}
	if _, body := get(t, sup, ts.URL+"/account"); !strings.Contains(body, "You will get reminders by email.") {
		t.Error("turning reminders on is not confirmed")
	}

	// A contract manager is offered the digest; a buyer nothing.
	if _, body := get(t, signIn(t, ts, "contracts@trafford.example"), ts.URL+"/account"); !strings.Contains(body, `value="digest" checked`) ||
		strings.Contains(body, `value="reminders"`) {
		t.Error("a contract manager is not offered the digest alone")
	}
	if _, body := get(t, signIn(t, ts, "buyer@stockport.example"), ts.URL+"/account"); strings.Contains(body, `name="emails"`) ||
		!strings.Contains(body, "Your roles get no reminders or digests by email.") {
		t.Error("a buyer is offered emails their roles do not get")
	}
}
