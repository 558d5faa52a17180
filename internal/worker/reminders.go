package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/postgres"
)

// remindersTimeout bounds one sweep of every tenant, which takes longer
// than one email. It stays below Config.RescueAfter's default (15
// minutes, worker.go): River rescues a job still running after
// RescueAfter, and a sweep rescued while it runs would be run again
// beside it (harmless, as the ledger keeps each reminder to one send, but
// wasted). A deployment that shortens RescueAfter must keep it above this.
const remindersTimeout = 10 * time.Minute

// remindersWorker sends the reminders and digests due at its clock.
type remindersWorker struct {
	river.WorkerDefaults[jobs.Reminders]
	store *postgres.Store
	now   func() time.Time
	log   *slog.Logger
}

func (w *remindersWorker) Work(ctx context.Context, job *river.Job[jobs.Reminders]) error {
	n, err := w.store.SendReminders(ctx, w.now())
	if n > 0 {
		w.log.InfoContext(ctx, "reminders sent", "job", job.ID, "sent", n)
	}
	return err
}

// Timeout is a sweep's, not an email's.
func (w *remindersWorker) Timeout(*river.Job[jobs.Reminders]) time.Duration { return remindersTimeout }

// hourly enqueues args every hour, and, with runOnStart, when a node
// becomes the leader, so a leader elected late in the hour does not wait
// for the next. River runs periodic jobs on the elected leader alone, but
// its schedule is kept in memory and starts again with each new leader:
// UniqueOpts ByPeriod keep it to one job an hour (while the last is kept,
// CompletedJobRetentionPeriod). The reminders' ledger (reminders_sent)
// keeps each reminder to one send whatever River does.
func hourly(id string, args river.JobArgs, runOnStart bool) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
	}, &river.PeriodicJobOpts{ID: id, RunOnStart: runOnStart})
}
