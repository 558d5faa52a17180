package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/worker"
)

// workJobs runs the real workers on ts's database, as `tally serve` does,
// with the log for a mail server (no SMTP set), and waits until every job
// queued so far is done: then the emails are in ts.log. The workers start
// the first time a test looks and stop when it ends.
func (ts *testServer) workJobs() {
	ts.workers.Do(func() {
		log := slog.New(slog.NewJSONHandler(ts.log, nil))
		sender := ts.sender
		if sender == nil {
			sender = notify.LogSender{Log: log}
		}
		store := ts.store
		if store == nil {
			store = postgres.New(ts.db.App)
		}
		c, err := worker.New(ts.db.App, store, worker.Config{Workers: 4, BaseURL: "http://localhost",
			Sender: sender, Log: log, PollInterval: 100 * time.Millisecond})
		if err == nil {
			err = c.Start(context.Background())
		}
		if err != nil {
			ts.t.Errorf("start workers: %v", err)
			return
		}
		ts.t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c.Stop(ctx)
		})
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		if err := ts.db.Owner.QueryRow(context.Background(), `
			SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&waiting); err != nil {
			ts.t.Errorf("jobs: %v", err)
			return
		}
		if waiting == 0 {
			return
		}
		if time.Now().After(deadline) {
			ts.t.Errorf("%d jobs still waiting after 30 s", waiting)
			return
		}
	}
}

// mailLog is everything logged once the queued jobs are done, so every
// email queued so far is in it.
func (ts *testServer) mailLog() string {
	ts.workJobs()
	return ts.log.String()
}

// undeliveredEmail records an email about org's work, to one of toOrg's
// people, that the workers gave up on, as River leaves it after the last
// try, and returns its id.
func undeliveredEmail(t *testing.T, ts *testServer, org, toOrg int64, to, subject string) int64 {
	t.Helper()
	var id int64
	err := ts.db.Owner.QueryRow(t.Context(), `
		INSERT INTO river_job (args, kind, max_attempts, attempt, attempted_at, state, queue, priority, finalized_at, errors)
		VALUES (jsonb_build_object('to', $2::text, 'subject', $3::text, 'body', 'Body.', 'why', 'Why.', 'org', $1::bigint, 'to_org', $4::bigint),
		        'email', 10, 10, now(), 'discarded', 'default', 1, now(),
		        ARRAY[jsonb_build_object('at', now(), 'attempt', 10, 'error', 'mail: send to '||$2||': 550 mailbox unavailable', 'trace', '')])
		RETURNING id`, org, to, subject, toOrg).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// mailLines is the log lines of the emails sent so far (the workers run
// first), in the order they were queued: workers send in parallel, so the
// log's order is not the queue's. The job id is in each Message-ID.
func (ts *testServer) mailLines() []string {
	type line struct {
		job  int
		text string
	}
	var lines []line
	for _, l := range strings.Split(ts.mailLog(), "\n") {
		var m struct {
			MessageID string `json:"message_id"`
		}
		if json.Unmarshal([]byte(l), &m) != nil || !strings.HasPrefix(m.MessageID, "tally-job-") {
			continue
		}
		job, _ := strconv.Atoi(strings.TrimPrefix(strings.Split(m.MessageID, "@")[0], "tally-job-"))
		lines = append(lines, line{job, l})
	}
	slices.SortStableFunc(lines, func(a, b line) int { return a.job - b.job })
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return out
}
