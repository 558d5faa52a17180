// Package worker runs Tally's background jobs (package jobs) with River:
// it sends emails, with retries, makes password reset and sign-in links,
// sweeps for the reminders and digests due every hour, and deletes
// evidence files no return names (an orphan sweep, hourly). Workers run
// inside `tally serve` by default and in `tally worker` for deployments
// that separate them; any number of processes may run them at once,
// because River locks each job to one (and the sweep sends each reminder
// once).
package worker

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/postgres"
)

// Config is what the workers need.
type Config struct {
	Workers int           // jobs worked at once by this process
	BaseURL string        // before the links in emails; its host names Message-IDs
	Sender  notify.Sender // where emails go
	Log     *slog.Logger

	// RescueAfter is how long a job may stay running before another
	// worker takes it over, its own having stopped (a killed process).
	// Default 15 minutes, longer than any job may run (the reminder
	// sweep's 10); it must be longer than the job timeout.
	RescueAfter time.Duration
	// JobTimeout bounds one try of one job; 0 is the package's JobTimeout.
	// Only tests shorten it, so that a short RescueAfter is allowed.
	JobTimeout time.Duration
	// RetryPolicy says when a failed job is tried again; nil is River's
	// (attempt⁴ seconds).
	RetryPolicy river.ClientRetryPolicy
	// PollInterval is how often this process looks for jobs when no
	// notification says there are some; 0 is River's default (1 second).
	PollInterval time.Duration

	// Reminders sends the reminders and digests: every hour, the elected
	// leader among the processes enqueues a sweep (jobs.Reminders). Off,
	// this process still works sweeps another enqueued. Tests of other
	// jobs leave it off, so no reminder joins their emails.
	Reminders bool
	// SweepFiles deletes orphaned evidence objects: every hour the
	// leader enqueues a sweep (jobs.SweepFiles). Off, this process still
	// works sweeps another enqueued.
	SweepFiles bool
	// Now is the sweeps' clock; nil is time.Now.
	Now func() time.Time
}

// JobTimeout bounds one try of one job.
const JobTimeout = time.Minute

// Undelivered emails stay on the administrators' page this long.
const discardedRetention = 90 * 24 * time.Hour

// New is a River client that works Tally's jobs from pool, not yet
// started: call Start, and Stop when done.
func New(pool *pgxpool.Pool, store *postgres.Store, cfg Config) (*river.Client[pgx.Tx], error) {
	host := "tally.localhost"
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	m := mailer{send: cfg.Sender, baseURL: cfg.BaseURL, host: host}
	workers := river.NewWorkers()
	river.AddWorker(workers, &emailWorker{mailer: m})
	river.AddWorker(workers, &resetWorker{mailer: m, store: store})
	river.AddWorker(workers, &signInLinkWorker{mailer: m, store: store})
	river.AddWorker(workers, &invitationWorker{mailer: m, store: store})
	river.AddWorker(workers, &registrationWorker{mailer: m, store: store})
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	river.AddWorker(workers, &remindersWorker{store: store, now: now, log: cfg.Log})
	river.AddWorker(workers, &sweepWorker{store: store, now: now, log: cfg.Log})
	river.AddWorker(workers, &tidyWorker{store: store, log: cfg.Log})
	river.AddWorker(workers, &scanWorker{store: store, log: cfg.Log})
	// Tidy waits for its hour; the reminders and the sweep of evidence
	// objects (two at once would be harmless: each deletes only what no
	// row names) also run when a node becomes the leader.
	periodic := []*river.PeriodicJob{hourly("tidy", jobs.Tidy{}, false)}
	if cfg.Reminders {
		periodic = append(periodic, hourly("reminders", jobs.Reminders{}, true))
	}
	if cfg.SweepFiles {
		periodic = append(periodic, hourly("sweep_files", jobs.SweepFiles{}, true))
	}
	rescue := cfg.RescueAfter
	if rescue == 0 {
		rescue = 15 * time.Minute
	}
	return river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:                      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(cfg.Workers, 1)}},
		Workers:                     workers,
		PeriodicJobs:                periodic,
		Logger:                      cfg.Log,
		ErrorHandler:                errorLog{cfg.Log},
		JobTimeout:                  cmp.Or(cfg.JobTimeout, JobTimeout),
		RescueStuckJobsAfter:        rescue,
		RetryPolicy:                 cfg.RetryPolicy,
		FetchPollInterval:           cfg.PollInterval,
		DiscardedJobRetentionPeriod: discardedRetention,
		// An invitation's link is in its email job: keep sent ones for
		// an hour, not River's default day.
		CompletedJobRetentionPeriod: time.Hour,
		// River's nightly reindex needs the tables' owner; the app role
		// is not.
		ReindexerSchedule: river.NeverSchedule(),
	})
}

// errorLog logs each failed try, and as an error the last one.
type errorLog struct{ log *slog.Logger }

func (e errorLog) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	level := slog.LevelWarn
	msg := "job failed, will retry"
	if job.Attempt >= job.MaxAttempts {
		level, msg = slog.LevelError, "job failed for the last time: given up"
	}
	e.log.Log(ctx, level, msg, "job", job.ID, "kind", job.Kind, "attempt", job.Attempt, "max_attempts", job.MaxAttempts, "err", err.Error())
	return nil
}

func (e errorLog) HandlePanic(ctx context.Context, job *rivertype.JobRow, v any, trace string) *river.ErrorHandlerResult {
	e.log.ErrorContext(ctx, "job panicked", "job", job.ID, "kind", job.Kind, "attempt", job.Attempt, "panic", fmt.Sprint(v), "trace", trace)
	return nil
}
