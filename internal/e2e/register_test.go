package e2e

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tally-sv/tally/internal/mailtest"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/worker"
)

// TestSupplierRegistersThroughTheEmailedLink registers a supplier as a
// person would, with JavaScript on and off: the form, the email (sent by
// the workers through a real SMTP server), its link, where the password
// is chosen, used once. Someone
// who registers with an address that has an account sees the same page
// and gets an email that says so.
func TestSupplierRegistersThroughTheEmailedLink(t *testing.T) {
	bothWays(t, func(t *testing.T, v *visit) {
		mail := v.app.mailbox(t)
		register := func(email string) *session {
			s := v.tab(t)
			s.open(t, "/register")
			s.fill(t, "#org_name", "Radcliffe Rivets Ltd")
			s.fill(t, "#postcode", "M26 2SP")
			s.choose(t, "Size of organisation", "Small")
			s.fill(t, "#name", "Ria Radcliffe")
			s.fill(t, "#email", email)
			s.press(t, "Register")
			s.wantText(t, "Check your email", "We have sent an email to "+email+". It tells you how to finish registering.")
			return s
		}
		s := register("ria@rivets.example")
		register("bids@northernbuild.example")

		var link string
		for _, m := range mail.WaitFor(t, 2, 30*time.Second) {
			switch m.To[0] {
			case "bids@northernbuild.example":
				if m.Subject != "You already have a Tally account" || strings.Contains(m.Body, "/register/confirm/") {
					t.Errorf("the email to an address with an account: %q\n%s", m.Subject, m.Body)
				}
			case "ria@rivets.example":
				for _, l := range m.Links() {
					if path, ok := strings.CutPrefix(l, v.app.URL); ok && strings.HasPrefix(path, "/register/confirm/") {
						link = path
					}
				}
			}
		}
		if link == "" {
			t.Fatal("no registration link was emailed")
		}
		s.open(t, link)
		s.wantText(t, "Finish registering Radcliffe Rivets Ltd", "ria@rivets.example", "M26 2SP", "Choose a password")
		// Passwords that differ: the page says so, and the link still works.
		s.fill(t, "#password", "correct horse battery staple")
		s.fill(t, "#confirm", "correct horse battery stable")
		s.clickTo(t, "//button[normalize-space()='Finish registering']", 422)
		s.wantText(t, "There is a problem", "The passwords do not match")
		s.fill(t, "#password", "correct horse battery staple")
		s.fill(t, "#confirm", "correct horse battery staple")
		s.press(t, "Finish registering")
		s.wantText(t, "Your organisation is registered")
		if got := s.path(t); got != "/o/radcliffe-rivets-ltd" {
			t.Errorf("registered, the browser is at %s", got)
		}
		// The link works once.
		other := v.tab(t)
		ctx, cancel := other.step()
		defer cancel()
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(v.app.URL+link))
		other.arrived(t, "open the used link", resp, err, 404)
		other.wantText(t, "This link has expired", "Register again")
	})
}

// mailbox starts a real SMTP server and the workers that send the app's
// email jobs to it, as `tally serve` does with SMTP_ADDR set. Links in the
// emails start with the app's own address, so a tab can open them.
func (a *app) mailbox(t *testing.T) *mailtest.Server {
	t.Helper()
	mail := mailtest.Start(t)
	log := slog.New(slog.NewJSONHandler(a.logs, nil))
	w, err := worker.New(a.db.App, postgres.New(a.db.App), worker.Config{Workers: 2, BaseURL: a.URL, Log: log,
		PollInterval: 100 * time.Millisecond,
		Sender:       &notify.SMTPSender{Addr: mail.Addr(), From: "Tally <no-reply@tally.localhost>", TLS: notify.TLSNone}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		w.Stop(ctx)
	})
	return mail
}
