package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/mailtest"
	"github.com/tally-sv/tally/internal/notify"
)

var nonceRE = regexp.MustCompile(`nonce="[^"]*"`)

// A password reset request takes the same path whether or not the address
// has an account: the request queues one job and never talks to the mail
// server, so neither its answer nor its timing can tell them apart. The
// worker then emails a link to the account's owner, and nothing to an
// address without an account.
func TestResetRequestNeverTalksToSMTP(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	ts := seededServer(t, func(c *config.Config) { c.SMTPAddr, c.SMTPTLS = smtp.Addr(), notify.TLSNone })
	ts.sender = &notify.SMTPSender{Addr: smtp.Addr(), TLS: notify.TLSNone, From: "Tally <no-reply@tally.example>"}

	var answers []string
	for _, email := range []string{"buyer@star.example", "nobody@star.example"} {
		resp, body := post(t, ts.client(t), ts.URL+"/password-reset", url.Values{"email": {email}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", email, resp.StatusCode)
		}
		// Each page has its own script nonce; the rest must be the same.
		answers = append(answers, nonceRE.ReplaceAllString(strings.ReplaceAll(body, email, "EMAIL"), "NONCE"))
	}
	if answers[0] != answers[1] {
		t.Error("the answers for an account and for no account differ")
	}
	if n := smtp.Connections(); n != 0 {
		t.Errorf("the requests made %d connections to the mail server, want none", n)
	}
	var kinds []string
	rows, err := ts.db.Owner.Query(t.Context(), `SELECT kind || ' ' || (args->>'email') FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	if strings.Join(kinds, ", ") != "password_reset buyer@star.example, password_reset nobody@star.example" {
		t.Errorf("queued jobs %q, want one reset job per request, the same for both", kinds)
	}

	ts.workJobs()
	msgs := smtp.WaitFor(t, 1, 10*time.Second)
	if len(msgs) != 1 || msgs[0].To[0] != "buyer@star.example" || len(msgs[0].Links()) == 0 ||
		!strings.Contains(msgs[0].Links()[0], "http://localhost/reset/") {
		t.Fatalf("emails sent: %+v, want one reset link to the account's owner", msgs)
	}
	link := strings.TrimPrefix(msgs[0].Links()[0], "http://localhost")
	if resp, body := get(t, ts.client(t), ts.URL+link); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Choose a new password") {
		t.Errorf("the emailed link: %d", resp.StatusCode)
	}
}
