package worker_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/mailtest"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/internal/worker"
)

const (
	baseURL = "https://tally.example"
	from    = "Tally <no-reply@tally.example>"
)

// plainSender sends through the SMTP server at addr without TLS.
func plainSender(addr string) *notify.SMTPSender {
	return &notify.SMTPSender{Addr: addr, TLS: notify.TLSNone, From: from, Timeout: 10 * time.Second}
}

// startTLSSender sends through addr with STARTTLS required, trusting pool.
func startTLSSender(addr string, pool *x509.CertPool) *notify.SMTPSender {
	return &notify.SMTPSender{Addr: addr, TLS: notify.TLSStartTLS, From: from, Timeout: 10 * time.Second,
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}}
}

// retryAfter is a retry policy that tries a failed job again after d, so
// retries happen within a test's seconds rather than River's backoff.
type retryAfter time.Duration

func (d retryAfter) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(time.Duration(d)) }

// awardCase is a demo tender ready to award: closed, its offers marked.
type awardCase struct {
	db      *pgtest.DB
	store   *postgres.Store
	admin   *pgx.Conn   // a superuser: reads past row-level security
	scope   tally.Scope // the buyer's
	tender  int64
	ref     string
	partner int64 // the tender's partner: its administrators see undelivered emails
	winner  int64 // the offer to award
	// want is every address the award must email, each with what its
	// subject says.
	want map[string]string
}

// readyAward gives the test a fresh demo database in which Stockport's
// first closed tender with two or more bidders has every offer marked, so
// that it can be awarded.
func readyAward(t *testing.T) *awardCase {
	t.Helper()
	ctx := context.Background()
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(ctx, postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	admin, err := pgx.Connect(ctx, db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	a := &awardCase{db: db, store: postgres.New(db.App), admin: admin, want: map[string]string{}}
	// The demo queues no email: every one the workers send is the award's.
	if n := count(t, admin, `SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("the demo left %d jobs", n)
	}
	err = admin.QueryRow(ctx, `
		SELECT t.id, t.reference, t.partner_id FROM tenders t JOIN organisations p ON p.id = t.partner_id
		WHERE p.slug = 'stockport' AND t.status = 'published' AND t.deadline <= now()
		  AND (SELECT count(*) FROM offers f WHERE f.tender_id = t.id AND f.status = 'submitted') >= 2
		ORDER BY t.id LIMIT 1`).Scan(&a.tender, &a.ref, &a.partner)
	if err != nil {
		t.Fatalf("no closed Stockport tender: %v", err)
	}
	u, _, err := a.store.UserByEmail(ctx, "buyer@stockport.example")
	if err != nil {
		t.Fatal(err)
	}
	access, err := a.store.Access(ctx, u.ID, "stockport")
	if err != nil {
		t.Fatal(err)
	}
	a.scope = access.Scope
	e, err := a.store.Evaluation(ctx, a.scope, a.tender, tally.OpenedOnPage)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Offers) < 2 {
		t.Fatalf("%d offers on %s", len(e.Offers), a.ref)
	}
	var marks []postgres.Marks
	for i, o := range e.Offers {
		marks = append(marks, postgres.Marks{OfferID: o.OfferID, Mark: 5 - i%6, Marked: true, NoPricePoints: true, NoQualityPoints: true})
	}
	if err := a.store.SaveMarks(ctx, a.scope, a.tender, marks); err != nil {
		t.Fatal(err)
	}
	a.winner = e.Offers[len(e.Offers)-1].OfferID
	// Whom the award tells: the people of every bidder, from the
	// memberships themselves.
	for _, o := range e.Offers {
		subject := "Outcome of " + a.ref + ": your offer was not successful"
		if o.OfferID == a.winner {
			subject = "Outcome of " + a.ref + ": you have won the contract"
		}
		rows, err := admin.Query(ctx, `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = $1 AND m.role = 'supplier'`, o.Supplier.ID)
		if err != nil {
			t.Fatal(err)
		}
		people, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(people) == 0 {
			t.Fatalf("people of %s: %v %v", o.Supplier.Name, people, err)
		}
		for _, p := range people {
			a.want[p] = subject
		}
	}
	return a
}

// award awards the tender as its buyer does, and returns the contract.
func (a *awardCase) award(t *testing.T) int64 {
	t.Helper()
	id, _, err := a.store.Award(context.Background(), a.scope, a.tender, a.winner, "Chosen by the worker tests", time.Now())
	if err != nil {
		t.Fatalf("award: %v", err)
	}
	if n := count(t, a.admin, `SELECT count(*) FROM contracts WHERE id = $1 AND tender_id = $2`, id, a.tender); n != 1 {
		t.Fatalf("award: contract %d not found", id)
	}
	return id
}

// emailJob is one email job as River keeps it.
type emailJob struct {
	ID      int64
	To      string
	State   string
	Attempt int
	Errors  []string // each failed try's error, oldest first
}

// emailJobs lists the database's email jobs by address.
func emailJobs(t *testing.T, admin *pgx.Conn) map[string]emailJob {
	t.Helper()
	rows, err := admin.Query(context.Background(), `
		SELECT id, args->>'to', state::text, attempt, coalesce((SELECT array_agg(e->>'error') FROM unnest(errors) e), '{}')
		FROM river_job WHERE kind = 'email' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[emailJob])
	if err != nil {
		t.Fatal(err)
	}
	byTo := map[string]emailJob{}
	for _, j := range list {
		if _, twice := byTo[j.To]; twice {
			t.Errorf("two email jobs to %s", j.To)
		}
		byTo[j.To] = j
	}
	return byTo
}

// count runs a query that counts, past row-level security.
func count(t *testing.T, admin *pgx.Conn, q string, args ...any) int {
	t.Helper()
	var n int
	if err := admin.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// eventually polls cond until it holds, failing the test with what it says
// after timeout.
func eventually(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, why)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// settled waits until no email job is left to work: each is completed or
// given up (discarded). After that no more mail can arrive.
func settled(t *testing.T, admin *pgx.Conn, timeout time.Duration) map[string]emailJob {
	t.Helper()
	var jobs map[string]emailJob
	eventually(t, timeout, func() (bool, string) {
		jobs = emailJobs(t, admin)
		var open []string
		for _, j := range jobs {
			if j.State != "completed" && j.State != "discarded" && j.State != "cancelled" {
				open = append(open, fmt.Sprintf("%s: %s after %d tries %q", j.To, j.State, j.Attempt, j.Errors))
			}
		}
		return len(open) == 0, fmt.Sprintf("email jobs not done: %s", strings.Join(open, "; "))
	})
	return jobs
}

// startWorkers runs the real workers on db's app pool, as `tally serve`
// does, with cfg's sender and settings; unset ones are filled for a test.
// They stop when the test ends; what they logged is shown if it failed.
func startWorkers(t *testing.T, db *pgtest.DB, cfg worker.Config) *river.Client[pgx.Tx] {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Log = slog.New(slog.NewTextHandler(logs, nil))
	cfg.BaseURL = baseURL
	cfg.Workers = max(cfg.Workers, 4)
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	c, err := worker.New(db.App, postgres.New(db.App).WithFiles(db.Files), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			c.StopAndCancel(context.Background())
		}
		if t.Failed() {
			t.Logf("the workers logged:\n%s", logs)
		}
	})
	return c
}

// receivedOnce checks that the messages are the award's emails: one to
// each of a.want, with its subject, and none to anyone else. jobs are the
// email jobs, whose ids name the Message-IDs.
func receivedOnce(t *testing.T, a *awardCase, msgs []mailtest.Message, jobs map[string]emailJob) {
	t.Helper()
	got := map[string][]mailtest.Message{}
	for _, m := range msgs {
		if m.Err != nil {
			t.Errorf("unparsable message: %v", m.Err)
		}
		if len(m.To) != 1 {
			t.Errorf("message %q to %q: want one recipient each", m.Subject, m.To)
			continue
		}
		got[m.To[0]] = append(got[m.To[0]], m)
	}
	for to, subject := range a.want {
		ms := got[to]
		if len(ms) != 1 {
			t.Errorf("%s received %d emails, want 1", to, len(ms))
			continue
		}
		m := ms[0]
		if m.Subject != subject {
			t.Errorf("%s: subject %q, want %q", to, m.Subject, subject)
		}
		if m.From != "no-reply@tally.example" || m.Header.Get("From") != `"Tally" <no-reply@tally.example>` {
			t.Errorf("%s: from %q, header %q", to, m.From, m.Header.Get("From"))
		}
		if want := "tally-job-" + strconv.FormatInt(jobs[to].ID, 10) + "@tally.example"; m.MessageID != want {
			t.Errorf("%s: Message-ID %q, want %q", to, m.MessageID, want)
		}
		if links := m.Links(); len(links) != 1 || !strings.HasPrefix(links[0], baseURL+"/o/") {
			t.Errorf("%s: links %q, want one to the offer", to, links)
		}
	}
	for to, ms := range got {
		if _, ok := a.want[to]; !ok {
			t.Errorf("%s, not a bidder, received %d emails: %q", to, len(ms), ms[0].Subject)
		}
	}
}

// syncBuffer is a log the workers' goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
