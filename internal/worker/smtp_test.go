package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/mailtest"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/internal/worker"
)

// These tests send the award's emails through a real SMTP server on
// loopback (package mailtest), from a real database, with River's real
// workers: what Tally does in production, failures included.

// TestAwardEmailsEachBidderOnce: an award emails the people of each bidder
// exactly once, over STARTTLS, with its outcome, and nobody else. The
// award itself talks to no mail server: its emails are jobs.
func TestAwardEmailsEachBidderOnce(t *testing.T) {
	t.Parallel()
	a := readyAward(t)
	srv, pool := mailtest.StartTLS(t)
	a.award(t)
	if n := srv.Connections(); n != 0 {
		t.Errorf("the award made %d SMTP connections itself", n)
	}
	if jobs := emailJobs(t, a.admin); len(jobs) != len(a.want) {
		t.Errorf("the award queued %d emails for %d people", len(jobs), len(a.want))
	}
	startWorkers(t, a.db, worker.Config{Sender: startTLSSender(srv.Addr(), pool)})
	jobs := settled(t, a.admin, 30*time.Second)
	msgs := srv.Messages()
	receivedOnce(t, a, msgs, jobs)
	for _, m := range msgs {
		if !m.TLS {
			t.Errorf("%s: sent without TLS", m.To)
		}
	}
	for to, j := range jobs {
		if j.State != "completed" || j.Attempt != 1 {
			t.Errorf("%s: %s after %d tries, want completed after 1", to, j.State, j.Attempt)
		}
	}
}

// TestAwardWithSMTPDown: with the mail server refusing service (421) the
// award still succeeds and its emails wait, failing and retrying; once the
// server is back each arrives, once.
func TestAwardWithSMTPDown(t *testing.T) {
	t.Parallel()
	a := readyAward(t)
	srv := mailtest.Start(t)
	srv.SetDown(true)
	a.award(t)
	for to, j := range emailJobs(t, a.admin) {
		if j.State != "available" {
			t.Errorf("%s: job %s, want available", to, j.State)
		}
	}
	// Ten tries each, half a second apart: the server comes back within
	// the first few.
	startWorkers(t, a.db, worker.Config{Sender: plainSender(srv.Addr()), RetryPolicy: retryAfter(500 * time.Millisecond)})
	eventually(t, 30*time.Second, func() (bool, string) {
		for to, j := range emailJobs(t, a.admin) {
			if len(j.Errors) == 0 {
				return false, to + ": not yet tried"
			}
			if j.State == "completed" || j.State == "discarded" {
				t.Fatalf("%s: %s while the server is down", to, j.State)
			}
			if last := j.Errors[len(j.Errors)-1]; !strings.Contains(last, "421") {
				t.Fatalf("%s: failed with %q, want the server's 421", to, last)
			}
		}
		return true, ""
	})
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages arrived while the server was down", n)
	}
	if n := srv.Connections(); n < len(a.want) {
		t.Errorf("%d connections while down, want one a job at least", n)
	}
	srv.SetDown(false)
	jobs := settled(t, a.admin, 30*time.Second)
	receivedOnce(t, a, srv.Messages(), jobs)
	for to, j := range jobs {
		if j.State != "completed" || j.Attempt < 2 {
			t.Errorf("%s: %s after %d tries, want completed after a retry", to, j.State, j.Attempt)
		}
	}
}

// TestStartTLSRequiredButNotOffered: a server that does not offer STARTTLS
// gets no email when STARTTLS is required (the default): every job fails
// with a clear error, is given up after its last try, and is shown to the
// administrators of the partner whose work it was about.
func TestStartTLSRequiredButNotOffered(t *testing.T) {
	t.Parallel()
	a := readyAward(t)
	srv := mailtest.Start(t) // plain text only
	a.award(t)
	sender := plainSender(srv.Addr())
	sender.TLS = "" // the default: STARTTLS required
	startWorkers(t, a.db, worker.Config{Sender: sender, RetryPolicy: retryAfter(50 * time.Millisecond)})
	queued := settled(t, a.admin, 60*time.Second)
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent in plain text", n)
	}
	for to, j := range queued {
		if j.State != "discarded" || j.Attempt != jobs.EmailAttempts {
			t.Errorf("%s: %s after %d tries, want discarded after %d", to, j.State, j.Attempt, jobs.EmailAttempts)
		}
		if len(j.Errors) == 0 || !strings.Contains(j.Errors[len(j.Errors)-1], "STARTTLS") {
			t.Errorf("%s: errors %q, want one about STARTTLS", to, j.Errors)
		}
	}

	ctx := context.Background()
	u, _, err := a.store.UserByEmail(ctx, "admin@star.example")
	if err != nil {
		t.Fatal(err)
	}
	access, err := a.store.Access(ctx, u.ID, "star") // the shared service: Stockport is in reach
	if err != nil {
		t.Fatal(err)
	}
	list, total, err := a.store.UndeliveredEmails(ctx, access.Scope, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(a.want) || len(list) != len(a.want) {
		t.Errorf("%d undelivered (total %d), want %d", len(list), total, len(a.want))
	}
	subjects := map[string]bool{}
	for _, s := range a.want {
		subjects[s] = true
	}
	for _, e := range list {
		// The bidders' people are not the shared service's: it sees
		// whose address it was, not the address.
		if e.To != "" || e.ToOrg == "" || !subjects[e.Subject] || e.Attempts != jobs.EmailAttempts ||
			!strings.Contains(e.Error, "STARTTLS") || e.About != "Stockport Council" {
			t.Errorf("undelivered: %+v", e)
		}
	}
	// An administrator of another partner alone does not see them.
	rochdale, err := a.store.OrgBySlug(ctx, "rochdale")
	if err != nil {
		t.Fatal(err)
	}
	other := tally.Scope{UserID: u.ID, PartnerIDs: []int64{rochdale.ID}, OrgIDs: []int64{rochdale.ID}, Roles: []tally.Role{tally.RoleAdmin}}
	if list, total, err := a.store.UndeliveredEmails(ctx, other, 100, 0); err != nil || total != 0 || len(list) != 0 {
		t.Errorf("another organisation's administrator sees %d (total %d, %v)", len(list), total, err)
	}
}

// TestUnknownRecipientIsGivenUpAtOnce: an address the server refuses for
// good (550, no such mailbox) is not tried again for hours: its job stops
// after one try and is shown as not delivered at once, while the other
// bidders' emails go.
func TestUnknownRecipientIsGivenUpAtOnce(t *testing.T) {
	t.Parallel()
	a := readyAward(t)
	srv := mailtest.Start(t)
	var gone string
	for to := range a.want {
		gone = to
		break
	}
	srv.UnknownRecipient(gone)
	a.award(t)
	startWorkers(t, a.db, worker.Config{Sender: plainSender(srv.Addr()), RetryPolicy: retryAfter(50 * time.Millisecond)})
	queued := settled(t, a.admin, 30*time.Second)
	for to, j := range queued {
		switch {
		case to == gone && (j.State != "cancelled" || j.Attempt != 1):
			t.Errorf("%s (no such mailbox): %s after %d tries, want cancelled after 1", to, j.State, j.Attempt)
		case to != gone && j.State != "completed":
			t.Errorf("%s: %s, want completed", to, j.State)
		}
	}
	if n := len(srv.Messages()); n != len(a.want)-1 {
		t.Errorf("%d messages delivered, want %d", n, len(a.want)-1)
	}
	u, _, err := a.store.UserByEmail(context.Background(), "admin@star.example")
	if err != nil {
		t.Fatal(err)
	}
	access, err := a.store.Access(context.Background(), u.ID, "star")
	if err != nil {
		t.Fatal(err)
	}
	if list, total, err := a.store.UndeliveredEmails(context.Background(), access.Scope, 10, 0); err != nil || total != 1 ||
		!strings.Contains(list[0].Error, "550") {
		t.Errorf("undelivered: %+v (total %d, %v), want the refused one", list, total, err)
	}
}
