package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

// An administrator sees the emails about their organisation's work that
// could not be delivered, with the error, and can try one again; another
// council's administrator, and anyone who is not an administrator, cannot
// see or retry it.
func TestUndeliveredEmailsAreShownToAdministratorsAndRetried(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	stockport := orgID(t, ts, "stockport")
	id := undeliveredEmail(t, ts, stockport, stockport, "gone@supplier.example", "Outcome of STO-1: you have won the contract")
	// To a supplier's person: the council's administrators learn whose,
	// never the address.
	northern := orgID(t, ts, "northernbuild")
	undeliveredEmail(t, ts, stockport, northern, "private@northernbuild.example", "Outcome of STO-2: your offer was not successful")
	page := "/o/star/notifications/undelivered"

	admin := signIn(t, ts, "admin@star.example")
	_, body := get(t, admin, ts.URL+"/o/star/notifications")
	if !strings.Contains(body, "2 emails could not be delivered") || !strings.Contains(body, `href="`+page+`"`) {
		t.Errorf("the shared service's Messages page does not point its administrator to the undelivered email:\n%s", body)
	}
	resp, body := get(t, admin, ts.URL+page)
	if strings.Contains(body, "private@northernbuild.example") || strings.Contains(body, "550") {
		t.Error("the page shows a supplier's person's address, or the raw error")
	}
	for _, want := range []string{"gone@supplier.example", "Outcome of STO-1: you have won the contract", "The mail server refused the address",
		"Stockport Council", "tried 10 times", "2 emails could not be delivered.", "one of the people at Northern Build"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("undelivered page: %d, missing %q", resp.StatusCode, want)
		}
	}

	// Not an administrator, or another council's: nothing to see or retry.
	retry := page + "/" + itoa64(id) + "/retry"
	addUser(t, ts, "admin@trafford.example", "trafford", tally.RoleAdmin)
	for _, who := range []struct{ email, org string }{{"director@star.example", "star"}, {"admin@trafford.example", ""}} {
		c := signIn(t, ts, who.email)
		if who.org != "" {
			if resp, _ := get(t, c, ts.URL+"/o/"+who.org+"/notifications/undelivered"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: undelivered page %d, want 404", who.email, resp.StatusCode)
			}
			if resp, _ := post(t, c, ts.URL+"/o/"+who.org+"/notifications/undelivered/"+itoa64(id)+"/retry", url.Values{}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: retry %d, want 404", who.email, resp.StatusCode)
			}
		}
	}
	trafford := orgID(t, ts, "trafford")
	other := undeliveredEmail(t, ts, trafford, trafford, "x@trafford-supplier.example", "Trafford outcome email")
	tc := signIn(t, ts, "admin@trafford.example")
	if _, body := get(t, tc, ts.URL+"/o/trafford/notifications/undelivered"); strings.Contains(body, "gone@supplier.example") || !strings.Contains(body, "Trafford outcome email") {
		t.Errorf("Trafford's administrator sees another council's email, or not their own")
	}
	if resp, _ := post(t, tc, ts.URL+"/o/trafford/notifications/undelivered/"+itoa64(id)+"/retry", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("Trafford retrying Stockport's email: %d, want a redirect saying it is not waiting", resp.StatusCode)
	}
	if state := jobState(t, ts, id); state != "discarded" {
		t.Errorf("another council's administrator moved the job to %s", state)
	}

	// Retried: it leaves the list, and the workers send it.
	resp, _ = post(t, admin, ts.URL+retry, url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	if _, body := get(t, admin, ts.URL+page); strings.Contains(body, "gone@supplier.example") {
		t.Error("the retried email is still listed as not delivered")
	}
	ts.workJobs()
	if state := jobState(t, ts, id); state != "completed" {
		t.Errorf("retried email: %s, want completed", state)
	}
	if mails := emailsTo(ts, "gone@supplier.example"); len(mails) != 1 {
		t.Errorf("retried email sent %d times, want once", len(mails))
	}
	if jobState(t, ts, other) != "discarded" {
		t.Error("retrying one email retried another")
	}
}

func jobState(t *testing.T, ts *testServer, id int64) string {
	t.Helper()
	var state string
	if err := ts.db.Owner.QueryRow(t.Context(), `SELECT state FROM river_job WHERE id = $1`, id).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return state
}
