package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/postgres"
)

// sweepTimeout bounds one sweep of the file store: listing a large bucket
// takes longer than one email. Like remindersTimeout it stays below
// Config.RescueAfter's default.
const sweepTimeout = 10 * time.Minute

// sweepWorker deletes the evidence objects no row names, once they are
// older than postgres.OrphanGrace.
type sweepWorker struct {
	river.WorkerDefaults[jobs.SweepFiles]
	store *postgres.Store
	now   func() time.Time
	log   *slog.Logger
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[jobs.SweepFiles]) error {
	n, err := w.store.SweepEvidenceFiles(ctx, w.now().Add(-postgres.OrphanGrace))
	if n > 0 {
		w.log.InfoContext(ctx, "evidence objects no file names were deleted", "job", job.ID, "deleted", n)
	}
	return err
}

// Timeout is a sweep's, not an email's.
func (w *sweepWorker) Timeout(*river.Job[jobs.SweepFiles]) time.Duration { return sweepTimeout }
