package server_test

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/mailtest"
	"github.com/tally-sv/tally/internal/notify"
)

// Registering never talks to the mail server, whether or not the address
// has an account: the email is a job. Workers then send each email once,
// over STARTTLS to a real SMTP server, and the link in it finishes
// registering.
func TestRegistrationEmailIsAJobNotPartOfTheRequest(t *testing.T) {
	t.Parallel()
	mail, roots := mailtest.StartTLS(t)
	ts := seededServer(t, func(c *config.Config) { c.SMTPAddr = mail.Addr() })
	const newcomer, member = "owner@rochdalerugs.example", "bids@northernbuild.example"
	for _, email := range []string{newcomer, member} {
		if resp, _ := post(t, ts.client(t), ts.URL+"/register", registration("Rochdale Rugs Ltd", "OL16 1AB", email)); resp.StatusCode != http.StatusOK {
			t.Fatalf("register %s: %d", email, resp.StatusCode)
		}
	}
	if n := mail.Connections(); n != 0 {
		t.Fatalf("the requests connected to the mail server %d times, want none", n)
	}

	ts.sender = &notify.SMTPSender{Addr: mail.Addr(), From: "Tally <no-reply@tally.localhost>",
		TLS: notify.TLSStartTLS, TLSConfig: &tls.Config{RootCAs: roots, ServerName: mail.Host()}}
	ts.workJobs()
	byTo := map[string]mailtest.Message{}
	for _, m := range mail.WaitFor(t, 2, 30*time.Second) {
		if len(m.To) != 1 || !m.TLS || m.Err != nil {
			t.Errorf("message to %v: TLS %v, %v", m.To, m.TLS, m.Err)
			continue
		}
		if _, twice := byTo[m.To[0]]; twice {
			t.Errorf("%s was emailed twice", m.To[0])
		}
		byTo[m.To[0]] = m
	}
	if m := byTo[member]; m.Subject != "You already have a Tally account" || strings.Contains(m.Body, "/register/confirm/") {
		t.Errorf("the email to an address with an account: %q\n%s", m.Subject, m.Body)
	}
	m := byTo[newcomer]
	var link string
	for _, l := range m.Links() {
		if after, ok := strings.CutPrefix(l, "http://localhost/register/confirm/"); ok {
			link = "/register/confirm/" + after
		}
	}
	if m.Subject != "Finish registering on Tally" || link == "" {
		t.Fatalf("the email to a newcomer: %q\n%s", m.Subject, m.Body)
	}
	if resp, body := post(t, ts.client(t), ts.URL+link, choosePassword(registerPassword)); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/o/rochdale-rugs-ltd" {
		t.Errorf("the emailed link: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if n := len(mail.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}
